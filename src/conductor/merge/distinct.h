// SELECT DISTINCT over merged rows: keeps the first occurrence of each row, where rows are equal
// when every column compares equal (compare() == 0) under that column's collation — so 1 and 1.0
// are duplicates and NULLs are equal to each other, as in SQLite's DISTINCT.
//
// Streaming: a row is emitted as soon as it is first seen, so Distinct composes with an
// OrderedMerge below and a Limit above. Memory grows with the number of distinct rows.
#pragma once
#include <set>

#include "value/collation.h"
#include "conductor/merge/operator.h"

namespace bd::merge {

class Distinct final : public RowSource {
 public:
  // collations[i] applies to column i; missing entries mean BINARY.
  Distinct(RowSourcePtr input, std::vector<Collation> collations = {});
  Distinct(const Distinct&) = delete;  // seen_ points into colls_
  Distinct& operator=(const Distinct&) = delete;
  Result<bool> next(Row* row) override;

 private:
  struct RowLess {
    const std::vector<Collation>* colls;
    bool operator()(const Row& a, const Row& b) const;
  };
  RowSourcePtr input_;
  std::vector<Collation> colls_;
  std::set<Row, RowLess> seen_;
};

}  // namespace bd::merge
