#include "value/affinity.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>
#include "value/numeric.h"

namespace bd {

Affinity affinity_of_type(std::string_view t) {
  // The order of the rules matters and mirrors sqlite3AffinityType.
  std::string u(t);
  for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u.find("INT") != std::string::npos) return Affinity::Integer;
  if (u.find("CHAR") != std::string::npos || u.find("CLOB") != std::string::npos || u.find("TEXT") != std::string::npos)
    return Affinity::Text;
  if (u.find("BLOB") != std::string::npos || u.empty()) return Affinity::Blob;
  if (u.find("REAL") != std::string::npos || u.find("FLOA") != std::string::npos || u.find("DOUB") != std::string::npos)
    return Affinity::Real;
  return Affinity::Numeric;
}

namespace {

// Parses text the way SQLite decides whether a string "looks like a number" for affinity:
// optional surrounding whitespace, sign, digits, optional fraction and exponent, nothing else.
bool parse_numeric_text(std::string_view s, Value& out) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) b++;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) e--;
  if (b == e) return false;
  std::string body(s.substr(b, e - b));
  size_t i = 0;
  if (body[i] == '+' || body[i] == '-') i++;
  size_t digits = 0, frac = 0;
  bool is_int = true;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) i++, digits++;
  if (i < body.size() && body[i] == '.') {
    is_int = false;
    i++;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) i++, frac++;
  }
  if (digits + frac == 0) return false;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    is_int = false;
    i++;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) i++;
    size_t ed = 0;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) i++, ed++;
    if (!ed) return false;
  }
  if (i != body.size()) return false;
  if (is_int) {
    errno = 0;
    char* endp = nullptr;
    long long v = std::strtoll(body.c_str(), &endp, 10);
    if (errno == 0) {
      out = Value::integer(v);
      return true;
    }
  }
  out = Value::real(std::strtod(body.c_str(), nullptr));
  return true;
}

}  // namespace

Value apply_affinity(const Value& v, Affinity a) {
  switch (a) {
    case Affinity::Blob: return v;
    case Affinity::Text:
      if (v.type == ValueType::Integer) return Value::text(std::to_string(v.i));
      if (v.type == ValueType::Real) return Value::text(real_to_text(v.r));
      return v;
    case Affinity::Real: {
      if (v.type == ValueType::Integer) return Value::real(static_cast<double>(v.i));
      if (v.type == ValueType::Text) {
        Value n;
        if (parse_numeric_text(v.s, n)) return n.type == ValueType::Integer ? Value::real(static_cast<double>(n.i)) : n;
      }
      return v;
    }
    case Affinity::Numeric:
    case Affinity::Integer: {
      Value n = v;
      if (v.type == ValueType::Text && !parse_numeric_text(v.s, n)) return v;
      int64_t i;
      if (n.type == ValueType::Real && real_as_int(n.r, i)) return Value::integer(i);
      return n;
    }
  }
  return v;
}

}  // namespace bd
