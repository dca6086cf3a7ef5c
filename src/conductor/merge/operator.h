// The one interface every merge operator shares (after Vitess's engine primitives): a pull-based
// stream of rows. Shard results enter as VectorSource; operators wrap sources and are sources
// themselves, so a plan's merge step is a small tree: Limit(Distinct(OrderedMerge(shards...))).
//
// Sans-I/O: sources never block. A source fed page by page (conductor/stream.h) that has run out of
// rows before its shard's last page answers pending(): every operator passes that on unchanged and,
// pulled again once the page is in, resumes exactly where it was.
#pragma once
#include <memory>
#include <vector>

#include "base/result.h"
#include "value/value.h"

namespace bd::merge {

class RowSource {
 public:
  virtual ~RowSource() = default;
  // Moves the next row into *row and returns true, or returns false at the end of the stream.
  // After an error or the end, the source must not be pulled again.
  virtual Result<bool> next(Row* row) = 0;
};

using RowSourcePtr = std::unique_ptr<RowSource>;

// "No row yet": the error a paged source answers while its next page is still to be fetched.
Error pending();
bool is_pending(const Error& e);

// One shard's (already fetched) rows, handed out in order.
class VectorSource final : public RowSource {
 public:
  explicit VectorSource(std::vector<Row> rows) : rows_(std::move(rows)) {}
  Result<bool> next(Row* row) override {
    if (pos_ >= rows_.size()) return false;
    *row = std::move(rows_[pos_++]);
    return true;
  }

 private:
  std::vector<Row> rows_;
  size_t pos_ = 0;
};

// Drains a source into a vector (final results, tests).
Result<std::vector<Row>> drain(RowSource& src);

}  // namespace bd::merge
