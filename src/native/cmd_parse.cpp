// `bigdaddy parse`: SQL on stdin -> one canonical statement per line (errors: stderr, exit 1).
// `bigdaddy parse --bench FILE...`: parse throughput over the statements of sqllogictest files
// (or plain .sql scripts), parse only: a warm-up pass, then 7 timed runs of at least 0.2 s each;
// prints every run and their median.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "native/commands.h"
#include "sql/parser.h"
#include "sql/printer.h"

namespace bd::native {
namespace {

// SQL texts of the statement/query records of a sqllogictest file.
std::vector<std::string> slt_statements(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  bool in_sql = false;
  std::string cur;
  auto flush = [&] {
    if (in_sql && !cur.empty()) out.push_back(cur);
    cur.clear();
    in_sql = false;
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (in_sql) {
      if (line.empty() || line == "----") {
        flush();
        continue;
      }
      if (!cur.empty()) cur += '\n';
      cur += line;
      continue;
    }
    if (line.rfind("statement ", 0) == 0 || line.rfind("query ", 0) == 0) in_sql = true;
  }
  flush();
  return out;
}

int bench(int argc, char** argv) {
  std::vector<std::string> stmts;
  size_t min_passes = 0;  // --passes N: fixed work, for instruction-count comparisons
  if (argc >= 2 && !std::strcmp(argv[0], "--passes")) {
    min_passes = std::strtoul(argv[1], nullptr, 10);
    argc -= 2;
    argv += 2;
  }
  for (int i = 0; i < argc; i++) {
    std::ifstream f(argv[i], std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "cannot open %s\n", argv[i]);
      return 1;
    }
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::string name = argv[i];
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".test") == 0) {
      for (auto& s : slt_statements(text)) stmts.push_back(std::move(s));
    } else {
      stmts.push_back(std::move(text));
    }
  }
  if (stmts.empty()) {
    std::fprintf(stderr, "no statements\n");
    return 1;
  }
  size_t bytes_per_pass = 0;
  for (auto& s : stmts) bytes_per_pass += s.size();
  using clock = std::chrono::steady_clock;
  // One pass over every input; returns statements parsed (inputs that fail count in `failed`).
  auto pass = [&](size_t& failed) {
    size_t parsed = 0;
    for (auto& s : stmts) {
      auto r = sql::parse_script(s);
      if (r.ok())
        parsed += r->size();
      else
        failed++;
    }
    return parsed;
  };
  size_t failed = 0, per_pass = pass(failed);  // warm-up: caches, node pools, branch predictors
  if (min_passes) {                            // fixed work (instruction counting): no timing loop
    for (size_t p = 0; p < min_passes; p++) pass(failed);
    std::printf("parse: %zu inputs, %zu bytes per pass, %zu passes (+1 warm-up), %zu statements per pass\n", stmts.size(), bytes_per_pass,
                min_passes, per_pass);
    return 0;
  }
  // Several timed runs of at least 0.2 s each; the median is the figure (this machine is shared
  // and noisy), min and max show the spread. Only parse_script() is inside the timed region: the
  // inputs are read and split before, and nothing is printed.
  constexpr int kRuns = 7;
  std::vector<double> mbs;
  size_t total_passes = 0;
  double total_secs = 0;
  for (int run = 0; run < kRuns; run++) {
    auto start = clock::now();
    double secs = 0;
    size_t passes = 0;
    do {
      pass(failed);
      passes++;
      secs = std::chrono::duration<double>(clock::now() - start).count();
    } while (secs < 0.2);
    mbs.push_back(double(bytes_per_pass) * passes / 1e6 / secs);
    total_passes += passes;
    total_secs += secs;
  }
  std::vector<double> sorted = mbs;
  std::sort(sorted.begin(), sorted.end());
  double median = sorted[kRuns / 2];
  std::printf("parse: %zu inputs, %zu bytes per pass, %zu passes in %.3f s (%d runs)\n", stmts.size(), bytes_per_pass, total_passes,
              total_secs, kRuns);
  std::printf("parse: runs (MB/s):");
  for (double m : mbs) std::printf(" %.1f", m);
  std::printf("\n");
  std::printf("parse: median %.1f MB/s (min %.1f, max %.1f), %.0f statements/s (%zu parse errors per pass)\n", median, sorted.front(),
              sorted.back(), median * 1e6 / double(bytes_per_pass) * double(per_pass), failed / (total_passes + 1));
  return 0;
}

}  // namespace

int cmd_parse(int argc, char** argv) {
  if (argc > 1 && !std::strcmp(argv[1], "--bench")) return bench(argc - 2, argv + 2);
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto r = sql::parse_script(input);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    return 1;
  }
  std::string out;
  for (auto& st : *r) {
    out += sql::print(*st);
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace bd::native
