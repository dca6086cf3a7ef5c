// The conductor robustness target's kept corpus (tests/fuzz/corpus/conductor), replayed on every
// run: each input is a session of requests against a fresh cluster, and nothing may crash, answer
// malformed or leave the cluster unable to answer (tests/fuzz/conductor_target.h). scripts/fuzz.sh
// runs the same target for minutes under ASan+UBSan with libFuzzer.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include "../fuzz/conductor_target.h"

TEST_CASE("fuzz: the kept conductor corpus replays without a crash, a malformed answer or a wedged cluster", "[fuzz]") {
  namespace fs = std::filesystem;
  size_t inputs = 0;
  for (auto& e : fs::directory_iterator(fs::path(BD_SOURCE_DIR) / "tests/fuzz/corpus/conductor")) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    INFO(e.path().filename().string());
    bd::fuzz::run_input(ss.str());
    inputs++;
  }
  CHECK(inputs >= 15);
}
