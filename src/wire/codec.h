// The one compact binary form for values, rows and messages, used across the JS<->Wasm boundary and
// between objects. Little-endian fixed-width integers; every read is bounds-checked (a truncated or
// corrupt buffer is an error value, never a crash).
//   value  := u8 type, then i64 | f64 | u32 len + bytes (text/blob) | nothing (null)
//   string := u32 len + bytes
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include "value/value.h"

namespace bd::wire {

class Writer {
 public:
  void u8(uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { raw(&v, 4); }
  void i64(int64_t v) { raw(&v, 8); }
  void f64(double v) { raw(&v, 8); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    buf_.append(s);
  }
  void value(const Value& v);
  void row(const Row& r) {
    u32(static_cast<uint32_t>(r.size()));
    for (auto& v : r) value(v);
  }
  void result_set(const ResultSet& rs);
  std::string& buffer() { return buf_; }
  std::string take() { return std::move(buf_); }

 private:
  void raw(const void* p, size_t n) { buf_.append(static_cast<const char*>(p), n); }
  std::string buf_;
};

class Reader {
 public:
  explicit Reader(std::string_view data) : d_(data) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ >= d_.size(); }
  uint8_t u8() {
    uint8_t v = 0;
    raw(&v, 1);
    return v;
  }
  uint32_t u32() {
    uint32_t v = 0;
    raw(&v, 4);
    return v;
  }
  int64_t i64() {
    int64_t v = 0;
    raw(&v, 8);
    return v;
  }
  double f64() {
    double v = 0;
    raw(&v, 8);
    return v;
  }
  std::string_view str();
  Value value();
  Row row();
  ResultSet result_set();
  // Guards element counts read from the buffer against absurd sizes (each element >= 1 byte).
  uint32_t count() {
    uint32_t n = u32();
    if (n > d_.size() - std::min(pos_, d_.size())) ok_ = false;
    return ok_ ? n : 0;
  }

 private:
  void raw(void* p, size_t n) {
    if (!ok_ || d_.size() - pos_ < n) {
      ok_ = false;
      std::memset(p, 0, n);
      return;
    }
    std::memcpy(p, d_.data() + pos_, n);
    pos_ += n;
  }
  std::string_view d_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace bd::wire
