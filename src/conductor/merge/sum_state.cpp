#include "conductor/merge/sum_state.h"

#include <cmath>

#include "value/numeric.h"

namespace bd::merge {
namespace {

bool is_overflow(double x) { return std::isinf(x) || std::isnan(x); }  // sqlite3IsOverflow

}  // namespace

// volatile, as in SQLite, so no compiler contracts or reorders the compensation arithmetic.
void SumState::kbn_step(double r_in) {
  volatile double r = r_in;
  volatile double s = r_sum_;
  volatile double t = s + r;
  if (std::fabs(s) > std::fabs(r)) {
    r_err_ += (s - t) + r;
  } else {
    r_err_ += (r - t) + s;
  }
  r_sum_ = t;
}

void SumState::kbn_step_int64(int64_t v) {
  if (v <= -4503599627370496LL || v >= 4503599627370496LL) {
    int64_t sm = v % 16384;
    int64_t big = v - sm;
    kbn_step(static_cast<double>(big));
    kbn_step(static_cast<double>(sm));
  } else {
    kbn_step(static_cast<double>(v));
  }
}

void SumState::kbn_init(int64_t v) {
  if (v <= -4503599627370496LL || v >= 4503599627370496LL) {
    int64_t sm = v % 16384;
    r_sum_ = static_cast<double>(v - sm);
    r_err_ = static_cast<double>(sm);
  } else {
    r_sum_ = static_cast<double>(v);
    r_err_ = 0.0;
  }
}

void SumState::step(const Value& in) {
  Value v = to_numeric(in);
  if (v.is_null()) return;
  cnt_++;
  bool is_int = v.type == ValueType::Integer;
  if (!approx_) {
    if (!is_int) {
      kbn_init(i_sum_);
      approx_ = true;
      kbn_step(v.r);
    } else {
      int64_t x;
      if (!__builtin_add_overflow(i_sum_, v.i, &x)) {
        i_sum_ = x;
      } else {
        ovrfl_ = true;
        kbn_init(i_sum_);
        approx_ = true;
        kbn_step_int64(v.i);
      }
    }
  } else if (is_int) {
    kbn_step_int64(v.i);
  } else {
    ovrfl_ = false;
    kbn_step(v.r);
  }
}

Result<Value> SumState::sum() const {
  if (cnt_ == 0) return Value::null();
  if (!approx_) return Value::integer(i_sum_);
  if (ovrfl_) return Error::sql("integer overflow");
  return Value::real(is_overflow(r_err_) ? r_sum_ : r_sum_ + r_err_);
}

double SumState::total() const {
  if (!approx_) return static_cast<double>(i_sum_);
  return is_overflow(r_err_) ? r_sum_ : r_sum_ + r_err_;
}

}  // namespace bd::merge
