#include "planner/params.h"

#include <algorithm>

namespace bd::planner {
namespace {

// Calls f on every parameter of an expression tree or a SELECT (all cores, CTEs, subqueries,
// windows, LIMIT).
template <class F>
void visit_select(sql::Select& s, F& f);

template <class F>
void visit_expr(sql::Expr& e, F& f);

template <class F>
void visit_window(sql::WindowSpec& w, F& f) {
  for (auto& e : w.partition_by) visit_expr(*e, f);
  for (auto& o : w.order_by) visit_expr(*o.expr, f);
  if (w.frame) {
    if (w.frame->start.expr) visit_expr(*w.frame->start.expr, f);
    if (w.frame->end.expr) visit_expr(*w.frame->end.expr, f);
  }
}

template <class F>
void visit_from(sql::TableRef& t, F& f) {
  for (auto& a : t.args) visit_expr(*a, f);
  if (t.select) visit_select(*t.select, f);
  if (t.left) visit_from(*t.left, f);
  if (t.right) visit_from(*t.right, f);
  if (t.on) visit_expr(*t.on, f);
}

template <class F>
void visit_select(sql::Select& s, F& f) {
  if (s.with)
    for (auto& c : s.with->ctes) visit_select(*c.select, f);
  for (auto& core : s.cores) {
    for (auto& row : core.values)
      for (auto& e : row) visit_expr(*e, f);
    for (auto& rc : core.columns)
      if (rc.expr) visit_expr(*rc.expr, f);
    if (core.from) visit_from(*core.from, f);
    if (core.where) visit_expr(*core.where, f);
    for (auto& g : core.group_by) visit_expr(*g, f);
    if (core.having) visit_expr(*core.having, f);
    for (auto& w : core.windows) visit_window(w.spec, f);
  }
  for (auto& o : s.order_by) visit_expr(*o.expr, f);
  if (s.limit) {
    if (s.limit->count) visit_expr(*s.limit->count, f);
    if (s.limit->offset) visit_expr(*s.limit->offset, f);
  }
}

template <class F>
void visit_expr(sql::Expr& e, F& f) {
  if (e.kind == sql::ExprKind::Param) f(e);
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c) visit_expr(*c, f);
  for (auto& a : e.args) visit_expr(*a, f);
  for (auto& o : e.order_by) visit_expr(*o.expr, f);
  if (e.over) visit_window(*e.over, f);
  if (e.select) visit_select(*e.select, f);
}

struct Numberer {
  int max = 0;
  void operator()(sql::Expr& e) {
    e.text = "?" + std::to_string(e.param_index);
    max = std::max(max, e.param_index);
  }
};

struct Shifter {
  int offset;
  void operator()(sql::Expr& e) {
    e.param_index += offset;
    e.text = "?" + std::to_string(e.param_index);
  }
};

}  // namespace

int number_params(sql::Expr& e) {
  Numberer n;
  visit_expr(e, n);
  return n.max;
}

int number_params(sql::Select& s) {
  Numberer n;
  visit_select(s, n);
  return n.max;
}

void shift_params(sql::Expr& e, int offset) {
  Shifter sh{offset};
  visit_expr(e, sh);
}

std::vector<Value> params_for(const std::vector<Value>& params, int count) {
  std::vector<Value> out(params.begin(), params.begin() + std::min<size_t>(params.size(), static_cast<size_t>(std::max(count, 0))));
  while (out.size() < static_cast<size_t>(std::max(count, 0))) out.push_back(Value::null());
  return out;
}

Result<std::vector<Value>> bind_parameters(const sql::Stmt& st, std::vector<Value> values, const std::vector<std::string>& names) {
  size_t want = static_cast<size_t>(std::max(st.param_count, 0));
  if (names.empty()) {
    if (values.size() != want) return Error::sql("Wrong number of parameter bindings for SQL query.").with_code("SQLITE_RANGE");
    return values;
  }
  if (names.size() != values.size()) return Error::internal("named parameters: names and values differ in count");
  auto binds = [](const std::string& key, const std::string& spelled) { return key == spelled || key == spelled.substr(1); };
  std::vector<Value> out(want, Value::null());
  std::vector<bool> used(names.size(), false);
  for (size_t k = 1; k <= want; k++) {
    const std::string* spelled = nullptr;
    for (auto& [name, num] : st.param_names)
      if (num == static_cast<int>(k)) spelled = &name;
    if (!spelled || (*spelled)[0] == '?')
      return Error::sql("parameter " + (spelled ? *spelled : "?" + std::to_string(k)) +
                        " is positional: bind the values as a list, or name every parameter (:name, @name, $name)");
    int found = -1;
    // One key may bind several spellings of a name (:a and @a), as in SQLite's drivers.
    for (size_t i = 0; i < names.size(); i++)
      if (binds(names[i], *spelled)) {
        if (found < 0) found = static_cast<int>(i);
        used[i] = true;
      }
    if (found < 0) return Error::sql("Missing named parameter \"" + spelled->substr(1) + "\"").with_code("SQLITE_RANGE");
    out[k - 1] = values[found];
  }
  for (size_t i = 0; i < names.size(); i++)
    if (!used[i]) return Error::sql("named parameter \"" + names[i] + "\" is not used by the SQL query").with_code("SQLITE_RANGE");
  return out;
}

}  // namespace bd::planner
