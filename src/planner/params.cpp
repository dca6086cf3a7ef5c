#include "planner/params.h"

#include <algorithm>

namespace bd::planner {
namespace {

int walk_select(sql::Select& s);

int walk_window(sql::WindowSpec& w) {
  int m = 0;
  for (auto& e : w.partition_by) m = std::max(m, number_params(*e));
  for (auto& o : w.order_by) m = std::max(m, number_params(*o.expr));
  if (w.frame) {
    if (w.frame->start.expr) m = std::max(m, number_params(*w.frame->start.expr));
    if (w.frame->end.expr) m = std::max(m, number_params(*w.frame->end.expr));
  }
  return m;
}

int walk_from(sql::TableRef& t) {
  int m = 0;
  for (auto& a : t.args) m = std::max(m, number_params(*a));
  if (t.select) m = std::max(m, walk_select(*t.select));
  if (t.left) m = std::max(m, walk_from(*t.left));
  if (t.right) m = std::max(m, walk_from(*t.right));
  if (t.on) m = std::max(m, number_params(*t.on));
  return m;
}

int walk_select(sql::Select& s) {
  int m = 0;
  if (s.with)
    for (auto& c : s.with->ctes) m = std::max(m, walk_select(*c.select));
  for (auto& core : s.cores) {
    for (auto& row : core.values)
      for (auto& e : row) m = std::max(m, number_params(*e));
    for (auto& rc : core.columns)
      if (rc.expr) m = std::max(m, number_params(*rc.expr));
    if (core.from) m = std::max(m, walk_from(*core.from));
    if (core.where) m = std::max(m, number_params(*core.where));
    for (auto& g : core.group_by) m = std::max(m, number_params(*g));
    if (core.having) m = std::max(m, number_params(*core.having));
    for (auto& w : core.windows) m = std::max(m, walk_window(w.spec));
  }
  for (auto& o : s.order_by) m = std::max(m, number_params(*o.expr));
  if (s.limit) {
    if (s.limit->count) m = std::max(m, number_params(*s.limit->count));
    if (s.limit->offset) m = std::max(m, number_params(*s.limit->offset));
  }
  return m;
}

}  // namespace

int number_params(sql::Expr& e) {
  int m = 0;
  if (e.kind == sql::ExprKind::Param) {
    e.text = "?" + std::to_string(e.param_index);
    m = e.param_index;
  }
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c) m = std::max(m, number_params(*c));
  for (auto& a : e.args) m = std::max(m, number_params(*a));
  for (auto& o : e.order_by) m = std::max(m, number_params(*o.expr));
  if (e.over) m = std::max(m, walk_window(*e.over));
  if (e.select) m = std::max(m, walk_select(*e.select));
  return m;
}

int number_params(sql::Select& s) { return walk_select(s); }

std::vector<Value> params_for(const std::vector<Value>& params, int count) {
  std::vector<Value> out(params.begin(), params.begin() + std::min<size_t>(params.size(), static_cast<size_t>(std::max(count, 0))));
  while (out.size() < static_cast<size_t>(std::max(count, 0))) out.push_back(Value::null());
  return out;
}

}  // namespace bd::planner
