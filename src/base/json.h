// A minimal JSON writer for the `meta` and topology objects the core hands to the host.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace bd {

class JsonWriter {
 public:
  JsonWriter& begin_object() {
    sep();
    out_ += '{';
    first_ = true;
    return *this;
  }
  JsonWriter& end_object() {
    out_ += '}';
    first_ = false;
    return *this;
  }
  JsonWriter& begin_array() {
    sep();
    out_ += '[';
    first_ = true;
    return *this;
  }
  JsonWriter& end_array() {
    out_ += ']';
    first_ = false;
    return *this;
  }
  JsonWriter& key(std::string_view k) {
    sep();
    quote(k);
    out_ += ':';
    first_ = true;
    return *this;
  }
  JsonWriter& str(std::string_view s) {
    sep();
    quote(s);
    return *this;
  }
  JsonWriter& num(int64_t v) {
    sep();
    out_ += std::to_string(v);
    return *this;
  }
  JsonWriter& unum(uint64_t v) {
    sep();
    out_ += std::to_string(v);
    return *this;
  }
  // Keyspace ids are unsigned 64-bit: as strings, since JSON numbers lose precision past 2^53.
  JsonWriter& ustr(uint64_t v) { return str(std::to_string(v)); }
  JsonWriter& boolean(bool v) {
    sep();
    out_ += v ? "true" : "false";
    return *this;
  }
  JsonWriter& null() {
    sep();
    out_ += "null";
    return *this;
  }
  JsonWriter& raw(std::string_view json) {
    sep();
    out_ += json;
    return *this;
  }  // already JSON
  std::string take() { return std::move(out_); }

 private:
  void sep() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void quote(std::string_view s) {
    out_ += '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            out_ += b;
          } else {
            out_ += static_cast<char>(c);
          }
      }
    }
    out_ += '"';
  }
  std::string out_;
  bool first_ = true;
};

}  // namespace bd
