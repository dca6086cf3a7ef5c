#include "topology/keyspace.h"

#include <cstring>
#include <string>
#include "value/collation.h"
#include "value/numeric.h"

namespace bd {
namespace {

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

uint64_t keyspace_id(const Value& v) {
  switch (v.type) {
    case ValueType::Null: return 0;
    case ValueType::Integer: return mix64(static_cast<uint64_t>(v.i));
    case ValueType::Real: {
      if (auto i = real_equal_integer(v.r)) return mix64(static_cast<uint64_t>(*i));
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
  auto c = parse_collation(collation);
  if (!c.ok() || *c == Collation::Binary) return keyspace_id(v);
  return keyspace_id(Value::text(collation_key(v.s, *c)));
}

}  // namespace bd
