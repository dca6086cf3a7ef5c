// `bigdaddy slt [--nodes N] [--verbose] [--engine bigdaddy|sqlite] [--query-errors] FILE...`: runs
// sqllogictest files, each against a fresh engine. Failures go to stderr, one summary line per file
// to stdout, and the last stdout line is always "N passed, M failed" (with how many of the passed
// were queries expecting no rows that failed in the engine and in plain SQLite alike). Exit code 0
// iff nothing failed.
//
// --query-errors prints instead, one per line on stdout, "FILE:LINE" for every query record the
// engine fails with an SQL error. With --engine sqlite that is the list a runner that cannot ask
// SQLite itself (the workerd one) needs to judge its engine's errors.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "native/cluster.h"
#include "native/commands.h"
#include "native/slt.h"

namespace bd::native {
namespace {

// A Big Daddy cluster, driven through the conductor exactly as the Worker would drive it. A record
// may hold several statements (SQLite's harness runs statements with sqlite3_exec); they run one
// by one, stopping at the first error, and the last one's result is the record's.
class ClusterEngine final : public SltEngine {
 public:
  explicit ClusterEngine(std::unique_ptr<Cluster> cluster) : cluster_(std::move(cluster)) {}
  Result<ResultSet> run(std::string_view sql) override {
    ResultSet last;
    // Native code may throw internally; a throw is this record's failure, not the run's end.
    try {
      for (const auto& stmt : split_sql_statements(sql)) {
        auto res = cluster_->execute(stmt);
        if (!res.ok()) return res.error();
        last = std::move(res.value().rs);
      }
    } catch (const std::exception& e) {
      return Error::internal(std::string("exception: ") + e.what());
    }
    return last;
  }

 private:
  std::unique_ptr<Cluster> cluster_;
};

int usage() {
  std::fprintf(stderr, "usage: bigdaddy slt [--nodes N] [--verbose] [--engine bigdaddy|sqlite] [--query-errors] FILE...\n");
  return 2;
}

}  // namespace

int cmd_slt(int argc, char** argv) {
  int nodes = 4;
  bool verbose = false;
  bool query_errors = false;
  std::string engine_name = "bigdaddy";
  std::vector<std::string> files;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--nodes" && i + 1 < argc) {
      nodes = std::atoi(argv[++i]);
    } else if (a.rfind("--nodes=", 0) == 0) {
      nodes = std::atoi(a.c_str() + 8);
    } else if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (a == "--query-errors") {
      query_errors = true;
    } else if (a == "--engine" && i + 1 < argc) {
      engine_name = argv[++i];
    } else if (a.rfind("--engine=", 0) == 0) {
      engine_name = a.substr(9);
    } else if (a == "--help" || a == "-h") {
      return usage();
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "slt: unknown option %s\n", a.c_str());
      return usage();
    } else {
      files.push_back(a);
    }
  }
  if (files.empty() || nodes < 1 || (engine_name != "bigdaddy" && engine_name != "sqlite")) return usage();

  SltOptions options;
  options.verbose = verbose;
  options.log = &std::cerr;
  std::ostream& summary = query_errors ? std::cerr : std::cout;
  long passed = 0, failed = 0, passed_on_error = 0;
  for (const auto& file : files) {
    std::unique_ptr<SltEngine> engine;
    if (engine_name == "sqlite") {
      engine = std::make_unique<SqliteEngine>();
    } else {
      ClusterOptions copts;
      copts.nodes = nodes;
      auto cluster = Cluster::open(copts);
      if (!cluster.ok()) {
        std::cerr << file << ": cannot open cluster: " << cluster.error().message << "\n";
        summary << file << ": 0 passed, 1 failed, 0 skipped" << std::endl;
        failed++;
        continue;
      }
      engine = std::make_unique<ClusterEngine>(std::move(cluster.value()));
    }
    SltStats stats = run_slt_file(file, *engine, options);
    passed += stats.passed;
    failed += stats.failed;
    passed_on_error += stats.passed_on_error;
    std::cerr.flush();
    if (query_errors) {
      for (int line : stats.query_error_lines) std::cout << file << ":" << line << "\n";
    }
    summary << file << ": " << stats.passed << " passed (" << stats.passed_on_error << " on an error SQLite shares), " << stats.failed
            << " failed, " << stats.skipped << " skipped" << std::endl;
  }
  summary << passed << " passed, " << failed << " failed (" << passed_on_error << " passed on an error SQLite shares)" << std::endl;
  return failed == 0 ? 0 : 1;
}

}  // namespace bd::native
