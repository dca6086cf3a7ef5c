// The Wasm build's SQLite VFS: no files (the combine engine runs only :memory: databases), and
// time and randomness from the host (src/host/host.h: Date.now() and crypto.getRandomValues), so
// datetime('now'), CURRENT_TIMESTAMP, random() and randomblob() are the real clock and real entropy.
#include <stddef.h>
#include <string.h>
#include "sqlite3.h"

double bd_clock_now_ms(void);
void bd_random_fill(void* p, size_t n);

static int xOpen(sqlite3_vfs* v, const char* n, sqlite3_file* f, int fl, int* o) { return SQLITE_CANTOPEN; }
static int xDelete(sqlite3_vfs* v, const char* n, int s) { return SQLITE_OK; }
static int xAccess(sqlite3_vfs* v, const char* n, int f, int* r) {
  *r = 0;
  return SQLITE_OK;
}
static int xFull(sqlite3_vfs* v, const char* n, int o, char* out) {
  strncpy(out, n, o);
  out[o - 1] = 0;
  return SQLITE_OK;
}
static int xRand(sqlite3_vfs* v, int n, char* out) {
  bd_random_fill(out, (size_t)n);
  return n;
}
static int xSleep(sqlite3_vfs* v, int us) { return us; }
// Milliseconds since the Julian epoch (SQLite's unit for xCurrentTimeInt64).
static int xTimeInt64(sqlite3_vfs* v, sqlite3_int64* t) {
  *t = (sqlite3_int64)bd_clock_now_ms() + (sqlite3_int64)210866760000000LL;
  return SQLITE_OK;
}
static int xTime(sqlite3_vfs* v, double* t) {
  *t = 2440587.5 + bd_clock_now_ms() / 86400000.0;
  return SQLITE_OK;
}
static int xErr(sqlite3_vfs* v, int n, char* b) { return 0; }
static sqlite3_vfs mem = {2, 0, 512, 0, "bd-mem", 0, xOpen, xDelete, xAccess, xFull, 0, 0, 0, 0, xRand, xSleep, xTime, xErr, xTimeInt64};
int sqlite3_os_init(void) { return sqlite3_vfs_register(&mem, 1); }
int sqlite3_os_end(void) { return SQLITE_OK; }
