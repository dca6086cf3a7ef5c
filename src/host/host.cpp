#include "host/host.h"

#include <chrono>
#include <cstddef>
#include <random>

#ifdef __wasi__
extern "C" __attribute__((import_module("bd"), import_name("now_ms"))) double bd_host_now_ms();
extern "C" __attribute__((import_module("bd"), import_name("random_fill"))) void bd_host_random_fill(void* p, uint32_t n);
#endif

namespace bd {
namespace {

class DefaultClock : public Clock {
 public:
  double now_ms() override {
#ifdef __wasi__
    return bd_host_now_ms();
#else
    return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
#endif
  }
};

class DefaultRandom : public Random {
 public:
  void fill(void* p, size_t n) override {
#ifdef __wasi__
    bd_host_random_fill(p, static_cast<uint32_t>(n));
#else
    auto* out = static_cast<unsigned char*>(p);
    std::random_device rd;
    for (size_t i = 0; i < n;) {
      unsigned v = rd();
      for (size_t k = 0; k < sizeof v && i < n; k++, i++) out[i] = static_cast<unsigned char>(v >> (8 * k));
    }
#endif
  }
};

DefaultClock g_default_clock;
DefaultRandom g_default_random;
Clock* g_clock = &g_default_clock;
Random* g_random = &g_default_random;

}  // namespace

Clock& clock() { return *g_clock; }
Random& random() { return *g_random; }
void set_clock(Clock* c) { g_clock = c ? c : &g_default_clock; }
void set_random(Random* r) { g_random = r ? r : &g_default_random; }

}  // namespace bd

// For the Wasm build's SQLite VFS (wasm/sqlite_vfs.c, C).
extern "C" double bd_clock_now_ms(void) { return bd::clock().now_ms(); }
extern "C" void bd_random_fill(void* p, size_t n) { bd::random().fill(p, n); }
