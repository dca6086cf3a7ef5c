// FTS5 writes and ranking across nodes.
//
// Ranking. FTS5's bm25() (fts5_aux.c) scores a row, for the phrases i of the query, as
//   -1 * sum_i IDF_i * f_i (k1 + 1) / (f_i + k1 (1 - b + b D / avgdl)),   k1 = 1.2, b = 0.75,
// where f_i sums the column weight of each instance of phrase i in the row, D is the row's token
// count, avgdl the table's tokens per row and IDF_i = log((N - n_i + 0.5) / (n_i + 0.5)) (1e-6 when
// not positive), N the table's rows and n_i the rows phrase i alone matches. Only N, the table's
// tokens and n_i are global; each node gives its own (the averages record, count(*) of phrase i
// alone) and, per matching row, D (its docsize record) and each phrase's instances per column,
// read back from the node's own bm25() of that phrase alone with unit weights (exact integers once
// the formula is inverted with the node's statistics). A phrase counts in the whole query's row
// only where FTS5 has it positioned on the row: where it and every operator above it match (never
// on the right of NOT). The conductor then scores with the global statistics in FTS5's order of
// operations (the same doubles), and the combine engine finishes the query (ORDER BY, LIMIT).
#include "conductor/fts.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include "conductor/introspection.h"
#include "planner/analysis.h"
#include "planner/fts.h"
#include "planner/params.h"
#include "planner/shard_sql.h"
#include "sql/fts5.h"
#include "sql/parser.h"
#include "sql/printer.h"
#include "value/text.h"

namespace bd {

namespace {

bool is_column(const sql::Expr& e, std::string_view table, std::string_view name) {
  return e.kind == sql::ExprKind::Column && e.schema.empty() && (e.table.empty() || iequals(e.table, table)) && iequals(e.name, name);
}

// Whether `e` uses full-text search on `t` (MATCH, its hidden column, rank, its functions).
bool uses_fts(const sql::Expr& e, const TableInfo& t) {
  if (e.kind == sql::ExprKind::Column && (is_column(e, t.name, t.name) || (is_column(e, t.name, "rank") && t.column_index("rank") < 0)))
    return true;
  if (e.kind == sql::ExprKind::Like && e.like_op == sql::LikeOp::Match) return true;
  if (e.kind == sql::ExprKind::Function &&
      (iequals(e.name, "bm25") || iequals(e.name, "highlight") || iequals(e.name, "snippet") || iequals(e.name, "fts5_get_locale")))
    return true;
  for (auto* p : {e.left.get(), e.right.get(), e.extra.get()})
    if (p && uses_fts(*p, t)) return true;
  for (auto& a : e.args)
    if (a && uses_fts(*a, t)) return true;
  return false;
}

}  // namespace

Error fts_error(const TableInfo& t, Error e) {
  const std::string from = fts_content_table(t.name);
  for (size_t at; (at = e.message.find(from)) != std::string::npos;) e.message.replace(at, from.size(), t.name);
  return e;
}

Result<std::optional<sql::Stmt>> fts_content_write(const TableInfo& t, const sql::Stmt& st) {
  sql::Stmt copy = st;
  const std::string content = fts_content_table(t.name);
  if (auto* ins = copy.as<sql::Insert>()) {
    if (!ins->columns.empty() && iequals(ins->columns[0], t.name)) return std::optional<sql::Stmt>{};
    for (auto& c : ins->columns)
      if (iequals(c, t.name) || iequals(c, "rank"))
        return Error::unsupported("INSERT naming column " + c + " of an FTS5 table is supported only as an FTS5 command");
    if (!ins->upserts.empty()) return Error::sql("UPSERT not implemented for virtual table \"" + t.name + "\"");
    ins->table.name = content;
    return std::optional<sql::Stmt>(std::move(copy));
  }
  sql::Update* up = copy.as<sql::Update>();
  sql::Delete* del = copy.as<sql::Delete>();
  if (!up && !del) return Error::internal("not a write");
  if (up ? !up->returning.empty() : !del->returning.empty())
    return Error::sql(std::string(up ? "UPDATE" : "DELETE") + " RETURNING is not available on virtual tables");
  sql::QualifiedName& name = up ? up->table : del->table;
  std::string& alias = up ? up->alias : del->alias;
  sql::ExprPtr& where = up ? up->where : del->where;
  name.name = content;
  if (alias.empty()) alias = t.name;
  if (up)
    for (auto& sc : up->set)
      if (uses_fts(*sc.value, t)) return Error::unsupported("full-text functions in UPDATE ... SET are not supported yet");
  if (where && uses_fts(*where, t)) {
    sql::Expr numbered = *where;
    planner::number_params(numbered);
    auto e = sql::parse_expression("rowid IN (SELECT rowid FROM " + quoted_identifier(t.name) + " WHERE " + sql::print(numbered) + ")");
    if (!e.ok()) return e.error();
    where = std::move(*e);
  }
  return std::optional<sql::Stmt>(std::move(copy));
}

Task<Result<QueryOutput>> run_fts_command(Exec& x, const TableInfo& t, const sql::Insert& ins) {
  if (!ins.select || ins.select->cores.size() != 1 || !ins.select->cores[0].is_values || ins.select->cores[0].values.size() != 1)
    co_return Error::unsupported("FTS5 commands are supported as INSERT INTO t(t) VALUES ('command') only");
  std::vector<Value> values;
  for (auto& e : ins.select->cores[0].values[0]) {
    auto v = evaluate_constant(x, *e);
    if (!v.ok()) co_return v.error();
    values.push_back(std::move(*v));
  }
  if (values.size() != ins.columns.size())
    co_return Error::sql(std::to_string(values.size()) + " values for " + std::to_string(ins.columns.size()) + " columns");
  std::string cmd = values.empty() || values[0].type != ValueType::Text ? "" : ascii_lower(values[0].s);
  if (cmd == "rank") co_return Error::unsupported("the FTS5 'rank' option is not supported: ranking across nodes computes bm25() itself");
  if (cmd == "delete" || cmd == "delete-all")
    co_return Error::sql("'" + cmd + "' may only be used with a contentless or external content fts5 table");
  std::string sql = "INSERT INTO " + quoted_identifier(t.name) + " (";
  std::string marks;
  for (size_t i = 0; i < ins.columns.size(); i++) {
    sql += (i ? ", " : "") + quoted_identifier(ins.columns[i]);
    marks += (i ? ", ?" : "?") + std::to_string(i + 1);
  }
  sql += ") VALUES (" + marks + ")";
  // SQLite decides what the command means and whether it is valid (on the empty schema mirror).
  {
    auto mirror = open_schema_mirror(*x.topo);
    if (!mirror.ok()) co_return mirror.error();
    auto rs = (*mirror)->query(sql, values);
    if (!rs.ok()) co_return rs.error();
  }
  std::vector<NodeRequest> reqs;
  for (auto n : x.all_nodes()) reqs.push_back({n, x.request(one_statement(sql, values))});
  auto resp = co_await fan_out(x.s, std::move(reqs));
  if (!resp.ok()) co_return resp.error();
  x.plan = "fts-command";
  co_return QueryOutput{};
}

// ---------------------------------------------------------------------------------------------
// Ranking

namespace {

constexpr double kK1 = 1.2, kB = 0.75;

const sql::TableRef* single_table(const sql::Select& sel) {
  if (sel.cores.size() != 1 || sel.with || sel.cores[0].is_values || !sel.cores[0].from) return nullptr;
  const sql::TableRef* r = sel.cores[0].from.get();
  if (r->kind != sql::TableRefKind::Table) return nullptr;
  return r;
}

bool mentions_rank(const sql::Expr& e, const TableInfo& t) {
  if (is_column(e, t.name, "rank") && t.column_index("rank") < 0) return true;
  if (e.kind == sql::ExprKind::Function && iequals(e.name, "bm25")) return true;
  for (auto* p : {e.left.get(), e.right.get(), e.extra.get()})
    if (p && mentions_rank(*p, t)) return true;
  for (auto& a : e.args)
    if (a && mentions_rank(*a, t)) return true;
  return false;
}

// The SQLite varint (sqlite3GetVarint, which FTS5 uses) at `p`; advances p.
uint64_t get_varint(const std::string& b, size_t& p) {
  uint64_t v = 0;
  for (int i = 0; i < 9 && p < b.size(); i++) {
    unsigned char c = static_cast<unsigned char>(b[p++]);
    if (i == 8) return (v << 8) | c;
    v = (v << 7) | (c & 0x7f);
    if (!(c & 0x80)) break;
  }
  return v;
}

double as_double(const Value& v) {
  switch (v.type) {
    case ValueType::Integer: return static_cast<double>(v.i);
    case ValueType::Real: return v.r;
    case ValueType::Text: return std::strtod(v.s.c_str(), nullptr);
    default: return 0.0;
  }
}

double idf(int64_t n_row, int64_t n_hit) {
  double v = std::log((static_cast<double>(n_row) - static_cast<double>(n_hit) + 0.5) / (static_cast<double>(n_hit) + 0.5));
  return v <= 0.0 ? 1e-6 : v;
}

bool node_matches(const sql::fts5::Node& n, const std::vector<bool>& present) {
  using K = sql::fts5::NodeKind;
  switch (n.kind) {
    case K::Phrase: return present[n.phrase];
    case K::And:
      for (auto& c : n.children)
        if (!node_matches(c, present)) return false;
      return true;
    case K::Or:
      for (auto& c : n.children)
        if (node_matches(c, present)) return true;
      return false;
    case K::Not: return node_matches(n.children[0], present) && !node_matches(n.children[1], present);
    case K::Near: return false;
  }
  return false;
}

void mark_active(const sql::fts5::Node& n, const std::vector<bool>& present, bool active, std::vector<bool>& out) {
  using K = sql::fts5::NodeKind;
  bool here = active && node_matches(n, present);
  if (n.kind == K::Phrase) {
    out[n.phrase] = here;
    return;
  }
  for (size_t i = 0; i < n.children.size(); i++) mark_active(n.children[i], present, here && !(n.kind == K::Not && i == 1), out);
}

struct Slot {
  std::vector<double> weights;  // bm25's column weights as given (missing ones are 1.0)
};

// Rewrites the user's expressions for the combine engine: bm25(t, ...) and rank become score
// columns, highlight()/snippet() columns the nodes computed.
struct Rewriter {
  Exec& x;
  const TableInfo& t;
  std::vector<Slot> slots;
  std::vector<sql::ExprPtr> aux;  // as the nodes evaluate them
  Status status = ok_status();

  sql::ExprPtr column(const std::string& name) { return planner::column_ref({}, name); }

  int slot_for(std::vector<double> w) {
    for (size_t i = 0; i < slots.size(); i++)
      if (slots[i].weights == w) return static_cast<int>(i);
    slots.push_back({std::move(w)});
    return static_cast<int>(slots.size() - 1);
  }

  int in_aggregate = 0;

  void walk(sql::ExprPtr& e) {
    if (!e || !status.ok()) return;
    if (e->kind == sql::ExprKind::Function && planner::is_aggregate_function(*e)) {
      in_aggregate++;
      for (auto& a : e->args) walk(a);
      walk(e->filter);
      in_aggregate--;
      return;
    }
    // FTS5's auxiliary functions run only on the FTS5 cursor's rows, not inside an aggregate.
    if (in_aggregate && e->kind == sql::ExprKind::Function &&
        (iequals(e->name, "bm25") || iequals(e->name, "highlight") || iequals(e->name, "snippet"))) {
      status = Error::sql("unable to use function " + e->name + " in the requested context");
      return;
    }
    if (is_column(*e, t.name, "rank") && t.column_index("rank") < 0) {
      e = column("_bd_s" + std::to_string(slot_for({})));
      return;
    }
    if (e->kind == sql::ExprKind::Function && !e->args.empty() && e->args[0] && is_column(*e->args[0], t.name, t.name)) {
      if (iequals(e->name, "bm25")) {
        std::vector<double> w;
        for (size_t i = 1; i < e->args.size(); i++) {
          auto v = evaluate_constant(x, *e->args[i]);
          if (!v.ok()) {
            status = v.error();
            return;
          }
          w.push_back(as_double(*v));
        }
        e = column("_bd_s" + std::to_string(slot_for(std::move(w))));
        return;
      }
      if (iequals(e->name, "highlight") || iequals(e->name, "snippet")) {
        aux.push_back(e->clone());
        e = column("_bd_a" + std::to_string(aux.size() - 1));
        return;
      }
    }
    walk(e->left);
    walk(e->right);
    walk(e->extra);
    for (auto& a : e->args) walk(a);
  }
};

}  // namespace

bool fts_ranked(const Topology& topo, const sql::Select& sel) {
  const sql::TableRef* r = single_table(sel);
  if (!r) return false;
  const TableInfo* t = topo.find_table(r->name.name);
  if (!t || !is_fts5(*t)) return false;
  const auto& core = sel.cores[0];
  for (auto& c : core.columns)
    if (c.expr && mentions_rank(*c.expr, *t)) return true;
  for (auto& o : sel.order_by)
    if (o.expr && mentions_rank(*o.expr, *t)) return true;
  for (auto& g : core.group_by)
    if (g && mentions_rank(*g, *t)) return true;
  if (core.having && mentions_rank(*core.having, *t)) return true;
  return false;
}

std::optional<Error> fts_rank_elsewhere(const Topology& topo, const sql::Select& sel) {
  auto f = planner::analyze_select(sel);
  bool fts = false;
  for (auto& name : f.tables)
    if (auto* t = topo.find_table(name); t && is_fts5(*t)) fts = true;
  if (!fts) return std::nullopt;
  std::string text = ascii_lower(sql::print(sel));
  auto ident = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || static_cast<unsigned char>(c) >= 0x80; };
  bool uses = text.find("bm25(") != std::string::npos;
  for (size_t at = text.find("rank"); !uses && at != std::string::npos; at = text.find("rank", at + 1))
    uses = (at == 0 || !ident(text[at - 1])) && (at + 4 >= text.size() || !ident(text[at + 4]));
  if (!uses) return std::nullopt;
  return Error::unsupported(
      "rank and bm25() are supported in a SELECT from one FTS5 table with <table> MATCH in its WHERE clause (no joins, subqueries or "
      "compounds)");
}

Task<Result<QueryOutput>> run_fts_ranked(Exec& x, const sql::Select& sel) {
  const sql::TableRef* ref = single_table(sel);
  const TableInfo* tp = ref ? x.topo->find_table(ref->name.name) : nullptr;
  if (!tp) co_return Error::internal("ranked FTS5 query without its table");
  const TableInfo t = *tp;
  if (ref->alias.size() && !iequals(ref->alias, t.name))
    co_return Error::unsupported("ranking an FTS5 table under an alias is not supported yet");
  const auto& core = sel.cores[0];
  const std::string T = quoted_identifier(t.name);
  const auto col_names = planner::fts_column_names(t);
  const size_t ncol = col_names.size();

  // The query: the one `t MATCH <constant>` conjunct of the WHERE clause.
  std::vector<const sql::Expr*> conj;
  if (core.where) planner::split_and(*core.where, conj);
  const sql::Expr* match = nullptr;
  for (auto* c : conj) {
    if (c->kind == sql::ExprKind::Like && c->like_op == sql::LikeOp::Match && !c->negated && c->left &&
        is_column(*c->left, t.name, t.name)) {
      if (match) co_return Error::unsupported("ranking an FTS5 query with more than one MATCH is not supported yet");
      match = c;
    }
    if (c->kind == sql::ExprKind::Like && c->like_op == sql::LikeOp::Match && c->left && is_column(*c->left, t.name, "rank"))
      co_return Error::unsupported("rank MATCH (a custom ranking function) is not supported: ranking across nodes computes bm25() itself");
  }
  if (!match)
    co_return Error::unsupported("rank and bm25() need a WHERE clause with " + t.name + " MATCH <query> (ANDed with any other conditions)");
  planner::Features f;
  if (core.where) planner::analyze_expr(*core.where, f);
  if (f.subquery) co_return Error::unsupported("subqueries in a ranked FTS5 query are not supported yet");
  auto qv = evaluate_constant(x, *match->right);
  if (!qv.ok()) co_return qv.error();
  std::string qtext = qv->type == ValueType::Text ? qv->s : qv->type == ValueType::Integer ? std::to_string(qv->i) : "";
  auto query = sql::fts5::parse_query(qtext, col_names);
  if (query.ok() && query->has_near)
    co_return Error::unsupported("rank and bm25() of FTS5 queries with NEAR are not supported yet (MATCH without them works)");
  if (query.ok())
    for (auto& p : query->phrases)
      for (auto& tok : p.tokens) {
        bool word = false;
        for (unsigned char c : tok) word |= c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!word) co_return Error::unsupported("rank and bm25() of FTS5 queries with a phrase of no letters or digits are not supported");
      }

  // The user's expressions, rewritten for the combine engine.
  sql::Select outer = sel;
  Rewriter rw{x, t, {}, {}, ok_status()};
  auto& oc = outer.cores[0];
  // `*` is the table's columns (the combine engine's table has more).
  std::vector<sql::ResultColumn> expanded;
  for (auto& c : oc.columns) {
    if (c.kind == sql::ResultKind::Expr) {
      expanded.push_back(std::move(c));
      continue;
    }
    for (auto& name : col_names) {
      sql::ResultColumn rc;
      rc.kind = sql::ResultKind::Expr;
      rc.expr = planner::column_ref({}, name);
      expanded.push_back(std::move(rc));
    }
  }
  oc.columns = std::move(expanded);
  for (auto& c : oc.columns) rw.walk(c.expr);
  for (auto& o : outer.order_by) rw.walk(o.expr);
  for (auto& g : oc.group_by) rw.walk(g);
  rw.walk(oc.having);
  if (!rw.status.ok()) co_return rw.status.error();
  oc.where = nullptr;

  // What every node runs, in one transaction: the matching rows (with their sizes and the
  // functions only FTS5 evaluates), the node's averages record, and per phrase its count and its
  // instances per column in the matching rows.
  sql::Expr where = *core.where;
  int nparams = planner::number_params(where);
  const std::string where_sql = sql::print(where);
  auto mask_cols = planner::gather_real_mask_columns(t);
  std::string main_sql = "SELECT rowid";
  for (auto& c : col_names) main_sql += ", " + quoted_identifier(c);
  main_sql += ", (SELECT sz FROM " + quoted_identifier(t.name + "_docsize") + " WHERE id = " + T + ".rowid)";
  for (auto& a : rw.aux) {
    sql::Expr e = *a;
    nparams = std::max(nparams, planner::number_params(e));
    main_sql += ", " + sql::print(e);
  }
  main_sql += ", 0";
  for (size_t k = 0; k < mask_cols.size(); k++)
    main_sql += " | ((typeof(" + quoted_identifier(col_names[mask_cols[k]]) + ") = 'real') << " + std::to_string(k) + ")";
  main_sql += " FROM " + T + " WHERE " + where_sql;
  auto params = planner::params_for(x.params, nparams);
  std::vector<storage::Statement> stmts;
  stmts.push_back({main_sql, params, false});
  const size_t nphr = query.ok() ? query->phrases.size() : 0;
  if (query.ok()) {
    stmts.push_back({"SELECT block FROM " + quoted_identifier(t.name + "_data") + " WHERE id = 1", {}, false});
    for (auto& p : query->phrases) {
      if (p.columns.empty()) {
        stmts.push_back({"SELECT 0", {}, false});
        stmts.push_back({"SELECT NULL WHERE 0", {}, false});
        continue;
      }
      std::string pq = quoted_string(p.query(col_names));
      stmts.push_back({"SELECT count(*) FROM " + T + " WHERE " + T + " MATCH " + pq, {}, false});
      std::string s = "SELECT rowid";
      for (size_t c = 0; c < ncol; c++) {
        s += ", bm25(" + T;
        for (size_t k = 0; k < ncol; k++) s += k == c ? ", 1" : ", 0";
        s += ")";
      }
      s += " FROM " + T + " WHERE " + T + " MATCH " + pq + " AND rowid IN (SELECT rowid FROM " + T + " WHERE " + where_sql + ")";
      stmts.push_back({s, params, false});
    }
  }
  std::vector<NodeRequest> reqs;
  const uint64_t max_rows = x.c.options().max_gather_rows;
  for (auto n : x.all_nodes()) {
    reqs.push_back({n, x.request(stmts)});
  }
  auto resp = co_await fan_out(x.s, std::move(reqs));
  if (!resp.ok()) co_return resp.error();
  uint64_t total_rows = 0;
  for (auto& r : *resp) total_rows += r.results[0].rows.size();
  if (total_rows > max_rows)
    co_return Error::limit(std::string("query would gather more than ") + std::to_string(max_rows) + " rows (matching rows of " + t.name +
                           " to rank); narrow the MATCH");
  if (!query.ok()) co_return Error::unsupported("cannot rank this FTS5 query: " + query.error().message);

  // Global statistics.
  int64_t n_row = 0, n_tok = 0;
  std::vector<int64_t> n_hit(nphr, 0);
  for (auto& r : *resp) {
    auto& avg = r.results[1].rows;
    if (!avg.empty() && avg[0][0].type == ValueType::Blob) {
      size_t p = 0;
      const std::string& b = avg[0][0].s;
      n_row += static_cast<int64_t>(get_varint(b, p));
      for (size_t c = 0; c < ncol; c++) n_tok += static_cast<int64_t>(get_varint(b, p));
    }
    for (size_t i = 0; i < nphr; i++) {
      auto& rows = r.results[2 + 2 * i].rows;
      if (!rows.empty()) n_hit[i] += rows[0][0].i;
    }
  }
  const int64_t g_rows = n_row <= 0 ? 1 : n_row;
  const double avgdl = static_cast<double>(n_tok) / static_cast<double>(g_rows);
  std::vector<double> g_idf(nphr);
  for (size_t i = 0; i < nphr; i++) g_idf[i] = idf(g_rows, n_hit[i]);

  // Each row: its phrases' instances per column (from its node), its score per slot.
  std::vector<std::string> load_cols = col_names;
  for (size_t a = 0; a < rw.aux.size(); a++) load_cols.push_back("_bd_a" + std::to_string(a));
  for (size_t s = 0; s < rw.slots.size(); s++) load_cols.push_back("_bd_s" + std::to_string(s));
  std::vector<Row> rows;
  for (auto& r : *resp) {
    // This node's own statistics, to read its bm25() values back as instance counts.
    int64_t l_rows = 0, l_tok = 0;
    if (auto& avg = r.results[1].rows; !avg.empty() && avg[0][0].type == ValueType::Blob) {
      size_t p = 0;
      l_rows = static_cast<int64_t>(get_varint(avg[0][0].s, p));
      for (size_t c = 0; c < ncol; c++) l_tok += static_cast<int64_t>(get_varint(avg[0][0].s, p));
    }
    if (l_rows <= 0) l_rows = 1;
    const double l_avgdl = static_cast<double>(l_tok) / static_cast<double>(l_rows);
    std::vector<std::map<int64_t, const Row*>> per_phrase(nphr);
    std::vector<double> l_idf(nphr);
    for (size_t i = 0; i < nphr; i++) {
      l_idf[i] = idf(l_rows, r.results[2 + 2 * i].rows.empty() ? 0 : r.results[2 + 2 * i].rows[0][0].i);
      for (auto& row : r.results[3 + 2 * i].rows) per_phrase[i][row[0].i] = &row;
    }
    for (auto& row : r.results[0].rows) {
      const int64_t rowid = row[0].i;
      int64_t d = 0;
      if (row[1 + ncol].type == ValueType::Blob) {
        size_t p = 0;
        for (size_t c = 0; c < ncol; c++) d += static_cast<int64_t>(get_varint(row[1 + ncol].s, p));
      }
      const double D = static_cast<double>(d);
      const double l_k = kK1 * (1 - kB + kB * D / l_avgdl);
      std::vector<std::vector<int64_t>> inst(nphr, std::vector<int64_t>(ncol, 0));
      std::vector<bool> present(nphr, false);
      for (size_t i = 0; i < nphr; i++) {
        auto it = per_phrase[i].find(rowid);
        if (it == per_phrase[i].end()) continue;
        present[i] = true;
        for (size_t c = 0; c < ncol; c++) {
          double s = -as_double((*it->second)[1 + c]);
          if (s == 0.0) continue;
          double q = s / l_idf[i];
          double fr = q * l_k / ((kK1 + 1.0) - q);
          double n = std::nearbyint(fr);
          if (!(std::fabs(fr - n) <= 1e-3 * std::max(1.0, n)) || n < 0)
            co_return Error::internal("could not read the FTS5 instance counts of row " + std::to_string(rowid));
          inst[i][c] = static_cast<int64_t>(n);
        }
      }
      if (!node_matches(query->root, present))
        co_return Error::unsupported("cannot rank this FTS5 query exactly (its phrases do not explain row " + std::to_string(rowid) + ")");
      std::vector<bool> active(nphr, false);
      mark_active(query->root, present, true, active);
      Row out;
      // Columns, REALs restored (integral ones arrive as integers from a Durable Object).
      const Value& mask = row.back();
      for (size_t c = 0; c < ncol; c++) out.push_back(row[1 + c]);
      int64_t m = mask.type == ValueType::Integer ? mask.i : 0;
      for (size_t k = 0; k < mask_cols.size(); k++)
        if ((m >> k & 1) && out[mask_cols[k]].type == ValueType::Integer)
          out[mask_cols[k]] = Value::real(static_cast<double>(out[mask_cols[k]].i));
      for (size_t a = 0; a < rw.aux.size(); a++) out.push_back(row[2 + ncol + a]);
      for (auto& slot : rw.slots) {
        double score = 0.0;
        for (size_t i = 0; i < nphr; i++) {
          double freq = 0.0;
          if (active[i])
            for (size_t c = 0; c < ncol; c++) {
              double w = slot.weights.size() > c ? slot.weights[c] : 1.0;
              for (int64_t k = 0; k < inst[i][c]; k++) freq += w;
            }
          score += g_idf[i] * ((freq * (kK1 + 1.0)) / (freq + kK1 * (1 - kB + kB * D / avgdl)));
        }
        out.push_back(Value::real(-1.0 * score));
      }
      out.push_back(Value::integer(rowid));
      rows.push_back(std::move(out));
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.back().i < b.back().i; });

  auto db = CombineDb::open();
  if (!db.ok()) co_return db.error();
  std::string ddl = "CREATE TABLE " + T + " (";
  for (size_t i = 0; i < load_cols.size(); i++) ddl += (i ? ", " : "") + quoted_identifier(load_cols[i]);
  ddl += ")";
  if (auto s = (*db)->exec(ddl); !s.ok()) co_return s.error();
  if (auto s = (*db)->load(t.name, load_cols, rows, true); !s.ok()) co_return s.error();
  // SQLite's names for the result columns: the statement prepared on the schema mirror.
  std::vector<std::string> names;
  {
    std::string text;
    if (!x.source.empty())
      if (auto parsed = sql::parse_statement(x.source); parsed.ok() && (*parsed)->as<sql::Select>() && *(*parsed)->as<sql::Select>() == sel)
        text = std::string(x.source);
    sql::Select numbered = sel;
    int n = planner::number_params(numbered);
    if (text.empty()) text = sql::print(numbered);
    auto mirror = open_schema_mirror(*x.topo);
    if (!mirror.ok()) co_return mirror.error();
    auto probe = (*mirror)->query(text, text == std::string(x.source) ? x.params : planner::params_for(x.params, n));
    if (!probe.ok()) co_return probe.error();
    names = std::move(probe->columns);
  }
  int outer_params = planner::number_params(outer);
  auto rs = (*db)->query(sql::print(outer), planner::params_for(x.params, outer_params));
  if (!rs.ok()) co_return rs.error();
  x.plan = "fts-rank";
  QueryOutput out;
  out.rs = std::move(*rs);
  if (names.size() == out.rs.columns.size()) out.rs.columns = std::move(names);
  co_return out;
}

}  // namespace bd
