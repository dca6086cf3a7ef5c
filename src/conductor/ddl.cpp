// DDL and the other non-DML statements. Schema changes reach every node and are recorded in the
// topology only once every node succeeded; a node's refusal undoes the others and is returned.
#include <algorithm>
#include <cstdlib>
#include "topology/fts_table.h"
#include "conductor/exec_context.h"
#include "base/limits.h"
#include "conductor/introspection.h"
#include "conductor/txn.h"
#include "conductor/lookup_index.h"
#include "conductor/rebalance.h"
#include "conductor/reshard.h"
#include "planner/analysis.h"
#include "planner/fts.h"
#include "storage/ops.h"
#include "planner/shard_sql.h"
#include "sql/parser.h"
#include "sql/printer.h"
#include "topology/store.h"

namespace bd {
namespace {

// Runs the same statements on every node. On failure, `undo` (if any) runs on the nodes that
// succeeded, and the first failing node's error is returned.
Task<Status> on_every_node(Exec& x, std::vector<storage::Statement> stmts, std::string undo = {}) {
  std::vector<OutRequest> out;
  for (uint32_t n = 0; n < x.topo->nodes; n++) {
    OutRequest o;
    o.target = OutRequest::Target::Storage;
    o.node = n;
    o.payload = storage::encode_request(x.request(stmts));
    out.push_back(std::move(o));
    if (std::find(x.s.nodes_touched.begin(), x.s.nodes_touched.end(), n) == x.s.nodes_touched.end()) x.s.nodes_touched.push_back(n);
  }
  x.s.round_trips++;
  auto resp = co_await x.s.io(std::move(out));
  std::vector<uint32_t> succeeded;
  Status first_error = ok_status();
  for (uint32_t n = 0; n < resp.size(); n++) {
    Result<storage::Response> r = resp[n].delivered ? storage::decode_response(resp[n].payload)
                                                    : Result<storage::Response>(Error::internal("node unreachable: " + resp[n].payload));
    if (r.ok())
      succeeded.push_back(n);
    else if (first_error.ok()) {
      Error e = r.error();
      if (e.code != ErrorCode::Sql) e.message += " (node " + std::to_string(n) + ")";
      first_error = e;
    }
  }
  if (!first_error.ok() && !undo.empty() && !succeeded.empty()) {
    std::vector<OutRequest> undo_reqs;
    for (auto n : succeeded) {
      OutRequest o;
      o.target = OutRequest::Target::Storage;
      o.node = n;
      o.payload = storage::encode_request(x.request({{undo, {}, true}}));
      undo_reqs.push_back(std::move(o));
    }
    x.s.round_trips++;
    co_await x.s.io(std::move(undo_reqs));
  }
  co_return first_error;
}

Task<Status> drop_lookup_index(Exec& x, const TableInfo& index);

topology::CatalogChange put(TableInfo t) {
  topology::CatalogChange c;
  c.puts.push_back(std::move(t));
  return c;
}

topology::CatalogChange drop_entry(std::string name) {
  topology::CatalogChange c;
  c.drops.push_back(std::move(name));
  return c;
}

// Records a catalog change in the topology object (with the statement's new schema rows, the first
// time), then tells every node the new catalog version, so that conductors still planning with the
// old catalog are refused and re-plan.
Task<Status> record(Exec& x, topology::CatalogChange change, uint64_t expected_version = 0) {
  if (x.new_schema && !x.schema_recorded) {
    change.schema = *x.new_schema;
    x.schema_recorded = true;
  }
  auto reply = co_await topology_call(x.s, topology::catalog_request(change, expected_version));
  if (!reply.ok()) co_return reply.error();
  auto t = topology::decode_topology_response(*reply);
  if (!t.ok()) co_return t.error();
  x.topo = adopt_topology(x.c, std::move(*t));
  storage::NodeOp bump;
  bump.kind = storage::OpKind::RaiseCatalog;
  bump.number = static_cast<int64_t>(x.topo->version);
  std::vector<storage::Statement> v;
  v.push_back(storage::op_statement(std::move(bump)));
  co_return co_await on_every_node(x, std::move(v));
}

QueryOutput done(Exec& x, const char* plan) {
  x.plan = plan;
  return QueryOutput{};
}

// UNIQUE and PRIMARY KEY constraints are enforced by each node on its own rows, exact when the
// shard key decides the node. Every other one is also a global unique index: a UNIQUE constraint
// named as SQLite names its autoindex, a PRIMARY KEY (INTEGER PRIMARY KEY included: explicit ids
// may arrive on any node) under the hidden name global_pk_name(table), which no introspection
// shows. `mirror` holds the table's schema (SQLite's own view of its constraints).
Result<std::vector<TableInfo>> constraint_indexes(CombineDb& mirror, const TableInfo& info) {
  std::vector<TableInfo> out;
  if (info.kind != TableKind::Sharded || info.shard_key < 0) return out;
  // A collation, empty for BINARY (as ColumnInfo keeps it).
  auto coll_of = [](const Value& v) { return v.type != ValueType::Text || iequals(v.s, "BINARY") ? std::string() : v.s; };
  auto make = [&](std::string name, const std::vector<std::string>& names, const std::vector<std::string>& colls, bool pk) -> Status {
    TableInfo index;
    index.name = std::move(name);
    index.kind = TableKind::Index;
    index.base_table = info.name;
    index.unique = true;
    for (size_t k = 0; k < names.size(); k++) {
      int c = info.column_index(names[k]);
      if (c < 0)
        return Error::unsupported(std::string(pk ? "PRIMARY KEY" : "UNIQUE constraint") + " on an expression of " + info.name +
                                  " is not supported");
      index.columns.push_back(info.columns[c]);
      index.columns.back().collation = colls[k];  // the constraint's own (COLLATE in its column list), else the column's
    }
    out.push_back(std::move(index));
    return ok_status();
  };
  if (info.rowid_alias >= 0 && info.rowid_alias != info.shard_key)
    if (auto s = make(global_pk_name(info.name), {info.columns[info.rowid_alias].name}, {""}, true); !s.ok()) return s.error();
  auto list = mirror.query("SELECT name, origin FROM pragma_index_list(?) ORDER BY seq DESC", {Value::text(info.name)});
  if (!list.ok()) return list.error();
  for (auto& row : list->rows) {
    if (row[1].s != "u" && row[1].s != "pk") continue;
    bool pk = row[1].s == "pk";
    auto cols = mirror.query("SELECT name, coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno", {row[0]});
    if (!cols.ok()) return cols.error();
    std::vector<std::string> names, colls;
    bool covers_key = false;
    const ColumnInfo& key = info.columns[info.shard_key];
    for (auto& c : cols->rows) {
      names.push_back(c[0].type == ValueType::Text ? c[0].s : "");
      colls.push_back(coll_of(c[1]));
      // Equal values meet on one node only if the constraint compares the key as it is hashed.
      covers_key |= iequals(names.back(), key.name) && iequals(colls.back(), coll_of(Value::text(key.collation)));
    }
    if (covers_key) continue;
    if (auto s = make(pk ? global_pk_name(info.name) : row[0].s, names, colls, pk); !s.ok()) return s.error();
  }
  return out;
}

Task<Result<QueryOutput>> create_table(Exec& x, const sql::CreateTable& ct) {
  if (ct.temp) co_return Error::unsupported("TEMP tables are not supported: every table is shared by all connections");
  if (ct.as_select) co_return Error::unsupported("CREATE TABLE ... AS SELECT is not supported yet");
  if (!ct.name.schema.empty() && !iequals(ct.name.schema, "main")) co_return Error::sql("unknown database " + ct.name.schema);
  if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();  // the catalog decides existence
  if (auto* existing = x.topo->find_table(ct.name.name)) {
    if (ct.if_not_exists) co_return done(x, "ddl");
    co_return Error::sql(std::string(existing->kind == TableKind::View ? "view " : "table ") + ct.name.name + " already exists");
  }
  sql::Stmt user;
  user.node = ct;
  user.as<sql::CreateTable>()->if_not_exists = false;
  auto info = planner::table_info_from_create(ct, sql::print(user));
  if (!info.ok()) co_return info.error();
  std::vector<TableInfo> globals;
  if (x.next_mirror && info->kind == TableKind::Sharded) {
    auto g = constraint_indexes(*x.next_mirror, *info);
    if (!g.ok()) co_return g.error();
    globals = std::move(*g);
  }
  std::string undo = "DROP TABLE IF EXISTS " + quoted_identifier(info->name);
  auto drop_all = [&]() {
    auto stmts = one_statement(undo);
    for (auto& g : globals) stmts.push_back({"DROP TABLE IF EXISTS " + quoted_identifier(lookup_table_name(g.name)), {}, true});
    return stmts;
  };
  std::string shard_sql = planner::shard_create_sql(ct, *info, *x.topo);
  auto s = co_await on_every_node(x, one_statement(shard_sql), undo);
  if (!s.ok()) co_return s.error();
  for (auto& g : globals) {
    if (auto b = co_await build_lookup_index(x, *info, g); !b.ok()) {
      co_await on_every_node(x, drop_all());
      co_return b.error();
    }
  }
  topology::CatalogChange change = put(*info);
  for (auto& g : globals) change.puts.push_back(g);
  s = co_await record(x, std::move(change), x.topo->version);
  if (!s.ok()) {
    co_await on_every_node(x, drop_all());
    co_return s.error();
  }
  co_return done(x, "ddl");
}

// CREATE VIRTUAL TABLE ... USING fts5(...): the content table and the FTS5 table over it on every
// node (planner/fts.h), then both catalog entries.
Task<Result<QueryOutput>> create_fts5(Exec& x, const sql::CreateVirtualTable& vt) {
  if (!vt.name.schema.empty() && !iequals(vt.name.schema, "main")) co_return Error::sql("unknown database " + vt.name.schema);
  if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();
  if (auto* existing = x.topo->find_table(vt.name.name)) {
    if (vt.if_not_exists) co_return done(x, "ddl");
    co_return Error::sql(std::string(existing->kind == TableKind::View ? "view " : "table ") + vt.name.name + " already exists");
  }
  sql::Stmt user;
  user.node = vt;
  user.as<sql::CreateVirtualTable>()->if_not_exists = false;
  auto tables = planner::fts_tables(vt, sql::print(user));
  if (!tables.ok()) co_return tables.error();
  std::vector<storage::Statement> stmts;
  for (auto& d : tables->node_ddl) stmts.push_back({d, {}, true});
  // (A node that failed made neither table: its statements run in one transaction.)
  std::string undo = "DROP TABLE IF EXISTS " + quoted_identifier(tables->fts.name);
  auto drop_all = [&]() {
    auto v = one_statement("DROP TABLE IF EXISTS " + quoted_identifier(tables->fts.name));
    v.push_back({"DROP TABLE IF EXISTS " + quoted_identifier(tables->content.name), {}, true});
    return v;
  };
  auto s = co_await on_every_node(x, std::move(stmts), undo);
  if (!s.ok()) co_return s.error();
  topology::CatalogChange change = put(tables->fts);
  change.puts.push_back(tables->content);
  s = co_await record(x, std::move(change), x.topo->version);
  if (!s.ok()) {
    co_await on_every_node(x, drop_all());
    co_return s.error();
  }
  co_return done(x, "ddl");
}

Task<Result<QueryOutput>> drop(Exec& x, const sql::Drop& d, const sql::Stmt& st) {
  if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();
  const TableInfo* t = x.topo->find_table(d.name.name);
  switch (d.object) {
    case sql::ObjectKind::Table:
    case sql::ObjectKind::View: {
      bool want_view = d.object == sql::ObjectKind::View;
      if (!t) {
        if (d.if_exists) co_return done(x, "ddl");
        co_return Error::sql(std::string("no such ") + (want_view ? "view: " : "table: ") + d.name.name);
      }
      if ((t->kind == TableKind::View) != want_view)
        co_return Error::sql(std::string("use DROP ") + (want_view ? "TABLE" : "VIEW") + " to delete " + (want_view ? "table " : "view ") +
                             t->name);
      if (!want_view && is_fts5(*t)) {
        // The FTS5 table (its shadow tables with it), then its content table (its triggers with it).
        auto stmts = one_statement("DROP TABLE IF EXISTS " + quoted_identifier(t->name));
        stmts.push_back({"DROP TABLE IF EXISTS " + quoted_identifier(fts_content_table(t->name)), {}, true});
        auto s = co_await on_every_node(x, std::move(stmts));
        if (!s.ok()) co_return s.error();
        topology::CatalogChange change = drop_entry(t->name);
        if (x.topo->find_table(fts_content_table(t->name))) change.drops.push_back(fts_content_table(t->name));
        s = co_await record(x, std::move(change));
        if (!s.ok()) co_return s.error();
        co_return done(x, "ddl");
      }
      if (!want_view) {
        auto s = co_await on_every_node(x, one_statement("DROP TABLE IF EXISTS " + quoted_identifier(t->name)));
        if (!s.ok()) co_return s.error();
        std::vector<TableInfo> indexes;
        for (auto* i : x.topo->indexes_of(t->name)) indexes.push_back(*i);
        std::string name = t->name;
        for (auto& i : indexes)
          if (auto d = co_await drop_lookup_index(x, i); !d.ok()) co_return d.error();
        t = x.topo->find_table(name);
        if (!t) co_return done(x, "ddl");
      }
      auto s = co_await record(x, drop_entry(t->name));
      if (!s.ok()) co_return s.error();
      co_return done(x, "ddl");
    }
    case sql::ObjectKind::Index:
    case sql::ObjectKind::Trigger: {
      // The schema mirror checked that it exists; a trigger the conductor runs is on no node.
      sql::Stmt node_st = st;
      if (d.object == sql::ObjectKind::Trigger) node_st.as<sql::Drop>()->if_exists = true;
      auto s = co_await on_every_node(x, one_statement(sql::print(node_st)));
      if (!s.ok()) co_return s.error();
      if (d.object == sql::ObjectKind::Index) {
        if (const TableInfo* idx = x.topo->find_index(d.name.name)) {
          TableInfo copy = *idx;
          if (auto r = co_await drop_lookup_index(x, copy); !r.ok()) co_return r.error();
        }
      }
      co_return done(x, "ddl");
    }
  }
  co_return Error::internal("unknown DROP");
}

Task<Result<QueryOutput>> create_view(Exec& x, const sql::CreateView& cv) {
  if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();
  if (auto* existing = x.topo->find_table(cv.name.name)) {
    if (cv.if_not_exists) co_return done(x, "ddl");
    co_return Error::sql(std::string(existing->kind == TableKind::View ? "view " : "table ") + cv.name.name + " already exists");
  }
  // Views run in the combine engine over gathered rows; TEMP views are database-wide here.
  sql::Stmt st;
  st.node = cv;
  st.as<sql::CreateView>()->temp = false;
  st.as<sql::CreateView>()->if_not_exists = false;
  // Check it compiles against the catalog: create the tables and the view in a scratch database.
  auto db = CombineDb::open();
  if (!db.ok()) co_return db.error();
  for (auto& t : x.topo->tables)
    if (auto s = (*db)->exec(t.create_sql); !s.ok()) co_return s.error();
  std::string text = sql::print(st);
  if (auto s = (*db)->exec(text); !s.ok()) co_return s.error();
  TableInfo v;
  v.name = cv.name.name;
  v.kind = TableKind::View;
  v.create_sql = text;
  auto s = co_await record(x, put(v), x.topo->version);
  if (!s.ok()) co_return s.error();
  co_return done(x, "ddl");
}

Task<Result<QueryOutput>> create_index(Exec& x, const sql::CreateIndex& ci, const sql::Stmt& st) {
  if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();
  const TableInfo* t = x.topo->find_table(ci.table);
  if (!t) co_return Error::sql("no such table: main." + ci.table);
  if (t->kind == TableKind::View) co_return Error::sql("views may not be indexed");
  if (x.topo->find_index(ci.name.name)) {
    if (ci.if_not_exists) co_return done(x, "ddl");
    co_return Error::sql("index " + ci.name.name + " already exists");
  }
  // Plain column lists get a global lookup index on sharded tables (unless the shard key leads,
  // which already routes); expression and partial indexes stay local to each node.
  std::vector<int> cols;
  bool plain = !ci.where;
  for (auto& term : ci.columns) {
    int idx = term.expr && term.expr->kind == sql::ExprKind::Column ? t->column_index(term.expr->name) : -1;
    if (idx < 0)
      plain = false;
    else
      cols.push_back(idx);
  }
  bool key_leads = plain && !cols.empty() && cols[0] == t->shard_key;
  bool covers_key = false;
  for (int c : cols) covers_key |= c == t->shard_key && t->shard_key >= 0;
  bool global = t->kind == TableKind::Sharded && plain && !key_leads;
  if (ci.unique && t->kind == TableKind::Sharded && !covers_key && !global)
    co_return Error::unsupported("UNIQUE index " + ci.name.name +
                                 " without the shard key needs a global unique index, which requires plain columns");
  auto s = co_await on_every_node(x, one_statement(sql::print(st)), "DROP INDEX IF EXISTS " + quoted_identifier(ci.name.name));
  if (!s.ok()) co_return s.error();
  if (!global) co_return done(x, "ddl");
  TableInfo index;
  index.name = ci.name.name;
  index.kind = TableKind::Index;
  index.base_table = t->name;
  index.unique = ci.unique && !covers_key;
  // Its CREATE statement as sqlite_master keeps it (the user's text), so that an index re-created
  // by a rollback, or renamed along with its table, reads back the same.
  index.create_sql = sql::print(st);
  if (x.new_schema)
    for (auto& row : *x.new_schema)
      if (row.type == "index" && iequals(row.name, index.name) && row.sql) index.create_sql = *row.sql;
  for (int c : cols) index.columns.push_back(t->columns[c]);
  auto b = co_await build_lookup_index(x, *t, index);
  if (!b.ok()) {
    auto undo = one_statement("DROP TABLE IF EXISTS " + quoted_identifier(lookup_table_name(index.name)));
    undo.push_back({"DROP INDEX IF EXISTS " + quoted_identifier(index.name), {}, true});
    co_await on_every_node(x, std::move(undo));
    co_return b.error();
  }
  s = co_await record(x, put(index));
  if (!s.ok()) co_return s.error();
  co_return done(x, "ddl");
}

// Removes a global index's hidden table and catalog entry.
Task<Status> drop_lookup_index(Exec& x, const TableInfo& index) {
  auto s = co_await on_every_node(x, one_statement("DROP TABLE IF EXISTS " + quoted_identifier(lookup_table_name(index.name))));
  if (!s.ok()) co_return s;
  co_return co_await record(x, drop_entry(index.name));
}

Task<Result<QueryOutput>> create_trigger(Exec& x, const sql::CreateTrigger& tr, const sql::Stmt& st) {
  const TableInfo* t = x.topo->find_table(tr.table.name);
  if (!t) {
    if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();
    t = x.topo->find_table(tr.table.name);
    if (!t) co_return Error::sql("no such table: main." + tr.table.name);
  }
  if (t->kind == TableKind::View) co_return Error::unsupported("triggers on views are not supported yet");
  // A trigger runs on the node of the row that fired it: only effects that stay there are exact.
  if (trigger_writes_elsewhere(*x.topo, tr)) {
    // Its writes may land on other nodes: the conductor runs it (write.cpp), atomically with the
    // statement that fires it; it lives in the catalog only.
    if (tr.time != sql::TriggerTime::After)
      co_return Error::unsupported("trigger " + tr.name.name +
                                   " writes to a sharded table; only AFTER triggers can (BEFORE and INSTEAD OF ones may only have "
                                   "SELECT/RAISE bodies or write to reference tables)");
    co_return done(x, "ddl");
  }
  sql::Stmt copy = st;
  copy.as<sql::CreateTrigger>()->temp = false;
  // Node tables carry a hidden column: an INSERT without a column list names the user's columns,
  // so that its values land where they would in one SQLite database.
  for (auto& body : copy.as<sql::CreateTrigger>()->body)
    if (auto* ins = body->as<sql::Insert>(); ins && ins->columns.empty() && !ins->default_values)
      if (const TableInfo* target = x.topo->find_table(ins->table.name))
        for (auto& col : target->columns)
          if (!col.generated) ins->columns.push_back(col.name);
  auto s = co_await on_every_node(x, one_statement(sql::print(copy)), "DROP TRIGGER IF EXISTS " + quoted_identifier(tr.name.name));
  if (!s.ok()) co_return s.error();
  co_return done(x, "ddl");
}

Task<Result<QueryOutput>> alter_table(Exec& x, const sql::AlterTable& at, const sql::Stmt& st) {
  if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();
  const TableInfo* t = x.topo->find_table(at.table.name);
  if (!t) co_return Error::sql("no such table: " + at.table.name);
  if (t->kind == TableKind::View) co_return Error::sql("Cannot add a column to a view");
  if (is_fts5(*t)) co_return Error::unsupported("ALTER TABLE of an FTS5 table is not supported yet");
  TableInfo next = *t;
  // Global indexes follow their table's renames (their entries hold values, not names).
  std::vector<TableInfo> indexes;
  for (auto* i : x.topo->indexes_of(t->name)) indexes.push_back(*i);
  std::vector<std::pair<std::string, std::string>> renamed_lookups;  // autoindexes renamed with the table
  switch (at.kind) {
    case sql::AlterKind::AddColumn: {
      if (next.column_index(at.column_def.name) >= 0) co_return Error::sql("duplicate column name: " + at.column_def.name);
      sql::CreateTable probe;
      probe.columns.push_back(at.column_def);
      auto info = planner::table_info_from_create(probe, "");
      if (!info.ok()) co_return info.error();
      next.columns.push_back(info->columns[0]);
      break;
    }
    case sql::AlterKind::RenameColumn: {
      int idx = next.column_index(at.column);
      if (idx < 0) co_return Error::sql("no such column: \"" + at.column + "\"");
      for (auto& i : indexes)
        for (auto& c : i.columns)
          if (iequals(c.name, next.columns[idx].name)) c.name = at.new_name;
      next.columns[idx].name = at.new_name;
      break;
    }
    case sql::AlterKind::DropColumn: {
      int idx = next.column_index(at.column);
      if (idx < 0) co_return Error::sql("no such column: \"" + at.column + "\"");
      if (idx == next.shard_key) co_return Error::sql("cannot drop column \"" + at.column + "\": it is the shard key");
      for (auto& i : indexes)
        for (auto& c : i.columns)
          if (iequals(c.name, next.columns[idx].name))
            co_return Error::sql("error in index " + i.name + " after drop column: no such column: " + at.column);
      next.columns.erase(next.columns.begin() + idx);
      if (next.shard_key > idx) next.shard_key--;
      if (next.rowid_alias > idx) next.rowid_alias--;
      break;
    }
    case sql::AlterKind::RenameTable: {
      if (x.topo->find_table(at.new_name)) co_return Error::sql("there is already another table or index with this name: " + at.new_name);
      next.name = at.new_name;
      for (auto& i : indexes) {
        i.base_table = at.new_name;
        // SQLite names a constraint's autoindex after its table (sqlite_autoindex_<table>_<n>) and
        // renames it with the table; the global index and its hidden table follow.
        std::string prefix = "sqlite_autoindex_" + t->name + "_";
        if (iequals(i.name, global_pk_name(t->name))) {
          renamed_lookups.push_back({i.name, global_pk_name(at.new_name)});
          i.name = global_pk_name(at.new_name);
        } else if (i.name.size() > prefix.size() && iequals(std::string_view(i.name).substr(0, prefix.size()), prefix)) {
          std::string renamed = "sqlite_autoindex_" + at.new_name + "_" + i.name.substr(prefix.size());
          renamed_lookups.push_back({i.name, renamed});
          i.name = renamed;
        }
      }
      break;
    }
    default: co_return Error::unsupported("this ALTER TABLE form is not supported yet");
  }
  auto stmts = one_statement(sql::print(st));
  for (auto& [from, to] : renamed_lookups)
    stmts.push_back(
        {"ALTER TABLE " + quoted_identifier(lookup_table_name(from)) + " RENAME TO " + quoted_identifier(lookup_table_name(to)), {}, true});
  auto s = co_await on_every_node(x, std::move(stmts));
  if (!s.ok()) co_return s.error();
  // The stored CREATE statement follows the nodes' schema: read it back from node 0.
  std::vector<Value> name_param(1, Value::text(next.name));
  auto schema_req = one_request(0, x.request(one_statement("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE",
                                                           std::move(name_param), false)));
  auto resp = co_await fan_out(x.s, std::move(schema_req));
  if (!resp.ok()) co_return resp.error();
  auto& rows = (*resp)[0].results[0].rows;
  if (!rows.empty() && rows[0][0].type == ValueType::Text) {
    auto parsed = sql::parse_statement(rows[0][0].s);
    if (parsed.ok() && (*parsed)->as<sql::CreateTable>()) {
      auto* ct = (*parsed)->as<sql::CreateTable>();
      ct->columns.erase(
          std::remove_if(ct->columns.begin(), ct->columns.end(), [](const sql::ColumnDef& c) { return iequals(c.name, kKsidColumn); }),
          ct->columns.end());
      next.create_sql = sql::print(**parsed);
    }
  }
  topology::CatalogChange change;
  if (at.kind == sql::AlterKind::RenameTable) change.drops.push_back(t->name);
  for (auto& renamed : renamed_lookups) change.drops.push_back(renamed.first);
  change.puts.push_back(std::move(next));
  for (auto& i : indexes) {
    // The index's CREATE statement follows the rename, as the schema rows do.
    if (x.new_schema)
      for (auto& row : *x.new_schema)
        if (row.type == "index" && iequals(row.name, i.name)) i.create_sql = row.sql.value_or("");
    change.puts.push_back(std::move(i));
  }
  // Views follow a rename as SQLite rewrites them (their text in the new schema rows).
  if (x.new_schema && (at.kind == sql::AlterKind::RenameTable || at.kind == sql::AlterKind::RenameColumn))
    for (auto& row : *x.new_schema)
      if (row.type == "view" && row.sql)
        if (const TableInfo* v = x.topo->find_table(row.name); v && v->kind == TableKind::View && v->create_sql != *row.sql) {
          TableInfo view = *v;
          view.create_sql = *row.sql;
          change.puts.push_back(std::move(view));
        }
  s = co_await record(x, std::move(change));
  if (!s.ok()) co_return s.error();
  co_return done(x, "ddl");
}

// Placement declarations, as PRAGMAs so that plain SQL (and ORM migrations) can issue them:
//   PRAGMA bigdaddy_reference_table = 'countries';   -- a full copy on every node
//   PRAGMA bigdaddy_shard_key = 'orders.user_id';    -- shard by another column (co-location)
// Both apply to an existing, still empty table: placing existing rows anew is resharding.
//   PRAGMA bigdaddy_resize = 5;          -- grow the database to 5 nodes, online (returns the job)
//   PRAGMA bigdaddy_resize;              -- the resize job's phase and progress
//   PRAGMA bigdaddy_resize = 'cancel';   -- cancel a resize that has not begun to switch over
Task<Result<QueryOutput>> resize_pragma(Exec& x, const sql::Pragma& p) {
  std::string payload;
  if (p.value_kind == sql::PragmaValueKind::None) {
    payload = topology::job_get_request();
  } else if (p.value_kind == sql::PragmaValueKind::Number) {
    char* end = nullptr;
    long n = std::strtol(p.value.c_str(), &end, 10);
    if (*end || n < 1 || n > static_cast<long>(limits::kMaxNodes))
      co_return Error::sql("PRAGMA bigdaddy_resize: nodes must be between 1 and " + std::to_string(limits::kMaxNodes) + ", got " + p.value);
    payload = topology::resize_request(static_cast<uint32_t>(n), x.c.options().resize_wave_vshards);
  } else if (p.value_kind == sql::PragmaValueKind::Name && iequals(p.value, "cancel")) {
    payload = topology::cancel_request();
  } else {
    co_return Error::sql("usage: PRAGMA bigdaddy_resize = <nodes> | PRAGMA bigdaddy_resize = 'cancel' | PRAGMA bigdaddy_resize");
  }
  auto reply = co_await topology_call(x.s, std::move(payload));
  if (!reply.ok()) co_return reply.error();
  auto job = topology::decode_job_response(*reply);
  if (!job.ok()) co_return job.error();
  x.plan = "resize";
  co_return job_output(*job);
}

//   PRAGMA bigdaddy_move_vshard = '17:3';  -- move virtual shard 17 to node 3, online (a job)
//   PRAGMA bigdaddy_split_vshard = 17;     -- split its keyspace range in halves (same node)
Task<Result<QueryOutput>> placement_pragma(Exec& x, const sql::Pragma& p) {
  bool split = iequals(p.name.name, "bigdaddy_split_vshard");
  if (split) {
    char* end = nullptr;
    long v = p.value_kind == sql::PragmaValueKind::Number ? std::strtol(p.value.c_str(), &end, 10) : -1;
    if (v < 0 || (end && *end)) co_return Error::sql("usage: PRAGMA bigdaddy_split_vshard = <virtual shard id>");
    auto r = co_await split_vshard(x.c, x.s, static_cast<uint32_t>(v));
    if (r.ok()) x.plan = "split-vshard";
    co_return r;
  }
  unsigned long v = 0, n = 0;
  char* end = nullptr;
  bool ok = p.value_kind == sql::PragmaValueKind::Name;
  if (ok) {
    v = std::strtoul(p.value.c_str(), &end, 10);
    ok = end != p.value.c_str() && *end == ':';
    if (ok) {
      const char* rest = end + 1;
      n = std::strtoul(rest, &end, 10);
      ok = end != rest && *end == 0;
    }
  }
  if (!ok) co_return Error::sql("usage: PRAGMA bigdaddy_move_vshard = '<virtual shard id>:<node>'");
  auto reply = co_await topology_call(x.s, topology::move_vshard_request(static_cast<uint32_t>(v), static_cast<uint32_t>(n)));
  if (!reply.ok()) co_return reply.error();
  auto job = topology::decode_job_response(*reply);
  if (!job.ok()) co_return job.error();
  x.plan = "resize";
  co_return job_output(*job);
}

Task<Result<QueryOutput>> pragma(Exec& x, const sql::Pragma& p, const sql::Stmt& st) {
  if (is_surface_pragma(p)) co_return co_await run_surface_pragma(x, p, st);
  if (iequals(p.name.name, "bigdaddy_resize")) co_return co_await resize_pragma(x, p);
  if (iequals(p.name.name, "bigdaddy_move_vshard") || iequals(p.name.name, "bigdaddy_split_vshard"))
    co_return co_await placement_pragma(x, p);
  if (iequals(p.name.name, "bigdaddy_rebalance")) {
    bool plan_only = p.value_kind == sql::PragmaValueKind::Name && iequals(p.value, "plan");
    if (p.value_kind != sql::PragmaValueKind::None && !plan_only)
      co_return Error::sql("usage: PRAGMA bigdaddy_rebalance | PRAGMA bigdaddy_rebalance = 'plan'");
    auto r = co_await rebalance(x.c, x.s, !plan_only);
    if (r.ok()) x.plan = "rebalance";
    co_return r;
  }
  // PRAGMA foreign_keys = <value>: every statement runs inside a transaction on each node, where
  // SQLite makes this setting a no-op (as D1 does; D1 and drizzle-kit migrations carry it).
  if (iequals(p.name.name, "foreign_keys") && p.value_kind != sql::PragmaValueKind::None) {
    x.plan = "pragma-no-op";
    co_return QueryOutput{};
  }
  bool reference = iequals(p.name.name, "bigdaddy_reference_table");
  bool shard_key = iequals(p.name.name, "bigdaddy_shard_key");
  if (!reference && !shard_key) co_return Error::unsupported("PRAGMA " + p.name.name + " is not supported");
  if (p.value_kind != sql::PragmaValueKind::Name || p.value.empty())
    co_return Error::sql(reference ? "usage: PRAGMA bigdaddy_reference_table = 'table'"
                                   : "usage: PRAGMA bigdaddy_shard_key = 'table.column'");
  std::string table = p.value, column;
  if (shard_key) {
    auto dot = p.value.find('.');
    if (dot == std::string::npos) co_return Error::sql("usage: PRAGMA bigdaddy_shard_key = 'table.column'");
    table = p.value.substr(0, dot);
    column = p.value.substr(dot + 1);
  }
  if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();
  const TableInfo* t = x.topo->find_table(table);
  if (!t || t->kind == TableKind::View) co_return Error::sql("no such table: " + table);
  TableInfo next = *t;
  if (reference) {
    next.kind = TableKind::Reference;
  } else {
    int idx = next.column_index(column);
    if (idx < 0) co_return Error::sql("no such column: " + column);
    if (t->kind == TableKind::Reference) co_return Error::sql(t->name + " is a reference table: it has no shard key");
    next.shard_key = idx;
  }
  std::vector<NodeRequest> reqs;
  for (auto n : x.all_nodes())
    reqs.push_back({n, x.request(one_statement("SELECT count(*) FROM " + quoted_identifier(t->name), {}, false))});
  auto resp = co_await fan_out(x.s, std::move(reqs));
  if (!resp.ok()) co_return resp.error();
  int64_t rows = 0;
  for (auto& r : *resp) rows += r.results[0].rows[0][0].i;
  if (rows > 0)
    co_return Error::sql("table " + t->name + " already has " + std::to_string(rows) +
                         " rows; declare its placement before inserting (moving existing rows is resharding)");
  // Placed by another key, every UNIQUE / PRIMARY KEY constraint without it becomes a global
  // unique index (the table is empty: nothing to backfill). A reference table's copies are whole on
  // every node, so each node's own constraints are exact: its global indexes go.
  topology::CatalogChange change = put(next);
  std::vector<TableInfo> globals;
  std::vector<TableInfo> dropped;
  if (reference) {
    for (auto* i : x.topo->indexes_of(t->name)) dropped.push_back(*i);
  } else {
    auto mirror = open_schema_mirror(*x.topo);
    if (!mirror.ok()) co_return mirror.error();
    auto g = constraint_indexes(**mirror, next);
    if (!g.ok()) co_return g.error();
    for (auto& i : *g)
      if (!x.topo->find_index(i.name)) globals.push_back(std::move(i));
  }
  auto drop_globals = [&]() {
    std::vector<storage::Statement> stmts;
    for (auto& g : globals) stmts.push_back({"DROP TABLE IF EXISTS " + quoted_identifier(lookup_table_name(g.name)), {}, true});
    return stmts;
  };
  for (auto& g : globals) {
    if (auto b = co_await build_lookup_index(x, next, g); !b.ok()) {
      co_await on_every_node(x, drop_globals());
      co_return b.error();
    }
    change.puts.push_back(g);
  }
  for (auto& d : dropped) change.drops.push_back(d.name);
  auto s = co_await record(x, std::move(change), x.topo->version);
  if (!s.ok()) {
    if (!globals.empty()) co_await on_every_node(x, drop_globals());
    co_return s.error();
  }
  if (!dropped.empty()) {
    std::vector<storage::Statement> stmts;
    for (auto& d : dropped) stmts.push_back({"DROP TABLE IF EXISTS " + quoted_identifier(lookup_table_name(d.name)), {}, true});
    if (auto d = co_await on_every_node(x, std::move(stmts)); !d.ok()) co_return d.error();
  }
  co_return done(x, "ddl");
}

// The reserved namespace (kReservedPrefix): refused for every object a user names, in SQLite's
// words for its own prefix.
Status check_reserved(const sql::Stmt& st) {
  auto object = [](const std::string& name) -> Status {
    if (reserved_name(name)) return Error::sql("object name reserved for internal use: " + name);
    return ok_status();
  };
  auto column = [](const std::string& name) -> Status {
    if (reserved_name(name)) return Error::sql("column name reserved for internal use: " + name);
    return ok_status();
  };
  switch (st.kind()) {
    case sql::StmtKind::CreateTable: {
      auto* ct = st.as<sql::CreateTable>();
      if (auto s = object(ct->name.name); !s.ok()) return s;
      for (auto& c : ct->columns)
        if (auto s = column(c.name); !s.ok()) return s;
      return ok_status();
    }
    case sql::StmtKind::CreateView: {
      auto* cv = st.as<sql::CreateView>();
      if (auto s = object(cv->name.name); !s.ok()) return s;
      for (auto& c : cv->columns)
        if (auto s = column(c); !s.ok()) return s;
      return ok_status();
    }
    case sql::StmtKind::CreateIndex: return object(st.as<sql::CreateIndex>()->name.name);
    case sql::StmtKind::CreateVirtualTable: return object(st.as<sql::CreateVirtualTable>()->name.name);
    case sql::StmtKind::CreateTrigger: return object(st.as<sql::CreateTrigger>()->name.name);
    case sql::StmtKind::Drop: return object(st.as<sql::Drop>()->name.name);
    case sql::StmtKind::AlterTable: {
      auto* at = st.as<sql::AlterTable>();
      if (auto s = object(at->table.name); !s.ok()) return s;
      if (at->kind == sql::AlterKind::RenameTable) return object(at->new_name);
      if (at->kind == sql::AlterKind::RenameColumn) return column(at->new_name);
      if (at->kind == sql::AlterKind::AddColumn) return column(at->column_def.name);
      return ok_status();
    }
    default: return ok_status();
  }
}

Task<Result<QueryOutput>> run_ddl_statement(Exec& x, const sql::Stmt& st);

}  // namespace

Task<Status> set_logical_schema(Exec& x, std::vector<SchemaRow> rows) {
  if (rows == logical_schema(*x.topo)) co_return ok_status();
  x.new_schema = std::move(rows);
  x.schema_recorded = false;
  co_return co_await record(x, {});
}

Task<Result<QueryOutput>> run_ddl(Exec& x, const sql::Stmt& st) {
  if (auto s = check_reserved(st); !s.ok()) co_return s.error();
  // Schema changes wait while a resize runs (the topology object refuses them too): new nodes
  // and staging tables are made from the catalog the resize started with.
  bool schema = st.kind() == sql::StmtKind::CreateTable || st.kind() == sql::StmtKind::Drop || st.kind() == sql::StmtKind::CreateView ||
                st.kind() == sql::StmtKind::CreateIndex || st.kind() == sql::StmtKind::CreateTrigger ||
                st.kind() == sql::StmtKind::AlterTable || st.kind() == sql::StmtKind::CreateVirtualTable;
  if (schema) {
    if (auto s = co_await x.refresh(); !s.ok()) co_return s.error();
    if (x.topo->resizing)
      co_return Error::sql(
          "the schema cannot change while the database is being resized; retry when the resize has finished (PRAGMA bigdaddy_resize shows "
          "its progress)");
  }
  // The statement runs on the schema mirror first: SQLite's own checks and errors, and the schema
  // rows to record once the nodes have it too.
  if (schema || st.kind() == sql::StmtKind::Analyze) {
    auto mirror = open_schema_mirror(*x.topo);
    if (!mirror.ok()) co_return mirror.error();
    if (auto s = (*mirror)->exec(mirror_ddl(x.source, st)); !s.ok()) co_return s.error();
    auto rows = read_schema(**mirror);
    if (!rows.ok()) co_return rows.error();
    if (*rows != logical_schema(*x.topo)) x.new_schema = std::move(*rows);
    x.next_mirror = std::move(*mirror);
  }
  auto r = co_await run_ddl_statement(x, st);
  // Statements with no catalog entry of their own (triggers, local indexes) still change the schema.
  if (r.ok() && x.new_schema && !x.schema_recorded)
    if (auto s = co_await record(x, {}); !s.ok()) co_return s.error();
  co_return r;
}

namespace {

Task<Result<QueryOutput>> run_ddl_statement(Exec& x, const sql::Stmt& st) {
  switch (st.kind()) {
    case sql::StmtKind::CreateTable: co_return co_await create_table(x, *st.as<sql::CreateTable>());
    case sql::StmtKind::Drop: co_return co_await drop(x, *st.as<sql::Drop>(), st);
    case sql::StmtKind::CreateView: co_return co_await create_view(x, *st.as<sql::CreateView>());
    case sql::StmtKind::CreateIndex: co_return co_await create_index(x, *st.as<sql::CreateIndex>(), st);
    case sql::StmtKind::CreateTrigger: co_return co_await create_trigger(x, *st.as<sql::CreateTrigger>(), st);
    case sql::StmtKind::AlterTable: co_return co_await alter_table(x, *st.as<sql::AlterTable>(), st);
    case sql::StmtKind::Reindex:
    case sql::StmtKind::Analyze: {
      auto s = co_await on_every_node(x, one_statement(sql::print(st)));
      if (!s.ok()) co_return s.error();
      co_return done(x, "ddl");
    }
    case sql::StmtKind::Begin:
    case sql::StmtKind::Commit:
    case sql::StmtKind::Rollback:
    case sql::StmtKind::Savepoint:
    case sql::StmtKind::Release:
      co_return Error::unsupported("transaction statements are not supported: each statement is its own transaction");
    case sql::StmtKind::CreateVirtualTable: {
      const auto& vt = *st.as<sql::CreateVirtualTable>();
      if (iequals(vt.module, "fts5")) co_return co_await create_fts5(x, vt);
      co_return Error::unsupported("virtual tables using " + vt.module + " are not supported: of the virtual tables, only fts5 is");
    }
    case sql::StmtKind::Pragma: co_return co_await pragma(x, *st.as<sql::Pragma>(), st);
    case sql::StmtKind::Vacuum: co_return Error::unsupported("VACUUM is not supported");
    case sql::StmtKind::Attach:
    case sql::StmtKind::Detach: co_return Error::unsupported("ATTACH/DETACH are not supported");
    default: co_return Error::internal("unexpected statement kind");
  }
}

}  // namespace

}  // namespace bd
