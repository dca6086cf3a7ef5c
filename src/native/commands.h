// Subcommands of the `bigdaddy` CLI; each returns the process exit code.
#pragma once
namespace bd::native {
int cmd_shell(int argc, char** argv);    // shell [--nodes N] [--dir DIR] [--json]
int cmd_parse(int argc, char** argv);    // parse: SQL on stdin -> one canonical statement per line
int cmd_slt(int argc, char** argv);      // slt [--nodes N] FILE...  (last line: "N passed, M failed")
int cmd_bench(int argc, char** argv);    // bench ...: native micro-benchmarks
int scale_bench(int argc, char** argv);  // bench --scale [--users N] [--orders N]: queries at 10^6 rows
}  // namespace bd::native
