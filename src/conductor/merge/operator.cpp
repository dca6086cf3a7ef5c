#include "conductor/merge/operator.h"

namespace bd::merge {

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
