#include "sql/fts5.h"

#include <algorithm>
#include "value/text.h"

namespace bd::sql::fts5 {

namespace {

// Splits one argument (tokens joined by spaces, quoted tokens kept whole) into its tokens.
std::vector<std::string> split_tokens(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ') {
      i++;
      continue;
    }
    size_t start = i;
    char q = s[i];
    if (q == '\'' || q == '"' || q == '`' || q == '[') {
      char close = q == '[' ? ']' : q;
      i++;
      while (i < s.size()) {
        if (s[i] == close) {
          if (close != ']' && i + 1 < s.size() && s[i + 1] == close) {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
    } else {
      while (i < s.size() && s[i] != ' ') i++;
    }
    out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

std::string dequote(std::string_view t) {
  if (t.size() < 2) return std::string(t);
  char q = t[0];
  char close = q == '[' ? ']' : q;
  if ((q != '\'' && q != '"' && q != '`' && q != '[') || t.back() != close) return std::string(t);
  std::string out;
  for (size_t i = 1; i + 1 < t.size(); i++) {
    out += t[i];
    if (close != ']' && t[i] == close && i + 2 < t.size() && t[i + 1] == close) i++;
  }
  return out;
}

std::string quote_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool bareword(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == 0x1A;
}

enum class T { Eof, LP, RP, LCP, RCP, Colon, Comma, Plus, Star, Minus, Caret, String, Or, And, Not };

struct Tok {
  T kind = T::Eof;
  std::string text;  // String: as written
  size_t pos = 0;
};

class QueryParser {
 public:
  QueryParser(std::string_view q, const std::vector<std::string>& cols) : q_(q), cols_(cols) {}

  Result<Query> run() {
    if (auto s = lex(); !s.ok()) return s.error();
    std::vector<int> all;
    for (size_t i = 0; i < cols_.size(); i++) all.push_back(static_cast<int>(i));
    Query out;
    query_ = &out;
    if (peek().kind == T::Eof) return Error::sql("fts5: syntax error near \"\"");
    auto root = expr_or(all);
    if (!root.ok()) return root.error();
    if (peek().kind != T::Eof) return syntax_error(peek());
    out.root = std::move(*root);
    return out;
  }

 private:
  std::string_view q_;
  const std::vector<std::string>& cols_;
  std::vector<Tok> toks_;
  size_t at_ = 0;
  Query* query_ = nullptr;

  const Tok& peek(size_t ahead = 0) const { return toks_[std::min(at_ + ahead, toks_.size() - 1)]; }
  const Tok& take() { return toks_[std::min(at_++, toks_.size() - 1)]; }

  Error syntax_error(const Tok& t) const {
    std::string near = t.kind == T::Eof ? "" : t.kind == T::String ? t.text : std::string(1, q_[t.pos]);
    return Error::sql("fts5: syntax error near \"" + near + "\"");
  }

  Status lex() {
    size_t i = 0;
    for (;;) {
      while (i < q_.size() && (q_[i] == ' ' || q_[i] == '\t' || q_[i] == '\n' || q_[i] == '\r')) i++;
      Tok t;
      t.pos = i;
      if (i >= q_.size() || q_[i] == '\0') {
        toks_.push_back(t);
        return ok_status();
      }
      char c = q_[i];
      switch (c) {
        case '(': t.kind = T::LP; break;
        case ')': t.kind = T::RP; break;
        case '{': t.kind = T::LCP; break;
        case '}': t.kind = T::RCP; break;
        case ':': t.kind = T::Colon; break;
        case ',': t.kind = T::Comma; break;
        case '+': t.kind = T::Plus; break;
        case '*': t.kind = T::Star; break;
        case '-': t.kind = T::Minus; break;
        case '^': t.kind = T::Caret; break;
        case '"': {
          size_t j = i + 1;
          for (;;) {
            if (j >= q_.size()) return Error::sql("unterminated string");
            if (q_[j] == '"') {
              if (j + 1 < q_.size() && q_[j + 1] == '"') {
                j += 2;
                continue;
              }
              break;
            }
            j++;
          }
          t.kind = T::String;
          t.text = std::string(q_.substr(i, j + 1 - i));
          toks_.push_back(t);
          i = j + 1;
          continue;
        }
        default: {
          if (!bareword(static_cast<unsigned char>(c))) return Error::sql("fts5: syntax error near \"" + std::string(1, c) + "\"");
          size_t j = i + 1;
          while (j < q_.size() && bareword(static_cast<unsigned char>(q_[j]))) j++;
          t.text = std::string(q_.substr(i, j - i));
          t.kind = t.text == "OR" ? T::Or : t.text == "AND" ? T::And : t.text == "NOT" ? T::Not : T::String;
          toks_.push_back(t);
          i = j;
          continue;
        }
      }
      toks_.push_back(t);
      i++;
    }
  }

  Result<Node> expr_or(const std::vector<int>& cols) {
    auto left = expr_and(cols);
    if (!left.ok()) return left;
    while (peek().kind == T::Or) {
      take();
      auto right = expr_and(cols);
      if (!right.ok()) return right;
      left = binary(NodeKind::Or, std::move(*left), std::move(*right));
    }
    return left;
  }
  Result<Node> expr_and(const std::vector<int>& cols) {
    auto left = expr_not(cols);
    if (!left.ok()) return left;
    while (peek().kind == T::And) {
      take();
      auto right = expr_not(cols);
      if (!right.ok()) return right;
      left = binary(NodeKind::And, std::move(*left), std::move(*right));
    }
    return left;
  }
  Result<Node> expr_not(const std::vector<int>& cols) {
    auto left = primary(cols);
    if (!left.ok()) return left;
    while (peek().kind == T::Not) {
      take();
      auto right = primary(cols);
      if (!right.ok()) return right;
      left = binary(NodeKind::Not, std::move(*left), std::move(*right));
    }
    return left;
  }
  static Node binary(NodeKind k, Node l, Node r) {
    Node n;
    n.kind = k;
    n.children.push_back(std::move(l));
    n.children.push_back(std::move(r));
    return n;
  }

  // Where a colset starts: MINUS, LCP, or a STRING followed by ':'.
  bool colset_ahead() const {
    if (peek().kind == T::Minus || peek().kind == T::LCP) return true;
    return peek().kind == T::String && peek(1).kind == T::Colon;
  }

  Result<std::vector<int>> colset(const std::vector<int>& cols) {
    bool minus = false;
    if (peek().kind == T::Minus) {
      take();
      minus = true;
    }
    std::vector<std::string> names;
    if (peek().kind == T::LCP) {
      take();
      while (peek().kind == T::String) names.push_back(take().text);
      if (names.empty() || peek().kind != T::RCP) return syntax_error(peek());
      take();
    } else if (peek().kind == T::String) {
      names.push_back(take().text);
    } else {
      return syntax_error(peek());
    }
    std::vector<bool> in(cols_.size(), false);
    for (auto& n : names) {
      std::string name = n.size() >= 2 && n[0] == '"' ? dequote(n) : n;
      int found = -1;
      for (size_t i = 0; i < cols_.size(); i++)
        if (iequals(cols_[i], name)) found = static_cast<int>(i);
      if (found < 0) return Error::sql("no such column: " + name);
      in[found] = true;
    }
    std::vector<int> out;
    for (int c : cols)
      if (in[c] != minus) out.push_back(c);
    return out;
  }

  Result<Node> primary(const std::vector<int>& cols) {
    if (peek().kind == T::LP) {
      take();
      auto e = expr_or(cols);
      if (!e.ok()) return e;
      if (peek().kind != T::RP) return syntax_error(peek());
      take();
      return e;
    }
    // colset ':' '(' expr ')'
    if (colset_ahead()) {
      size_t save = at_;
      auto cs = colset(cols);
      if (!cs.ok()) return cs.error();
      if (peek().kind != T::Colon) return syntax_error(peek());
      take();
      if (peek().kind == T::LP) {
        take();
        auto e = expr_or(*cs);
        if (!e.ok()) return e;
        if (peek().kind != T::RP) return syntax_error(peek());
        take();
        return e;
      }
      at_ = save;
    }
    // exprlist: one or more cnearsets side by side (implicit AND).
    auto left = cnearset(cols);
    if (!left.ok()) return left;
    for (;;) {
      Tok k = peek();
      bool more = k.kind == T::String || k.kind == T::Caret || k.kind == T::Minus || k.kind == T::LCP;
      if (!more) break;
      // A colset followed by ':' '(' is not a cnearset: let the grammar fail as FTS5's does.
      auto right = cnearset(cols);
      if (!right.ok()) return right;
      left = binary(NodeKind::And, std::move(*left), std::move(*right));
    }
    return left;
  }

  Result<Node> cnearset(const std::vector<int>& cols) {
    if (colset_ahead()) {
      auto cs = colset(cols);
      if (!cs.ok()) return cs.error();
      if (peek().kind != T::Colon) return syntax_error(peek());
      take();
      return nearset(*cs);
    }
    return nearset(cols);
  }

  Result<Node> nearset(const std::vector<int>& cols) {
    if (peek().kind == T::String && peek().text == "NEAR" && peek(1).kind == T::LP) {
      take();
      take();
      Node n;
      n.kind = NodeKind::Near;
      query_->has_near = true;
      while (peek().kind == T::String) {
        auto p = phrase(cols, false, true);
        if (!p.ok()) return p;
        n.children.push_back(std::move(*p));
      }
      if (n.children.empty()) return syntax_error(peek());
      if (peek().kind == T::Comma) {
        take();
        if (peek().kind != T::String) return syntax_error(peek());
        take();
      }
      if (peek().kind != T::RP) return syntax_error(peek());
      take();
      return n;
    }
    bool caret = false;
    if (peek().kind == T::Caret) {
      take();
      caret = true;
    }
    return phrase(cols, caret, false);
  }

  Result<Node> phrase(const std::vector<int>& cols, bool caret, bool near) {
    if (peek().kind != T::String) return syntax_error(peek());
    Phrase p;
    p.caret = caret;
    p.columns = cols;
    p.near = near;
    for (;;) {
      p.tokens.push_back(take().text);
      bool star = false;
      if (peek().kind == T::Star) {
        take();
        star = true;
      }
      p.prefix.push_back(star);
      if (peek().kind != T::Plus) break;
      take();
      if (peek().kind != T::String) return syntax_error(peek());
    }
    Node n;
    n.kind = NodeKind::Phrase;
    n.phrase = static_cast<int>(query_->phrases.size());
    query_->phrases.push_back(std::move(p));
    return n;
  }
};

}  // namespace

Result<Args> parse_args(const std::vector<std::string>& args) {
  Args out;
  for (auto& a : args) {
    auto toks = split_tokens(a);
    if (toks.empty()) return Error::sql("fts5: syntax error in argument");
    if (toks.size() >= 2 && toks[1] == "=") {
      Option o;
      o.key = ascii_lower(dequote(toks[0]));
      std::string v;
      for (size_t i = 2; i < toks.size(); i++) v += (i > 2 ? " " : "") + toks[i];
      o.value = dequote(v);
      out.options.push_back(std::move(o));
      continue;
    }
    Column c;
    c.name = dequote(toks[0]);
    for (size_t i = 1; i < toks.size(); i++)
      if (iequals(toks[i], "UNINDEXED")) c.unindexed = true;
    out.columns.push_back(std::move(c));
  }
  return out;
}

std::string Phrase::query(const std::vector<std::string>& column_names) const {
  std::string out;
  if (columns.size() != column_names.size()) {
    out += "{";
    for (size_t i = 0; i < columns.size(); i++) out += (i ? " " : "") + quote_string(column_names[columns[i]]);
    out += "} : ";
  }
  if (caret) out += "^ ";
  for (size_t i = 0; i < tokens.size(); i++) {
    if (i) out += " + ";
    out += tokens[i];
    if (prefix[i]) out += " *";
  }
  return out;
}

Result<Query> parse_query(std::string_view q, const std::vector<std::string>& column_names) {
  QueryParser p(q, column_names);
  return p.run();
}

}  // namespace bd::sql::fts5
