#include "wire/codec.h"

namespace bd::wire {

void Writer::value(const Value& v) {
  u8(static_cast<uint8_t>(v.type));
  switch (v.type) {
    case ValueType::Null: break;
    case ValueType::Integer: i64(v.i); break;
    case ValueType::Real: f64(v.r); break;
    case ValueType::Text:
    case ValueType::Blob: str(v.s); break;
  }
}

void Writer::result_set(const ResultSet& rs) {
  u32(static_cast<uint32_t>(rs.columns.size()));
  for (auto& c : rs.columns) str(c);
  u32(static_cast<uint32_t>(rs.rows.size()));
  for (auto& r : rs.rows) {
    // Rows carry exactly columns.size() values; the count is implied.
    for (auto& v : r) value(v);
  }
  i64(rs.changes);
  i64(rs.last_insert_rowid);
}

std::string_view Reader::str() {
  uint32_t n = u32();
  if (!ok_ || d_.size() - pos_ < n) {
    ok_ = false;
    return {};
  }
  std::string_view s = d_.substr(pos_, n);
  pos_ += n;
  return s;
}

Value Reader::value() {
  auto t = u8();
  switch (t) {
    case 0: return Value::null();
    case 1: return Value::integer(i64());
    case 2: return Value::real(f64());
    case 3: return Value::text(str());
    case 4: return Value::blob(str());
    default: ok_ = false; return Value::null();
  }
}

Row Reader::row() {
  uint32_t n = count();
  Row r;
  r.reserve(n);
  for (uint32_t k = 0; k < n && ok_; k++) r.push_back(value());
  return r;
}

ResultSet Reader::result_set() {
  ResultSet rs;
  uint32_t nc = count();
  for (uint32_t k = 0; k < nc && ok_; k++) rs.columns.emplace_back(str());
  uint32_t nr = count();
  rs.rows.reserve(nr);
  for (uint32_t k = 0; k < nr && ok_; k++) {
    Row r;
    r.reserve(nc);
    for (uint32_t c = 0; c < nc && ok_; c++) r.push_back(value());
    rs.rows.push_back(std::move(r));
  }
  rs.changes = i64();
  rs.last_insert_rowid = i64();
  return rs;
}

}  // namespace bd::wire
