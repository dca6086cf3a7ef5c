// bigdaddy: the native CLI over the real core (in-process cluster).
#include <cstdio>
#include <cstring>
#include "native/commands.h"

static int usage() {
  std::fprintf(stderr,
               "usage: bigdaddy <command> [options]\n"
               "  shell [--nodes N] [--dir DIR] [--json]   SQL on stdin (or interactive)\n"
               "  slt [--nodes N] FILE...                  run sqllogictest files\n"
               "  parse                                    SQL on stdin -> canonical statements\n"
               "  bench                                    native micro-benchmarks\n");
  return 2;
}

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const char* cmd = argv[1];
  if (!std::strcmp(cmd, "shell")) return bd::native::cmd_shell(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "slt")) return bd::native::cmd_slt(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "parse")) return bd::native::cmd_parse(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "bench")) return bd::native::cmd_bench(argc - 1, argv + 1);
  return usage();
}
