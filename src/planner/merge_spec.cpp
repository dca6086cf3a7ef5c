#include "planner/merge_spec.h"

#include "value/text.h"

namespace bd::merge {

Result<AggregateKind> parse_aggregate(std::string_view name, bool star) {
  if (iequals(name, "count")) return star ? AggregateKind::CountStar : AggregateKind::Count;
  if (star) return Error::sql("wrong number of arguments to function " + std::string(name) + "()");
  if (iequals(name, "sum")) return AggregateKind::Sum;
  if (iequals(name, "total")) return AggregateKind::Total;
  if (iequals(name, "avg")) return AggregateKind::Avg;
  if (iequals(name, "min")) return AggregateKind::Min;
  if (iequals(name, "max")) return AggregateKind::Max;
  if (iequals(name, "group_concat") || iequals(name, "string_agg")) return AggregateKind::GroupConcat;
  return Error::unsupported("not a combinable aggregate: " + std::string(name));
}

int partial_width(AggregateKind kind) { return kind == AggregateKind::Avg ? 2 : 1; }

}  // namespace bd::merge
