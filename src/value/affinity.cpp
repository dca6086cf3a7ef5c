#include "value/affinity.h"

#include <string>
#include "value/numeric.h"
#include "value/text.h"

namespace bd {

Affinity affinity_of_type(std::string_view t) {
  // The order of the rules matters and mirrors sqlite3AffinityType.
  std::string u = ascii_lower(t);
  if (u.find("int") != std::string::npos) return Affinity::Integer;
  if (u.find("char") != std::string::npos || u.find("clob") != std::string::npos || u.find("text") != std::string::npos)
    return Affinity::Text;
  if (u.find("blob") != std::string::npos || u.empty()) return Affinity::Blob;
  if (u.find("real") != std::string::npos || u.find("floa") != std::string::npos || u.find("doub") != std::string::npos)
    return Affinity::Real;
  return Affinity::Numeric;
}

Value apply_affinity(const Value& v, Affinity a) {
  switch (a) {
    case Affinity::Blob: return v;
    case Affinity::Text:
      if (v.type == ValueType::Integer) return Value::text(std::to_string(v.i));
      if (v.type == ValueType::Real) return Value::text(real_to_text(v.r));
      return v;
    case Affinity::Real: {
      if (v.type == ValueType::Integer) return Value::real(static_cast<double>(v.i));
      // A REAL column stores an integral value as an integer, so -0.0 reads back as 0.0.
      if (v.type == ValueType::Real && v.r == 0) return Value::real(0.0);
      if (v.type == ValueType::Text)
        if (auto n = text_as_number(v.s)) return n->type == ValueType::Integer ? Value::real(static_cast<double>(n->i)) : *n;
      return v;
    }
    case Affinity::Numeric:
    case Affinity::Integer: {
      Value n = v;
      if (v.type == ValueType::Text) {
        auto number = text_as_number(v.s);
        if (!number) return v;
        n = *number;
      }
      if (n.type == ValueType::Real)
        if (auto i = real_to_integer_affinity(n.r)) return Value::integer(*i);
      return n;
    }
  }
  return v;
}

Result<int64_t> must_be_int(const Value& v) {
  Value n = apply_affinity(v, Affinity::Numeric);
  if (n.type == ValueType::Integer) return n.i;
  return Error::sql("datatype mismatch");
}

}  // namespace bd
