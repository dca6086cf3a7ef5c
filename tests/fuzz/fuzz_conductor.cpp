// libFuzzer target: random sessions of requests through the conductor over an in-process cluster
// (tests/fuzz/conductor_target.h says what an input means and what must hold). scripts/fuzz.sh
// builds it with ASan+UBSan and runs it over the kept corpus, tests/fuzz/corpus/conductor.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "conductor_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bd::fuzz::run_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
