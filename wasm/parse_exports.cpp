// Parse-throughput benchmark export for the Wasm build (scripts/bench-parse-wasm.mjs).
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "sql/parser.h"

// Parses `iterations` times every NUL-separated SQL text in [ptr, ptr+len); returns how many
// statements parsed over all iterations (texts that fail to parse count as zero; the sqllogictest
// corpus deliberately contains one). The texts are located once per buffer and remembered, so
// that repeated calls over the same buffer time the parser, not the search for separators.
extern "C" __attribute__((export_name("bd_parse_bench"))) int64_t bd_parse_bench(const char* ptr, uint32_t len, uint32_t iterations) {
  static const char* spans_ptr = nullptr;
  static uint32_t spans_len = 0;
  static std::vector<std::string_view> texts;
  if (ptr != spans_ptr || len != spans_len) {
    texts.clear();
    const char* p = ptr;
    const char* end = ptr + len;
    while (p < end) {
      const void* nul = std::memchr(p, 0, size_t(end - p));
      const char* stop = nul ? static_cast<const char*>(nul) : end;
      if (stop > p) texts.emplace_back(p, size_t(stop - p));
      p = stop + 1;
    }
    spans_ptr = ptr;
    spans_len = len;
  }
  int64_t statements = 0;
  for (uint32_t it = 0; it < iterations; it++) {
    for (std::string_view text : texts) {
      auto r = bd::sql::parse_script(text);
      if (r.ok()) statements += int64_t(r->size());
    }
  }
  return statements;
}
