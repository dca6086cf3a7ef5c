// INSERT, UPDATE and DELETE: routed by the shard key, split per node, always within the Durable
// Object statement limits (100 bound parameters, 100 KB of SQL per statement).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include "topology/fts_table.h"
#include "conductor/exec_context.h"
#include "conductor/fts.h"
#include "base/limits.h"
#include "conductor/fk.h"
#include "conductor/introspection.h"
#include "conductor/lookup_index.h"
#include "conductor/txn.h"
#include "sql/parser.h"
#include "planner/analysis.h"
#include "planner/params.h"
#include "planner/select_plan.h"
#include "planner/shard_sql.h"
#include "value/compare.h"
#include "value/numeric.h"
#include "value/text.h"
#include "sql/printer.h"
#include "topology/store.h"

namespace bd {

Task<Result<QueryOutput>> run_ddl(Exec& x, const sql::Stmt& st);

namespace {

constexpr size_t kMaxStatementBytes = limits::kMaxStatementBytes - 10 * 1024;  // headroom under the limit
constexpr size_t kInlineLimit = 256;                                           // longer text/blobs travel as parameters
constexpr size_t kIdBlock = 1000;                                              // ids fetched per topology round trip

sql::ExprPtr literal_expr(sql::LiteralKind kind, std::string text) {
  auto e = sql::make<sql::Expr>();
  e->kind = sql::ExprKind::Literal;
  e->literal = kind;
  e->text = std::move(text);
  return e;
}

// A value as SQL text when that is exact and short; otherwise nullptr (bind it).
sql::ExprPtr inline_value(const Value& v) {
  switch (v.type) {
    case ValueType::Null: return literal_expr(sql::LiteralKind::Null, "NULL");
    case ValueType::Integer: {
      if (v.i < 0) {
        auto e = sql::make<sql::Expr>();
        e->kind = sql::ExprKind::Unary;
        e->unary_op = sql::UnaryOp::Neg;
        if (v.i == INT64_MIN)
          e->left = literal_expr(sql::LiteralKind::Integer, "9223372036854775808");
        else
          e->left = literal_expr(sql::LiteralKind::Integer, std::to_string(-v.i));
        return e;
      }
      return literal_expr(sql::LiteralKind::Integer, std::to_string(v.i));
    }
    case ValueType::Real: return nullptr;  // binary doubles travel exactly as parameters
    case ValueType::Text: {
      if (v.s.size() > kInlineLimit || v.s.find('\0') != std::string::npos) return nullptr;
      return literal_expr(sql::LiteralKind::String, quoted_string(v.s));
    }
    case ValueType::Blob: return nullptr;
  }
  return nullptr;
}

sql::ExprPtr param_expr(int index) {
  auto e = sql::make<sql::Expr>();
  e->kind = sql::ExprKind::Param;
  e->text = "?" + std::to_string(index);
  e->param_index = index;
  return e;
}

std::vector<sql::ResultColumn> expand_returning(const std::vector<sql::ResultColumn>& in, const TableInfo& t) {
  std::vector<sql::ResultColumn> out;
  for (auto& rc : in) {
    if (rc.kind == sql::ResultKind::Expr) {
      out.push_back(rc);
      continue;
    }
    for (auto& c : t.columns) {
      sql::ResultColumn r;
      r.kind = sql::ResultKind::Expr;
      r.expr = sql::make<sql::Expr>();
      r.expr->kind = sql::ExprKind::Column;
      r.expr->name = c.name;
      out.push_back(std::move(r));
    }
  }
  return out;
}

Error unknown_table(const sql::QualifiedName& n) { return Error::sql("no such table: " + n.name); }

// Applies f to every expression of the clauses an INSERT keeps as written on the nodes: ON CONFLICT
// targets, SET values and WHEREs, RETURNING.
template <class F>
void for_each_clause_expr(sql::Insert& ins, F f) {
  for (auto& u : ins.upserts) {
    for (auto& t : u.target) f(*t.expr);
    if (u.target_where) f(*u.target_where);
    for (auto& sc : u.set) f(*sc.value);
    if (u.where) f(*u.where);
  }
  for (auto& rc : ins.returning)
    if (rc.expr) f(*rc.expr);
}

// Builds the per-node INSERT statements for rows already split to that node. The user's parameters
// that ON CONFLICT and RETURNING use (`clause_params`, numbered from 1 in `ins`) are bound after
// each statement's row values.
std::vector<storage::Statement> build_inserts(const sql::Insert& ins, const TableInfo& t, const std::vector<std::string>& columns,
                                              const std::vector<Row>& rows, bool with_ksid, const std::vector<Value>& clause_params = {}) {
  std::vector<storage::Statement> out;
  // Every clause of the statement but its WITH and its source rows: copying those (a 500-row
  // VALUES, once per node) was most of a large INSERT's conductor time.
  sql::Insert base{.replace = ins.replace, .conflict = ins.conflict, .table = ins.table, .alias = ins.alias, .upserts = ins.upserts};
  base.table.schema.clear();
  base.columns = columns;
  if (with_ksid) base.columns.push_back(std::string(kKsidColumn));
  base.default_values = false;
  base.returning = expand_returning(ins.returning, t);
  size_t i = 0;
  while (i < rows.size()) {
    sql::Insert chunk = base;
    chunk.select = sql::make<sql::Select>();
    sql::SelectCore core;
    core.is_values = true;
    std::vector<Value> params;
    size_t bytes = 256;
    while (i < rows.size()) {
      sql::ExprList exprs;
      std::vector<Value> row_params;
      size_t row_bytes = 4;
      for (auto& v : rows[i]) {
        if (auto e = inline_value(v)) {
          row_bytes += sql::print(*e).size() + 2;  // a negative number is a unary minus: its text is not in e->text
          exprs.push_back(std::move(e));
        } else {
          row_params.push_back(v);
          exprs.push_back(param_expr(static_cast<int>(params.size() + row_params.size())));
          row_bytes += 6;
        }
      }
      bool fits = params.size() + row_params.size() + clause_params.size() <= limits::kMaxBoundParameters &&
                  bytes + row_bytes <= kMaxStatementBytes;
      if (!fits && !core.values.empty()) break;
      core.values.push_back(std::move(exprs));
      params.insert(params.end(), row_params.begin(), row_params.end());
      bytes += row_bytes;
      i++;
    }
    chunk.select->cores.push_back(std::move(core));
    if (!clause_params.empty()) {
      int offset = static_cast<int>(params.size());
      for_each_clause_expr(chunk, [&](sql::Expr& e) { planner::shift_params(e, offset); });
      params.insert(params.end(), clause_params.begin(), clause_params.end());
    }
    sql::Stmt st;
    st.node = std::move(chunk);
    out.push_back({sql::print(st), std::move(params), true});
  }
  return out;
}

// The value SQLite stores for a column an INSERT leaves out: its DEFAULT, else NULL.
Task<Result<Value>> column_default(Exec& x, const TableInfo& t, const std::string& column) {
  auto parsed = sql::parse_statement(t.create_sql);
  if (!parsed.ok()) co_return parsed.error();
  if (auto* ct = (*parsed)->as<sql::CreateTable>())
    for (auto& col : ct->columns)
      if (iequals(col.name, column))
        for (auto& c : col.constraints)
          if (c.kind == sql::ColumnConstraintKind::Default && c.expr) {
            if (c.default_kind == sql::DefaultKind::Ident) co_return Value::text(c.expr->name);
            co_return evaluate_constant(x, *c.expr);
          }
  co_return Value::null();
}

// What identifies a row of `t` on its node: the rowid, or a WITHOUT ROWID table's PRIMARY KEY columns.
std::vector<std::string> row_identity(const TableInfo& t) {
  std::vector<std::string> out;
  if (!t.without_rowid) return {"rowid"};
  auto parsed = sql::parse_statement(t.create_sql);
  if (parsed.ok())
    if (auto* ct = (*parsed)->as<sql::CreateTable>()) {
      for (auto& col : ct->columns)
        for (auto& c : col.constraints)
          if (c.kind == sql::ColumnConstraintKind::PrimaryKey) out.push_back(col.name);
      for (auto& tc : ct->constraints) {
        if (tc.kind != sql::TableConstraintKind::PrimaryKey) continue;
        for (auto& term : tc.columns) {
          const sql::Expr* e = term.expr.get();
          while (e && e->kind == sql::ExprKind::Collate) e = e->left.get();
          if (e && e->kind == sql::ExprKind::Column) out.push_back(e->name);
        }
      }
    }
  return out;
}

// A foreign key action on child rows the nodes do not reach themselves (ON DELETE/UPDATE CASCADE,
// SET NULL, SET DEFAULT), or a statement of a trigger the conductor runs: a write run through the
// write path after the statement's own write and in its transaction, so it applies with it or not
// at all (and its own actions and triggers run in turn).
struct FkAction {
  std::string sql;
  std::vector<Value> params;
};

Task<Status> run_fk_actions(Exec& x, std::vector<FkAction> actions);
sql::ExprPtr value_literal(const Value& v);

// The conductor's triggers on `table` for `event`, most recently created first (SQLite's order).
std::vector<sql::CreateTrigger> conductor_triggers(const Topology& topo, const std::string& table, sql::TriggerEvent event) {
  std::vector<sql::CreateTrigger> out;
  for (auto& row : logical_schema(topo)) {
    if (row.type != "trigger" || !iequals(row.tbl_name, table) || !row.sql) continue;
    auto parsed = sql::parse_statement(*row.sql);
    if (!parsed.ok()) continue;
    auto* tr = (*parsed)->as<sql::CreateTrigger>();
    if (!tr || tr->event != event || !trigger_writes_elsewhere(topo, *tr)) continue;
    out.insert(out.begin(), *tr);
  }
  return out;
}

void substitute_row(sql::Select& s, const std::string& which, const TableInfo& t, const Row& row);

// NEW.c / OLD.c become the row's value of c (the row in the table's column order).
void substitute_row(sql::Expr& e, const std::string& which, const TableInfo& t, const Row& row) {
  if (e.kind == sql::ExprKind::Column && iequals(e.table, which) && e.schema.empty()) {
    int i = t.column_index(e.name);
    if (i >= 0 && static_cast<size_t>(i) < row.size()) {
      e = *value_literal(row[i]);
      return;
    }
  }
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c) substitute_row(*c, which, t, row);
  for (auto& a : e.args) substitute_row(*a, which, t, row);
  if (e.select) substitute_row(*e.select, which, t, row);
}

void substitute_row(sql::Select& s, const std::string& which, const TableInfo& t, const Row& row) {
  for (auto& core : s.cores) {
    for (auto& list : core.values)
      for (auto& v : list) substitute_row(*v, which, t, row);
    for (auto& rc : core.columns)
      if (rc.expr) substitute_row(*rc.expr, which, t, row);
    if (core.where) substitute_row(*core.where, which, t, row);
    for (auto& g : core.group_by) substitute_row(*g, which, t, row);
    if (core.having) substitute_row(*core.having, which, t, row);
  }
}

void substitute_row(sql::Stmt& st, const std::string& which, const TableInfo& t, const Row& row) {
  if (auto* i = st.as<sql::Insert>()) {
    if (i->select) substitute_row(*i->select, which, t, row);
  } else if (auto* u = st.as<sql::Update>()) {
    for (auto& sc : u->set) substitute_row(*sc.value, which, t, row);
    if (u->where) substitute_row(*u->where, which, t, row);
  } else if (auto* d = st.as<sql::Delete>()) {
    if (d->where) substitute_row(*d->where, which, t, row);
  }
}

// The statements the conductor's triggers on `t` run for rows written by one statement: `old_rows`
// and `new_rows` in the table's column order (either may be empty, per event). `set_columns`: the
// columns an UPDATE sets (UPDATE OF).
Task<Result<std::vector<FkAction>>> plan_triggers(Exec& x, const TableInfo& t, const std::vector<sql::CreateTrigger>& triggers,
                                                  const std::vector<std::string>& set_columns, std::vector<Row> old_rows,
                                                  std::vector<Row> new_rows) {
  std::vector<FkAction> out;
  size_t n = std::max(old_rows.size(), new_rows.size());
  for (size_t r = 0; r < n; r++) {
    for (auto& tr : triggers) {
      if (!tr.update_of.empty()) {
        bool hit = false;
        for (auto& c : tr.update_of)
          for (auto& s : set_columns) hit |= iequals(c, s);
        if (!hit) continue;
      }
      auto bind = [&](auto& node) {
        if (r < new_rows.size()) substitute_row(node, "new", t, new_rows[r]);
        if (r < old_rows.size()) substitute_row(node, "old", t, old_rows[r]);
      };
      if (tr.when) {
        sql::ExprPtr when = tr.when->clone();
        bind(*when);
        auto v = evaluate_constant(x, *when);
        if (!v.ok())
          co_return Error::unsupported("trigger " + tr.name.name + ": its WHEN clause must depend on NEW and OLD only (" +
                                       v.error().message + ")");
        bool fires = v->type == ValueType::Integer ? v->i != 0 : v->type == ValueType::Real ? v->r != 0.0 : false;
        if (v->type == ValueType::Text || v->type == ValueType::Blob) {
          Value num = apply_affinity(*v, Affinity::Numeric);
          fires = num.type == ValueType::Integer ? num.i != 0 : num.type == ValueType::Real && num.r != 0.0;
        }
        if (!fires) continue;
      }
      for (auto& body : tr.body) {
        if (body->kind() == sql::StmtKind::Select) {
          // SELECT bodies of such triggers (RAISE): evaluated for their errors only.
          sql::Stmt copy = *body;
          bind(copy);
          out.push_back({sql::print(copy), {}});
          continue;
        }
        sql::Stmt copy = *body;
        bind(copy);
        out.push_back({sql::print(copy), {}});
      }
    }
  }
  co_return out;
}

// A row of `t` in column order from an INSERT's columns and values (defaults for the others).
Task<Result<Row>> full_row(Exec& x, const TableInfo& t, const std::vector<std::string>& columns, const Row& row) {
  Row out;
  for (auto& c : t.columns) {
    int pos = -1;
    for (size_t i = 0; i < columns.size(); i++)
      if (iequals(columns[i], c.name)) pos = static_cast<int>(i);
    if (pos >= 0) {
      out.push_back(apply_affinity(row[pos], c.affinity));
    } else {
      auto d = co_await column_default(x, t, c.name);
      if (!d.ok()) co_return d.error();
      out.push_back(apply_affinity(*d, c.affinity));
    }
  }
  co_return out;
}

Task<Result<QueryOutput>> insert_resolving_globally(Exec& x, const sql::Insert& ins, const TableInfo& t,
                                                    const std::vector<std::string>& columns, std::vector<Row> rows,
                                                    std::vector<const TableInfo*> indexes);
// Foreign keys the nodes do not check (conductor/fk.h), for the rows an INSERT writes: each row's
// parent must exist, or be one of the statement's own rows (a table referencing itself).
Task<Status> check_inserted_parents(Exec& x, const TableInfo& t, const std::vector<std::string>& columns, const std::vector<Row>& rows) {
  auto fks = conductor_foreign_keys(x, t, true, defers_node_keys(x));
  if (!fks.ok()) co_return fks.error();
  auto value_of = [&](const Row& row, const std::string& col, std::vector<std::pair<std::string, Value>>& defaults) -> Task<Result<Value>> {
    for (size_t i = 0; i < columns.size(); i++)
      if (iequals(columns[i], col)) co_return row[i];
    for (auto& [name, v] : defaults)
      if (iequals(name, col)) co_return v;
    auto d = co_await column_default(x, t, col);
    if (!d.ok()) co_return d.error();
    defaults.emplace_back(col, *d);
    co_return *d;
  };
  for (auto& fk : *fks) {
    std::vector<std::pair<std::string, Value>> defaults;
    std::vector<std::vector<Value>> keys, own;
    for (auto& row : rows) {
      std::vector<Value> key;
      bool has_null = false;
      for (auto& c : fk.from) {
        auto v = co_await value_of(row, c, defaults);
        if (!v.ok()) co_return v.error();
        has_null |= v->is_null();
        key.push_back(*v);
      }
      if (!has_null) keys.push_back(std::move(key));
      if (iequals(fk.child, fk.parent) && !fk_check_deferred(x, fk)) {
        std::vector<Value> pk;
        for (auto& c : fk.to) {
          auto v = co_await value_of(row, c, defaults);
          if (!v.ok()) co_return v.error();
          int ci = t.column_index(c);
          pk.push_back(ci >= 0 ? apply_affinity(*v, t.columns[ci].affinity) : *v);
        }
        own.push_back(std::move(pk));
      }
    }
    if (fk_check_deferred(x, fk) && x.topo->find_table(fk.parent)) {
      defer_check(x, fk, false, std::move(keys));
      continue;
    }
    if (!own.empty()) {
      // Children of rows this statement inserts: satisfied by the statement itself.
      std::vector<std::vector<Value>> rest;
      for (auto& k : keys) {
        bool mine = false;
        for (auto& o : own) {
          bool eq = o.size() == k.size();
          for (size_t i = 0; eq && i < k.size(); i++) {
            int ci = t.column_index(fk.to[i]);
            eq = same(apply_affinity(k[i], ci >= 0 ? t.columns[ci].affinity : Affinity::Blob), o[i]);
          }
          mine |= eq;
        }
        if (!mine) rest.push_back(k);
      }
      keys = std::move(rest);
    }
    auto s = co_await check_parents_exist(x, fk, std::move(keys));
    if (!s.ok()) co_return s;
  }
  co_return ok_status();
}

Task<Result<QueryOutput>> run_insert(Exec& x, const sql::Insert& ins) {
  const TableInfo* t = x.topo->find_table(ins.table.name);
  if (!t) {
    auto r = co_await x.refresh();
    if (!r.ok()) co_return r.error();
    t = x.topo->find_table(ins.table.name);
    if (!t) co_return unknown_table(ins.table);
  }
  if (t->kind == TableKind::View) co_return Error::sql("cannot modify " + t->name + " because it is a view");
  for (auto& u : ins.upserts) {
    planner::Features uf;
    for (auto& sc : u.set) planner::analyze_expr(*sc.value, uf);
    if (u.where) planner::analyze_expr(*u.where, uf);
    if (uf.subquery) co_return Error::unsupported("subqueries in ON CONFLICT DO UPDATE are not supported yet");
    // The update runs where the conflicting row is: a new shard key would leave it on the wrong node.
    if (t->kind == TableKind::Sharded && t->shard_key >= 0)
      for (auto& sc : u.set)
        for (auto& c : sc.columns)
          if (iequals(c, t->columns[t->shard_key].name))
            co_return Error::unsupported("ON CONFLICT DO UPDATE cannot set " + t->name + "." + t->columns[t->shard_key].name +
                                         ", the table's shard key (use UPDATE to change it)");
  }

  // Target columns, as SQLite resolves them.
  std::vector<std::string> columns;
  if (!ins.columns.empty()) {
    for (auto& c : ins.columns) {
      int idx = t->column_index(c);
      if (idx < 0) {
        if (iequals(c, "rowid") || iequals(c, "oid") || iequals(c, "_rowid_"))
          co_return Error::unsupported("inserting an explicit rowid is not supported yet");
        co_return Error::sql("table " + t->name + " has no column named " + c);
      }
      if (t->columns[idx].generated) co_return Error::sql("cannot INSERT into generated column \"" + c + "\"");
      columns.push_back(t->columns[idx].name);
    }
  } else if (!ins.default_values) {
    columns = planner::gathered_columns(*t);
  }

  // Source rows, evaluated to values.
  std::vector<Row> rows;
  if (ins.default_values) {
    rows.emplace_back();
  } else {
    sql::Select src = *ins.select;
    planner::attach_with(ins.with.get(), src);  // WITH ... INSERT: the CTEs are the source's
    bool plain_values = src.cores.size() == 1 && src.cores[0].is_values && src.order_by.empty() && !src.limit && !src.with;
    if (plain_values) {
      for (auto& exprs : src.cores[0].values) {
        Row row;
        for (auto& e : exprs) {
          planner::Features ef;
          planner::analyze_expr(*e, ef);
          if (ef.subquery) co_return Error::unsupported("subqueries inside INSERT ... VALUES are not supported yet; use INSERT ... SELECT");
          auto v = evaluate_constant(x, *e);
          if (!v.ok()) co_return v.error();
          row.push_back(std::move(*v));
        }
        rows.push_back(std::move(row));
      }
    } else {
      // INSERT ... SELECT reads before it writes: the rows it read stay locked until it commits.
      need_atomic(x);
      auto r = co_await run_select(x, src);
      if (!r.ok()) co_return r.error();
      rows = std::move(r->rs.rows);
    }
    for (auto& row : rows) {
      if (row.size() != columns.size()) {
        if (ins.columns.empty())
          co_return Error::sql("table " + t->name + " has " + std::to_string(columns.size()) + " columns but " +
                               std::to_string(row.size()) + " values were supplied");
        co_return Error::sql(std::to_string(row.size()) + " values for " + std::to_string(columns.size()) + " columns");
      }
    }
  }
  if (rows.empty()) {
    QueryOutput out;
    x.plan = "insert";
    co_return out;
  }

  // A rowid the user leaves out (an INTEGER PRIMARY KEY, or the hidden rowid of a table without a
  // key) comes from the topology's allocator, so ids never collide across shards and copies of a
  // reference table agree.
  std::string id_col;
  if (t->rowid_alias >= 0)
    id_col = t->columns[t->rowid_alias].name;
  else if (t->shard_key < 0 && !t->without_rowid && t->kind == TableKind::Sharded)
    id_col = "rowid";
  int id_pos = -1;
  for (size_t i = 0; i < columns.size() && !id_col.empty(); i++)
    if (iequals(columns[i], id_col)) id_pos = static_cast<int>(i);
  std::string floor_bump;
  if (!id_col.empty()) {
    size_t need = 0;
    int64_t floor = 0;
    for (auto& row : rows) {
      if (id_pos < 0 || row[id_pos].is_null())
        need++;
      else {
        Value k = apply_affinity(row[id_pos], Affinity::Integer);
        if (k.type == ValueType::Integer && k.i < INT64_MAX) floor = std::max(floor, k.i + 1);
      }
    }
    if (need && x.s.dry_run) {
      // EXPLAIN: stand-in ids, nothing allocated (the rows' nodes are those of these ids).
      if (id_pos < 0) {
        id_pos = static_cast<int>(columns.size());
        columns.push_back(id_col);
        for (auto& row : rows) row.push_back(Value::null());
      }
      int64_t next = std::max<int64_t>(floor, 1);
      for (auto& row : rows)
        if (row[id_pos].is_null()) row[id_pos] = Value::integer(next++);
    } else if (need) {
      // Ids come in blocks cached by this isolate (one topology round trip per block). AUTOINCREMENT
      // tables take exactly what they need, so their ids grow in allocation order across isolates.
      auto& block = x.c.id_block(x.topo->database, t->name);
      int64_t next = 0;
      if (!t->autoincrement && block.end - block.next >= static_cast<int64_t>(need) && block.next >= floor) {
        next = block.next;
        block.next += static_cast<int64_t>(need);
      } else {
        uint32_t ask = t->autoincrement ? static_cast<uint32_t>(need) : static_cast<uint32_t>(std::max<size_t>(need, kIdBlock));
        auto reply = co_await topology_call(x.s, topology::alloc_ids_request(t->name, ask, floor));
        if (!reply.ok()) co_return reply.error();
        auto first = topology::decode_alloc_response(*reply);
        if (!first.ok()) co_return first.error();
        next = *first;
        if (!t->autoincrement) {
          block.next = next + static_cast<int64_t>(need);
          block.end = next + ask;
        }
      }
      if (id_pos < 0) {
        id_pos = static_cast<int>(columns.size());
        columns.push_back(id_col);
        for (auto& row : rows) row.push_back(Value::null());
      }
      for (auto& row : rows)
        if (row[id_pos].is_null()) row[id_pos] = Value::integer(next++);
    } else if (floor > 0 && !x.s.dry_run) {
      // Explicit ids: raise the allocator past them (in the same round trip as the insert) so
      // later generated ids never collide with them. Raising it 1,024 further means a run of
      // increasing explicit ids costs one topology request per 1,024 ids, not one per insert.
      // Ids this isolate holds in its block below an explicit id are skipped, never handed out.
      auto& block = x.c.id_block(x.topo->database, t->name);
      if (block.next < floor) block.next = std::min(floor, block.end);
      int64_t& known = x.c.id_floor(x.topo->database, t->name);
      if (floor > known) {
        known = floor > INT64_MAX - 1024 ? INT64_MAX : floor + 1024;
        floor_bump = topology::alloc_ids_request(t->name, 0, known);
      }
    }
  }
  // (EXPLAIN: the parent reads are planned, their empty answers mean nothing.)
  if (auto s = co_await check_inserted_parents(x, *t, columns, rows); !s.ok() && !x.s.dry_run) co_return s.error();
  // Triggers the conductor runs (their bodies write elsewhere): planned from the rows, run after.
  std::vector<FkAction> trigger_writes;
  if (auto triggers = conductor_triggers(*x.topo, t->name, sql::TriggerEvent::Insert); !triggers.empty() && !x.s.dry_run) {
    if (ins.replace || ins.conflict == sql::ConflictAction::Replace || ins.conflict == sql::ConflictAction::Ignore || !ins.upserts.empty())
      co_return Error::unsupported("INSERT OR REPLACE/IGNORE and upserts into " + t->name +
                                   ", whose triggers write to sharded tables, are not supported yet");
    need_atomic(x);
    std::vector<Row> news;
    for (auto& row : rows) {
      auto full = co_await full_row(x, *t, columns, row);
      if (!full.ok()) co_return full.error();
      news.push_back(std::move(*full));
    }
    auto planned = co_await plan_triggers(x, *t, triggers, {}, {}, std::move(news));
    if (!planned.ok()) co_return planned.error();
    trigger_writes = std::move(*planned);
  }

  // The shard key of each row.
  int key_pos = -1;
  Affinity key_affinity = Affinity::Integer;
  if (t->shard_key >= 0) {
    key_affinity = t->columns[t->shard_key].affinity;
    for (size_t i = 0; i < columns.size(); i++)
      if (iequals(columns[i], t->columns[t->shard_key].name)) key_pos = static_cast<int>(i);
  } else {
    key_pos = id_pos;
  }

  // OR REPLACE / OR IGNORE / UPSERT where a global UNIQUE index decides: the conflicting row may be
  // on another node, so rows are resolved one by one, in statement order, in one transaction.
  {
    bool resolves =
        ins.replace || ins.conflict == sql::ConflictAction::Replace || ins.conflict == sql::ConflictAction::Ignore || !ins.upserts.empty();
    auto all_indexes = x.topo->indexes_of(t->name);
    bool unique = std::any_of(all_indexes.begin(), all_indexes.end(), [](const TableInfo* i) { return i->unique; });
    if (resolves && unique && t->kind == TableKind::Sharded) {
      for (auto& row : rows) {
        Value key = key_pos >= 0 ? apply_affinity(row[key_pos], key_affinity) : Value::null();
        row.push_back(Value::integer(static_cast<int64_t>(t->key_ksid(key))));
      }
      co_return co_await insert_resolving_globally(x, ins, *t, columns, std::move(rows), all_indexes);
    }
  }
  std::map<uint32_t, std::vector<Row>> per_node;
  std::map<uint32_t, std::vector<uint32_t>> node_vshards;
  uint32_t last_node = 0;
  if (t->kind == TableKind::Reference) {
    for (uint32_t n = 0; n < x.topo->nodes; n++) per_node[n] = rows;
  } else {
    for (auto& row : rows) {
      Value key = key_pos >= 0 ? apply_affinity(row[key_pos], key_affinity) : Value::null();
      uint64_t ksid = t->key_ksid(key);
      const VShard& vs = x.topo->vshard_for(ksid);
      last_node = vs.node;
      auto& named = node_vshards[last_node];
      if (std::find(named.begin(), named.end(), vs.id) == named.end()) named.push_back(vs.id);
      row.push_back(Value::integer(static_cast<int64_t>(ksid)));
      per_node[last_node].push_back(std::move(row));
    }
  }
  // Rows for several nodes, a reference table's copies, or global index entries elsewhere: one
  // transaction, all or nothing.
  auto indexes = x.topo->indexes_of(t->name);
  if (per_node.size() > 1 || !indexes.empty()) need_atomic(x);
  if (t->kind == TableKind::Sharded)
    for (auto& spec : x.s.footprint)
      if (spec.write && iequals(spec.table, t->name)) {
        spec.ksids.clear();
        for (auto& [node, node_rows] : per_node)
          for (auto& row : node_rows) spec.ksids.push_back(static_cast<uint64_t>(row.back().i));
      }
  // Global index entries go in before their rows, so a lookup never misses a row.
  std::vector<std::pair<const TableInfo*, std::vector<IndexedRow>>> entries;
  for (auto* index : indexes) {
    std::vector<IndexedRow> list;
    for (auto& [node, node_rows] : per_node) {
      for (auto& row : node_rows) {
        IndexedRow e;
        e.ksid = static_cast<uint64_t>(row.back().i);
        for (auto& col : index->columns) {
          int pos = -1;
          for (size_t i = 0; i < columns.size(); i++)
            if (iequals(columns[i], col.name)) pos = static_cast<int>(i);
          if (pos >= 0) {
            e.values.push_back(apply_affinity(row[pos], col.affinity));
          } else {
            auto d = co_await column_default(x, *t, col.name);
            if (!d.ok()) co_return d.error();
            e.values.push_back(apply_affinity(*d, col.affinity));
          }
        }
        list.push_back(std::move(e));
      }
    }
    auto added = co_await add_index_entries(x, *index, list);
    if (!added.ok()) co_return added.error();  // the transaction's rollback removes earlier entries
    entries.emplace_back(index, std::move(list));
  }
  // ON CONFLICT and RETURNING keep the user's parameters, numbered, bound after the row values.
  sql::Insert numbered = ins;
  int clause_n = 0;
  for_each_clause_expr(numbered, [&](sql::Expr& e) { clause_n = std::max(clause_n, planner::number_params(e)); });
  std::vector<Value> clause_params = planner::params_for(x.params, clause_n);
  std::vector<NodeRequest> reqs;
  for (auto& [node, node_rows] : per_node)
    reqs.push_back({node, x.request(build_inserts(numbered, *t, columns, node_rows, t->kind == TableKind::Sharded, clause_params),
                                    node_vshards[node])});
  Result<std::vector<storage::Response>> resp = Error::internal("not sent");
  if (trigger_writes.empty())
    resp = co_await fan_out_committing(x, std::move(reqs), std::move(floor_bump));
  else
    resp = co_await fan_out(x.s, std::move(reqs), std::move(floor_bump));
  if (!resp.ok()) co_return resp.error();
  QueryOutput out;
  size_t k = 0;
  for (auto& [node, node_rows] : per_node) {
    auto& r = (*resp)[k++];
    for (auto& rs : r.results) {
      if (t->kind == TableKind::Reference && node != 0) continue;
      out.rs.changes += rs.changes;
      if (out.rs.columns.empty()) out.rs.columns = rs.columns;
      for (auto& row : rs.rows) out.rs.rows.push_back(std::move(row));
    }
    if (node == last_node && !r.results.empty()) out.rs.last_insert_rowid = r.results.back().last_insert_rowid;
  }
  x.plan = t->kind == TableKind::Reference ? "reference-write" : per_node.size() == 1 ? "route" : "split";
  if (auto s = co_await run_fk_actions(x, std::move(trigger_writes)); !s.ok()) co_return s.error();
  co_return out;
}

// An UPDATE that changes the shard key moves each row to its new key's node: the new values are
// computed where the row is (SQLite evaluates the SET expressions), the row is written at its new
// node first and removed from the old one after, so a lookup never misses it.
Task<Status> apply_entry_delta(Exec& x, const std::vector<const TableInfo*>& indexes, std::vector<std::vector<IndexedRow>> before,
                               std::vector<std::vector<IndexedRow>> after);

Task<Result<QueryOutput>> move_rows(Exec& x, const sql::Update& up, const TableInfo& t, const std::vector<uint32_t>& targets) {
  if (t.without_rowid) co_return Error::unsupported("UPDATE of the shard key of a WITHOUT ROWID table is not supported yet");
  if (!up.returning.empty()) co_return Error::unsupported("UPDATE ... RETURNING that changes the shard key is not supported yet");
  need_atomic(x);  // written at the new node, removed from the old one: both or neither
  std::vector<sql::ExprPtr> new_values(t.columns.size());
  for (auto& sc : up.set) {
    if (sc.columns.size() == 1) {
      new_values[t.column_index(sc.columns[0])] = sc.value->clone();
    } else if (sc.value->kind == sql::ExprKind::Vector && sc.value->args.size() == sc.columns.size()) {
      for (size_t i = 0; i < sc.columns.size(); i++) new_values[t.column_index(sc.columns[i])] = sc.value->args[i]->clone();
    } else {
      co_return Error::unsupported("this SET form is not supported when changing the shard key");
    }
  }
  // SELECT rowid, <new value of every stored column> FROM t WHERE ...
  sql::Select sel;
  sql::SelectCore core;
  auto col = [](const std::string& name) { return planner::column_ref({}, name); };
  sql::ResultColumn rid;
  rid.expr = col("rowid");
  core.columns.push_back(std::move(rid));
  std::vector<std::string> stored;
  for (size_t i = 0; i < t.columns.size(); i++) {
    if (t.columns[i].generated) continue;
    sql::ResultColumn rc;
    rc.expr = new_values[i] ? new_values[i]->clone() : col(t.columns[i].name);
    core.columns.push_back(std::move(rc));
    stored.push_back(t.columns[i].name);
  }
  // Global indexes: each row's entries move with it (old values and keyspace id out, new in).
  auto indexes = x.topo->indexes_of(t.name);
  if (!indexes.empty()) {
    sql::ResultColumn k;
    k.expr = planner::cast_as_text(col(std::string(kKsidColumn)));
    core.columns.push_back(std::move(k));
    for (auto* ix : indexes)
      for (auto& c : ix->columns) {
        sql::ResultColumn rc;
        rc.expr = col(c.name);
        core.columns.push_back(std::move(rc));
      }
  }
  core.from = sql::make<sql::TableRef>();
  core.from->kind = sql::TableRefKind::Table;
  core.from->name = up.table;
  core.from->name.schema.clear();
  core.from->alias = up.alias;
  if (up.where) core.where = up.where->clone();
  sel.cores.push_back(std::move(core));
  int nparams = planner::number_params(sel);
  std::string select_sql = sql::print(sel);
  std::vector<NodeRequest> reads;
  for (auto n : targets) reads.push_back({n, x.request(one_statement(select_sql, planner::params_for(x.params, nparams), false))});
  auto found = co_await fan_out(x.s, std::move(reads));
  if (!found.ok()) co_return found.error();

  int key_stored = -1;
  for (size_t i = 0; i < stored.size(); i++)
    if (iequals(stored[i], t.columns[t.shard_key].name)) key_stored = static_cast<int>(i);
  std::string set_all = "UPDATE " + quoted_identifier(t.name) + " SET ";
  for (size_t i = 0; i < stored.size(); i++) set_all += quoted_identifier(stored[i]) + " = ?, ";
  set_all += quoted_identifier(kKsidColumn) + " = ? WHERE rowid = ?";
  std::map<uint32_t, std::vector<storage::Statement>> writes, deletes;
  std::map<uint32_t, std::vector<Row>> inserts;
  int64_t changes = 0;
  std::vector<std::vector<IndexedRow>> old_entries(indexes.size()), new_entries(indexes.size());
  for (size_t k = 0; k < targets.size(); k++) {
    uint32_t from = targets[k];
    for (auto& row : (*found)[k].results[0].rows) {
      changes++;
      Value rowid = row[0];
      Row values(row.begin() + 1, row.begin() + 1 + static_cast<std::ptrdiff_t>(stored.size()));
      if (!indexes.empty()) {
        size_t at = 1 + stored.size();
        uint64_t old_ksid = static_cast<uint64_t>(std::strtoll(row[at].s.c_str(), nullptr, 10));
        size_t pos = at + 1;
        for (size_t i = 0; i < indexes.size(); i++) {
          IndexedRow e{{}, old_ksid};
          for (auto& c : indexes[i]->columns) e.values.push_back(apply_affinity(row[pos++], c.affinity));
          old_entries[i].push_back(std::move(e));
        }
      }
      for (size_t i = 0; i < stored.size(); i++) values[i] = apply_affinity(values[i], t.columns[t.column_index(stored[i])].affinity);
      uint64_t ksid = t.key_ksid(values[key_stored]);
      uint32_t to = x.topo->vshard_for(ksid).node;
      for (size_t i = 0; i < indexes.size(); i++) {
        IndexedRow e{{}, ksid};
        for (auto& c : indexes[i]->columns)
          for (size_t j = 0; j < stored.size(); j++)
            if (iequals(stored[j], c.name)) e.values.push_back(apply_affinity(values[j], c.affinity));
        new_entries[i].push_back(std::move(e));
      }
      if (to == from) {
        std::vector<Value> params = values;
        params.push_back(Value::integer(static_cast<int64_t>(ksid)));
        params.push_back(rowid);
        writes[from].push_back({set_all, std::move(params), true});
      } else {
        values.push_back(Value::integer(static_cast<int64_t>(ksid)));
        inserts[to].push_back(std::move(values));
        deletes[from].push_back({"DELETE FROM " + quoted_identifier(t.name) + " WHERE rowid = ?", {rowid}, true});
      }
    }
  }
  sql::Insert ins;
  ins.table = up.table;
  if (up.conflict != sql::ConflictAction::Default) ins.conflict = up.conflict;
  for (auto& [node, rows] : inserts)
    for (auto& st : build_inserts(ins, t, stored, rows, true)) writes[node].push_back(std::move(st));
  std::vector<NodeRequest> phase1, phase2;
  for (auto& [node, stmts] : writes) phase1.push_back({node, x.request(std::move(stmts))});
  for (auto& [node, stmts] : deletes) phase2.push_back({node, x.request(std::move(stmts))});
  if (!phase1.empty()) {
    auto r = co_await fan_out(x.s, std::move(phase1));
    if (!r.ok()) co_return r.error();
  }
  if (!phase2.empty()) {
    auto r = co_await fan_out(x.s, std::move(phase2));
    if (!r.ok()) co_return r.error();
  }
  if (!indexes.empty()) {
    auto d = co_await apply_entry_delta(x, indexes, std::move(old_entries), std::move(new_entries));
    if (!d.ok()) co_return d.error();
  }
  QueryOutput out;
  out.rs.changes = changes;
  x.plan = "move-rows";
  co_return out;
}

// Subqueries in UPDATE/DELETE read other rows than the ones each node changes, so they are
// evaluated first, through the distributed engine, and replaced by their values (scalar -> literal,
// EXISTS -> 0/1, IN (SELECT ...) -> IN (list)). Correlated subqueries cannot run standalone and are
// refused.
void collect_subqueries(sql::Expr& e, std::vector<sql::Expr*>& out) {
  if (e.kind == sql::ExprKind::Subquery || e.kind == sql::ExprKind::Exists ||
      (e.kind == sql::ExprKind::In && e.in_kind == sql::InKind::Select)) {
    out.push_back(&e);
    if (e.left) collect_subqueries(*e.left, out);
    return;
  }
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c) collect_subqueries(*c, out);
  for (auto& a : e.args) collect_subqueries(*a, out);
}

sql::ExprPtr value_literal(const Value& v) {
  if (v.type == ValueType::Real) {
    auto lit = literal_expr(sql::LiteralKind::Real, real_to_text(std::fabs(v.r)));
    if (std::isinf(v.r)) lit->text = "1e999";
    if (std::isnan(v.r)) return literal_expr(sql::LiteralKind::Null, "NULL");
    if (!std::signbit(v.r)) return lit;
    auto neg = sql::make<sql::Expr>();
    neg->kind = sql::ExprKind::Unary;
    neg->unary_op = sql::UnaryOp::Neg;
    neg->left = std::move(lit);
    return neg;
  }
  if (v.type == ValueType::Blob) {
    static const char* hex = "0123456789ABCDEF";
    std::string t = "X'";
    for (unsigned char ch : v.s) {
      t += hex[ch >> 4];
      t += hex[ch & 15];
    }
    return literal_expr(sql::LiteralKind::Blob, t + "'");
  }
  if (v.type == ValueType::Text) {
    return literal_expr(sql::LiteralKind::String, quoted_string(v.s));
  }
  return inline_value(v);
}

// `*correlated`: a subquery reads the row being written (it fails alone with "no such column");
// then nothing is inlined and the caller writes by key (run_keyed_write).
Task<Status> inline_subqueries(Exec& x, sql::Stmt& st, bool* correlated) {
  std::vector<sql::Expr*> found;
  const sql::With* with = nullptr;
  if (auto* u = st.as<sql::Update>()) with = u->with.get();
  if (auto* d = st.as<sql::Delete>()) with = d->with.get();
  if (auto* u = st.as<sql::Update>()) {
    for (auto& sc : u->set) collect_subqueries(*sc.value, found);
    if (u->where) collect_subqueries(*u->where, found);
  } else if (auto* d = st.as<sql::Delete>()) {
    if (d->where) collect_subqueries(*d->where, found);
  }
  for (auto* e : found) {
    sql::Select sub = *e->select;
    planner::attach_with(with, sub);
    planner::number_params(sub);
    auto r = co_await run_select(x, sub);
    if (!r.ok()) {
      if (r.error().message.rfind("no such column", 0) == 0) {
        *correlated = true;
        co_return ok_status();
      }
      co_return r.error();
    }
    auto& rows = r->rs.rows;
    if (e->kind == sql::ExprKind::Exists) {
      bool any = !rows.empty();
      bool negated = e->negated;
      *e = sql::Expr{};
      e->kind = sql::ExprKind::Literal;
      e->literal = sql::LiteralKind::Integer;
      e->text = (any != negated) ? "1" : "0";
    } else if (e->kind == sql::ExprKind::Subquery) {
      if (!rows.empty() && rows[0].size() != 1) co_return Error::unsupported("row-value subqueries in UPDATE/DELETE are not supported yet");
      sql::ExprPtr lit = rows.empty() ? literal_expr(sql::LiteralKind::Null, "NULL") : value_literal(rows[0][0]);
      *e = *lit;
    } else {
      if (!rows.empty() && rows[0].size() != 1)
        co_return Error::unsupported("row-value IN subqueries in UPDATE/DELETE are not supported yet");
      e->select = nullptr;
      e->in_kind = sql::InKind::List;
      e->args.clear();
      for (auto& row : rows) e->args.push_back(value_literal(row[0]));
    }
  }
  co_return ok_status();
}

Task<Result<QueryOutput>> run_update_delete(Exec& x, const sql::Stmt& st);

// UPDATE ... FROM, and UPDATE/DELETE whose subqueries read the row being written (correlated):
// which rows change, and their new values, are read first through the distributed engine (each
// row's shard key and rowid, then every SET value, FROM joined in as SQLite joins it); then those
// rows are written by key and rowid, the values as literals, a chunk at a time, all in the
// statement's transaction (the rows read stay locked until it commits). A row that FROM matches
// several times takes the first match (SQLite leaves unspecified which).
Task<Result<QueryOutput>> run_keyed_write(Exec& x, const sql::Stmt& st, const TableInfo& t) {
  const sql::Update* up = st.as<sql::Update>();
  const sql::Delete* del = st.as<sql::Delete>();
  const char* what = up && up->from ? "UPDATE ... FROM" : "correlated subqueries in UPDATE/DELETE";
  if (t.kind != TableKind::Sharded) co_return Error::unsupported(std::string(what) + " on a reference table are not supported yet");
  if (t.without_rowid) co_return Error::unsupported(std::string(what) + " on a WITHOUT ROWID table are not supported yet");
  need_atomic(x);
  const std::string alias = up ? (up->alias.empty() ? t.name : up->alias) : (del->alias.empty() ? t.name : del->alias);
  // What names a row across the nodes: the rowid where it is the shard key (no PRIMARY KEY, or an
  // INTEGER PRIMARY KEY); otherwise the PRIMARY KEY's columns (a node's own rowids repeat across
  // nodes, and a gathered read does not keep them).
  std::vector<std::string> ids;
  if (t.shard_key < 0 || t.shard_key == t.rowid_alias) {
    ids.push_back(t.rowid_alias >= 0 ? t.columns[t.rowid_alias].name : "rowid");
  } else {
    auto mirror = open_schema_mirror(*x.topo);
    if (!mirror.ok()) co_return mirror.error();
    auto pk = (*mirror)->query("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk", {Value::text(t.name)});
    if (!pk.ok()) co_return pk.error();
    for (auto& r : pk->rows) ids.push_back(r[0].s);
    if (ids.empty())
      co_return Error::unsupported(std::string(what) + " on a table sharded by a column without a PRIMARY KEY are not supported yet");
  }
  const bool key_first = t.shard_key >= 0 && t.shard_key != t.rowid_alias;
  const std::string key = key_first ? t.columns[t.shard_key].name : ids[0];
  sql::Select sel;
  sql::SelectCore core;
  auto add = [&](sql::ExprPtr e) {
    sql::ResultColumn rc;
    rc.expr = std::move(e);
    core.columns.push_back(std::move(rc));
  };
  add(planner::column_ref(alias, key));
  for (auto& id : ids) add(planner::column_ref(alias, id));
  std::vector<std::string> set_cols;
  if (up)
    for (auto& sc : up->set) {
      if (sc.columns.size() != 1) co_return Error::unsupported(std::string("row-value SET with ") + what + " is not supported yet");
      set_cols.push_back(sc.columns[0]);
      add(sc.value->clone());
    }
  auto target = sql::make<sql::TableRef>();
  target->kind = sql::TableRefKind::Table;
  target->name = up ? up->table : del->table;
  target->name.schema.clear();
  target->alias = alias;
  if (up && up->from) {
    auto join = sql::make<sql::TableRef>();
    join->kind = sql::TableRefKind::Join;
    join->op.type = sql::JoinType::Comma;
    join->left = std::move(target);
    join->right = up->from;
    core.from = std::move(join);
  } else {
    core.from = std::move(target);
  }
  const sql::Expr* where = up ? up->where.get() : del->where.get();
  if (where) core.where = where->clone();
  sel.cores.push_back(std::move(core));
  planner::attach_with(up ? up->with.get() : del->with.get(), sel);
  planner::number_params(sel);
  auto read = co_await run_select(x, sel);
  if (!read.ok()) co_return read.error();
  // One entry per row (its first match).
  auto lit = [](const Value& v) { return sql::print(*value_literal(v)); };
  const size_t values_at = 1 + ids.size();
  std::vector<const Row*> rows;
  {
    std::set<std::string> seen;
    for (auto& row : read->rs.rows) {
      std::string id;
      for (size_t i = 1; i < values_at; i++) id += lit(row[i]) + ",";
      if (seen.insert(id).second) rows.push_back(&row);
    }
  }
  const std::string qkey = quoted_identifier(key);
  // IS: a PRIMARY KEY column other than an INTEGER PRIMARY KEY may hold NULL.
  auto match = [&](const Row& r) {
    std::string m;
    for (size_t i = 0; i < ids.size(); i++) m += (i ? " AND " : "") + quoted_identifier(ids[i]) + " IS " + lit(r[1 + i]);
    return m;
  };
  QueryOutput out;
  std::string plan = "route";
  size_t next = 0;
  do {
    // A chunk: at most 200 rows and about 60 KB of statement (a statement may have 100 KB).
    std::vector<const Row*> chunk;
    size_t bytes = 0;
    while (next < rows.size() && chunk.size() < 200 && bytes < 60000) {
      const Row& r = *rows[next++];
      // The row's id is written once in the WHERE and once in each SET's CASE, with its value.
      size_t row_bytes = 0;
      for (auto& v : r) row_bytes += (v.type == ValueType::Text || v.type == ValueType::Blob ? 2 * v.s.size() : 0) + 32;
      bytes += row_bytes * (2 + set_cols.size());
      chunk.push_back(&r);
    }
    std::string cond;
    if (chunk.empty()) {
      cond = "0";  // nothing matched: the statement still runs once (RETURNING's columns)
    } else {
      // The shard key's values route the chunk to their nodes (NULL keys: every node).
      bool null_key = false;
      std::string keys;
      for (size_t i = 0; i < chunk.size(); i++) {
        null_key |= (*chunk[i])[0].type == ValueType::Null;
        keys += (i ? ", " : "") + lit((*chunk[i])[0]);
      }
      if (!null_key) cond = qkey + " IN (" + keys + ") AND ";
      cond += "(";
      for (size_t i = 0; i < chunk.size(); i++) cond += (i ? " OR (" : "(") + match(*chunk[i]) + ")";
      cond += ")";
    }
    std::string text;
    if (up) {
      text = "UPDATE " + quoted_identifier(t.name) + " AS " + quoted_identifier(alias) + " SET ";
      for (size_t c = 0; c < set_cols.size(); c++) {
        text += (c ? ", " : "") + quoted_identifier(set_cols[c]) + " = ";
        if (chunk.empty()) {
          text += "NULL";
          continue;
        }
        text += "CASE";
        for (auto* r : chunk) text += " WHEN " + match(*r) + " THEN " + lit((*r)[values_at + c]);
        text += " END";
      }
    } else {
      text = "DELETE FROM " + quoted_identifier(t.name) + " AS " + quoted_identifier(alias);
    }
    text += " WHERE " + cond;
    auto parsed = sql::parse_statement(text);
    if (!parsed.ok()) co_return Error::internal("keyed write: " + parsed.error().message);
    sql::Stmt& keyed = **parsed;
    if (up) {
      auto* u = keyed.as<sql::Update>();
      u->conflict = up->conflict;
      for (auto& rc : up->returning) u->returning.push_back(rc);
    } else {
      for (auto& rc : del->returning) keyed.as<sql::Delete>()->returning.push_back(rc);
    }
    auto part = co_await run_update_delete(x, keyed);
    if (!part.ok()) co_return part.error();
    if (x.plan != "route") plan = "scatter";
    out.rs.changes += part->rs.changes;
    if (out.rs.columns.empty()) out.rs.columns = part->rs.columns;
    for (auto& row : part->rs.rows) out.rs.rows.push_back(std::move(row));
  } while (next < rows.size());
  x.plan = plan;
  co_return out;
}

// SELECT exprs FROM table [AS alias] WHERE where, through the distributed engine with the
// statement's parameters.
Task<Result<std::vector<Row>>> rows_of_write(Exec& x, const sql::QualifiedName& table, const std::string& alias, const sql::Expr* where,
                                             std::vector<sql::ExprPtr> exprs) {
  sql::Select sel;
  sql::SelectCore core;
  for (auto& e : exprs) {
    sql::ResultColumn rc;
    rc.expr = std::move(e);
    core.columns.push_back(std::move(rc));
  }
  core.from = sql::make<sql::TableRef>();
  core.from->kind = sql::TableRefKind::Table;
  core.from->name = table;
  core.from->name.schema.clear();
  core.from->alias = alias;
  if (where) core.where = where->clone();
  sel.cores.push_back(std::move(core));
  planner::number_params(sel);
  auto r = co_await run_select(x, sel);
  if (!r.ok()) co_return r.error();
  co_return std::move(r->rs.rows);
}

constexpr int kMaxFkDepth = 64;          // nested actions (SQLite allows 1000 trigger levels)
constexpr size_t kMaxActionParams = 90;  // under the nodes' 100 bound parameters

// ("c1" = ?a AND "c2" = ?b ...): a child row whose columns equal the key bound from `first`,
// compared as the parent's columns compare (their collation).
std::string child_key_match(const Topology& topo, const ForeignKeyRef& fk, size_t first) {
  std::string w = "(";
  for (size_t i = 0; i < fk.from.size(); i++) {
    w += (i ? " AND " : "") + quoted_identifier(fk.from[i]) + " = ?" + std::to_string(first + i);
    const TableInfo* parent = topo.find_table(fk.parent);
    int ci = parent ? parent->column_index(fk.to[i]) : -1;
    if (ci >= 0 && !parent->columns[ci].collation.empty() && !iequals(parent->columns[ci].collation, "BINARY"))
      w += " COLLATE " + parent->columns[ci].collation;
  }
  return w + ")";
}

// The child writes of `action` for parent keys `old_keys` (and, for ON UPDATE CASCADE, the keys
// they change to: `new_keys`, one per old key), a chunk of keys per statement.
Task<Result<std::vector<FkAction>>> plan_fk_action(Exec& x, const ForeignKeyRef& fk, const std::string& action,
                                                   std::vector<std::vector<Value>> old_keys, std::vector<std::vector<Value>> new_keys) {
  std::vector<FkAction> out;
  const TableInfo* child = x.topo->find_table(fk.child);
  if (!child) co_return out;
  const size_t n = fk.from.size();
  const bool cascade_update = action == "CASCADE" && !new_keys.empty();
  std::vector<Value> defaults;
  if (action == "SET DEFAULT")
    for (auto& c : fk.from) {
      auto d = co_await column_default(x, *child, c);
      if (!d.ok()) co_return d.error();
      defaults.push_back(*d);
    }
  const size_t per_key = cascade_update ? 2 * n : n;
  const size_t per_chunk = std::max<size_t>(1, (kMaxActionParams - defaults.size()) / std::max<size_t>(1, per_key));
  for (size_t start = 0; start < old_keys.size(); start += per_chunk) {
    FkAction a;
    std::string where;
    std::vector<std::string> cases(n);
    for (size_t k = start; k < old_keys.size() && k < start + per_chunk; k++) {
      size_t first = a.params.size() + 1;
      for (auto& v : old_keys[k]) a.params.push_back(v);
      std::string match = child_key_match(*x.topo, fk, first);
      where += (where.empty() ? "" : " OR ") + match;
      if (cascade_update) {
        for (size_t i = 0; i < n; i++) {
          a.params.push_back(new_keys[k][i]);
          cases[i] += " WHEN " + match + " THEN ?" + std::to_string(a.params.size());
        }
      }
    }
    std::string table = quoted_identifier(fk.child);
    if (action == "CASCADE" && !cascade_update) {
      a.sql = "DELETE FROM " + table + " WHERE " + where;
    } else {
      std::string set;
      for (size_t i = 0; i < n; i++) {
        set += (i ? ", " : "") + quoted_identifier(fk.from[i]) + " = ";
        if (cascade_update) {
          set += "CASE" + cases[i] + " END";
        } else if (action == "SET DEFAULT") {
          a.params.push_back(defaults[i]);
          set += "?" + std::to_string(a.params.size());
        } else {
          set += "NULL";
        }
      }
      a.sql = "UPDATE " + table + " SET " + set + " WHERE " + where;
    }
    out.push_back(std::move(a));
  }
  co_return out;
}

// Runs the actions (after the statement's own write), each as a statement of its own with its
// own footprint; their changes are not the statement's changes (as in SQLite).
Task<Status> run_fk_actions(Exec& x, std::vector<FkAction> actions) {
  if (actions.empty()) co_return ok_status();
  if (x.fk_depth >= kMaxFkDepth) co_return Error::sql("too many levels of trigger recursion");
  for (auto& a : actions) {
    auto parsed = sql::parse_statement(a.sql);
    if (!parsed.ok()) co_return parsed.error();
    Exec sub{x.c, x.s, x.topo, a.params, x.nodes_if_create};
    sub.fk_depth = x.fk_depth + 1;
    auto saved = std::move(x.s.footprint);
    x.s.footprint = statement_footprint(*x.topo, **parsed, a.params);
    // (if/else, not ?: : GCC 12 miscompiles co_await inside a conditional expression)
    Result<QueryOutput> r = Error::internal("not run");
    if ((*parsed)->kind() == sql::StmtKind::Select)
      r = co_await run_select(sub, *(*parsed)->as<sql::Select>());
    else
      r = co_await run_write_or_ddl(sub, **parsed);
    x.s.footprint = std::move(saved);
    if (!r.ok()) co_return r.error();
  }
  co_return ok_status();
}

// Foreign keys the nodes do not check (conductor/fk.h), for the rows an UPDATE or DELETE changes:
// new child keys must have their parents; parent keys deleted or changed must have no children
// left (NO ACTION, RESTRICT), or their children are written by the key's action (CASCADE,
// SET NULL, SET DEFAULT), returned in `actions` to run after the statement's own write. Either way
// the statement reads before it writes: it runs as one transaction with its checks and actions.
Task<Status> check_changed_keys(Exec& x, const sql::Stmt& st, const TableInfo& t, std::vector<FkAction>& actions) {
  const sql::Update* up = st.as<sql::Update>();
  const sql::Delete* del = st.as<sql::Delete>();
  const sql::Expr* where = up ? up->where.get() : del->where.get();
  const std::string& alias = up ? up->alias : del->alias;
  const sql::QualifiedName& table = up ? up->table : del->table;
  auto set_expr = [&](const std::string& col) -> const sql::Expr* {
    if (!up) return nullptr;
    for (auto& sc : up->set)
      for (auto& c : sc.columns)
        if (iequals(c, col)) return sc.columns.size() == 1 ? sc.value.get() : nullptr;
    return nullptr;
  };
  auto sets = [&](const std::vector<std::string>& cols) {
    if (!up) return false;
    for (auto& sc : up->set)
      for (auto& c : sc.columns)
        for (auto& k : cols)
          if (iequals(c, k)) return true;
    return false;
  };
  auto row_value = [](const std::string& col) { return planner::column_ref({}, col); };
  std::vector<ForeignKeyRef> child_fks, parent_fks;
  if (up) {
    auto fks = conductor_foreign_keys(x, t, true, defers_node_keys(x));
    if (!fks.ok()) co_return fks.error();
    for (auto& fk : *fks)
      if (sets(fk.from)) child_fks.push_back(std::move(fk));
  }
  {
    auto fks = conductor_foreign_keys(x, t, false, defers_node_keys(x));
    if (!fks.ok()) co_return fks.error();
    for (auto& fk : *fks) {
      bool self = iequals(fk.child, fk.parent);
      const std::string& action = up ? fk.on_update : fk.on_delete;
      bool writes = action == "CASCADE" || action == "SET NULL" || action == "SET DEFAULT";
      bool deferred = fk_check_deferred(x, fk, action == "RESTRICT");
      // A key the nodes check is listed only to defer its check: they run its actions themselves.
      if (fk.on_nodes && (writes || !deferred)) continue;
      // A table referencing itself is checked when its rows are written (see the README); its
      // actions run, and its deferred checks are made at the commit.
      if (self && !writes && !deferred) continue;
      if (up && !sets(fk.to)) continue;
      parent_fks.push_back(std::move(fk));
    }
  }
  if (child_fks.empty() && parent_fks.empty()) co_return ok_status();
  need_atomic(x);
  for (auto& fk : child_fks) {
    std::vector<sql::ExprPtr> exprs;
    for (auto& c : fk.from) {
      for (auto& sc : up->set)
        if (sc.columns.size() > 1)
          for (auto& sc_col : sc.columns)
            if (iequals(sc_col, c)) co_return Error::unsupported("row-value SET of a foreign key column is not supported yet");
      const sql::Expr* e = set_expr(c);
      exprs.push_back(e ? e->clone() : row_value(c));
    }
    auto rows = co_await rows_of_write(x, table, alias, where, std::move(exprs));
    if (!rows.ok()) co_return rows.error();
    std::vector<std::vector<Value>> keys;
    for (auto& r : *rows) {
      bool has_null = false;
      for (auto& v : r) has_null |= v.is_null();
      if (!has_null) keys.emplace_back(r.begin(), r.end());
    }
    if (fk_check_deferred(x, fk) && x.topo->find_table(fk.parent)) {
      defer_check(x, fk, false, std::move(keys));
      continue;
    }
    auto s = co_await check_parents_exist(x, fk, std::move(keys));
    if (!s.ok()) co_return s;
  }
  for (auto& fk : parent_fks) {
    // Old keys, and for an UPDATE the new ones: only keys that change or go matter.
    std::vector<sql::ExprPtr> exprs;
    for (auto& c : fk.to) exprs.push_back(row_value(c));
    if (up)
      for (auto& c : fk.to) {
        for (auto& sc : up->set)
          if (sc.columns.size() > 1)
            for (auto& sc_col : sc.columns)
              if (iequals(sc_col, c)) co_return Error::unsupported("row-value SET of a referenced key column is not supported yet");
        const sql::Expr* e = set_expr(c);
        exprs.push_back(e ? e->clone() : row_value(c));
      }
    auto rows = co_await rows_of_write(x, table, alias, where, std::move(exprs));
    if (!rows.ok()) co_return rows.error();
    std::vector<std::vector<Value>> keys, new_keys;
    size_t n = fk.to.size();
    for (auto& r : *rows) {
      std::vector<Value> old_key(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(n));
      std::vector<Value> new_key;
      bool has_null = false, changes = !up;
      for (size_t i = 0; i < n; i++) {
        has_null |= old_key[i].is_null();
        if (up) {
          int ci = t.column_index(fk.to[i]);
          new_key.push_back(apply_affinity(r[n + i], ci >= 0 ? t.columns[ci].affinity : Affinity::Blob));
          changes |= !same(old_key[i], new_key.back());
        }
      }
      if (has_null || !changes) continue;
      keys.push_back(std::move(old_key));
      new_keys.push_back(std::move(new_key));
    }
    {
      const std::string& action = up ? fk.on_update : fk.on_delete;
      bool writes = action == "CASCADE" || action == "SET NULL" || action == "SET DEFAULT";
      if (!writes && fk_check_deferred(x, fk, action == "RESTRICT")) {
        // Deferred: the children must have a parent again when the transaction commits.
        defer_check(x, fk, true, std::move(keys));
        continue;
      }
    }
    auto referenced = co_await referenced_keys(x, fk, keys);
    if (!referenced.ok()) co_return referenced.error();
    if (referenced->empty()) continue;
    const std::string& action = up ? fk.on_update : fk.on_delete;
    if (action != "CASCADE" && action != "SET NULL" && action != "SET DEFAULT")
      // SQLite runs RESTRICT as a trigger: its result code says so.
      co_return Error::sql("FOREIGN KEY constraint failed")
          .with_code(action == "RESTRICT" ? "SQLITE_CONSTRAINT_TRIGGER" : "SQLITE_CONSTRAINT_FOREIGNKEY");
    // The referenced keys, each with the key it changes to.
    std::vector<std::vector<Value>> olds, news;
    for (auto& k : *referenced)
      for (size_t i = 0; i < keys.size(); i++)
        if (keys[i] == k) {
          olds.push_back(k);
          if (up) news.push_back(new_keys[i]);
          break;
        }
    auto planned = co_await plan_fk_action(x, fk, action, std::move(olds), std::move(news));
    if (!planned.ok()) co_return planned.error();
    for (auto& a : *planned) actions.push_back(std::move(a));
  }
  co_return ok_status();
}

// UPDATE and DELETE: the WHERE clause routes them like a SELECT; without a pin they run on every
// node. Each node changes only its own rows, which is exact as long as nothing in the statement
// reads other rows (subqueries over sharded tables are rejected until they are evaluated first).
Task<Result<QueryOutput>> run_update_delete(Exec& x, const sql::Stmt& st) {
  const sql::Update* up = st.as<sql::Update>();
  const sql::Delete* del = st.as<sql::Delete>();
  const sql::QualifiedName& name = up ? up->table : del->table;
  const TableInfo* t = x.topo->find_table(name.name);
  if (!t) {
    auto r = co_await x.refresh();
    if (!r.ok()) co_return r.error();
    t = x.topo->find_table(name.name);
    if (!t) co_return unknown_table(name);
  }
  if (t->kind == TableKind::View) co_return Error::sql("cannot modify " + t->name + " because it is a view");
  const sql::Expr* where = up ? up->where.get() : del->where.get();
  bool moves_key = false;
  planner::Features f;
  if (where) planner::analyze_expr(*where, f);
  if (up) {
    for (auto& sc : up->set) {
      planner::analyze_expr(*sc.value, f);
      for (auto& c : sc.columns) {
        int idx = t->column_index(c);
        if (idx < 0) co_return Error::sql("no such column: " + c);
        if (idx == t->shard_key && t->kind == TableKind::Sharded) moves_key = true;
      }
    }
    if (up->from) co_return co_await run_keyed_write(x, st, *t);
    if (!up->order_by.empty() || up->limit) co_return Error::unsupported("UPDATE ... ORDER BY/LIMIT is not supported yet");
  } else if (!del->order_by.empty() || del->limit) {
    co_return Error::unsupported("DELETE ... ORDER BY/LIMIT is not supported yet");
  }
  if (f.subquery) {
    // The subqueries are read first: their rows stay locked until the write commits.
    need_atomic(x);
    sql::Stmt inlined = st;
    bool correlated = false;
    auto s = co_await inline_subqueries(x, inlined, &correlated);
    if (!s.ok()) co_return s.error();
    if (correlated) co_return co_await run_keyed_write(x, st, *t);
    co_return co_await run_update_delete(x, inlined);
  }
  for (auto& tn : f.tables) {
    const TableInfo* other = x.topo->find_table(tn);
    if (!other || other->kind != TableKind::Reference)
      co_return Error::unsupported("subqueries over sharded tables in UPDATE/DELETE are not supported yet");
  }
  std::vector<FkAction> actions;
  if (auto s = co_await check_changed_keys(x, st, *t, actions); !s.ok()) co_return s.error();
  // Triggers the conductor runs (their bodies write elsewhere): the rows' OLD and NEW values are
  // read first, the triggers' statements run after the write (with the actions above).
  if (auto triggers = conductor_triggers(*x.topo, t->name, up ? sql::TriggerEvent::Update : sql::TriggerEvent::Delete);
      !triggers.empty() && !x.s.dry_run) {
    need_atomic(x);
    std::vector<sql::ExprPtr> exprs;
    for (auto& c : t->columns) exprs.push_back(planner::column_ref({}, c.name));
    std::vector<std::string> set_columns;
    if (up) {
      for (auto& sc : up->set) {
        if (sc.columns.size() > 1)
          co_return Error::unsupported("row-value SET on a table whose triggers write to sharded tables is not supported yet");
        set_columns.push_back(sc.columns[0]);
      }
      for (auto& c : t->columns) {
        const sql::Expr* e = nullptr;
        for (auto& sc : up->set)
          if (iequals(sc.columns[0], c.name)) e = sc.value.get();
        exprs.push_back(e ? e->clone() : planner::column_ref({}, c.name));
      }
    }
    auto rows = co_await rows_of_write(x, name, up ? up->alias : del->alias, where, std::move(exprs));
    if (!rows.ok()) co_return rows.error();
    std::vector<Row> olds, news;
    const size_t n = t->columns.size();
    for (auto& r : *rows) {
      olds.emplace_back(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(n));
      if (up) {
        Row nr;
        for (size_t i = 0; i < n; i++) nr.push_back(apply_affinity(r[n + i], t->columns[i].affinity));
        news.push_back(std::move(nr));
      }
    }
    auto planned = co_await plan_triggers(x, *t, triggers, set_columns, std::move(olds), std::move(news));
    if (!planned.ok()) co_return planned.error();
    for (auto& a : *planned) actions.push_back(std::move(a));
  }
  std::vector<uint32_t> targets;
  std::map<uint32_t, std::vector<uint32_t>> node_vshards;  // pinned writes name their virtual shards
  std::string alias = up ? (up->alias.empty() ? t->name : up->alias) : (del->alias.empty() ? t->name : del->alias);
  if (t->kind == TableKind::Sharded) {
    if (auto pins = planner::shard_key_pins(where, *t, alias, x.params)) {
      for (auto& v : *pins) {
        uint32_t n = x.node_of(*t, v);
        if (std::find(targets.begin(), targets.end(), n) == targets.end()) targets.push_back(n);
        auto& named = node_vshards[n];
        uint32_t id = x.vshard_of(*t, v);
        if (std::find(named.begin(), named.end(), id) == named.end()) named.push_back(id);
      }
    }
  }
  if (targets.empty()) targets = x.all_nodes();
  auto indexes = x.topo->indexes_of(t->name);
  if (moves_key) {
    auto moved = co_await move_rows(x, *up, *t, targets);
    if (!moved.ok()) co_return moved.error();
    if (auto s = co_await run_fk_actions(x, std::move(actions)); !s.ok()) co_return s.error();
    co_return moved;
  }

  // Global index maintenance: which indexes this statement changes, and the entries involved.
  std::vector<const TableInfo*> touched;
  for (auto* index : indexes) {
    bool hit = del != nullptr;
    if (up)
      for (auto& sc : up->set)
        for (auto& c : sc.columns)
          for (auto& ic : index->columns) hit |= iequals(c, ic.name);
    if (hit) touched.push_back(index);
  }
  // Several nodes, or index entries elsewhere: one transaction.
  if (targets.size() > 1 || !touched.empty()) need_atomic(x);
  std::vector<std::vector<IndexedRow>> old_entries(touched.size()), new_entries(touched.size());
  if (up && !touched.empty()) {
    // Old and new indexed values of every affected row, computed where the rows are.
    auto col = [](const std::string& name) { return planner::column_ref({}, name); };
    sql::Select sel;
    sql::SelectCore core;
    sql::ResultColumn k;
    k.expr = planner::cast_as_text(col(std::string(kKsidColumn)));
    core.columns.push_back(std::move(k));
    for (auto* index : touched)
      for (auto& ic : index->columns) {
        sql::ResultColumn o;
        o.expr = col(ic.name);
        core.columns.push_back(std::move(o));
        sql::ResultColumn n;
        n.expr = col(ic.name);
        for (auto& sc : up->set)
          if (sc.columns.size() == 1 && iequals(sc.columns[0], ic.name))
            n.expr = sc.value->clone();
          else if (sc.columns.size() > 1)
            co_return Error::unsupported("row-value SET of an indexed column is not supported yet");
        core.columns.push_back(std::move(n));
      }
    core.from = sql::make<sql::TableRef>();
    core.from->kind = sql::TableRefKind::Table;
    core.from->name = up->table;
    core.from->name.schema.clear();
    core.from->alias = up->alias;
    if (up->where) core.where = up->where->clone();
    sel.cores.push_back(std::move(core));
    int nparams = planner::number_params(sel);
    std::vector<NodeRequest> reads;
    for (auto n : targets) reads.push_back({n, x.request(one_statement(sql::print(sel), planner::params_for(x.params, nparams), false))});
    auto found = co_await fan_out(x.s, std::move(reads));
    if (!found.ok()) co_return found.error();
    for (auto& r : *found)
      for (auto& row : r.results[0].rows) {
        uint64_t ksid = static_cast<uint64_t>(row[0].type == ValueType::Integer ? row[0].i : std::strtoll(row[0].s.c_str(), nullptr, 10));
        size_t pos = 1;
        for (size_t i = 0; i < touched.size(); i++) {
          IndexedRow o{{}, ksid}, n{{}, ksid};
          for (auto& ic : touched[i]->columns) {
            o.values.push_back(apply_affinity(row[pos++], ic.affinity));
            n.values.push_back(apply_affinity(row[pos++], ic.affinity));
          }
          if (o.values == n.values) continue;
          old_entries[i].push_back(std::move(o));
          new_entries[i].push_back(std::move(n));
        }
      }
    for (size_t i = 0; i < touched.size(); i++) {
      auto added = co_await add_index_entries(x, *touched[i], new_entries[i]);
      if (!added.ok()) co_return added.error();
    }
  }

  // Print the shard form: RETURNING * never exposes the hidden column.
  sql::Stmt shard = st;
  size_t user_returning = 0;
  if (auto* u = shard.as<sql::Update>()) u->returning = expand_returning(u->returning, *t);
  if (auto* d = shard.as<sql::Delete>()) {
    d->returning = expand_returning(d->returning, *t);
    user_returning = d->returning.size();
    if (!touched.empty()) {
      // The deleted rows' indexed values come back with them, to remove their entries after.
      auto col = [](const std::string& name) { return planner::column_ref({}, name); };
      sql::ResultColumn k;
      k.expr = planner::cast_as_text(col(std::string(kKsidColumn)));
      d->returning.push_back(std::move(k));
      for (auto* index : touched)
        for (auto& ic : index->columns) {
          sql::ResultColumn rc;
          rc.expr = col(ic.name);
          d->returning.push_back(std::move(rc));
        }
    }
  }
  // Parameters by number: inlined subqueries may have taken some away.
  int nparams = 0;
  auto number = [&](sql::ExprPtr& e) {
    if (e) nparams = std::max(nparams, planner::number_params(*e));
  };
  if (auto* u = shard.as<sql::Update>()) {
    for (auto& sc : u->set) number(sc.value);
    number(u->where);
    for (auto& rc : u->returning) number(rc.expr);
  }
  if (auto* d = shard.as<sql::Delete>()) {
    number(d->where);
    for (auto& rc : d->returning) number(rc.expr);
  }
  std::string text = sql::print(shard);

  std::vector<NodeRequest> reqs;
  for (auto n : targets) reqs.push_back({n, x.request(one_statement(text, planner::params_for(x.params, nparams), true), node_vshards[n])});
  // With index entries still to remove after, the commit waits for them (commit_txn).
  Result<std::vector<storage::Response>> resp = Error::internal("not sent");
  if (touched.empty() && actions.empty())
    resp = co_await fan_out_committing(x, std::move(reqs));
  else
    resp = co_await fan_out(x.s, std::move(reqs));
  if (!resp.ok()) co_return resp.error();
  QueryOutput out;
  for (size_t i = 0; i < resp->size(); i++) {
    auto& rs = (*resp)[i].results[0];
    if (t->kind == TableKind::Reference && i != 0) continue;
    out.rs.changes += rs.changes;
    if (del && !touched.empty()) {
      for (auto& row : rs.rows) {
        uint64_t ksid = static_cast<uint64_t>(std::strtoll(row[user_returning].s.c_str(), nullptr, 10));
        size_t pos = user_returning + 1;
        for (size_t k2 = 0; k2 < touched.size(); k2++) {
          IndexedRow o{{}, ksid};
          for (auto& ic : touched[k2]->columns) o.values.push_back(apply_affinity(row[pos++], ic.affinity));
          old_entries[k2].push_back(std::move(o));
        }
        row.resize(user_returning);
      }
      if (user_returning == 0) rs.rows.clear();
      rs.columns.resize(user_returning);
    }
    if (out.rs.columns.empty()) out.rs.columns = rs.columns;
    for (auto& row : rs.rows) out.rs.rows.push_back(std::move(row));
  }
  // Old entries go after their rows changed or left.
  for (size_t i = 0; i < touched.size(); i++) {
    auto removed = co_await remove_index_entries(x, *touched[i], old_entries[i]);
    if (!removed.ok()) co_return removed.error();
  }
  if (auto s = co_await run_fk_actions(x, std::move(actions)); !s.ok()) co_return s.error();
  x.plan = targets.size() == 1 ? "route" : "scatter";
  co_return out;
}

// excluded.c (an upsert's proposed row) becomes that row's value.
void substitute_excluded(sql::Expr& e, const std::vector<std::string>& columns, const Row& row) {
  if (e.kind == sql::ExprKind::Column && iequals(e.table, "excluded")) {
    for (size_t i = 0; i < columns.size(); i++)
      if (iequals(columns[i], e.name)) {
        e = *value_literal(row[i]);
        return;
      }
    e = *literal_expr(sql::LiteralKind::Null, "NULL");
    return;
  }
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c) substitute_excluded(*c, columns, row);
  for (auto& a : e.args) substitute_excluded(*a, columns, row);
}

// SELECT/UPDATE/DELETE text for rows of `t` whose keyspace id is `ksid` and whose indexed columns
// hold `vals` (the row a global entry points at).
std::string entry_row_where(const TableInfo& index, size_t first_param) {
  std::string w = quoted_identifier(std::string(kKsidColumn)) + " = ?" + std::to_string(first_param);
  for (size_t i = 0; i < index.columns.size(); i++)
    w += " AND " + quoted_identifier(index.columns[i].name) + " = ?" + std::to_string(first_param + 1 + i);
  return w;
}

// The indexed values of every global index, and the keyspace id, as selected columns.
std::string index_columns_sql(const std::vector<const TableInfo*>& indexes) {
  std::string s = "CAST(" + quoted_identifier(std::string(kKsidColumn)) + " AS TEXT)";
  for (auto* ix : indexes)
    for (auto& c : ix->columns) s += ", " + quoted_identifier(c.name);
  return s;
}

// Entries of `row` (laid out as index_columns_sql) for each index.
std::vector<std::vector<IndexedRow>> entries_of(const std::vector<const TableInfo*>& indexes, const Row& row, size_t at) {
  std::vector<std::vector<IndexedRow>> out(indexes.size());
  uint64_t ksid = static_cast<uint64_t>(row[at].type == ValueType::Integer ? row[at].i : std::strtoll(row[at].s.c_str(), nullptr, 10));
  size_t pos = at + 1;
  for (size_t i = 0; i < indexes.size(); i++) {
    IndexedRow e{{}, ksid};
    for (auto& c : indexes[i]->columns) e.values.push_back(apply_affinity(row[pos++], c.affinity));
    out[i].push_back(std::move(e));
  }
  return out;
}

bool same_entry(const IndexedRow& a, const IndexedRow& b) { return a.ksid == b.ksid && a.values == b.values; }

// Old entries out, new entries in (those that did not change stay).
Task<Status> apply_entry_delta(Exec& x, const std::vector<const TableInfo*>& indexes, std::vector<std::vector<IndexedRow>> before,
                               std::vector<std::vector<IndexedRow>> after) {
  for (size_t i = 0; i < indexes.size(); i++) {
    std::vector<IndexedRow> gone, added;
    for (auto& b : before[i])
      if (std::none_of(after[i].begin(), after[i].end(), [&](const IndexedRow& a) { return same_entry(a, b); })) gone.push_back(b);
    for (auto& a : after[i])
      if (std::none_of(before[i].begin(), before[i].end(), [&](const IndexedRow& b) { return same_entry(a, b); })) added.push_back(a);
    // Out first: a row that keeps its value under a new keyspace id re-enters a UNIQUE index.
    if (!gone.empty()) {
      auto r = co_await remove_index_entries(x, *indexes[i], std::move(gone));
      if (!r.ok()) co_return r;
    }
    if (!added.empty()) {
      auto r = co_await add_index_entries(x, *indexes[i], std::move(added));
      if (!r.ok()) co_return r;
    }
  }
  co_return ok_status();
}

// A column's value in a row about to be inserted (its DEFAULT when the INSERT leaves it out).
Task<Result<Value>> value_in_row(Exec& x, const TableInfo& t, const std::vector<std::string>& columns, const Row& row,
                                 const ColumnInfo& c) {
  for (size_t i = 0; i < columns.size(); i++)
    if (iequals(columns[i], c.name)) co_return apply_affinity(row[i], c.affinity);
  auto d = co_await column_default(x, t, c.name);
  if (!d.ok()) co_return d.error();
  co_return apply_affinity(*d, c.affinity);
}

Task<Result<QueryOutput>> insert_resolving_globally(Exec& x, const sql::Insert& ins, const TableInfo& t,
                                                    const std::vector<std::string>& columns, std::vector<Row> rows,
                                                    std::vector<const TableInfo*> indexes) {
  need_atomic(x);
  const std::string T = quoted_identifier(t.name);
  const std::string idx_cols = index_columns_sql(indexes);
  // The conflict resolution a global UNIQUE index `u` gets, as SQLite would apply it.
  enum class Mode { Abort, Ignore, Replace, Update };
  auto mode_for = [&](const TableInfo& u, const sql::Upsert*& which) {
    which = nullptr;
    if (ins.replace || ins.conflict == sql::ConflictAction::Replace) return Mode::Replace;
    for (auto& up : ins.upserts) {
      bool matches = up.target.empty();
      if (!matches && up.target.size() == u.columns.size()) {
        matches = true;
        for (auto& term : up.target) {
          bool found =
              term.expr && term.expr->kind == sql::ExprKind::Column &&
              std::any_of(u.columns.begin(), u.columns.end(), [&](const ColumnInfo& c) { return iequals(c.name, term.expr->name); });
          matches &= found;
        }
      }
      if (matches) {
        which = &up;
        return up.do_nothing ? Mode::Ignore : Mode::Update;
      }
    }
    if (ins.conflict == sql::ConflictAction::Ignore) return Mode::Ignore;
    return Mode::Abort;
  };
  QueryOutput out;
  for (auto& row : rows) {
    const uint64_t ksid = static_cast<uint64_t>(row.back().i);
    const uint32_t node = x.topo->vshard_for(ksid).node;
    const uint32_t vshard = x.topo->vshard_for(ksid).id;
    bool consumed = false;
    for (auto* u : indexes) {
      if (!u->unique || consumed) continue;
      std::vector<Value> vals;
      bool has_null = false;
      for (auto& c : u->columns) {
        auto v = co_await value_in_row(x, t, columns, row, c);
        if (!v.ok()) co_return v.error();
        has_null |= v->is_null();
        vals.push_back(std::move(*v));
      }
      if (has_null) continue;  // NULLs never conflict
      std::string q = "SELECT CAST(ksid AS TEXT) FROM " + quoted_identifier(lookup_table_name(u->name)) + " WHERE ";
      for (size_t i = 0; i < vals.size(); i++) q += (i ? " AND v" : "v") + std::to_string(i + 1) + " = ?" + std::to_string(i + 1);
      auto found = co_await fan_out(
          x.s, one_request(x.topo->vshard_for(u->entry_ksid(vals[0])).node, x.request(one_statement(q + " LIMIT 1", vals, false))));
      if (!found.ok()) co_return found.error();
      auto& hit = (*found)[0].results[0].rows;
      if (hit.empty()) continue;
      uint64_t other = static_cast<uint64_t>(std::strtoll(hit[0][0].s.c_str(), nullptr, 10));
      uint32_t other_node = x.topo->vshard_for(other).node;
      if (other_node == node) continue;  // the node's own UNIQUE index resolves it
      const sql::Upsert* upsert = nullptr;
      Mode mode = mode_for(*u, upsert);
      std::vector<Value> where_params;
      where_params.push_back(Value::integer(static_cast<int64_t>(other)));
      for (auto& v : vals) where_params.push_back(v);
      std::string where = entry_row_where(*u, 1);
      std::vector<uint32_t> other_vs(1, x.topo->vshard_for(other).id);
      if (mode == Mode::Abort) co_return unique_violation(*u);
      if (mode == Mode::Ignore) {
        consumed = true;
        continue;
      }
      if (mode == Mode::Replace) {
        // The conflicting row leaves (with every entry of it), then the row goes in below.
        auto gone = co_await fan_out(
            x.s, one_request(
                     other_node,
                     x.request(one_statement("DELETE FROM " + T + " WHERE " + where + " RETURNING " + idx_cols, where_params), other_vs)));
        if (!gone.ok()) co_return gone.error();
        std::vector<std::vector<IndexedRow>> before(indexes.size()), after(indexes.size());
        for (auto& r : (*gone)[0].results[0].rows) {
          auto e = entries_of(indexes, r, 0);
          for (size_t i = 0; i < indexes.size(); i++) before[i].push_back(std::move(e[i][0]));
        }
        auto d = co_await apply_entry_delta(x, indexes, std::move(before), std::move(after));
        if (!d.ok()) co_return d.error();
        continue;
      }
      // DO UPDATE: the existing row takes the update; the proposed row is not inserted.
      consumed = true;
      auto old = co_await fan_out(
          x.s,
          one_request(other_node,
                      x.request(one_statement("SELECT " + idx_cols + " FROM " + T + " WHERE " + where, where_params, false), other_vs)));
      if (!old.ok()) co_return old.error();
      if (old->at(0).results[0].rows.empty()) continue;
      sql::Update upd;
      upd.table.name = t.name;
      for (auto& sc : upsert->set) {
        sql::SetClause c = sc;
        substitute_excluded(*c.value, columns, row);
        upd.set.push_back(std::move(c));
      }
      // WHERE <the entry's row> [AND the upsert's WHERE]: parameters after the user's own.
      sql::Stmt tmp;
      tmp.node = upd;
      int nparams = 0;
      for (auto& sc : tmp.as<sql::Update>()->set) nparams = std::max(nparams, planner::number_params(*sc.value));
      sql::ExprPtr extra;
      if (upsert->where) {
        extra = upsert->where->clone();
        substitute_excluded(*extra, columns, row);
        nparams = std::max(nparams, planner::number_params(*extra));
      }
      std::string text = sql::print(tmp);
      std::vector<Value> params = planner::params_for(x.params, nparams);
      text += " WHERE " + entry_row_where(*u, params.size() + 1);
      for (auto& v : where_params) params.push_back(v);
      if (extra) text += " AND (" + sql::print(*extra) + ")";
      auto ret = expand_returning(ins.returning, t);
      std::string returning;
      for (auto& rc : ret) returning += (returning.empty() ? "" : ", ") + sql::print(*rc.expr);
      text += " RETURNING " + (returning.empty() ? "" : returning + ", ") + idx_cols;
      auto upd_r = co_await fan_out(x.s, one_request(other_node, x.request(one_statement(text, params), other_vs)));
      if (!upd_r.ok()) co_return upd_r.error();
      auto& rs = (*upd_r)[0].results[0];
      std::vector<std::vector<IndexedRow>> before(indexes.size()), after(indexes.size());
      for (auto& r : old->at(0).results[0].rows) {
        auto e = entries_of(indexes, r, 0);
        for (size_t i = 0; i < indexes.size(); i++) before[i].push_back(std::move(e[i][0]));
      }
      for (auto& r : rs.rows) {
        auto e = entries_of(indexes, r, ret.size());
        for (size_t i = 0; i < indexes.size(); i++) after[i].push_back(std::move(e[i][0]));
        if (!ret.empty()) {
          Row user(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(ret.size()));
          out.rs.rows.push_back(std::move(user));
        }
        out.rs.changes++;
      }
      if (out.rs.columns.empty() && !ret.empty())
        out.rs.columns.assign(rs.columns.begin(), rs.columns.begin() + static_cast<std::ptrdiff_t>(ret.size()));
      auto d = co_await apply_entry_delta(x, indexes, std::move(before), std::move(after));
      if (!d.ok()) co_return d.error();
    }
    if (consumed) continue;
    // The row goes to its node with the statement's own conflict handling (local conflicts are
    // SQLite's); the rows it may touch there are read before and after, for the entries.
    const std::vector<std::string> ident = row_identity(t);
    std::string ident_sql;
    for (auto& c : ident) ident_sql += (ident_sql.empty() ? "" : ", ") + (c == "rowid" ? c : quoted_identifier(c));
    std::string match = t.without_rowid ? "(0" : "rowid IN (SELECT rowid FROM " + T + " WHERE 0";
    std::vector<Value> mparams;
    if (t.shard_key >= 0) {
      auto key = co_await value_in_row(x, t, columns, row, t.columns[t.shard_key]);
      if (!key.ok()) co_return key.error();
      mparams.push_back(*key);
      match += " OR " + quoted_identifier(t.columns[t.shard_key].name) + " = ?" + std::to_string(mparams.size());
    }
    for (auto* u : indexes) {
      if (!u->unique) continue;
      std::string c;
      for (auto& col : u->columns) {
        auto v = co_await value_in_row(x, t, columns, row, col);
        if (!v.ok()) co_return v.error();
        mparams.push_back(*v);
        c += (c.empty() ? "" : " AND ") + quoted_identifier(col.name) + " = ?" + std::to_string(mparams.size());
      }
      match += " OR (" + c + ")";
    }
    match += ")";
    std::string probe = "SELECT " + ident_sql + ", " + idx_cols + " FROM " + T + " WHERE " + match;
    std::vector<uint32_t> vs(1, vshard);
    auto before_r = co_await fan_out(x.s, one_request(node, x.request(one_statement(probe, mparams, false), vs)));
    if (!before_r.ok()) co_return before_r.error();
    std::vector<Row> one_row(1, row);
    auto stmts = build_inserts(ins, t, columns, one_row, true);
    std::string again = "SELECT " + ident_sql + ", " + idx_cols + " FROM " + T + " WHERE " + match;
    std::vector<Value> again_params = mparams;
    std::string in_before;
    for (auto& r : before_r->at(0).results[0].rows) {
      in_before += in_before.empty() ? "(" : ", (";
      for (size_t k = 0; k < ident.size(); k++) {
        again_params.push_back(r[k]);
        in_before += (k ? ", ?" : "?") + std::to_string(again_params.size());
      }
      in_before += ")";
    }
    if (!in_before.empty()) again += " OR (" + ident_sql + ") IN (VALUES " + in_before + ")";
    stmts.push_back({again, again_params, false});
    auto wrote = co_await fan_out(x.s, one_request(node, x.request(std::move(stmts), vs)));
    if (!wrote.ok()) co_return wrote.error();
    auto& results = wrote->at(0).results;
    for (size_t k = 0; k + 1 < results.size(); k++) {
      auto& rs = results[k];
      out.rs.changes += rs.changes;
      out.rs.last_insert_rowid = rs.last_insert_rowid ? rs.last_insert_rowid : out.rs.last_insert_rowid;
      if (out.rs.columns.empty()) out.rs.columns = rs.columns;
      for (auto& r : rs.rows) out.rs.rows.push_back(std::move(r));
    }
    std::vector<std::vector<IndexedRow>> before(indexes.size()), after(indexes.size());
    for (auto& r : before_r->at(0).results[0].rows) {
      auto e = entries_of(indexes, r, ident.size());
      for (size_t i = 0; i < indexes.size(); i++) before[i].push_back(std::move(e[i][0]));
    }
    for (auto& r : results.back().rows) {
      auto e = entries_of(indexes, r, ident.size());
      for (size_t i = 0; i < indexes.size(); i++) after[i].push_back(std::move(e[i][0]));
    }
    auto d = co_await apply_entry_delta(x, indexes, std::move(before), std::move(after));
    if (!d.ok()) co_return d.error();
  }
  x.plan = "insert-resolve";
  co_return out;
}

}  // namespace

// Triggers whose bodies write to tables whose rows may be on other nodes (not a reference table)
// are not created on the nodes: the conductor runs them. AFTER INSERT / UPDATE [OF ...] / DELETE
// FOR EACH ROW only; each body statement runs once per row, with NEW and OLD as the row's values,
// after the statement's own write and in its transaction.
bool trigger_writes_elsewhere(const Topology& topo, const sql::CreateTrigger& tr) {
  for (auto& body : tr.body) {
    if (body->kind() == sql::StmtKind::Select) continue;
    const sql::QualifiedName* target = nullptr;
    if (auto* i = body->as<sql::Insert>()) target = &i->table;
    if (auto* u = body->as<sql::Update>()) target = &u->table;
    if (auto* d = body->as<sql::Delete>()) target = &d->table;
    const TableInfo* other = target ? topo.find_table(target->name) : nullptr;
    if (!other || other->kind != TableKind::Reference) return true;
  }
  return false;
}

Task<Result<QueryOutput>> run_write_or_ddl(Exec& x, const sql::Stmt& st) {
  // A write to an FTS5 table is a write to its content table (conductor/fts.h).
  const sql::QualifiedName* target = nullptr;
  if (auto* i = st.as<sql::Insert>()) target = &i->table;
  if (auto* u = st.as<sql::Update>()) target = &u->table;
  if (auto* d = st.as<sql::Delete>()) target = &d->table;
  if (target && !x.topo->find_table(target->name))
    if (auto r = co_await x.refresh(); !r.ok()) co_return r.error();
  if (const TableInfo* t = target ? x.topo->find_table(target->name) : nullptr; t && is_fts5(*t)) {
    const TableInfo fts = *t;
    auto w = fts_content_write(fts, st);
    if (!w.ok()) co_return w.error();
    if (!*w) co_return co_await run_fts_command(x, fts, *st.as<sql::Insert>());
    auto r = co_await run_write_or_ddl(x, **w);
    if (!r.ok()) co_return fts_error(fts, r.error());
    co_return r;
  }
  switch (st.kind()) {
    case sql::StmtKind::Insert: co_return co_await run_insert(x, *st.as<sql::Insert>());
    case sql::StmtKind::Update:
    case sql::StmtKind::Delete: co_return co_await run_update_delete(x, st);
    default: co_return co_await run_ddl(x, st);
  }
}

}  // namespace bd
