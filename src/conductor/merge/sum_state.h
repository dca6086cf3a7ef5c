// The running state of sum()/total()/avg(): a transcription of SQLite's SumCtx (func.c), so that
// stepping the same values in the same order gives bit-identical results, including the
// Kahan-Babuska-Neumaier compensation (SQLite >= 3.43) and the "integer overflow" rules.
#pragma once
#include "base/result.h"
#include "value/value.h"

namespace bd::merge {

class SumState {
 public:
  // One input value (converted with to_numeric first; NULL is ignored), exactly as sumStep.
  void step(const Value& v);

  bool empty() const { return cnt_ == 0; }
  int64_t count() const { return cnt_; }

  // sum(): NULL when no input; INTEGER while every input was an integer and no overflow;
  // "integer overflow" when the integer sum overflowed and no REAL came after; else REAL.
  Result<Value> sum() const;
  // total(): always REAL, 0.0 when no input; never fails.
  double total() const;

 private:
  void kbn_step(double r);
  void kbn_step_int64(int64_t i);
  void kbn_init(int64_t i);

  double r_sum_ = 0;
  double r_err_ = 0;
  int64_t i_sum_ = 0;
  int64_t cnt_ = 0;
  bool approx_ = false;
  bool ovrfl_ = false;
};

}  // namespace bd::merge
