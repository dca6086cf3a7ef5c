#include "topology/databases.h"

#include "base/json.h"
#include "wire/codec.h"

namespace bd::databases {
namespace {

std::string error_response(const Error& e) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(e.code));
  w.str(e.message);
  return w.take();
}

std::string ok_response() { return std::string(1, '\0'); }

Status exec(SqlHost& sql, std::string_view q, std::vector<Value> params = {}) {
  auto r = sql.exec(q, params);
  if (!r.ok()) return r.error();
  return ok_status();
}

std::string handle_impl(SqlHost& sql, wire::Reader& r) {
  auto op = static_cast<Op>(r.u8());
  auto s = exec(sql,
                "CREATE TABLE IF NOT EXISTS _bd_databases(name TEXT PRIMARY KEY, nodes INTEGER NOT NULL, created INTEGER NOT NULL, "
                "state TEXT NOT NULL) STRICT");
  if (!s.ok()) return error_response(s.error());
  switch (op) {
    case Op::Register: {
      std::string name(r.str());
      uint32_t nodes = r.u32();
      if (!r.ok()) return error_response(Error::internal("corrupt catalog request"));
      // The catalog object's own clock (SQLite's 'now'): the core has none.
      auto ins = sql.exec(
          "INSERT INTO _bd_databases(name, nodes, created, state) VALUES (?, ?, CAST((julianday('now') - 2440587.5) * 86400000 AS "
          "INTEGER), 'ready') ON CONFLICT(name) DO NOTHING RETURNING name",
          {Value::text(name), Value::integer(nodes)});
      if (!ins.ok()) return error_response(ins.error());
      wire::Writer w;
      w.u8(0);
      w.u8(ins->rows.empty() ? 0 : 1);
      return w.take();
    }
    case Op::SetState: {
      std::string name(r.str()), state(r.str());
      if (!r.ok()) return error_response(Error::internal("corrupt catalog request"));
      auto u = exec(sql, "UPDATE _bd_databases SET state = ? WHERE name = ?", {Value::text(state), Value::text(name)});
      if (!u.ok()) return error_response(u.error());
      return ok_response();
    }
    case Op::Unregister: {
      std::string name(r.str());
      if (!r.ok()) return error_response(Error::internal("corrupt catalog request"));
      auto d = exec(sql, "DELETE FROM _bd_databases WHERE name = ?", {Value::text(name)});
      if (!d.ok()) return error_response(d.error());
      return ok_response();
    }
    case Op::List: {
      auto rows = sql.exec("SELECT name, nodes, created, state FROM _bd_databases ORDER BY name", {});
      if (!rows.ok()) return error_response(rows.error());
      JsonWriter j;
      j.begin_array();
      for (auto& row : rows->rows) {
        j.begin_object();
        j.key("name").str(row[0].s);
        j.key("nodes").num(row[1].i);
        j.key("created").num(row[2].i);
        j.key("state").str(row[3].s);
        j.end_object();
      }
      j.end_array();
      wire::Writer w;
      w.u8(0);
      w.str(j.take());
      return w.take();
    }
  }
  return error_response(Error::internal("unknown catalog op"));
}

Error decode_error(wire::Reader& r, uint8_t status) {
  std::string msg(r.str());
  return Error{static_cast<ErrorCode>(status), msg.empty() ? "catalog error" : msg};
}

}  // namespace

std::string handle(SqlHost& sql, std::string_view request) {
  wire::Reader r(request);
  return handle_impl(sql, r);
}

std::string register_request(std::string_view database, uint32_t nodes) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::Register));
  w.str(database);
  w.u32(nodes);
  return w.take();
}

std::string set_state_request(std::string_view database, std::string_view state) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::SetState));
  w.str(database);
  w.str(state);
  return w.take();
}

std::string unregister_request(std::string_view database) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::Unregister));
  w.str(database);
  return w.take();
}

std::string list_request() { return std::string(1, static_cast<char>(Op::List)); }

Result<bool> decode_register_response(std::string_view response) {
  wire::Reader r(response);
  uint8_t status = r.u8();
  if (status != 0) return decode_error(r, status);
  bool added = r.u8() != 0;
  if (!r.ok()) return Error::internal("corrupt catalog response");
  return added;
}

Status decode_status_response(std::string_view response) {
  wire::Reader r(response);
  uint8_t status = r.u8();
  if (!r.ok()) return Error::internal("empty catalog response");
  if (status != 0) return decode_error(r, status);
  return ok_status();
}

Result<std::string> decode_list_response(std::string_view response) {
  wire::Reader r(response);
  uint8_t status = r.u8();
  if (status != 0) return decode_error(r, status);
  std::string json(r.str());
  if (!r.ok()) return Error::internal("corrupt catalog response");
  return json;
}

}  // namespace bd::databases
