#include "sqlite3.h"
#include <string.h>
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
  static unsigned s = 12345;
  for (int i = 0; i < n; i++) {
    s = s * 1103515245 + 12345;
    out[i] = (char)(s >> 16);
  }
  return n;
}
static int xSleep(sqlite3_vfs* v, int us) { return us; }
static int xTime(sqlite3_vfs* v, double* t) {
  *t = 2440587.5;
  return SQLITE_OK;
}
static int xErr(sqlite3_vfs* v, int n, char* b) { return 0; }
static sqlite3_vfs mem = {1, 0, 512, 0, "bd-mem", 0, xOpen, xDelete, xAccess, xFull, 0, 0, 0, 0, xRand, xSleep, xTime, xErr};
int sqlite3_os_init(void) { return sqlite3_vfs_register(&mem, 1); }
int sqlite3_os_end(void) { return SQLITE_OK; }
