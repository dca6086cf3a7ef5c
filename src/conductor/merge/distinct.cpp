#include "conductor/merge/distinct.h"

#include "value/compare.h"

namespace bd::merge {

bool Distinct::RowLess::operator()(const Row& a, const Row& b) const {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; i++) {
    Collation c = i < colls->size() ? (*colls)[i] : Collation::Binary;
    int r = compare(a[i], b[i], c);
    if (r != 0) return r < 0;
  }
  return a.size() < b.size();
}

Distinct::Distinct(RowSourcePtr input, std::vector<Collation> collations)
    : input_(std::move(input)), colls_(std::move(collations)), seen_(RowLess{&colls_}) {}

Result<bool> Distinct::next(Row* row) {
  for (;;) {
    Result<bool> more = input_->next(row);
    if (!more.ok() || !*more) return more;
    if (seen_.insert(*row).second) return true;
  }
}

}  // namespace bd::merge
