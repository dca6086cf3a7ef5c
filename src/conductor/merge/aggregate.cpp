#include "conductor/merge/aggregate.h"

#include "value/numeric.h"

namespace bd::merge {
void Accumulator::step(const Value& v) {
  switch (spec_->kind) {
    case AggregateKind::CountStar: count_++; break;
    case AggregateKind::Count:
      if (!v.is_null()) count_++;
      break;
    case AggregateKind::Sum:
    case AggregateKind::Total:
    case AggregateKind::Avg: sum_.step(v); break;
    case AggregateKind::Min:
    case AggregateKind::Max: {
      if (v.is_null()) break;
      // Replace only when strictly better, so the first of equal values stays (as minmaxStep).
      int c = best_.is_null() ? 0 : compare(best_, v, spec_->coll);
      if (best_.is_null() || (spec_->kind == AggregateKind::Max ? c < 0 : c > 0)) best_ = v;
      break;
    }
    case AggregateKind::GroupConcat: {
      if (v.is_null()) break;
      if (has_text_) text_ += spec_->separator;
      has_text_ = true;
      text_ += to_text(v);
      break;
    }
  }
}

void Accumulator::add(const Row& row) {
  const Value& v = row[spec_->column];
  if (spec_->input == AggregateSpec::Raw) return step(v);
  if (spec_->input == AggregateSpec::Distinct) {
    // Every DISTINCT aggregate ignores NULL, so NULL padding rows pass through untouched.
    if (v.is_null() || !seen_.insert(v).second) return;
    return step(v);
  }
  switch (spec_->kind) {
    case AggregateKind::CountStar:
    case AggregateKind::Count:
      if (v.type == ValueType::Integer) count_ += v.i;
      break;
    case AggregateKind::Avg: {
      // Partial (total(x), count(x)): the sum steps like a value, the count adds up.
      sum_.step(v);
      const Value& n = row[spec_->column + 1];
      if (n.type == ValueType::Integer) count_ += n.i;
      break;
    }
    default: step(v); break;  // a partial sum/total/min/max/group_concat combines like a value
  }
}

Result<Value> Accumulator::finish() const {
  switch (spec_->kind) {
    case AggregateKind::CountStar:
    case AggregateKind::Count: return Value::integer(count_);
    case AggregateKind::Sum: return sum_.sum();
    case AggregateKind::Total: return Value::real(sum_.total());
    case AggregateKind::Avg: {
      int64_t n = spec_->input == AggregateSpec::Partial ? count_ : sum_.count();
      if (n <= 0) return Value::null();
      return Value::real(sum_.total() / static_cast<double>(n));
    }
    case AggregateKind::Min:
    case AggregateKind::Max: return best_;
    case AggregateKind::GroupConcat: return has_text_ ? Value::text(text_) : Value::null();
  }
  return Value::null();
}

}  // namespace bd::merge
