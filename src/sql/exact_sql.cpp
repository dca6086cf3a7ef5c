#include "sql/exact_sql.h"

#include <utility>

#include "sql/lexer.h"
#include "sql/parser.h"
#include "sql/printer.h"

namespace bd::sql {
namespace {

std::string_view trim_statement(std::string_view s) {
  while (!s.empty() && (s.back() == ';' || s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool contains_word_ci(std::string_view s, std::string_view lower_word) {
  if (s.size() < lower_word.size()) return false;
  for (size_t i = 0; i + lower_word.size() <= s.size(); i++) {
    size_t k = 0;
    while (k < lower_word.size()) {
      char c = s[i + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      if (c != lower_word[k]) break;
      k++;
    }
    if (k == lower_word.size()) return true;
  }
  return false;
}

std::string integer_text_of(const std::string& e) { return "CASE WHEN typeof(" + e + ") = 'integer' THEN CAST(" + e + " AS TEXT) END"; }

template <class W>
bool append_exact(W& w, size_t& n) {
  if (w.returning.empty()) return false;
  for (auto& rc : w.returning)
    if (rc.kind != ResultKind::Expr || !rc.expr) return false;
  n = w.returning.size();
  for (size_t i = 0; i < n; i++) {
    auto extra = parse_expression(integer_text_of(print(*w.returning[i].expr)));
    if (!extra.ok()) return false;
    ResultColumn rc;
    rc.expr = std::move(*extra);
    w.returning.push_back(std::move(rc));
  }
  return true;
}

}  // namespace

std::string exact_reread_sql(std::string_view read, size_t columns, const std::vector<uint32_t>& inexact) {
  std::string list;
  for (size_t c = 0; c < columns; c++) {
    if (c) list += ',';
    list += 'c';
    list += std::to_string(c);
  }
  std::string sql = "WITH _bd_exact(";
  sql += list;
  sql += ") AS MATERIALIZED (\n";
  sql += trim_statement(read);
  sql += "\n) SELECT ";
  sql += list;
  for (uint32_t c : inexact) {
    std::string col(1, 'c');
    col += std::to_string(c);
    sql += ',';
    sql += integer_text_of(col);
  }
  sql += " FROM _bd_exact";
  return sql;
}

bool is_rereadable(std::string_view sql) {
  auto st = parse_statement(sql);
  return st.ok() && (*st)->explain == Explain::None && (*st)->kind() == StmtKind::Select;
}

std::optional<ExactReturning> exact_returning_sql(std::string_view write) {
  if (!contains_word_ci(write, "returning")) return std::nullopt;
  auto st = parse_statement(write);
  if (!st.ok()) return std::nullopt;
  size_t n = 0;
  bool rewritten = false;
  if (auto* i = (*st)->as<Insert>())
    rewritten = append_exact(*i, n);
  else if (auto* u = (*st)->as<Update>())
    rewritten = append_exact(*u, n);
  else if (auto* d = (*st)->as<Delete>())
    rewritten = append_exact(*d, n);
  if (!rewritten) return std::nullopt;
  return ExactReturning{print(**st), n};
}

std::string cast_params(std::string_view sql, const std::vector<char>& casts) {
  std::vector<Token> toks;
  tokenize(sql, toks);
  std::string out;
  out.reserve(sql.size() + 32);
  size_t copied = 0;
  int next = 0;
  std::vector<std::pair<std::string_view, int>> names;  // numbering as sqlite3ExprAssignVarNumber
  for (const Token& t : toks) {
    if (t.kind != Tok::Variable) continue;
    std::string_view s = sql.substr(t.offset, t.len);
    int idx = 0;
    if (s == "?") {
      idx = ++next;
    } else {
      for (auto& [name, num] : names)
        if (name == s) idx = num;
      if (idx == 0 && s[0] == '?') {
        long long v = 0;
        for (size_t i = 1; i < s.size() && v <= 32766; i++) v = v * 10 + (s[i] - '0');
        idx = static_cast<int>(v);
        if (idx > next) next = idx;
        names.emplace_back(s, idx);
      } else if (idx == 0) {
        idx = ++next;
        names.emplace_back(s, idx);
      }
    }
    if (idx < 1 || static_cast<size_t>(idx) > casts.size() || !casts[idx - 1]) continue;
    out.append(sql.substr(copied, t.offset - copied));
    // The unary + keeps the parameter without affinity (a CAST has its type's affinity, which
    // would change comparisons: '05' = ?1 is false for 5, '05' = CAST(?1 AS INTEGER) true).
    out += "+CAST(";
    out.append(s);
    out += casts[idx - 1] == 'I' ? " AS INTEGER)" : " AS REAL)";
    copied = t.offset + t.len;
  }
  out.append(sql.substr(copied));
  return out;
}

}  // namespace bd::sql
