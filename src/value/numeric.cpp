#include "value/numeric.h"

#include <cstdlib>

#include "sqlite3.h"

namespace bd {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The whole string (minus surrounding spaces) is [+-]digits and fits in an int64.
bool exact_integer(std::string_view s, int64_t* out) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) b++;
  while (e > b && is_space(s[e - 1])) e--;
  bool neg = false;
  if (b < e && (s[b] == '+' || s[b] == '-')) neg = s[b++] == '-';
  if (b == e) return false;
  uint64_t acc = 0;
  for (size_t i = b; i < e; i++) {
    if (!is_digit(s[i])) return false;
    uint64_t d = uint64_t(s[i] - '0');
    if (acc > (UINT64_MAX - d) / 10) return false;
    acc = acc * 10 + d;
  }
  if (!neg && acc > uint64_t(INT64_MAX)) return false;
  if (neg && acc > uint64_t(INT64_MAX) + 1) return false;
  *out = neg ? int64_t(0 - acc) : int64_t(acc);
  return true;
}

// sqlite3AtoF's reading of a prefix: [space][sign]digits[.digits][(e|E)[sign]digits].
// *full is set when only whitespace follows the number.
double prefix_real(std::string_view s, bool* full = nullptr) {
  size_t i = 0, n = s.size();
  while (i < n && is_space(s[i])) i++;
  std::string buf;
  if (i < n && (s[i] == '+' || s[i] == '-')) buf += s[i++];
  size_t digits = 0;
  while (i < n && is_digit(s[i])) {
    buf += s[i++];
    digits++;
  }
  if (i < n && s[i] == '.') {
    buf += s[i++];
    while (i < n && is_digit(s[i])) {
      buf += s[i++];
      digits++;
    }
  }
  if (full) *full = false;
  if (digits == 0) return 0.0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < n && (s[j] == '+' || s[j] == '-')) j++;
    if (j < n && is_digit(s[j])) {
      buf += 'e';
      buf.append(s.substr(i + 1, j - i - 1));
      while (j < n && is_digit(s[j])) buf += s[j++];
      i = j;
    }
  }
  if (full) {
    while (i < n && is_space(s[i])) i++;
    *full = i == n;
  }
  return std::strtod(buf.c_str(), nullptr);
}

}  // namespace

std::optional<Value> text_as_number(std::string_view text) {
  int64_t i;
  if (exact_integer(text, &i)) return Value::integer(i);
  bool full = false;
  double r = prefix_real(text, &full);
  if (!full) return std::nullopt;
  return Value::real(r);
}

std::optional<int64_t> real_to_integer_affinity(double r) {
  auto i = real_equal_integer(r);
  if (!i || *i == INT64_MIN || *i == INT64_MAX) return std::nullopt;
  return i;
}

std::optional<int64_t> real_equal_integer(double r) {
  if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) return std::nullopt;
  auto i = static_cast<int64_t>(r);
  if (static_cast<double>(i) != r) return std::nullopt;
  return i;
}

Value to_numeric(const Value& v) {
  switch (v.type) {
    case ValueType::Null:
    case ValueType::Integer:
    case ValueType::Real: return v;
    case ValueType::Text: {
      int64_t i;
      if (exact_integer(v.s, &i)) return Value::integer(i);
      return Value::real(prefix_real(v.s));
    }
    case ValueType::Blob: return Value::real(prefix_real(v.s));
  }
  return v;
}

std::string real_to_text(double r) {
  char buf[64];
  sqlite3_snprintf(sizeof buf, buf, "%!.17g", r);
  return std::string(buf);
}

std::string to_text(const Value& v) {
  switch (v.type) {
    case ValueType::Null: return std::string();
    case ValueType::Integer: return std::to_string(v.i);
    case ValueType::Real: return real_to_text(v.r);
    default: return v.s;
  }
}

}  // namespace bd
