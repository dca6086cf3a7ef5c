// What the core needs from its host, and nothing more (LevelDB's Env, in spirit). The Durable
// Object shim implements it over ctx.storage.sql; the native host over the system's SQLite.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>
#include "base/result.h"
#include "value/value.h"

namespace bd {

// A row's size as pages count it (about its wire encoding: a tag and 8 bytes per value, plus text
// and blob bytes).
inline uint64_t row_wire_bytes(const Row& row) {
  uint64_t n = 0;
  for (auto& v : row) n += 9 + v.s.size();
  return n;
}

// Executes one statement on the object's local SQLite (synchronous, like ctx.storage.sql.exec).
// Transactions are the host's: it wraps each storage/topology request in one, and rolls it back
// when the core answers with an error.
class SqlHost {
 public:
  virtual ~SqlHost() = default;
  virtual Result<ResultSet> exec(std::string_view sql, const std::vector<Value>& params) = 0;
  // The first rows of a statement's result: at most `max_rows`, and no more once `max_bytes` are
  // passed (the row crossing it included); *more says whether rows were left. Hosts that can stop
  // a statement early (both real ones) read no further; this default reads everything first.
  virtual Result<ResultSet> exec_page(std::string_view sql, const std::vector<Value>& params, uint64_t max_rows, uint64_t max_bytes,
                                      bool* more);
  // Bytes the object's database occupies (ctx.storage.sql.databaseSize), or -1 if unknown.
  virtual int64_t database_bytes() { return -1; }
  // Memory the core may keep for this object between its requests while the object stays loaded
  // (a restart loses it): the storage node's request counters per virtual shard. nullptr: none.
  virtual std::shared_ptr<void>* object_memory() { return nullptr; }
};

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual double now_ms() = 0;
};

class Random {
 public:
  virtual ~Random() = default;
  // Cryptographically strong bytes.
  virtual void fill(void* p, size_t n) = 0;
};

// The process's clock and entropy source: in the Wasm module, imports backed by Date.now() and
// crypto.getRandomValues (wasm/ABI.md); natively, the OS. The embedded SQLite's VFS uses them for
// datetime('now'), CURRENT_TIMESTAMP and random(). Tests may install their own.
Clock& clock();
Random& random();
void set_clock(Clock* c);    // nullptr: back to the default
void set_random(Random* r);  // nullptr: back to the default

enum class LogLevel { Debug, Info, Warn, Error };
class Logger {
 public:
  virtual ~Logger() = default;
  virtual void log(LogLevel level, std::string_view msg) = 0;
};

}  // namespace bd
