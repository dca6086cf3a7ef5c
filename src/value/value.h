// A SQLite value: one of the five storage classes. Used everywhere rows flow (storage results,
// merges, combine engine input, final results), always in this one form.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bd {

enum class ValueType : uint8_t { Null = 0, Integer = 1, Real = 2, Text = 3, Blob = 4 };

struct Value {
  ValueType type = ValueType::Null;
  int64_t i = 0;
  double r = 0;
  std::string s;  // text (UTF-8) or blob bytes

  static Value null() { return {}; }
  static Value integer(int64_t v) {
    Value x;
    x.type = ValueType::Integer;
    x.i = v;
    return x;
  }
  static Value real(double v) {
    Value x;
    x.type = ValueType::Real;
    x.r = v;
    return x;
  }
  static Value text(std::string_view v) {
    Value x;
    x.type = ValueType::Text;
    x.s = v;
    return x;
  }
  static Value blob(std::string_view v) {
    Value x;
    x.type = ValueType::Blob;
    x.s = v;
    return x;
  }

  bool is_null() const { return type == ValueType::Null; }
  bool operator==(const Value& o) const {
    if (type != o.type) return false;
    switch (type) {
      case ValueType::Null: return true;
      case ValueType::Integer: return i == o.i;
      case ValueType::Real: return r == o.r;
      default: return s == o.s;
    }
  }
};

using Row = std::vector<Value>;

// Result of one statement: column names, rows, and SQLite's changes()/last_insert_rowid().
struct ResultSet {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  int64_t changes = 0;
  int64_t last_insert_rowid = 0;
};

}  // namespace bd
