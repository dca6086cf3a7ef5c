// Expressions: precedence climbing over parse.y's precedence table. Each infix operator absorbs
// only operators that bind at least as tightly as `min_prec`, which reproduces Lemon's
// shift/reduce resolution (including the odd corners: prefix NOT swallowing comparisons, BETWEEN's
// middle operand stopping at AND, ESCAPE binding to LIKE).
#include <algorithm>
#include <cstring>

#include "sql/node_pool.h"
#include "sql/parser_impl.h"

namespace bd::sql::detail {
namespace {

// A fresh node, recycled from this thread's ready list (node_pool.h) when it can be: expressions
// are most of the AST.
[[gnu::always_inline]] inline ExprPtr node(ExprKind k, SrcPos pos) {
  ExprPtr e(new_expr());
  e->kind = k;
  e->pos = pos;
  return e;
}

// Moves l and r into a new Binary node that replaces l.
[[gnu::always_inline]] inline void binary_into(BinaryOp op, ExprPtr& l, ExprPtr& r) {
  ExprPtr e = node(ExprKind::Binary, l->pos);
  e->binary_op = op;
  e->left = std::move(l);
  e->right = std::move(r);
  l = std::move(e);
}

// The infix operators: binding power (Prec; 0: not an infix operator), and for the plain binary
// ones (no NOT/IS/IN/LIKE/BETWEEN/COLLATE forms) their BinaryOp.
struct InfixTable {
  uint8_t prec[size_t(Tok::Count_)] = {};
  bool plain[size_t(Tok::Count_)] = {};
  BinaryOp op[size_t(Tok::Count_)] = {};
  constexpr void set(Tok t, Prec p) { prec[size_t(t)] = uint8_t(p); }
  constexpr void set(Tok t, Prec p, BinaryOp o) {
    prec[size_t(t)] = uint8_t(p);
    plain[size_t(t)] = true;
    op[size_t(t)] = o;
  }
  constexpr InfixTable() {
    set(Tok::K_OR, kOr, BinaryOp::Or);
    set(Tok::K_AND, kAnd, BinaryOp::And);
    set(Tok::Eq, kEquality, BinaryOp::Eq);
    set(Tok::Ne, kEquality, BinaryOp::Ne);
    for (Tok t : {Tok::K_IS, Tok::K_IN, Tok::K_LIKE, Tok::K_GLOB, Tok::K_REGEXP, Tok::K_MATCH, Tok::K_BETWEEN, Tok::K_ISNULL,
                  Tok::K_NOTNULL, Tok::K_NOT})
      set(t, kEquality);
    set(Tok::Lt, kCompare, BinaryOp::Lt);
    set(Tok::Le, kCompare, BinaryOp::Le);
    set(Tok::Gt, kCompare, BinaryOp::Gt);
    set(Tok::Ge, kCompare, BinaryOp::Ge);
    set(Tok::BitAnd, kBit, BinaryOp::BitAnd);
    set(Tok::BitOr, kBit, BinaryOp::BitOr);
    set(Tok::LShift, kBit, BinaryOp::LShift);
    set(Tok::RShift, kBit, BinaryOp::RShift);
    set(Tok::Plus, kAdd, BinaryOp::Add);
    set(Tok::Minus, kAdd, BinaryOp::Sub);
    set(Tok::Star, kMul, BinaryOp::Mul);
    set(Tok::Slash, kMul, BinaryOp::Div);
    set(Tok::Rem, kMul, BinaryOp::Mod);
    set(Tok::Concat, kConcat, BinaryOp::Concat);
    set(Tok::Ptr, kConcat, BinaryOp::JsonExtract);  // ->> is told apart by its length
    set(Tok::K_COLLATE, kCollate);
  }
};
constexpr InfixTable kInfix;

}  // namespace

bool Parser::expr_list(ExprList& out, bool allow_empty) {
  if (allow_empty && kind() == Tok::RP) return true;
  out.reserve(4);
  for (;;) {
    ExprPtr e = expr();
    if (failed_) return false;
    out.push_back(std::move(e));
    if (!accept(Tok::Comma)) return true;
  }
}

ExprPtr Parser::expr(int min_prec) {
  if (!enter()) return {};
  // The tree's height is kept as SQLite's exprSetHeight does (a node is one more than its tallest
  // child): sub_height_ is the tallest expression parsed below since it was last cleared. An
  // operator chain (`1+1+...`, `a OR b OR ...`) grows the tree without recursing here, so its
  // height is checked as it grows: a 100,000-term sum is refused now, never walked later.
  const int outer_height = sub_height_;
  sub_height_ = 0;
  // The operand: the common leaves (a bare column name, a number) are built right here; anything
  // else goes through unary()/primary().
  ExprPtr left;
  {
    const Token& t = peek();
    Tok k1 = cur_[1].kind;
    // (A 4- or 5-byte name may be TRUE or FALSE, which primary() turns into literals.)
    if (t.kind == Tok::Id && k1 != Tok::LP && k1 != Tok::Dot &&
        !((t.len == 4 || t.len == 5) && (iequals(text(t), "true") || iequals(text(t), "false")))) {
      left = node(ExprKind::Column, SrcPos{t.offset});
      name_into(t, left->name);
      advance();
    } else if (t.kind == Tok::Integer) {
      left = node(ExprKind::Literal, SrcPos{t.offset});
      left->literal = LiteralKind::Integer;
      set_str(left->text, src_.data() + t.offset, t.len);
      advance();
    } else {
      left = unary();
    }
  }
  const int floor = min_prec > 0 ? min_prec : 1;
  int height = sub_height_ + 1;  // of `left`
  while (!failed_) {
    Tok k = kind();
    int p = kInfix.prec[size_t(k)];
    if (p < floor) break;
    // The operator's operands are `left` and whatever is parsed in this iteration.
    if (sub_height_ = 0; !check_height(height + 1)) break;
    const Token& op = peek();
    advance();
    if (kInfix.plain[size_t(k)]) {
      BinaryOp bop = kInfix.op[size_t(k)];
      if (k == Tok::Ptr && op.len == 3) bop = BinaryOp::JsonExtractText;
      ExprPtr right = expr(p + 1);
      if (failed_) break;
      binary_into(bop, left, right);
      height = std::max(height, sub_height_) + 1;
      if (!check_height(height)) break;
      continue;
    }
    bool negated = false;
    Tok k2 = k;
    if (k == Tok::K_NOT) {
      negated = true;
      k2 = kind();
      if (!(k2 == Tok::K_LIKE || k2 == Tok::K_GLOB || k2 == Tok::K_REGEXP || k2 == Tok::K_MATCH || k2 == Tok::K_BETWEEN ||
            k2 == Tok::K_IN || k2 == Tok::K_NULL)) {
        syntax_error();
        break;
      }
      advance();
    }
    switch (k2) {
      case Tok::K_IS: {
        bool is_not = accept(Tok::K_NOT);
        if (accept(Tok::K_DISTINCT)) {
          if (!expect(Tok::K_FROM)) break;
          is_not = !is_not;  // IS DISTINCT FROM == IS NOT
        }
        ExprPtr right = expr(kEquality + 1);
        if (failed_) break;
        binary_into(is_not ? BinaryOp::IsNot : BinaryOp::Is, left, right);
        break;
      }
      case Tok::K_ISNULL:
      case Tok::K_NOTNULL:
      case Tok::K_NULL: {
        ExprPtr e = node(ExprKind::NullTest, left->pos);
        e->negated = k2 != Tok::K_ISNULL;
        e->left = std::move(left);
        left = std::move(e);
        break;
      }
      case Tok::K_LIKE:
      case Tok::K_GLOB:
      case Tok::K_REGEXP:
      case Tok::K_MATCH: {
        ExprPtr e = node(ExprKind::Like, left->pos);
        e->like_op = k2 == Tok::K_LIKE     ? LikeOp::Like
                     : k2 == Tok::K_GLOB   ? LikeOp::Glob
                     : k2 == Tok::K_REGEXP ? LikeOp::Regexp
                                           : LikeOp::Match;
        e->negated = negated;
        e->left = std::move(left);
        e->right = expr(kEquality + 1);
        if (failed_) break;
        if (accept(Tok::K_ESCAPE)) {
          e->extra = expr(kEquality + 1);
          if (failed_) break;
        }
        left = std::move(e);
        break;
      }
      case Tok::K_BETWEEN: {
        ExprPtr e = node(ExprKind::Between, left->pos);
        e->negated = negated;
        e->left = std::move(left);
        e->right = expr(kNot);
        if (failed_ || !expect(Tok::K_AND)) break;
        e->extra = expr(kEquality + 1);
        if (failed_) break;
        left = std::move(e);
        break;
      }
      case Tok::K_IN: {
        ExprPtr e = node(ExprKind::In, left->pos);
        e->negated = negated;
        e->left = std::move(left);
        if (accept(Tok::LP)) {
          if (starts_select()) {
            e->in_kind = InKind::Select;
            e->select = select();
          } else {
            e->in_kind = InKind::List;
            expr_list(e->args, true);
          }
          if (failed_ || !expect(Tok::RP)) break;
        } else if (is_nm(kind())) {
          std::string a;
          nm(a);
          if (accept(Tok::Dot)) {
            e->schema = std::move(a);
            if (!nm(e->name)) break;
          } else {
            e->name = std::move(a);
          }
          e->in_kind = InKind::Table;
          if (accept(Tok::LP)) {
            e->in_kind = InKind::TableFunction;
            if (!expr_list(e->args, true) || !expect(Tok::RP)) break;
          }
        } else {
          syntax_error();
          break;
        }
        left = std::move(e);
        break;
      }
      case Tok::K_COLLATE: {
        ExprPtr e = node(ExprKind::Collate, left->pos);
        if (!ids(e->name)) break;
        e->left = std::move(left);
        left = std::move(e);
        break;
      }
      default: syntax_error(); break;
    }
    height = std::max(height, sub_height_) + 1;
    if (!check_height(height)) break;
  }
  sub_height_ = std::max(outer_height, height);
  leave();
  if (failed_) return {};
  return left;
}

ExprPtr Parser::unary() {
  Tok k = kind();
  UnaryOp op;
  int operand_prec;
  switch (k) {
    case Tok::K_NOT:
      op = UnaryOp::Not;
      operand_prec = kNot;
      break;
    case Tok::Minus:
      op = UnaryOp::Neg;
      operand_prec = kUnary;
      break;
    case Tok::Plus:
      op = UnaryOp::Plus;
      operand_prec = kUnary;
      break;
    case Tok::BitNot:
      op = UnaryOp::BitNot;
      operand_prec = kUnary;
      break;
    default: return primary();
  }
  ExprPtr e = node(ExprKind::Unary, here());
  advance();
  e->unary_op = op;
  e->left = expr(operand_prec);
  if (failed_) return {};
  return e;
}

ExprPtr Parser::literal(const Token& t) {
  ExprPtr e = node(ExprKind::Literal, SrcPos{t.offset});
  switch (t.kind) {
    case Tok::Integer: e->literal = LiteralKind::Integer; break;
    case Tok::Float: e->literal = LiteralKind::Real; break;
    case Tok::String: e->literal = LiteralKind::String; break;
    case Tok::Blob: e->literal = LiteralKind::Blob; break;
    case Tok::K_NULL: e->literal = LiteralKind::Null; break;
    case Tok::K_CURRENT_TIME: e->literal = LiteralKind::CurrentTime; break;
    case Tok::K_CURRENT_DATE: e->literal = LiteralKind::CurrentDate; break;
    case Tok::K_CURRENT_TIMESTAMP: e->literal = LiteralKind::CurrentTimestamp; break;
    case Tok::QNumber: {
      // sqlite3DequoteNumber: every '_' must sit between two digits of the number's base.
      std::string_view s = text(t);
      bool hex = s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
      bool real = false;
      for (size_t i = 0; i < s.size(); i++) {
        char c = s[i];
        if (c == '_') {
          auto ok = [&](char d) { return (d >= '0' && d <= '9') || (hex && ((d >= 'a' && d <= 'f') || (d >= 'A' && d <= 'F'))); };
          if (i == 0 || i + 1 >= s.size() || !ok(s[i - 1]) || !ok(s[i + 1])) {
            fail("unrecognized token: \"" + std::string(s) + "\"", t.offset);
            return {};
          }
        } else if (!hex && (c == '.' || c == 'e' || c == 'E')) {
          real = true;
        }
      }
      e->literal = real ? LiteralKind::Real : LiteralKind::Integer;
      break;
    }
    default: break;
  }
  if (is_keyword(t.kind)) {
    std::string_view kw = keyword_text(t.kind);
    set_str(e->text, kw.data(), kw.size());
  } else {
    set_str(e->text, src_.data() + t.offset, t.len);
  }
  advance();
  return e;
}

ExprPtr Parser::param(const Token& t) {
  ExprPtr e = node(ExprKind::Param, SrcPos{t.offset});
  std::string_view s = text(t);
  e->text.assign(s);
  int idx = 0;
  if (s[0] == '?') {
    if (s.size() == 1) {
      idx = ++n_var_;
    } else {
      long long v = 0;
      bool ok = s.size() <= 19;
      for (size_t i = 1; ok && i < s.size(); i++) v = v * 10 + (s[i] - '0');
      if (!ok || v < 1 || v > 32766) {
        fail("variable number must be between ?1 and ?32766", t.offset);
        return {};
      }
      idx = int(v);
      if (idx > n_var_) n_var_ = idx;
      bool named = false;
      for (auto& [name, num] : var_names_) named |= num == idx;
      if (!named) var_names_.emplace_back(std::string(s), idx);
    }
  } else {
    for (auto& [name, num] : var_names_) {
      if (name == s) {
        idx = num;
        break;
      }
    }
    if (idx == 0) {
      idx = ++n_var_;
      var_names_.emplace_back(std::string(s), idx);
    }
  }
  if (idx > kMaxVariables) {  // SQLITE_MAX_VARIABLE_NUMBER
    fail("too many SQL variables", t.offset);
    return {};
  }
  e->param_index = idx;
  advance();
  return e;
}

ExprPtr Parser::function_call(const Token& name) {
  ExprPtr e = node(ExprKind::Function, SrcPos{name.offset});
  dequote_into(name, e->name);
  advance();  // name
  advance();  // (
  if (accept(Tok::Star)) {
    e->star = true;
    if (!expect(Tok::RP)) return {};
  } else {
    if (accept(Tok::K_DISTINCT))
      e->distinct = true;
    else
      accept(Tok::K_ALL);
    if (kind() != Tok::RP && kind() != Tok::K_ORDER) {
      if (!expr_list(e->args, false)) return {};
    }
    if (accept(Tok::K_ORDER)) {
      if (!expect(Tok::K_BY) || !order_list(e->order_by)) return {};
    }
    if (!expect(Tok::RP)) return {};
  }
  if (accept(Tok::K_FILTER)) {
    if (!expect(Tok::LP) || !expect(Tok::K_WHERE)) return {};
    e->filter = expr();
    if (failed_ || !expect(Tok::RP)) return {};
  }
  if (kind() == Tok::K_OVER) {
    e->over = Box<WindowSpec>(new WindowSpec);
    e->over->pos = here();
    advance();
    if (accept(Tok::LP)) {
      if (!window_spec(*e->over) || !expect(Tok::RP)) return {};
    } else {
      e->over->bare_name = true;
      if (!nm(e->over->base)) return {};
    }
  }
  return e;
}

ExprPtr Parser::primary() {
  const Token& t = peek();
  switch (t.kind) {
    case Tok::Integer:
    case Tok::Float:
    case Tok::Blob:
    case Tok::K_NULL:
    case Tok::QNumber:
    case Tok::K_CURRENT_TIME:
    case Tok::K_CURRENT_DATE:
    case Tok::K_CURRENT_TIMESTAMP: return literal(t);
    case Tok::String:
      if (kind(1) != Tok::Dot) return literal(t);
      break;
    case Tok::Variable: return param(t);
    case Tok::LP: {
      SrcPos pos = here();
      advance();
      if (starts_select()) {
        ExprPtr e = node(ExprKind::Subquery, pos);
        e->select = select();
        if (failed_ || !expect(Tok::RP)) return {};
        return e;
      }
      ExprPtr first = expr();
      if (failed_) return {};
      if (kind() == Tok::Comma) {
        ExprPtr v = node(ExprKind::Vector, pos);
        v->args.reserve(4);
        v->args.push_back(std::move(first));
        while (accept(Tok::Comma)) {
          ExprPtr x = expr();
          if (failed_) return {};
          v->args.push_back(std::move(x));
        }
        if (!expect(Tok::RP)) return {};
        return v;
      }
      if (!expect(Tok::RP)) return {};
      return first;
    }
    case Tok::K_CAST: {
      ExprPtr e = node(ExprKind::Cast, here());
      advance();
      if (!expect(Tok::LP)) return {};
      e->left = expr();
      if (failed_ || !expect(Tok::K_AS)) return {};
      if (!type_name(e->cast_type, true) || !expect(Tok::RP)) return {};
      return e;
    }
    case Tok::K_CASE: {
      ExprPtr e = node(ExprKind::Case, here());
      advance();
      if (kind() != Tok::K_WHEN) {
        e->left = expr();
        if (failed_) return {};
      }
      if (kind() != Tok::K_WHEN) {
        syntax_error();
        return {};
      }
      e->args.reserve(8);  // WHEN/THEN pairs: one allocation for up to four
      while (accept(Tok::K_WHEN)) {
        ExprPtr w = expr();
        if (failed_ || !expect(Tok::K_THEN)) return {};
        ExprPtr th = expr();
        if (failed_) return {};
        e->args.push_back(std::move(w));
        e->args.push_back(std::move(th));
      }
      if (accept(Tok::K_ELSE)) {
        e->extra = expr();
        if (failed_) return {};
      }
      if (!expect(Tok::K_END)) return {};
      return e;
    }
    case Tok::K_EXISTS: {
      ExprPtr e = node(ExprKind::Exists, here());
      advance();
      if (!expect(Tok::LP)) return {};
      if (!starts_select()) {
        syntax_error();
        return {};
      }
      e->select = select();
      if (failed_ || !expect(Tok::RP)) return {};
      return e;
    }
    case Tok::K_RAISE: {
      ExprPtr e = node(ExprKind::Raise, here());
      advance();
      if (!expect(Tok::LP)) return {};
      switch (kind()) {
        case Tok::K_IGNORE:
          e->raise_kind = RaiseKind::Ignore;
          advance();
          break;
        case Tok::K_ROLLBACK:
        case Tok::K_ABORT:
        case Tok::K_FAIL:
          e->raise_kind = kind() == Tok::K_ROLLBACK ? RaiseKind::Rollback : kind() == Tok::K_ABORT ? RaiseKind::Abort : RaiseKind::Fail;
          advance();
          if (!expect(Tok::Comma)) return {};
          e->left = expr();
          if (failed_) return {};
          break;
        default: syntax_error(); return {};
      }
      if (!expect(Tok::RP)) return {};
      return e;
    }
    default:
      if (!(t.kind == Tok::Id || t.kind == Tok::K_INDEXED || is_join_kw(t.kind) || is_fallback(t.kind))) {
        syntax_error();
        return {};
      }
      break;
  }
  // Identifier: function call, column reference, or TRUE/FALSE.
  if (kind(1) == Tok::LP && t.kind != Tok::String) return function_call(t);
  ExprPtr e = node(ExprKind::Column, SrcPos{t.offset});
  if (kind(1) == Tok::Dot) {
    std::string a, b;
    nm(a);
    advance();
    if (!nm(b)) return {};
    if (accept(Tok::Dot)) {
      e->schema = std::move(a);
      e->table = std::move(b);
      if (!nm(e->name)) return {};
    } else {
      e->table = std::move(a);
      e->name = std::move(b);
    }
    return e;
  }
  std::string_view s = text(t);
  if (t.kind == Tok::Id && (iequals(s, "true") || iequals(s, "false"))) {
    e->kind = ExprKind::Literal;
    e->literal = iequals(s, "true") ? LiteralKind::True : LiteralKind::False;
    e->text = iequals(s, "true") ? "TRUE" : "FALSE";
    advance();
    return e;
  }
  dequote_into(t, e->name);
  advance();
  return e;
}

}  // namespace bd::sql::detail
