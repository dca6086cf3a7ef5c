// libFuzzer target: parse -> print -> parse must succeed and give an equal AST; nothing may crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sql/parser.h"
#include "sql/printer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view sql(reinterpret_cast<const char*>(data), size);
  auto r = bd::sql::parse_script(sql);
  if (!r.ok()) return 0;
  std::string printed;
  for (auto& st : *r) {
    printed += bd::sql::print(*st);
    printed += ";\n";
  }
  auto again = bd::sql::parse_script(printed);
  if (!again.ok() || again->size() != r->size()) {
    std::fprintf(stderr, "reparse failed: %s\nprinted: %s\n", again.ok() ? "statement count" : again.error().message.c_str(),
                 printed.c_str());
    std::abort();
  }
  for (size_t i = 0; i < r->size(); i++) {
    if (!(*(*again)[i] == *(*r)[i])) {
      std::fprintf(stderr, "reparse differs\nprinted: %s\n", printed.c_str());
      std::abort();
    }
    if (!(*(*r)[i]->clone() == *(*r)[i])) std::abort();
  }
  return 0;
}
