// Parse-throughput benchmark export for the Wasm build (scripts/bench-parse-wasm.mjs).
#include <cstdint>
#include <string_view>

#include "sql/parser.h"

// Parses `iterations` times every NUL-separated SQL text in [ptr, ptr+len); returns how many
// statements parsed over all iterations (texts that fail to parse count as zero; the sqllogictest
// corpus deliberately contains one).
extern "C" __attribute__((export_name("bd_parse_bench"))) int64_t bd_parse_bench(const char* ptr, uint32_t len,
                                                                                 uint32_t iterations) {
  int64_t statements = 0;
  for (uint32_t it = 0; it < iterations; it++) {
    uint32_t start = 0;
    for (uint32_t i = 0; i <= len; i++) {
      if (i == len || ptr[i] == '\0') {
        if (i > start) {
          auto r = bd::sql::parse_script(std::string_view(ptr + start, i - start));
          if (r.ok()) statements += int64_t(r->size());
        }
        start = i + 1;
      }
    }
  }
  return statements;
}
