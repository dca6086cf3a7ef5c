// The C ABI of bigdaddy.wasm. Every entry point takes a request buffer the host copied into Wasm
// memory (bd_alloc) and returns a pointer to [u32 length][payload], which the host copies out and
// releases with bd_free. Errors are values inside the payload; nothing throws across this boundary
// (the module is built without exceptions). See wasm/ABI.md.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include "conductor/combine.h"
#include "conductor/conductor.h"
#include "host/exact.h"
#include "host/host.h"
#include "sql/parser.h"
#include "sql/printer.h"
#include "storage/node.h"
#include "topology/databases.h"
#include "topology/insights.h"
#include "topology/store.h"
#include "wire/codec.h"

#define BD_EXPORT(name) extern "C" __attribute__((export_name(#name)))
#define BD_IMPORT(name) extern "C" __attribute__((import_module("bd"), import_name(#name)))

BD_IMPORT(sql_exec) uint8_t* bd_host_sql_exec(const char* sql, uint32_t sql_len, const char* params, uint32_t params_len);
BD_IMPORT(log) void bd_host_log(uint32_t level, const char* msg, uint32_t len);
BD_IMPORT(sql_size) double bd_host_sql_size();
BD_IMPORT(object_slot) uint32_t bd_host_object_slot();
// sql_exec, reading no further than max_rows rows / max_bytes bytes; the answer ends with u8 more.
BD_IMPORT(sql_exec_page)
uint8_t* bd_host_sql_exec_page(const char* sql, uint32_t sql_len, const char* params, uint32_t params_len, uint32_t max_rows,
                               uint32_t max_bytes);

namespace {

uint8_t* emit(const std::string& payload) {
  auto* out = static_cast<uint8_t*>(std::malloc(4 + payload.size()));
  if (!out) return nullptr;
  uint32_t n = static_cast<uint32_t>(payload.size());
  std::memcpy(out, &n, 4);
  std::memcpy(out + 4, payload.data(), payload.size());
  return out;
}

// ctx.storage.sql of whichever Durable Object is calling into the module right now (calls are
// synchronous, so there is exactly one). Its numbers travel as JavaScript doubles: exec_exact()
// reads back exactly the integers the host flags as possibly inexact (host/exact.h).
class JsSqlHost : public bd::SqlHost, public bd::LossySqlHost {
 public:
  bd::Result<bd::ResultSet> exec(std::string_view sql, const std::vector<bd::Value>& params) override {
    return bd::exec_exact(*this, sql, params);
  }
  bd::Result<bd::ResultSet> exec_page(std::string_view sql, const std::vector<bd::Value>& params, uint64_t max_rows, uint64_t max_bytes,
                                      bool* more) override {
    return bd::exec_exact_page(*this, sql, params, max_rows, max_bytes, more);
  }
  bd::Result<bd::LossyResult> exec_lossy(std::string_view sql, const std::vector<bd::Value>& params) override {
    bd::wire::Writer w;
    w.row(params);
    const std::string& p = w.buffer();
    return read_answer(bd_host_sql_exec(sql.data(), static_cast<uint32_t>(sql.size()), p.data(), static_cast<uint32_t>(p.size())), nullptr);
  }
  bd::Result<bd::LossyResult> exec_lossy_page(std::string_view sql, const std::vector<bd::Value>& params, uint64_t max_rows,
                                              uint64_t max_bytes, bool* more) override {
    bd::wire::Writer w;
    w.row(params);
    const std::string& p = w.buffer();
    auto clamp = [](uint64_t v) { return static_cast<uint32_t>(v > 0xffffffffu ? 0xffffffffu : v); };
    return read_answer(bd_host_sql_exec_page(sql.data(), static_cast<uint32_t>(sql.size()), p.data(), static_cast<uint32_t>(p.size()),
                                             clamp(max_rows), clamp(max_bytes)),
                       more);
  }
  int64_t database_bytes() override { return static_cast<int64_t>(bd_host_sql_size()); }
  // Per-object memory, by the slot number the host gave the calling object (0: none). Objects
  // evicted from the isolate leave their slot behind: past 1,024 slots the oldest is dropped.
  std::shared_ptr<void>* object_memory() override {
    static std::map<uint32_t, std::shared_ptr<void>> slots;
    uint32_t slot = bd_host_object_slot();
    if (!slot) return nullptr;
    if (slots.size() >= 1024 && !slots.count(slot)) slots.erase(slots.begin());
    return &slots[slot];
  }

 private:
  static bd::Result<bd::LossyResult> read_answer(uint8_t* out, bool* more);
};

// Host answer: u8 status, then a result set and u32 n + n x u32 (columns with inexact numbers)
// [+ u8 more, for a page], or str error + str code.
bd::Result<bd::LossyResult> JsSqlHost::read_answer(uint8_t* out, bool* more) {
  if (!out) return bd::Error::internal("host returned no result");
  uint32_t n;
  std::memcpy(&n, out, 4);
  bd::wire::Reader r(std::string_view(reinterpret_cast<char*>(out) + 4, n));
  uint8_t status = r.u8();
  bd::Result<bd::LossyResult> result = bd::Error::internal("corrupt host result");
  if (status == 0) {
    bd::LossyResult lr;
    lr.rs = r.result_set();
    uint32_t k = r.count();
    for (uint32_t i = 0; i < k && r.ok(); i++) lr.inexact.push_back(r.u32());
    if (more) *more = r.u8() != 0;
    if (r.ok()) result = std::move(lr);
  } else {
    // SQLite's message, then its result code by name (the shim reads it off the Durable Object's error).
    bd::Error e = bd::Error::sql(std::string(r.str()));
    if (!r.at_end()) e.sqlite_code = std::string(r.str());
    result = std::move(e);
  }
  std::free(out);
  return result;
}

bd::Conductor& conductor() {
  static bd::Conductor c;
  return c;
}

void encode_requests(bd::wire::Writer& w, const std::vector<bd::OutRequest>& reqs) {
  w.u32(static_cast<uint32_t>(reqs.size()));
  for (auto& r : reqs) {
    w.u8(static_cast<uint8_t>(r.target));
    w.u32(r.node);
    w.str(r.payload);
  }
}

// The alarm the last storage call asked for: its time, -1 for none, -2 when the call did not say.
double g_storage_alarm = -2;

std::string encode_step(const bd::Step& s) {
  bd::wire::Writer w;
  w.u8(static_cast<uint8_t>(s.kind));
  w.u32(s.session);
  switch (s.kind) {
    case bd::Step::Kind::Done:
      w.result_set(s.output.rs);
      w.str(s.output.meta_json);
      // Scripts: every statement's output, then the failed statement (if any).
      w.u32(static_cast<uint32_t>(s.output.script.size()));
      for (auto& o : s.output.script) {
        w.result_set(o.rs);
        w.str(o.meta_json);
      }
      w.u8(s.output.script_error.empty() ? 0 : 1);
      if (!s.output.script_error.empty()) {
        auto& e = s.output.script_error[0];
        w.u32(e.index);
        w.u8(static_cast<uint8_t>(e.error.code));
        w.str(e.error.message);
      }
      // Then the requests to send after answering (a commit's phase two).
      encode_requests(w, s.background);
      break;
    case bd::Step::Kind::Failed:
      w.u8(static_cast<uint8_t>(s.error.code));
      w.str(s.error.message);
      w.str(s.error.code_name());
      encode_requests(w, s.background);
      break;
    case bd::Step::Kind::Rows: w.result_set(s.output.rs); break;
    case bd::Step::Kind::Need:
      w.u32(static_cast<uint32_t>(s.requests.size()));
      for (auto& r : s.requests) {
        w.u8(static_cast<uint8_t>(r.target));
        w.u32(r.node);
        w.str(r.payload);
      }
      break;
  }
  return w.take();
}

}  // namespace

BD_EXPORT(bd_alloc) void* bd_alloc(uint32_t n) { return std::malloc(n ? n : 1); }
BD_EXPORT(bd_free) void bd_free(void* p) { std::free(p); }

BD_EXPORT(bd_storage_handle) uint8_t* bd_storage_handle(const char* req, uint32_t len) {
  JsSqlHost host;
  bd::storage::NodeEnv env;
  env.now_ms = bd::clock().now_ms();
  auto out = emit(bd::storage::handle(host, std::string_view(req, len), env));
  g_storage_alarm = env.alarm_known ? env.alarm_at : -2;
  return out;
}

// The storage object's alarm (transaction recovery): u8 op 0 (plan) or 1 (apply) + the answer.
BD_EXPORT(bd_storage_recover) uint8_t* bd_storage_recover(const char* req, uint32_t len) {
  JsSqlHost host;
  bd::storage::NodeEnv env;
  env.now_ms = bd::clock().now_ms();
  std::string_view in(req, len);
  std::string out =
      !in.empty() && in[0] == 1 ? bd::storage::recovery_apply(host, env, in.substr(1)) : bd::storage::recovery_plan(host, env);
  g_storage_alarm = env.alarm_known ? env.alarm_at : -2;
  return emit(out);
}

BD_EXPORT(bd_storage_alarm) double bd_storage_alarm() { return g_storage_alarm; }

BD_EXPORT(bd_topology_handle) uint8_t* bd_topology_handle(const char* req, uint32_t len) {
  JsSqlHost host;
  return emit(bd::topology::handle(host, std::string_view(req, len)));
}

BD_EXPORT(bd_catalog_handle) uint8_t* bd_catalog_handle(const char* req, uint32_t len) {
  JsSqlHost host;
  return emit(bd::databases::handle(host, std::string_view(req, len)));
}

BD_EXPORT(bd_insights_handle) uint8_t* bd_insights_handle(const char* req, uint32_t len) {
  JsSqlHost host;
  return emit(bd::insights::handle(host, std::string_view(req, len)));
}

// Start request: str database, str sql, row params, u32 nodes, u8 mode (query/explain/topology), then
// optionally str transaction, u32 idle timeout ms (BEGIN), u8 transaction host (conductor/session.h),
// u8 stream (the host forwards windows of rows: Rows steps), then optionally u32 n, n x str
// parameter name (named parameters: params[i] binds name i).
BD_EXPORT(bd_conductor_start) uint8_t* bd_conductor_start(const char* req, uint32_t len) {
  bd::wire::Reader r(std::string_view(req, len));
  bd::QueryInput in;
  in.database = r.str();
  in.sql = r.str();
  in.params = r.row();
  in.nodes = r.u32();
  in.mode = r.u8();
  if (!r.at_end()) {
    in.txn = r.str();
    in.txn_timeout_ms = r.u32();
    in.txn_host = r.u8() != 0;
  }
  if (!r.at_end()) in.stream = r.u8() != 0;
  // Named parameters: u32 n, n x str name (params[i] binds name i); absent for positional ones.
  if (r.ok() && !r.at_end()) {
    uint32_t n = r.count();
    for (uint32_t i = 0; i < n && r.ok(); i++) in.param_names.emplace_back(r.str());
  }
  if (!r.ok()) {
    bd::Step s;
    s.kind = bd::Step::Kind::Failed;
    s.error = bd::Error::internal("corrupt query request");
    return emit(encode_step(s));
  }
  return emit(encode_step(conductor().start(std::move(in))));
}

// Resume request: u32 session, u32 n, n x (u8 delivered, str payload).
BD_EXPORT(bd_conductor_resume) uint8_t* bd_conductor_resume(const char* req, uint32_t len) {
  bd::wire::Reader r(std::string_view(req, len));
  uint32_t session = r.u32();
  uint32_t n = r.count();
  std::vector<bd::InResponse> responses;
  responses.reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); i++) {
    bd::InResponse resp;
    resp.delivered = r.u8() != 0;
    resp.payload = r.str();
    responses.push_back(std::move(resp));
  }
  if (!r.ok()) {
    conductor().abort(session);
    bd::Step s;
    s.kind = bd::Step::Kind::Failed;
    s.session = session;
    s.error = bd::Error::internal("corrupt resume request");
    return emit(encode_step(s));
  }
  return emit(encode_step(conductor().resume(session, std::move(responses))));
}

BD_EXPORT(bd_conductor_abort) void bd_conductor_abort(uint32_t session) { conductor().abort(session); }

// Health check: a statement through the core's parser, printer and SQLite. Answers u8 status (0 ok)
// + str detail.
BD_EXPORT(bd_health) uint8_t* bd_health(const char*, uint32_t) {
  bd::wire::Writer w;
  auto st = bd::sql::parse_statement("SELECT 40 + 2 AS answer");
  auto db = bd::CombineDb::open();
  if (!st.ok() || !db.ok()) {
    w.u8(1);
    w.str(!st.ok() ? st.error().message : db.error().message);
    return emit(w.take());
  }
  auto rs = (*db)->query(bd::sql::print(**st), {});
  bool ok = rs.ok() && rs->rows.size() == 1 && rs->rows[0].size() == 1 && rs->rows[0][0] == bd::Value::integer(42);
  w.u8(ok ? 0 : 1);
  w.str(ok ? "ok" : rs.ok() ? "wrong answer" : rs.error().message);
  return emit(w.take());
}
