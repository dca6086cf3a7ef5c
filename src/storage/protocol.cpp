#include "storage/protocol.h"

#include "storage/ops.h"
#include "wire/codec.h"

namespace bd::storage {

Statement op_statement(NodeOp op, bool write) {
  Statement s;
  s.write = write;
  s.op = std::make_shared<const NodeOp>(std::move(op));
  return s;
}

std::string encode_request(const Request& r) {
  wire::Writer w;
  w.u8(1);  // op: execute
  w.i64(static_cast<int64_t>(r.epoch));
  w.i64(static_cast<int64_t>(r.catalog_version));
  w.u32(static_cast<uint32_t>(r.vshards.size()));
  for (auto v : r.vshards) w.u32(v);
  w.u32(static_cast<uint32_t>(r.statements.size()));
  for (auto& s : r.statements) {
    w.str(s.sql);
    w.row(s.params);
    w.u8(static_cast<uint8_t>(s.write | (s.op ? 2 : 0)));
    if (s.op) encode_op(w, *s.op);
  }
  w.u8(r.want_size);
  w.u8(r.admin);
  w.u8(r.check_only);
  w.u8(static_cast<uint8_t>(r.want_load | r.reset_load << 1 | r.defer_fk << 2));
  // Transaction fields follow, only when present (a plain request stays as short as before).
  bool txn = !r.txn.id.empty() || !r.footprint.empty() || r.visible_window_ms;
  w.u8(txn);
  if (txn) {
    const TxnHeader& t = r.txn;
    w.str(t.id);
    w.f64(t.start_ms);
    w.u32(t.stmt);
    w.u32(t.timeout_ms);
    w.u8(static_cast<uint8_t>(t.action));
    w.u8(t.decide);
    w.u32(static_cast<uint32_t>(t.record_node));
    w.u32(static_cast<uint32_t>(t.participants.size()));
    for (auto p : t.participants) w.u32(p);
    w.u32(t.rollback_to);
    w.u32(t.self);
    w.str(t.database);
    w.u32(static_cast<uint32_t>(r.footprint.size()));
    for (auto& f : r.footprint) {
      w.str(f.table);
      w.u8(f.write);
      w.u32(static_cast<uint32_t>(f.ksids.size()));
      for (auto k : f.ksids) w.i64(static_cast<int64_t>(k));
    }
    w.u32(r.visible_window_ms);
  }
  // A paged read's page size follows, only when it is one.
  if (r.page_rows) {
    w.u32(r.page_rows);
    w.u32(r.page_bytes);
    w.u8(r.page_cut);
  }
  return w.take();
}

Result<Request> decode_request(std::string_view bytes) {
  wire::Reader rd(bytes);
  Request r;
  if (rd.u8() != 1) return Error::internal("unknown storage op");
  r.epoch = static_cast<uint64_t>(rd.i64());
  r.catalog_version = static_cast<uint64_t>(rd.i64());
  uint32_t nv = rd.count();
  for (uint32_t i = 0; i < nv && rd.ok(); i++) r.vshards.push_back(rd.u32());
  uint32_t ns = rd.count();
  for (uint32_t i = 0; i < ns && rd.ok(); i++) {
    Statement s;
    s.sql = rd.str();
    s.params = rd.row();
    uint8_t flags = rd.u8();
    s.write = flags & 1;
    if (flags & 2) s.op = std::make_shared<const NodeOp>(decode_op(rd));
    r.statements.push_back(std::move(s));
  }
  r.want_size = rd.u8() != 0;
  r.admin = rd.u8() != 0;
  r.check_only = rd.u8() != 0;
  uint8_t load = rd.u8();
  r.want_load = load & 1;
  r.reset_load = load & 2;
  r.defer_fk = load & 4;
  if (!rd.at_end() && rd.u8()) {
    TxnHeader& t = r.txn;
    t.id = rd.str();
    t.start_ms = rd.f64();
    t.stmt = rd.u32();
    t.timeout_ms = rd.u32();
    t.action = static_cast<TxnAction>(rd.u8());
    t.decide = rd.u8() != 0;
    t.record_node = static_cast<int32_t>(rd.u32());
    uint32_t np = rd.count();
    for (uint32_t i = 0; i < np && rd.ok(); i++) t.participants.push_back(rd.u32());
    t.rollback_to = rd.u32();
    t.self = rd.u32();
    t.database = rd.str();
    uint32_t nf = rd.count();
    for (uint32_t i = 0; i < nf && rd.ok(); i++) {
      LockSpec f;
      f.table = rd.str();
      f.write = rd.u8() != 0;
      uint32_t nk = rd.count();
      for (uint32_t k = 0; k < nk && rd.ok(); k++) f.ksids.push_back(static_cast<uint64_t>(rd.i64()));
      r.footprint.push_back(std::move(f));
    }
    r.visible_window_ms = rd.u32();
  }
  if (!rd.at_end()) {
    r.page_rows = rd.u32();
    r.page_bytes = rd.u32();
    if (!rd.at_end()) r.page_cut = rd.u8() != 0;
  }
  if (!rd.ok()) return Error::internal("corrupt storage request");
  return r;
}

std::string encode_response(const Response& r) {
  wire::Writer w;
  w.u8(0);
  w.u32(static_cast<uint32_t>(r.results.size()));
  for (auto& rs : r.results) w.result_set(rs);
  w.i64(r.database_bytes);
  w.u8(r.has_load);
  if (r.has_load) {
    w.u32(static_cast<uint32_t>(r.load.vshards.size()));
    for (auto& [v, n] : r.load.vshards) {
      w.u32(v);
      w.i64(static_cast<int64_t>(n));
    }
    w.i64(static_cast<int64_t>(r.load.scatter));
    w.i64(static_cast<int64_t>(r.load.total));
  }
  w.u32(static_cast<uint32_t>(r.visible.size()));
  for (auto& v : r.visible) {
    w.str(v.id);
    w.u32(static_cast<uint32_t>(v.participants.size()));
    for (auto p : v.participants) w.u32(p);
    w.u8(v.recent);
  }
  w.u8(r.txn_outcome);
  // A paged read's rest, only when there is one.
  if (r.more || !r.cursor.empty()) {
    w.u8(r.more);
    w.str(r.cursor);
  }
  return w.take();
}

std::string encode_rolled_back(const Response& r) {
  std::string s = encode_response(r);
  s[0] = static_cast<char>(kRolledBack);
  return s;
}

std::string encode_error(const Error& e, uint32_t statement_index) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(e.code));
  w.u32(statement_index);
  w.str(e.message);
  w.str(e.sqlite_code);
  return w.take();
}

Result<Response> decode_response(std::string_view bytes) {
  wire::Reader rd(bytes);
  uint8_t status = rd.u8();
  if (status != 0 && status != kRolledBack) {
    rd.u32();
    std::string msg(rd.str());
    std::string sqlite_code = rd.at_end() ? std::string() : std::string(rd.str());
    if (!rd.ok()) return Error::internal("corrupt storage error response");
    return Error{static_cast<ErrorCode>(status), msg, sqlite_code};
  }
  Response r;
  uint32_t n = rd.count();
  for (uint32_t i = 0; i < n && rd.ok(); i++) r.results.push_back(rd.result_set());
  r.database_bytes = rd.i64();
  r.has_load = rd.u8() != 0;
  if (r.has_load) {
    uint32_t k = rd.count();
    for (uint32_t i = 0; i < k && rd.ok(); i++) {
      uint32_t v = rd.u32();
      r.load.vshards.emplace_back(v, static_cast<uint64_t>(rd.i64()));
    }
    r.load.scatter = static_cast<uint64_t>(rd.i64());
    r.load.total = static_cast<uint64_t>(rd.i64());
  }
  if (!rd.at_end()) {
    uint32_t nv = rd.count();
    for (uint32_t i = 0; i < nv && rd.ok(); i++) {
      VisibleTxn v;
      v.id = rd.str();
      uint32_t np = rd.count();
      for (uint32_t k = 0; k < np && rd.ok(); k++) v.participants.push_back(rd.u32());
      v.recent = rd.u8() != 0;
      r.visible.push_back(std::move(v));
    }
    r.txn_outcome = rd.u8();
  }
  if (!rd.at_end()) {
    r.more = rd.u8() != 0;
    r.cursor = rd.str();
  }
  if (!rd.ok()) return Error::internal("corrupt storage response");
  return r;
}

}  // namespace bd::storage
