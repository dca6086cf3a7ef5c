#include "conductor/merge/operator.h"

namespace bd::merge {

namespace {
constexpr const char* kPending = "row stream waits for its next page";
}

Error pending() { return Error::internal(kPending); }
bool is_pending(const Error& e) { return e.code == ErrorCode::Internal && e.message == kPending; }

Result<std::vector<Row>> drain(RowSource& src) {
  std::vector<Row> out;
  Row row;
  for (;;) {
    Result<bool> more = src.next(&row);
    if (!more.ok()) return more.error();
    if (!*more) return out;
    out.push_back(std::move(row));
  }
}

}  // namespace bd::merge
