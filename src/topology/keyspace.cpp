#include "topology/keyspace.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>
#include "sqlite3.h"

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

std::string real_to_text(double r) {
  char* s = sqlite3_mprintf("%!.15g", r);
  std::string out = s ? s : "";
  sqlite3_free(s);
  return out;
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

// A REAL that holds an exact integer in int64 range is stored as INTEGER by NUMERIC/INTEGER affinity.
bool real_as_int(double r, int64_t& out) {
  if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) return false;
  auto i = static_cast<int64_t>(r);
  if (static_cast<double>(i) != r) return false;
  out = i;
  return true;
}

uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t fnv1a(std::string_view s, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
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

uint64_t keyspace_id(const Value& v) {
  switch (v.type) {
    case ValueType::Null: return 0;
    case ValueType::Integer: return mix64(static_cast<uint64_t>(v.i));
    case ValueType::Real: {
      int64_t i;
      if (real_as_int(v.r, i)) return mix64(static_cast<uint64_t>(i));
      double r = v.r == 0 ? 0.0 : v.r;
      uint64_t bits;
      std::memcpy(&bits, &r, 8);
      return mix64(bits ^ 0x5bd1e9955bd1e995ULL);
    }
    case ValueType::Text: return fnv1a(v.s, 0x7e57);
    case ValueType::Blob: return fnv1a(v.s, 0xb10b);
  }
  return 0;
}

uint64_t keyspace_id(const Value& v, std::string_view collation) {
  if (v.type != ValueType::Text || collation.empty()) return keyspace_id(v);
  auto lower = [](std::string_view c) {
    std::string out(c);
    for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
  };
  std::string coll = lower(collation);
  if (coll == "nocase") {
    std::string t = v.s;
    for (auto& ch : t)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return keyspace_id(Value::text(t));
  }
  if (coll == "rtrim") {
    std::string t = v.s;
    while (!t.empty() && t.back() == ' ') t.pop_back();
    return keyspace_id(Value::text(t));
  }
  return keyspace_id(v);
}

}  // namespace bd
