#include "conductor/fk.h"
#include "base/limits.h"

#include <algorithm>
#include <map>
#include "conductor/introspection.h"
#include "conductor/session.h"
#include "conductor/txn.h"
#include "planner/shard_sql.h"
#include "sql/parser.h"
#include "value/affinity.h"
#include "value/compare.h"
#include "value/text.h"

namespace bd {
namespace {

constexpr size_t kMaxKeyParams = limits::kMaxBoundParameters - 10;  // headroom under the limit

bool mentions_references(const std::string& sql) { return contains_nocase(sql, "references"); }

// Whether any table (or, with `only`, that table) declares a foreign key in its SQL, read from
// the catalog in place (every write asks: no copy of the schema).
bool any_references(const Topology& topo, const std::string* only) {
  auto check = [&](const std::string& type, const std::string& name, const std::string* sql) {
    return type == "table" && sql && (!only || iequals(name, *only)) && mentions_references(*sql);
  };
  if (topo.has_schema) {
    for (auto& row : topo.schema)
      if (check(row.type, row.name, row.sql ? &*row.sql : nullptr)) return true;
    return false;
  }
  static const std::string kTable = "table";
  for (auto& ti : topo.tables)
    if (ti.kind != TableKind::View && ti.kind != TableKind::Index &&
        check(kTable, ti.name, ti.create_sql.empty() ? nullptr : &ti.create_sql))
      return true;
  return false;
}

std::string text_of(const Value& v) { return v.type == ValueType::Text ? v.s : std::string(); }

// The PRIMARY KEY columns of `table` in the mirror, in key order.
Result<std::vector<std::string>> primary_key(CombineDb& mirror, const std::string& table) {
  auto rs = mirror.query("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", {Value::text(table)});
  if (!rs.ok()) return rs.error();
  std::vector<std::string> cols;
  for (auto& r : rs->rows) cols.push_back(text_of(r[0]));
  return cols;
}

const ColumnInfo* column_of(const Topology& topo, const std::string& table, const std::string& column) {
  const TableInfo* t = topo.find_table(table);
  if (!t) return nullptr;
  int i = t->column_index(column);
  return i < 0 ? nullptr : &t->columns[i];
}

Collation collation_of(const ColumnInfo* c) {
  if (!c || c->collation.empty()) return Collation::Binary;
  auto parsed = parse_collation(c->collation);
  return parsed.ok() ? *parsed : Collation::Binary;
}

// A key as the parent's columns compare it: the child's affinity (as the child stores it), then
// the parent's.
std::vector<Value> as_parent_key(const Topology& topo, const ForeignKeyRef& fk, const std::vector<Value>& key) {
  std::vector<Value> out;
  for (size_t i = 0; i < key.size(); i++) {
    Value v = key[i];
    if (auto* c = column_of(topo, fk.child, fk.from[i])) v = apply_affinity(v, c->affinity);
    if (auto* p = column_of(topo, fk.parent, fk.to[i])) v = apply_affinity(v, p->affinity);
    out.push_back(std::move(v));
  }
  return out;
}

bool same_key(const Topology& topo, const ForeignKeyRef& fk, const std::vector<Value>& a, const Row& b) {
  for (size_t i = 0; i < a.size(); i++)
    if (i >= b.size() || !same(a[i], b[i], collation_of(column_of(topo, fk.parent, fk.to[i])))) return false;
  return true;
}

// Rows of `table` whose `cols` equal one of `keys`: SELECT cols FROM table WHERE (c1 = ? AND ...)
// OR ..., a chunk of keys at a time, through the distributed engine.
Task<Result<std::vector<Row>>> rows_matching(Exec& x, const std::string& table, const std::vector<std::string>& cols,
                                             const std::vector<std::vector<Value>>& keys, std::vector<std::string> collations = {},
                                             bool own_locks = false) {
  std::vector<Row> found;
  size_t per_chunk = std::max<size_t>(1, kMaxKeyParams / std::max<size_t>(1, cols.size()));
  for (size_t start = 0; start < keys.size(); start += per_chunk) {
    std::string select;
    for (size_t i = 0; i < cols.size(); i++) select += (i ? ", " : "") + quoted_identifier(cols[i]);
    std::string where;
    std::vector<Value> params;
    for (size_t k = start; k < keys.size() && k < start + per_chunk; k++) {
      where += where.empty() ? "(" : " OR (";
      for (size_t i = 0; i < cols.size(); i++) {
        params.push_back(keys[k][i]);
        where += (i ? " AND " : "") + quoted_identifier(cols[i]) + " = ?" + std::to_string(params.size());
        if (i < collations.size() && !collations[i].empty()) where += " COLLATE " + collations[i];
      }
      where += ")";
    }
    auto parsed = sql::parse_statement("SELECT DISTINCT " + select + " FROM " + quoted_identifier(table) + " WHERE " + where);
    if (!parsed.ok()) co_return parsed.error();
    Exec sub{x.c, x.s, x.topo, params, x.nodes_if_create};
    // A check of its own (at commit) reads under its own locks, not the statement's.
    std::vector<storage::LockSpec> saved;
    if (own_locks) {
      saved = std::move(x.s.footprint);
      x.s.footprint = statement_footprint(*x.topo, **parsed, params);
    }
    auto r = co_await run_select(sub, *(*parsed)->as<sql::Select>());
    if (own_locks) x.s.footprint = std::move(saved);
    if (!r.ok()) co_return r.error();
    for (auto& row : r->rs.rows) found.push_back(std::move(row));
  }
  co_return found;
}

Error foreign_key_failed() {
  Error e = Error::sql("FOREIGN KEY constraint failed");
  e.sqlite_code = "SQLITE_CONSTRAINT_FOREIGNKEY";
  return e;
}

// Collations of the parent's key columns (empty: BINARY), as children compare with it.
std::vector<std::string> parent_collations(const Topology& topo, const ForeignKeyRef& fk) {
  std::vector<std::string> collations;
  for (auto& c : fk.to) {
    auto* col = column_of(topo, fk.parent, c);
    collations.push_back(col && !col->collation.empty() && !iequals(col->collation, "BINARY") ? col->collation : std::string());
  }
  return collations;
}

// Whether the foreign key child(from) -> parent(to) is declared DEFERRABLE INITIALLY DEFERRED
// (`to` as PRAGMA foreign_key_list gives it: empty when the declaration names no columns).
bool declared_deferred(const Topology& topo, const std::string& child, const std::vector<std::string>& from, const std::string& parent,
                       const std::vector<std::string>& to) {
  for (auto& row : logical_schema(topo)) {
    if (row.type != "table" || !row.sql || !iequals(row.name, child)) continue;
    auto parsed = sql::parse_statement(*row.sql);
    if (!parsed.ok()) return false;
    const auto* ct = (*parsed)->as<sql::CreateTable>();
    if (!ct) return false;
    auto same_names = [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); i++)
        if (!iequals(a[i], b[i])) return false;
      return true;
    };
    for (auto& d : planner::declared_foreign_keys(*ct))
      if (same_names(d.from, from) && iequals(d.fk->table, parent) && same_names(d.fk->columns, to)) return d.deferred;
    return false;
  }
  return false;
}

}  // namespace

bool defers_node_keys(const Session& s) { return s.txn && !s.txn->implicit && s.txn->defer_foreign_keys; }
bool defers_node_keys(const Exec& x) { return defers_node_keys(x.s); }

bool defer_pragma_on(const Exec& x) {
  const TxnState* t = x.s.txn;
  return t && !t->implicit ? t->defer_foreign_keys : x.s.defer_foreign_keys;
}

bool fk_check_deferred(const Exec& x, const ForeignKeyRef& fk, bool restrict_action) {
  return defer_pragma_on(x) || (fk.deferred && !restrict_action);
}

void defer_check(Exec& x, const ForeignKeyRef& fk, bool parent_side, std::vector<std::vector<Value>> keys) {
  if (keys.empty()) return;
  need_atomic(x);
  if (!x.s.txn) return;  // a dry run
  x.s.txn->deferred_fks.push_back({fk, parent_side, std::move(keys)});
}

Task<Status> check_deferred(Exec& x, const std::vector<DeferredCheck>& checks) {
  for (auto& d : checks) {
    const ForeignKeyRef& fk = d.fk;
    const TableInfo* parent = x.topo->find_table(fk.parent);
    const TableInfo* child = x.topo->find_table(fk.child);
    if (!child) continue;  // dropped since: no child rows are left to check
    if (fk.to.size() != fk.from.size()) co_return foreign_key_failed();
    // The parent keys that child rows hold now, among those the transaction touched.
    std::vector<std::vector<Value>> held;
    if (d.parent_side) {
      auto r = co_await rows_matching(x, fk.child, fk.from, d.keys, parent_collations(*x.topo, fk), true);
      if (!r.ok()) co_return r.error();
      for (auto& k : d.keys)
        for (auto& row : *r)
          if (same_key(*x.topo, fk, as_parent_key(*x.topo, fk, std::vector<Value>(row.begin(), row.end())), Row(k.begin(), k.end()))) {
            held.push_back(k);
            break;
          }
    } else {
      auto r = co_await rows_matching(x, fk.child, fk.from, d.keys, {}, true);
      if (!r.ok()) co_return r.error();
      for (auto& row : *r) {
        bool has_null = false;
        for (auto& v : row) has_null |= v.is_null();
        if (!has_null) held.push_back(as_parent_key(*x.topo, fk, std::vector<Value>(row.begin(), row.end())));
      }
    }
    if (held.empty()) continue;
    if (!parent) co_return foreign_key_failed();
    auto found = co_await rows_matching(x, fk.parent, fk.to, held, {}, true);
    if (!found.ok()) co_return found.error();
    for (auto& k : held) {
      bool hit = false;
      for (auto& row : *found) hit |= same_key(*x.topo, fk, k, row);
      if (!hit) co_return foreign_key_failed();
    }
  }
  co_return ok_status();
}

Result<std::vector<ForeignKeyRef>> conductor_foreign_keys(Exec& x, const TableInfo& table, bool from_child, bool include_node_keys) {
  std::vector<ForeignKeyRef> out;
  if (!x.s.foreign_keys || table.kind == TableKind::View) return out;
  // Only tables whose SQL (as the logical schema keeps it) declares a foreign key can have one:
  // that saves building the mirror for every write.
  if (!any_references(*x.topo, from_child ? &table.name : nullptr)) return out;
  auto mirror = open_schema_mirror(*x.topo);
  if (!mirror.ok()) return mirror.error();
  std::string q =
      "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete FROM sqlite_schema m, "
      "pragma_foreign_key_list(m.name) f "
      "WHERE m.type = 'table' AND ";
  q += from_child ? "m.name = ? COLLATE NOCASE" : "f.\"table\" = ? COLLATE NOCASE";
  q += " ORDER BY m.name, f.id, f.seq";
  auto rs = (*mirror)->query(q, {Value::text(table.name)});
  if (!rs.ok()) return rs.error();
  std::string last_child;
  int64_t last_id = -1;
  for (auto& r : rs->rows) {
    std::string child = text_of(r[0]);
    if (out.empty() || child != last_child || r[1].i != last_id) {
      ForeignKeyRef fk;
      fk.child = child;
      fk.parent = text_of(r[2]);
      fk.on_update = text_of(r[5]);
      fk.on_delete = text_of(r[6]);
      out.push_back(std::move(fk));
      last_child = child;
      last_id = r[1].i;
    }
    out.back().from.push_back(text_of(r[3]));
    if (r[4].type == ValueType::Text) out.back().to.push_back(r[4].s);
  }
  std::vector<ForeignKeyRef> kept;
  for (auto& fk : out) {
    const TableInfo* child = x.topo->find_table(fk.child);
    const TableInfo* parent = x.topo->find_table(fk.parent);
    if (!child) continue;
    fk.deferred = declared_deferred(*x.topo, fk.child, fk.from, fk.parent, fk.to);
    if (!parent) {
      // A parent that does not exist: SQLite reports it when the child is written.
      kept.push_back(std::move(fk));
      continue;
    }
    if (fk.to.empty()) {
      auto pk = primary_key(**mirror, parent->name);
      if (!pk.ok()) return pk.error();
      fk.to = std::move(*pk);
    }
    fk.parent = parent->name;
    fk.on_nodes = !fk.deferred && planner::foreign_key_on_nodes(*child, fk.from, fk.parent, fk.to, *x.topo);
    if (fk.on_nodes && !include_node_keys) continue;
    kept.push_back(std::move(fk));
  }
  return kept;
}

Result<std::string> child_checked_on_nodes(Exec& x, const std::string& parent) {
  auto mirror = open_schema_mirror(*x.topo);
  if (!mirror.ok()) return mirror.error();
  auto rs = (*mirror)->query(
      "SELECT m.name, f.id, f.\"from\", f.\"to\" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f "
      "WHERE m.type = 'table' AND f.\"table\" = ?1 COLLATE NOCASE AND m.name <> ?1 COLLATE NOCASE ORDER BY m.name, f.id, f.seq",
      {Value::text(parent)});
  if (!rs.ok()) return rs.error();
  const TableInfo* p = x.topo->find_table(parent);
  if (!p) return std::string();
  std::map<std::pair<std::string, int64_t>, std::pair<std::vector<std::string>, std::vector<std::string>>> keys;
  for (auto& r : rs->rows) {
    auto& k = keys[{text_of(r[0]), r[1].i}];
    k.first.push_back(text_of(r[2]));
    if (r[3].type == ValueType::Text) k.second.push_back(r[3].s);
  }
  for (auto& [id, cols] : keys) {
    const TableInfo* child = x.topo->find_table(id.first);
    if (!child) continue;
    std::vector<std::string> to = cols.second;
    if (declared_deferred(*x.topo, child->name, cols.first, p->name, to)) continue;
    if (to.empty()) {
      auto pk = primary_key(**mirror, p->name);
      if (!pk.ok()) return pk.error();
      to = std::move(*pk);
    }
    if (planner::foreign_key_on_nodes(*child, cols.first, p->name, to, *x.topo)) return child->name;
  }
  return std::string();
}

Task<Status> check_parents_exist(Exec& x, const ForeignKeyRef& fk, std::vector<std::vector<Value>> keys) {
  // A missing parent table fails every write of the child, as in SQLite.
  const TableInfo* parent = x.topo->find_table(fk.parent);
  if (!parent) co_return Error::sql("no such table: main." + fk.parent);
  if (keys.empty()) co_return ok_status();
  if (fk.to.size() != fk.from.size()) co_return Error::sql("foreign key mismatch - \"" + fk.child + "\" referencing \"" + fk.parent + "\"");
  std::vector<std::vector<Value>> wanted;
  for (auto& k : keys) {
    auto pk = as_parent_key(*x.topo, fk, k);
    bool dup = false;
    for (auto& w : wanted) dup |= same_key(*x.topo, fk, w, Row(pk.begin(), pk.end())) && w.size() == pk.size();
    if (!dup) wanted.push_back(std::move(pk));
  }
  auto found = co_await rows_matching(x, fk.parent, fk.to, wanted);
  if (!found.ok()) co_return found.error();
  for (auto& w : wanted) {
    bool hit = false;
    for (auto& row : *found) hit |= same_key(*x.topo, fk, w, row);
    if (!hit) co_return foreign_key_failed();
  }
  co_return ok_status();
}

Task<Result<std::vector<std::vector<Value>>>> referenced_keys(Exec& x, const ForeignKeyRef& fk, std::vector<std::vector<Value>> keys) {
  std::vector<std::vector<Value>> out;
  if (keys.empty() || fk.to.size() != fk.from.size()) co_return out;
  // Children compare with the parent's key as the parent's columns do (their collation).
  auto found = co_await rows_matching(x, fk.child, fk.from, keys, parent_collations(*x.topo, fk));
  if (!found.ok()) co_return found.error();
  for (auto& k : keys) {
    for (auto& row : *found) {
      std::vector<Value> child_key(row.begin(), row.end());
      if (same_key(*x.topo, fk, as_parent_key(*x.topo, fk, child_key), Row(k.begin(), k.end()))) {
        out.push_back(k);
        break;
      }
    }
  }
  co_return out;
}

}  // namespace bd
