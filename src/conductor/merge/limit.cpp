#include "conductor/merge/limit.h"

#include <cstdlib>
#include <string>

namespace bd::merge {
namespace {

Result<int64_t> must_be_int(const Value& v) {
  switch (v.type) {
    case ValueType::Integer: return v.i;
    case ValueType::Real:
      if (v.r >= -9223372036854775808.0 && v.r < 9223372036854775808.0 &&
          static_cast<double>(static_cast<int64_t>(v.r)) == v.r)
        return static_cast<int64_t>(v.r);
      break;
    case ValueType::Text: {
      // An integer literal, optionally surrounded by spaces (SQLite applies numeric affinity).
      const std::string& s = v.s;
      size_t b = 0, e = s.size();
      while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\n' || s[b] == '\r' || s[b] == '\f' || s[b] == '\v')) b++;
      while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n' || s[e - 1] == '\r' || s[e - 1] == '\f' || s[e - 1] == '\v')) e--;
      size_t p = b;
      bool neg = false;
      if (p < e && (s[p] == '+' || s[p] == '-')) neg = s[p++] == '-';
      if (p == e) break;
      uint64_t acc = 0;
      bool okd = true;
      for (size_t i = p; i < e; i++) {
        if (s[i] < '0' || s[i] > '9') { okd = false; break; }
        uint64_t d = uint64_t(s[i] - '0');
        if (acc > (UINT64_MAX - d) / 10) { okd = false; break; }
        acc = acc * 10 + d;
      }
      if (!okd) break;
      if (!neg && acc <= uint64_t(INT64_MAX)) return int64_t(acc);
      if (neg && acc <= uint64_t(INT64_MAX) + 1) return int64_t(0 - acc);
      break;
    }
    default: break;
  }
  return Error::sql("datatype mismatch");
}

}  // namespace

Result<LimitSpec> limit_from_values(const Value& limit, const Value* offset) {
  LimitSpec spec;
  BD_TRY(l, must_be_int(limit));
  spec.limit = l < 0 ? -1 : l;
  if (offset) {
    BD_TRY(o, must_be_int(*offset));
    spec.offset = o < 0 ? 0 : o;
  }
  return spec;
}

Limit::Limit(RowSourcePtr input, LimitSpec spec)
    : input_(std::move(input)), remaining_(spec.limit < 0 ? -1 : spec.limit),
      skip_(spec.offset < 0 ? 0 : spec.offset) {}

Result<bool> Limit::next(Row* row) {
  if (remaining_ == 0) return false;
  while (skip_ > 0) {
    Result<bool> more = input_->next(row);
    if (!more.ok() || !*more) return more;
    skip_--;
  }
  Result<bool> more = input_->next(row);
  if (more.ok() && *more && remaining_ > 0) remaining_--;
  return more;
}

}  // namespace bd::merge
