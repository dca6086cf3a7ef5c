#include "conductor/introspection.h"

#include <algorithm>
#include <map>
#include "conductor/plan_exec.h"
#include "value/text.h"
#include "planner/params.h"
#include "planner/shard_sql.h"
#include "sql/lexer.h"
#include "sql/parser.h"
#include "sql/printer.h"
#include "topology/store.h"

namespace bd {
namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

QueryOutput rows_output(std::vector<std::string> columns, std::vector<Row> rows) {
  QueryOutput out;
  out.rs.columns = std::move(columns);
  out.rs.rows = std::move(rows);
  return out;
}

// SQLite's boolean PRAGMA values (on/off, yes/no, true/false, numbers), read by SQLite itself.
Result<bool> pragma_boolean(const sql::Pragma& p) {
  auto db = CombineDb::open();
  if (!db.ok()) return db.error();
  sql::Stmt probe;
  sql::Pragma fk;
  fk.name.name = "foreign_keys";
  fk.value_kind = p.value_kind;
  fk.value = p.value;
  probe.node = fk;
  if (auto s = (*db)->exec(sql::print(probe)); !s.ok()) return s.error();
  auto r = (*db)->query("PRAGMA foreign_keys", {});
  if (!r.ok()) return r.error();
  return !r->rows.empty() && r->rows[0][0].type == ValueType::Integer && r->rows[0][0].i != 0;
}

// The rows each node answers to one statement, in node order.
Task<Result<std::vector<ResultSet>>> on_each_node(Exec& x, const std::string& sql, bool write) {
  std::vector<NodeRequest> reqs;
  for (auto n : x.all_nodes()) reqs.push_back({n, x.request(one_statement(sql, {}, write))});
  auto resp = co_await fan_out(x.s, std::move(reqs));
  if (!resp.ok()) co_return resp.error();
  std::vector<ResultSet> out;
  for (auto& r : *resp) out.push_back(r.results.empty() ? ResultSet{} : std::move(r.results[0]));
  co_return out;
}

// PRAGMA quick_check / integrity_check: every node checks its own database; "ok" when all do.
Task<Result<QueryOutput>> check_pragma(Exec& x, const sql::Pragma& p, const sql::Stmt& st) {
  std::string name = iequals(p.name.name, "quick_check") ? "quick_check" : "integrity_check";
  if (p.value_kind == sql::PragmaValueKind::Name) {
    // A table to check: it must exist here, as SQLite would say.
    if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();
    const TableInfo* t = x.topo->find_table(p.value);
    if (!t || t->kind == TableKind::View) co_return Error::sql("no such table: " + p.value);
  }
  auto parts = co_await on_each_node(x, sql::print(st), false);
  if (!parts.ok()) co_return parts.error();
  std::vector<Row> problems;
  for (size_t n = 0; n < parts->size(); n++)
    for (auto& row : (*parts)[n].rows)
      if (!row.empty() && !(row[0].type == ValueType::Text && row[0].s == "ok"))
        problems.push_back(
            {Value::text((row[0].type == ValueType::Text ? row[0].s : std::string("?")) + " (node " + std::to_string(n) + ")")});
  if (problems.empty()) problems.push_back({Value::text("ok")});
  x.plan = "scatter";
  co_return rows_output({name}, std::move(problems));
}

// PRAGMA foreign_key_check[(table)]: SQLite's own check over the rows of the child tables and their
// parents, gathered into a mirror of the schema.
Task<Result<QueryOutput>> foreign_key_check(Exec& x, const sql::Pragma& p) {
  if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();
  auto mirror = open_schema_mirror(*x.topo);
  if (!mirror.ok()) co_return mirror.error();
  std::string call = "SELECT * FROM pragma_foreign_key_check";
  std::vector<std::string> children;
  if (p.value_kind == sql::PragmaValueKind::Name) {
    const TableInfo* t = x.topo->find_table(p.value);
    if (!t || t->kind == TableKind::View) co_return Error::sql("no such table: " + p.value);
    children.push_back(t->name);
    call += "(" + quoted_identifier(p.value) + ")";
  } else {
    for (auto& t : x.topo->tables)
      if (t.kind == TableKind::Sharded || t.kind == TableKind::Reference) children.push_back(t.name);
  }
  planner::Features f;
  for (auto& child : children) {
    auto fks = (*mirror)->query("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)", {Value::text(child)});
    if (!fks.ok()) co_return fks.error();
    if (fks->rows.empty()) continue;
    f.tables.push_back(child);
    for (auto& row : fks->rows)
      if (row[0].type == ValueType::Text) f.tables.push_back(row[0].s);
  }
  if (f.tables.empty()) {
    auto rs = (*mirror)->query(call, {});
    if (!rs.ok()) co_return rs.error();
    x.plan = "catalog";
    QueryOutput out;
    out.rs = std::move(*rs);
    co_return out;
  }
  auto comb = planner::plan_combine(nullptr, call, 0, f, plan_env(x));
  if (!comb.ok()) co_return comb.error();
  comb->on_schema = true;
  comb->combine_tables.clear();
  comb->combine_views.clear();
  co_return co_await run_combine_on(x, *comb, std::move(*mirror));
}

// PRAGMA user_version [= N]: kept in the topology object, one value per database.
Task<Result<QueryOutput>> user_version(Exec& x, const sql::Pragma& p, const sql::Stmt& st) {
  x.plan = "catalog";
  if (p.value_kind == sql::PragmaValueKind::None) {
    if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();
    co_return rows_output({"user_version"}, {{Value::integer(x.topo->user_version)}});
  }
  // The value as SQLite reads it (a 32-bit integer).
  auto db = CombineDb::open();
  if (!db.ok()) co_return db.error();
  if (auto s = (*db)->exec(sql::print(st)); !s.ok()) co_return s.error();
  auto v = (*db)->query("PRAGMA user_version", {});
  if (!v.ok()) co_return v.error();
  topology::CatalogChange change;
  change.user_version = v->rows.empty() ? 0 : v->rows[0][0].i;
  auto reply = co_await topology_call(x.s, topology::catalog_request(change, 0));
  if (!reply.ok()) co_return reply.error();
  auto t = topology::decode_topology_response(*reply);
  if (!t.ok()) co_return t.error();
  x.topo = adopt_topology(x.c, std::move(*t));
  co_return QueryOutput{};
}

bool mirror_pragma(std::string_view name) {
  for (const char* n :
       {"table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list", "collation_list"})
    if (iequals(name, n)) return true;
  return false;
}

}  // namespace

std::vector<SchemaRow> logical_schema(const Topology& t) {
  if (t.has_schema) return t.schema;
  std::vector<SchemaRow> rows;
  for (auto& ti : t.tables) {
    const char* type = ti.kind == TableKind::View ? "view" : ti.kind == TableKind::Index ? "index" : "table";
    std::optional<std::string> sql;
    if (!ti.create_sql.empty()) sql = ti.create_sql;
    rows.push_back({type, ti.name, ti.kind == TableKind::Index ? ti.base_table : ti.name, sql});
  }
  return rows;
}

Result<std::unique_ptr<CombineDb>> open_schema_mirror(const Topology& t) {
  auto db = CombineDb::open();
  if (!db.ok()) return db.error();
  auto& m = **db;
  m.enable_triggers(false);
  for (auto& row : logical_schema(t)) {
    if (!row.sql) continue;  // autoindexes come with their tables
    // Objects SQLite makes by itself (sqlite_sequence, the shadow tables of a virtual table) exist
    // once what makes them does.
    auto have = m.query("SELECT 1 FROM sqlite_schema WHERE type = ? AND name = ?", {Value::text(row.type), Value::text(row.name)});
    if (!have.ok()) return have.error();
    if (!have->rows.empty()) continue;
    if (starts_with_nocase(row.name, "sqlite_stat")) {
      if (auto s = m.exec("ANALYZE"); !s.ok()) return s.error();
      continue;
    }
    if (auto s = m.exec(*row.sql); !s.ok())
      return Error::internal("schema mirror: cannot create " + row.type + " " + row.name + ": " + s.error().message);
  }
  return db;
}

Result<std::vector<SchemaRow>> read_schema(CombineDb& mirror) {
  auto rs = mirror.query("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid", {});
  if (!rs.ok()) return rs.error();
  std::vector<SchemaRow> rows;
  for (auto& r : rs->rows) {
    SchemaRow row{r[0].s, r[1].s, r[2].s, std::nullopt};
    if (r[3].type == ValueType::Text) row.sql = r[3].s;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string mirror_ddl(std::string_view source, const sql::Stmt& st) {
  if (source.empty()) {
    sql::Stmt copy = st;
    copy.explain = sql::Explain::None;
    return sql::print(copy);
  }
  std::vector<sql::Token> toks;
  sql::tokenize(source, toks);
  size_t i = 0;
  // EXPLAIN [QUERY PLAN] is not part of the statement.
  if (i < toks.size() && toks[i].kind == sql::Tok::K_EXPLAIN) {
    i++;
    if (i + 1 < toks.size() && toks[i].kind == sql::Tok::K_QUERY) i += 2;
  }
  if (i >= toks.size() || toks[i].kind == sql::Tok::End) return std::string(source);
  std::string out;
  size_t from = toks[i].offset;
  if (toks[i].kind == sql::Tok::K_CREATE && i + 1 < toks.size() &&
      (toks[i + 1].kind == sql::Tok::K_TEMP || toks[i + 1].kind == sql::Tok::K_TEMPORARY)) {
    out = "CREATE ";
    from = toks[i + 1].offset + toks[i + 1].len;
  }
  out += source.substr(from);
  return out;
}

bool is_surface_pragma(const sql::Pragma& p) {
  if (!p.name.schema.empty() && !iequals(p.name.schema, "main")) return false;
  if (mirror_pragma(p.name.name)) return true;
  for (const char* n :
       {"foreign_keys", "defer_foreign_keys", "user_version", "optimize", "quick_check", "integrity_check", "foreign_key_check"})
    if (iequals(p.name.name, n)) return true;
  return false;
}

Task<Result<QueryOutput>> run_surface_pragma(Exec& x, const sql::Pragma& p, const sql::Stmt& st) {
  const std::string& name = p.name.name;
  if (mirror_pragma(name)) {
    if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();
    auto mirror = open_schema_mirror(*x.topo);
    if (!mirror.ok()) co_return mirror.error();
    auto rs = (*mirror)->query(sql::print(st), {});
    if (!rs.ok()) co_return rs.error();
    x.plan = "catalog";
    QueryOutput out;
    out.rs = std::move(*rs);
    out.rs.changes = 0;
    out.rs.last_insert_rowid = 0;
    co_return out;
  }
  if (iequals(name, "foreign_keys") || iequals(name, "defer_foreign_keys")) {
    bool& setting = iequals(name, "foreign_keys") ? x.s.foreign_keys : x.s.defer_foreign_keys;
    x.plan = "catalog";
    if (p.value_kind == sql::PragmaValueKind::None)
      co_return rows_output({iequals(name, "foreign_keys") ? "foreign_keys" : "defer_foreign_keys"}, {{Value::integer(setting ? 1 : 0)}});
    auto v = pragma_boolean(p);
    if (!v.ok()) co_return v.error();
    setting = *v;
    co_return QueryOutput{};
  }
  if (iequals(name, "user_version")) co_return co_await user_version(x, p, st);
  if (iequals(name, "optimize")) {
    auto parts = co_await on_each_node(x, sql::print(st), true);
    if (!parts.ok()) co_return parts.error();
    x.plan = "scatter";
    co_return rows_output({"optimize"}, {});
  }
  if (iequals(name, "quick_check") || iequals(name, "integrity_check")) co_return co_await check_pragma(x, p, st);
  if (iequals(name, "foreign_key_check")) co_return co_await foreign_key_check(x, p);
  co_return Error::internal("not a surface PRAGMA: " + name);
}

}  // namespace bd
