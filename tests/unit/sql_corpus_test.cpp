// The parser fuzz corpus (tests/sql-corpus: inputs kept from fuzzing the parser), replayed on every
// run: each file is parsed as a script; what parses prints, parses again to an equal tree and
// clones equal; nothing may crash (the sanitize suite runs this under ASan+UBSan).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sql/parser.h"
#include "sql/printer.h"

TEST_CASE("fuzz: the SQL corpus parses, prints and round-trips without a crash", "[fuzz][sql]") {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(fs::path(BD_SOURCE_DIR) / "tests/sql-corpus")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  size_t parsed = 0, rejected = 0;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    INFO(path.filename().string() << ": " << ss.str());
    auto r = bd::sql::parse_script(ss.str());
    if (!r.ok()) {
      CHECK_FALSE(r.error().message.empty());  // a refusal says why
      rejected++;
      continue;
    }
    parsed++;
    std::string printed;
    for (auto& st : *r) {
      printed += bd::sql::print(*st);
      printed += ";\n";
    }
    INFO("printed: " << printed);
    auto again = bd::sql::parse_script(printed);
    REQUIRE(again.ok());
    REQUIRE(again->size() == r->size());
    for (size_t i = 0; i < r->size(); i++) {
      CHECK(*(*again)[i] == *(*r)[i]);
      CHECK(*(*r)[i]->clone() == *(*r)[i]);
    }
  }
  CHECK(files.size() >= 401);
  CHECK(parsed > 0);
  CHECK(rejected > 0);
}
