#include "planner/analysis.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

namespace bd::planner {
namespace {

using sql::Expr;
using sql::ExprKind;

void walk_select(const sql::Select& s, Features& f, std::set<std::string>& ctes, bool outer);

void walk_table_ref(const sql::TableRef& t, Features& f, std::set<std::string>& ctes) {
  switch (t.kind) {
    case sql::TableRefKind::Table: {
      f.table_refs++;
      if (!ctes.count(ascii_lower(t.name.name)) &&
          std::none_of(f.tables.begin(), f.tables.end(), [&](const std::string& n) { return iequals(n, t.name.name); }))
        f.tables.push_back(t.name.name);
      break;
    }
    case sql::TableRefKind::TableFunction:
      f.table_function = true;
      f.table_functions.push_back(t.name.name);
      for (auto& a : t.args) analyze_expr(*a, f);
      break;
    case sql::TableRefKind::Subquery:
      f.subquery = true;
      walk_select(*t.select, f, ctes, false);
      break;
    case sql::TableRefKind::Paren:
      if (t.left) walk_table_ref(*t.left, f, ctes);
      break;
    case sql::TableRefKind::Join:
      walk_table_ref(*t.left, f, ctes);
      walk_table_ref(*t.right, f, ctes);
      if (t.on) analyze_expr(*t.on, f);
      break;
  }
}

void walk_expr(const Expr& e, Features& f, bool outer_core);

void walk_select(const sql::Select& s, Features& f, std::set<std::string>& ctes, bool outer) {
  if (s.with) {
    f.subquery = true;
    for (auto& c : s.with->ctes) ctes.insert(ascii_lower(c.name));
    for (auto& c : s.with->ctes) walk_select(*c.select, f, ctes, false);
  }
  for (auto& core : s.cores) {
    for (auto& row : core.values)
      for (auto& e : row) walk_expr(*e, f, false);
    for (auto& rc : core.columns)
      if (rc.expr) walk_expr(*rc.expr, f, outer);
    if (core.from) walk_table_ref(*core.from, f, ctes);
    if (core.where) walk_expr(*core.where, f, false);
    for (auto& g : core.group_by) walk_expr(*g, f, false);
    if (core.having) walk_expr(*core.having, f, outer);
    if (!core.windows.empty()) f.window = true;
  }
  for (auto& o : s.order_by) walk_expr(*o.expr, f, outer);
  if (s.limit) {
    if (s.limit->count) walk_expr(*s.limit->count, f, false);
    if (s.limit->offset) walk_expr(*s.limit->offset, f, false);
  }
}

void walk_expr(const Expr& e, Features& f, bool outer_core) {
  if (e.kind == ExprKind::Function) {
    if (e.over)
      f.window = true;
    else if (outer_core && is_aggregate_function(e))
      f.aggregate = true;
  }
  if (e.kind == ExprKind::In && (e.in_kind == sql::InKind::Table || e.in_kind == sql::InKind::TableFunction)) {
    f.subquery = true;
    if (e.in_kind == sql::InKind::TableFunction) f.table_functions.push_back(e.name);
    f.table_refs++;
    if (std::none_of(f.tables.begin(), f.tables.end(), [&](const std::string& n) { return iequals(n, e.name); }))
      f.tables.push_back(e.name);
  }
  if (e.left) walk_expr(*e.left, f, outer_core);
  if (e.right) walk_expr(*e.right, f, outer_core);
  if (e.extra) walk_expr(*e.extra, f, outer_core);
  for (auto& a : e.args) walk_expr(*a, f, outer_core);
  if (e.filter) walk_expr(*e.filter, f, outer_core);
  for (auto& o : e.order_by) walk_expr(*o.expr, f, outer_core);
  if (e.select) {
    f.subquery = true;
    std::set<std::string> ctes;
    walk_select(*e.select, f, ctes, false);
  }
}

std::string unquote_string(std::string_view text) {
  // 'it''s' -> it's
  std::string out;
  for (size_t i = 1; i + 1 < text.size(); i++) {
    out += text[i];
    if (text[i] == '\'' && i + 2 < text.size() && text[i + 1] == '\'') i++;
  }
  return out;
}

bool column_is(const Expr& e, const TableInfo& t, const std::string& alias) {
  if (e.kind != ExprKind::Column || t.shard_key < 0) return false;
  if (!iequals(e.name, t.columns[t.shard_key].name)) return false;
  if (!e.table.empty() && !iequals(e.table, alias)) return false;
  return true;
}

std::optional<std::vector<Value>> pins(const Expr& e, const TableInfo& t, const std::string& alias, const std::vector<Value>& params) {
  using sql::BinaryOp;
  if (e.kind == ExprKind::Binary && e.binary_op == BinaryOp::And) {
    auto l = pins(*e.left, t, alias, params);
    auto r = pins(*e.right, t, alias, params);
    if (l && r) {
      // Both restrict: keep the smaller set (the intersection is a subset of either).
      return l->size() <= r->size() ? l : r;
    }
    return l ? l : r;
  }
  if (e.kind == ExprKind::Binary && e.binary_op == BinaryOp::Or) {
    auto l = pins(*e.left, t, alias, params);
    auto r = pins(*e.right, t, alias, params);
    if (!l || !r) return std::nullopt;
    l->insert(l->end(), r->begin(), r->end());
    return l;
  }
  if (e.kind == ExprKind::Binary && (e.binary_op == BinaryOp::Eq || e.binary_op == BinaryOp::Is)) {
    const Expr* col = nullptr;
    const Expr* val = nullptr;
    if (column_is(*e.left, t, alias))
      col = e.left.get(), val = e.right.get();
    else if (column_is(*e.right, t, alias))
      col = e.right.get(), val = e.left.get();
    if (!col) return std::nullopt;
    auto v = simple_constant(*val, params);
    if (!v) return std::nullopt;
    // `k IS NULL` matches NULL keys; `k = NULL` matches nothing: either way one keyspace id.
    return std::vector<Value>{apply_affinity(*v, t.columns[t.shard_key].affinity)};
  }
  if (e.kind == ExprKind::In && !e.negated && e.in_kind == sql::InKind::List && column_is(*e.left, t, alias)) {
    std::vector<Value> out;
    for (auto& a : e.args) {
      auto v = simple_constant(*a, params);
      if (!v) return std::nullopt;
      out.push_back(apply_affinity(*v, t.columns[t.shard_key].affinity));
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace

bool reads_catalog(const Features& f) {
  for (auto& t : f.tables)
    for (const char* n : {"sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema"})
      if (iequals(t, n)) return true;
  for (auto& fn : f.table_functions)
    if (fn.size() > 7 && iequals(fn.substr(0, 7), "pragma_")) return true;
  return false;
}

Features analyze_select(const sql::Select& s) {
  Features f;
  std::set<std::string> ctes;
  walk_select(s, f, ctes, true);
  return f;
}

void analyze_expr(const sql::Expr& e, Features& f) { walk_expr(e, f, false); }

void split_and(const sql::Expr& e, std::vector<const sql::Expr*>& out) {
  if (e.kind == ExprKind::Binary && e.binary_op == sql::BinaryOp::And) {
    split_and(*e.left, out);
    split_and(*e.right, out);
  } else {
    out.push_back(&e);
  }
}

bool is_aggregate_function(const sql::Expr& call) {
  static const char* const kAggregates[] = {"count",
                                            "sum",
                                            "total",
                                            "avg",
                                            "group_concat",
                                            "string_agg",
                                            "json_group_array",
                                            "json_group_object",
                                            "jsonb_group_array",
                                            "jsonb_group_object",
                                            "median",
                                            "percentile",
                                            "percentile_cont",
                                            "percentile_disc"};
  if (call.kind != ExprKind::Function) return false;
  if ((iequals(call.name, "min") || iequals(call.name, "max")) && call.args.size() == 1) return true;
  for (auto* n : kAggregates)
    if (iequals(call.name, n)) return true;
  return false;
}

Result<Value> literal_value(const sql::Expr& e) {
  using sql::LiteralKind;
  const std::string& t = e.text;
  switch (e.literal) {
    case LiteralKind::Null: return Value::null();
    case LiteralKind::True: return Value::integer(1);
    case LiteralKind::False: return Value::integer(0);
    case LiteralKind::String: return Value::text(unquote_string(t));
    case LiteralKind::Blob: {
      std::string bytes;
      for (size_t i = 2; i + 2 < t.size(); i += 2) bytes += static_cast<char>(std::strtol(t.substr(i, 2).c_str(), nullptr, 16));
      return Value::blob(bytes);
    }
    case LiteralKind::Integer: {
      std::string digits;
      for (char ch : t)
        if (ch != '_') digits += ch;
      if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        if (digits.size() > 18) return Error::sql("hex literal too big: " + t);
        return Value::integer(static_cast<int64_t>(std::strtoull(digits.c_str() + 2, nullptr, 16)));
      }
      errno = 0;
      long long v = std::strtoll(digits.c_str(), nullptr, 10);
      if (errno == ERANGE) return Value::real(std::strtod(digits.c_str(), nullptr));  // SQLite reads it as REAL
      return Value::integer(v);
    }
    case LiteralKind::Real: {
      std::string digits;
      for (char ch : t)
        if (ch != '_') digits += ch;
      return Value::real(std::strtod(digits.c_str(), nullptr));
    }
    default: return Error::unsupported("time literal");
  }
}

std::optional<Value> simple_constant(const sql::Expr& e, const std::vector<Value>& params) {
  if (e.kind == ExprKind::Literal) {
    if (e.literal == sql::LiteralKind::CurrentTime || e.literal == sql::LiteralKind::CurrentDate ||
        e.literal == sql::LiteralKind::CurrentTimestamp)
      return std::nullopt;
    auto v = literal_value(e);
    if (!v.ok()) return std::nullopt;
    return *v;
  }
  if (e.kind == ExprKind::Param) {
    if (e.param_index < 1 || static_cast<size_t>(e.param_index) > params.size()) return Value::null();
    return params[e.param_index - 1];
  }
  if (e.kind == ExprKind::Unary && (e.unary_op == sql::UnaryOp::Neg || e.unary_op == sql::UnaryOp::Plus) &&
      e.left->kind == ExprKind::Literal && (e.left->literal == sql::LiteralKind::Integer || e.left->literal == sql::LiteralKind::Real)) {
    auto v = literal_value(*e.left);
    if (!v.ok()) return std::nullopt;
    if (e.unary_op == sql::UnaryOp::Plus) return *v;
    if (v->type == ValueType::Integer) {
      if (v->i == INT64_MIN) return std::nullopt;
      return Value::integer(-v->i);
    }
    // -9223372036854775808 is read as REAL 9.2e18 then negated; SQLite folds it to INT64_MIN.
    if (v->r == 9223372036854775808.0) return Value::integer(INT64_MIN);
    return Value::real(-v->r);
  }
  return std::nullopt;
}

std::optional<std::vector<Value>> shard_key_pins(const sql::Expr* where, const TableInfo& table, const std::string& alias,
                                                 const std::vector<Value>& params) {
  if (!where || table.kind != TableKind::Sharded || table.shard_key < 0) return std::nullopt;
  // NOCASE and RTRIM keys hash in their canonical form (keyspace_id with collation), so equal
  // keys land together; any other collation cannot route.
  const auto& coll = table.columns[table.shard_key].collation;
  if (!coll.empty() && !iequals(coll, "BINARY") && !iequals(coll, "NOCASE") && !iequals(coll, "RTRIM")) return std::nullopt;
  return pins(*where, table, alias, params);
}

}  // namespace bd::planner
