#include "sql/printer.h"

#include "sql/parser_impl.h"  // precedence levels
#include "sql/token.h"
#include "value/text.h"

namespace bd::sql {
namespace {

using detail::Prec;

bool is_word(std::string_view s) {
  if (s.empty()) return false;
  unsigned char c0 = s[0];
  if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || c0 == '_' || c0 >= 0x80)) return false;
  for (unsigned char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80)) return false;
  }
  return true;
}

bool is_true_false(std::string_view s) { return iequals(s, "true") || iequals(s, "false"); }

std::string quoted(std::string_view name) { return quoted_identifier(name); }

// Column and function names sit where an expression starts; there parse.y turns most %fallback
// keywords back into identifiers, so `key` or `replace(...)` need no quotes. The exceptions are
// keywords that can themselves start an expression (or a frame bound, or a subquery after '(').
std::string expr_identifier(std::string_view name) {
  if (!is_word(name) || is_true_false(name)) return quoted(name);
  Tok k = keyword_kind(name);
  if (k == Tok::Id || is_join_kw(k) || k == Tok::K_INDEXED) return std::string(name);
  if (is_fallback(k) && k != Tok::K_CAST && k != Tok::K_RAISE && !is_ctime_kw(k) && k != Tok::K_WITH && k != Tok::K_CURRENT &&
      k != Tok::K_UNBOUNDED)
    return std::string(name);
  return quoted(name);
}

int precedence(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Unary: return e.unary_op == UnaryOp::Not ? Prec::kNot : Prec::kUnary;
    case ExprKind::Binary:
      switch (e.binary_op) {
        case BinaryOp::Or: return Prec::kOr;
        case BinaryOp::And: return Prec::kAnd;
        case BinaryOp::Eq:
        case BinaryOp::Ne:
        case BinaryOp::Is:
        case BinaryOp::IsNot: return Prec::kEquality;
        case BinaryOp::Lt:
        case BinaryOp::Le:
        case BinaryOp::Gt:
        case BinaryOp::Ge: return Prec::kCompare;
        case BinaryOp::BitAnd:
        case BinaryOp::BitOr:
        case BinaryOp::LShift:
        case BinaryOp::RShift: return Prec::kBit;
        case BinaryOp::Add:
        case BinaryOp::Sub: return Prec::kAdd;
        case BinaryOp::Mul:
        case BinaryOp::Div:
        case BinaryOp::Mod: return Prec::kMul;
        case BinaryOp::Concat:
        case BinaryOp::JsonExtract:
        case BinaryOp::JsonExtractText: return Prec::kConcat;
      }
      return Prec::kPrimary;
    case ExprKind::Like:
    case ExprKind::Between:
    case ExprKind::In:
    case ExprKind::NullTest: return Prec::kEquality;
    case ExprKind::Collate: return Prec::kCollate;
    default: return Prec::kPrimary;
  }
}

const char* binary_text(BinaryOp op) {
  switch (op) {
    case BinaryOp::Or: return " OR ";
    case BinaryOp::And: return " AND ";
    case BinaryOp::Eq: return " = ";
    case BinaryOp::Ne: return " <> ";
    case BinaryOp::Is: return " IS ";
    case BinaryOp::IsNot: return " IS NOT ";
    case BinaryOp::Lt: return " < ";
    case BinaryOp::Le: return " <= ";
    case BinaryOp::Gt: return " > ";
    case BinaryOp::Ge: return " >= ";
    case BinaryOp::BitAnd: return " & ";
    case BinaryOp::BitOr: return " | ";
    case BinaryOp::LShift: return " << ";
    case BinaryOp::RShift: return " >> ";
    case BinaryOp::Add: return " + ";
    case BinaryOp::Sub: return " - ";
    case BinaryOp::Mul: return " * ";
    case BinaryOp::Div: return " / ";
    case BinaryOp::Mod: return " % ";
    case BinaryOp::Concat: return " || ";
    case BinaryOp::JsonExtract: return " -> ";
    case BinaryOp::JsonExtractText: return " ->> ";
  }
  return " ? ";
}

const char* conflict_text(ConflictAction a) {
  switch (a) {
    case ConflictAction::Rollback: return "ROLLBACK";
    case ConflictAction::Abort: return "ABORT";
    case ConflictAction::Fail: return "FAIL";
    case ConflictAction::Ignore: return "IGNORE";
    case ConflictAction::Replace: return "REPLACE";
    default: return "";
  }
}

class Printer {
 public:
  std::string out;

  void id(std::string_view name) { out += quote_identifier(name); }
  void qname(const QualifiedName& q) {
    if (!q.schema.empty()) {
      id(q.schema);
      out += '.';
    }
    id(q.name);
  }
  void id_list(const std::vector<std::string>& v) {
    for (size_t i = 0; i < v.size(); i++) {
      if (i) out += ", ";
      id(v[i]);
    }
  }

  void expr(const Expr& e, int min_prec = 0) {
    bool paren = precedence(e) < min_prec;
    if (paren) out += '(';
    expr_body(e);
    if (paren) out += ')';
  }

  void exprs(const ExprList& list) {
    for (size_t i = 0; i < list.size(); i++) {
      if (i) out += ", ";
      expr(*list[i]);
    }
  }

  void expr_body(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Literal:
      case ExprKind::Param: out += e.text; break;
      case ExprKind::Column:
        if (!e.schema.empty()) {
          out += expr_identifier(e.schema);
          out += '.';
        }
        if (!e.table.empty()) {
          out += expr_identifier(e.table);
          out += '.';
        }
        out += expr_identifier(e.name);
        break;
      case ExprKind::Unary:
        switch (e.unary_op) {
          case UnaryOp::Not:
            out += "NOT ";
            expr(*e.left, Prec::kNot);
            break;
          case UnaryOp::Neg:
          case UnaryOp::Plus:
          case UnaryOp::BitNot: {
            out += e.unary_op == UnaryOp::Neg ? '-' : e.unary_op == UnaryOp::Plus ? '+' : '~';
            size_t at = out.size();
            expr(*e.left, Prec::kUnary);
            if (at < out.size() && out[at] == '-') out.insert(at, 1, ' ');  // "--" starts a comment
            break;
          }
        }
        break;
      case ExprKind::Binary: {
        int p = precedence(e);
        expr(*e.left, p);
        out += binary_text(e.binary_op);
        expr(*e.right, p + 1);
        break;
      }
      case ExprKind::Like:
        expr(*e.left, Prec::kEquality);
        out += e.negated ? " NOT " : " ";
        out += e.like_op == LikeOp::Like     ? "LIKE "
               : e.like_op == LikeOp::Glob   ? "GLOB "
               : e.like_op == LikeOp::Regexp ? "REGEXP "
                                             : "MATCH ";
        expr(*e.right, Prec::kEquality + 1);
        if (e.extra) {
          out += " ESCAPE ";
          expr(*e.extra, Prec::kEquality + 1);
        }
        break;
      case ExprKind::Between:
        expr(*e.left, Prec::kEquality);
        out += e.negated ? " NOT BETWEEN " : " BETWEEN ";
        expr(*e.right, Prec::kEquality + 1);
        out += " AND ";
        expr(*e.extra, Prec::kEquality + 1);
        break;
      case ExprKind::In:
        expr(*e.left, Prec::kEquality);
        out += e.negated ? " NOT IN " : " IN ";
        switch (e.in_kind) {
          case InKind::List:
            out += '(';
            exprs(e.args);
            out += ')';
            break;
          case InKind::Select:
            out += '(';
            select(*e.select);
            out += ')';
            break;
          case InKind::Table:
          case InKind::TableFunction:
            if (!e.schema.empty()) {
              id(e.schema);
              out += '.';
            }
            id(e.name);
            if (e.in_kind == InKind::TableFunction) {
              out += '(';
              exprs(e.args);
              out += ')';
            }
            break;
        }
        break;
      case ExprKind::NullTest:
        expr(*e.left, Prec::kEquality);
        out += e.negated ? " NOTNULL" : " ISNULL";
        break;
      case ExprKind::Exists:
        out += "EXISTS (";
        select(*e.select);
        out += ')';
        break;
      case ExprKind::Subquery:
        out += '(';
        select(*e.select);
        out += ')';
        break;
      case ExprKind::Vector:
        out += '(';
        exprs(e.args);
        out += ')';
        break;
      case ExprKind::Function:
        out += expr_identifier(e.name);
        out += '(';
        if (e.star) {
          out += '*';
        } else {
          if (e.distinct) out += e.args.empty() ? "DISTINCT" : "DISTINCT ";
          exprs(e.args);
          if (!e.order_by.empty()) {
            out += (e.args.empty() && !e.distinct) ? "ORDER BY " : " ORDER BY ";
            order_terms(e.order_by);
          }
        }
        out += ')';
        if (e.filter) {
          out += " FILTER (WHERE ";
          expr(*e.filter);
          out += ')';
        }
        if (e.over) {
          out += " OVER ";
          if (e.over->bare_name) {
            id(e.over->base);
          } else {
            out += '(';
            window_spec(*e.over);
            out += ')';
          }
        }
        break;
      case ExprKind::Cast:
        out += "CAST(";
        expr(*e.left);
        out += " AS";
        if (e.cast_type && !e.cast_type->name.empty()) {
          out += ' ';
          type_name(*e.cast_type);
        }
        out += ')';
        break;
      case ExprKind::Case:
        out += "CASE";
        if (e.left) {
          out += ' ';
          expr(*e.left);
        }
        for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
          out += " WHEN ";
          expr(*e.args[i]);
          out += " THEN ";
          expr(*e.args[i + 1]);
        }
        if (e.extra) {
          out += " ELSE ";
          expr(*e.extra);
        }
        out += " END";
        break;
      case ExprKind::Collate:
        expr(*e.left, Prec::kCollate);
        out += " COLLATE ";
        id(e.name);
        break;
      case ExprKind::Raise:
        out += "RAISE(";
        switch (e.raise_kind) {
          case RaiseKind::Ignore: out += "IGNORE"; break;
          case RaiseKind::Rollback: out += "ROLLBACK, "; break;
          case RaiseKind::Abort: out += "ABORT, "; break;
          case RaiseKind::Fail: out += "FAIL, "; break;
        }
        if (e.left) expr(*e.left);
        out += ')';
        break;
    }
  }

  void type_name(const TypeName& t) {
    out += t.name;
    if (!t.arg1.empty()) {
      out += '(';
      out += t.arg1;
      if (!t.arg2.empty()) {
        out += ", ";
        out += t.arg2;
      }
      out += ')';
    }
  }

  void order_terms(const std::vector<OrderTerm>& terms) {
    for (size_t i = 0; i < terms.size(); i++) {
      if (i) out += ", ";
      const OrderTerm& t = terms[i];
      expr(*t.expr);
      if (t.order == SortOrder::Asc)
        out += " ASC";
      else if (t.order == SortOrder::Desc)
        out += " DESC";
      if (t.nulls == NullsOrder::First)
        out += " NULLS FIRST";
      else if (t.nulls == NullsOrder::Last)
        out += " NULLS LAST";
    }
  }

  void frame_bound(const FrameBound& b) {
    switch (b.kind) {
      case FrameBoundKind::UnboundedPreceding: out += "UNBOUNDED PRECEDING"; break;
      case FrameBoundKind::UnboundedFollowing: out += "UNBOUNDED FOLLOWING"; break;
      case FrameBoundKind::CurrentRow: out += "CURRENT ROW"; break;
      case FrameBoundKind::Preceding:
      case FrameBoundKind::Following:
        expr(*b.expr);
        out += b.kind == FrameBoundKind::Preceding ? " PRECEDING" : " FOLLOWING";
        break;
    }
  }

  void window_spec(const WindowSpec& w) {
    size_t start = out.size();
    auto sep = [&] {
      if (out.size() > start) out += ' ';
    };
    if (!w.base.empty()) id(w.base);
    if (!w.partition_by.empty()) {
      sep();
      out += "PARTITION BY ";
      exprs(w.partition_by);
    }
    if (!w.order_by.empty()) {
      sep();
      out += "ORDER BY ";
      order_terms(w.order_by);
    }
    if (w.frame) {
      const Frame& f = *w.frame;
      sep();
      out += f.unit == FrameUnit::Rows ? "ROWS " : f.unit == FrameUnit::Range ? "RANGE " : "GROUPS ";
      if (f.between) {
        out += "BETWEEN ";
        frame_bound(f.start);
        out += " AND ";
        frame_bound(f.end);
      } else {
        frame_bound(f.start);
      }
      switch (f.exclude) {
        case FrameExclude::None: break;
        case FrameExclude::NoOthers: out += " EXCLUDE NO OTHERS"; break;
        case FrameExclude::CurrentRow: out += " EXCLUDE CURRENT ROW"; break;
        case FrameExclude::Group: out += " EXCLUDE GROUP"; break;
        case FrameExclude::Ties: out += " EXCLUDE TIES"; break;
      }
    }
  }

  void result_columns(const std::vector<ResultColumn>& cols) {
    for (size_t i = 0; i < cols.size(); i++) {
      if (i) out += ", ";
      const ResultColumn& c = cols[i];
      switch (c.kind) {
        case ResultKind::Star: out += '*'; break;
        case ResultKind::TableStar:
          id(c.table);
          out += ".*";
          break;
        case ResultKind::Expr:
          expr(*c.expr);
          if (!c.alias.empty()) {
            out += " AS ";
            id(c.alias);
          }
          break;
      }
    }
  }

  void alias(const std::string& a) {
    if (!a.empty()) {
      out += " AS ";
      id(a);
    }
  }

  void table_ref(const TableRef& t) {
    switch (t.kind) {
      case TableRefKind::Table:
        qname(t.name);
        alias(t.alias);
        if (t.indexed == IndexedBy::Index) {
          out += " INDEXED BY ";
          id(t.index);
        } else if (t.indexed == IndexedBy::NotIndexed) {
          out += " NOT INDEXED";
        }
        break;
      case TableRefKind::TableFunction:
        qname(t.name);
        out += '(';
        exprs(t.args);
        out += ')';
        alias(t.alias);
        break;
      case TableRefKind::Subquery:
        out += '(';
        select(*t.select);
        out += ')';
        alias(t.alias);
        break;
      case TableRefKind::Paren:
        out += '(';
        table_ref(*t.left);
        out += ')';
        alias(t.alias);
        break;
      case TableRefKind::Join:
        table_ref(*t.left);
        if (t.op.type == JoinType::Comma) {
          out += ", ";
        } else {
          out += t.op.natural ? " NATURAL " : " ";
          switch (t.op.type) {
            case JoinType::Cross: out += "CROSS "; break;
            case JoinType::Left: out += "LEFT "; break;
            case JoinType::Right: out += "RIGHT "; break;
            case JoinType::Full: out += "FULL "; break;
            default: break;
          }
          out += "JOIN ";
        }
        table_ref(*t.right);
        if (t.on) {
          out += " ON ";
          expr(*t.on);
        } else if (t.has_using) {
          out += " USING (";
          id_list(t.using_columns);
          out += ')';
        }
        break;
    }
  }

  void with(const With& w) {
    out += w.recursive ? "WITH RECURSIVE " : "WITH ";
    for (size_t i = 0; i < w.ctes.size(); i++) {
      if (i) out += ", ";
      const Cte& c = w.ctes[i];
      id(c.name);
      if (!c.columns.empty()) {
        out += '(';
        id_list(c.columns);
        out += ')';
      }
      out += " AS ";
      if (c.materialize == CteMaterialize::Materialized)
        out += "MATERIALIZED ";
      else if (c.materialize == CteMaterialize::NotMaterialized)
        out += "NOT MATERIALIZED ";
      out += '(';
      select(*c.select);
      out += ')';
    }
    out += ' ';
  }

  void core(const SelectCore& c) {
    if (c.is_values) {
      out += "VALUES ";
      for (size_t i = 0; i < c.values.size(); i++) {
        if (i) out += ", ";
        out += '(';
        exprs(c.values[i]);
        out += ')';
      }
      return;
    }
    out += "SELECT ";
    if (c.distinct == Distinctness::Distinct)
      out += "DISTINCT ";
    else if (c.distinct == Distinctness::All)
      out += "ALL ";
    result_columns(c.columns);
    if (c.from) {
      out += " FROM ";
      table_ref(*c.from);
    }
    if (c.where) {
      out += " WHERE ";
      expr(*c.where);
    }
    if (!c.group_by.empty()) {
      out += " GROUP BY ";
      exprs(c.group_by);
    }
    if (c.having) {
      out += " HAVING ";
      expr(*c.having);
    }
    if (!c.windows.empty()) {
      out += " WINDOW ";
      for (size_t i = 0; i < c.windows.size(); i++) {
        if (i) out += ", ";
        id(c.windows[i].name);
        out += " AS (";
        window_spec(c.windows[i].spec);
        out += ')';
      }
    }
  }

  void limit(const Limit& l) {
    out += " LIMIT ";
    if (l.comma_form && l.offset) {
      expr(*l.offset);
      out += ", ";
      expr(*l.count);
      return;
    }
    expr(*l.count);
    if (l.offset) {
      out += " OFFSET ";
      expr(*l.offset);
    }
  }

  void select(const Select& s) {
    if (s.with) with(*s.with);
    for (size_t i = 0; i < s.cores.size(); i++) {
      if (i) {
        switch (s.ops[i - 1]) {
          case CompoundOp::Union: out += " UNION "; break;
          case CompoundOp::UnionAll: out += " UNION ALL "; break;
          case CompoundOp::Intersect: out += " INTERSECT "; break;
          case CompoundOp::Except: out += " EXCEPT "; break;
        }
      }
      core(s.cores[i]);
    }
    if (!s.order_by.empty()) {
      out += " ORDER BY ";
      order_terms(s.order_by);
    }
    if (s.limit) limit(*s.limit);
  }

  void returning(const std::vector<ResultColumn>& cols) {
    if (cols.empty()) return;
    out += " RETURNING ";
    result_columns(cols);
  }

  void set_list(const std::vector<SetClause>& set) {
    for (size_t i = 0; i < set.size(); i++) {
      if (i) out += ", ";
      if (set[i].parenthesized) {
        out += '(';
        id_list(set[i].columns);
        out += ')';
      } else {
        id(set[i].columns[0]);
      }
      out += " = ";
      expr(*set[i].value);
    }
  }

  void order_limit(const std::vector<OrderTerm>& ob, const Box<Limit>& l) {
    if (!ob.empty()) {
      out += " ORDER BY ";
      order_terms(ob);
    }
    if (l) limit(*l);
  }

  void insert(const Insert& s) {
    if (s.with) with(*s.with);
    if (s.replace) {
      out += "REPLACE";
    } else {
      out += "INSERT";
      if (s.conflict != ConflictAction::Default) {
        out += " OR ";
        out += conflict_text(s.conflict);
      }
    }
    out += " INTO ";
    qname(s.table);
    alias(s.alias);
    if (!s.columns.empty()) {
      out += " (";
      id_list(s.columns);
      out += ')';
    }
    if (s.default_values || !s.select) {
      out += " DEFAULT VALUES";
    } else {
      out += ' ';
      select(*s.select);
    }
    for (const Upsert& u : s.upserts) {
      out += " ON CONFLICT";
      if (!u.target.empty()) {
        out += " (";
        order_terms(u.target);
        out += ')';
        if (u.target_where) {
          out += " WHERE ";
          expr(*u.target_where);
        }
      }
      if (u.do_nothing) {
        out += " DO NOTHING";
      } else {
        out += " DO UPDATE SET ";
        set_list(u.set);
        if (u.where) {
          out += " WHERE ";
          expr(*u.where);
        }
      }
    }
    returning(s.returning);
  }

  void indexed(IndexedBy k, const std::string& index) {
    if (k == IndexedBy::Index) {
      out += " INDEXED BY ";
      id(index);
    } else if (k == IndexedBy::NotIndexed) {
      out += " NOT INDEXED";
    }
  }

  void update(const Update& s) {
    if (s.with) with(*s.with);
    out += "UPDATE ";
    if (s.conflict != ConflictAction::Default) {
      out += "OR ";
      out += conflict_text(s.conflict);
      out += ' ';
    }
    qname(s.table);
    alias(s.alias);
    indexed(s.indexed, s.index);
    out += " SET ";
    set_list(s.set);
    if (s.from) {
      out += " FROM ";
      table_ref(*s.from);
    }
    if (s.where) {
      out += " WHERE ";
      expr(*s.where);
    }
    returning(s.returning);
    order_limit(s.order_by, s.limit);
  }

  void del(const Delete& s) {
    if (s.with) with(*s.with);
    out += "DELETE FROM ";
    qname(s.table);
    alias(s.alias);
    indexed(s.indexed, s.index);
    if (s.where) {
      out += " WHERE ";
      expr(*s.where);
    }
    returning(s.returning);
    order_limit(s.order_by, s.limit);
  }

  void on_conflict(ConflictAction a) {
    if (a == ConflictAction::Default) return;
    out += " ON CONFLICT ";
    out += conflict_text(a);
  }

  void deferrable(const Deferrable& d) {
    if (!d.present) return;
    out += d.negated ? " NOT DEFERRABLE" : " DEFERRABLE";
    if (d.initially == DeferInit::Deferred)
      out += " INITIALLY DEFERRED";
    else if (d.initially == DeferInit::Immediate)
      out += " INITIALLY IMMEDIATE";
  }

  void foreign_key(const ForeignKey& fk) {
    out += " REFERENCES ";
    id(fk.table);
    if (!fk.columns.empty()) {
      out += " (";
      id_list(fk.columns);
      out += ')';
    }
    for (const RefArg& a : fk.args) {
      if (a.is_match) {
        out += " MATCH ";
        id(a.match_name);
        continue;
      }
      out += a.event == RefEvent::Delete ? " ON DELETE " : a.event == RefEvent::Update ? " ON UPDATE " : " ON INSERT ";
      switch (a.action) {
        case RefAction::SetNull: out += "SET NULL"; break;
        case RefAction::SetDefault: out += "SET DEFAULT"; break;
        case RefAction::Cascade: out += "CASCADE"; break;
        case RefAction::Restrict: out += "RESTRICT"; break;
        case RefAction::NoAction: out += "NO ACTION"; break;
      }
    }
    deferrable(fk.deferrable);
  }

  void column_def(const ColumnDef& c) {
    id(c.name);
    if (c.type) {
      out += ' ';
      type_name(*c.type);
    }
    for (const ColumnConstraint& k : c.constraints) {
      if (!k.name.empty()) {
        out += " CONSTRAINT ";
        id(k.name);
      }
      switch (k.kind) {
        case ColumnConstraintKind::PrimaryKey:
          out += " PRIMARY KEY";
          if (k.order == SortOrder::Asc)
            out += " ASC";
          else if (k.order == SortOrder::Desc)
            out += " DESC";
          on_conflict(k.conflict);
          if (k.autoincrement) out += " AUTOINCREMENT";
          break;
        case ColumnConstraintKind::NotNull:
          out += " NOT NULL";
          on_conflict(k.conflict);
          break;
        case ColumnConstraintKind::Null:
          out += " NULL";
          on_conflict(k.conflict);
          break;
        case ColumnConstraintKind::Unique:
          out += " UNIQUE";
          on_conflict(k.conflict);
          break;
        case ColumnConstraintKind::Check:
          out += " CHECK (";
          expr(*k.expr);
          out += ')';
          break;
        case ColumnConstraintKind::Default:
          out += " DEFAULT ";
          switch (k.default_kind) {
            case DefaultKind::Literal: out += k.expr->text; break;
            case DefaultKind::Signed:
              out += k.expr->unary_op == UnaryOp::Neg ? '-' : '+';
              out += k.expr->left->text;
              break;
            case DefaultKind::Paren:
              out += '(';
              expr(*k.expr);
              out += ')';
              break;
            case DefaultKind::Ident: id(k.expr->name); break;
          }
          break;
        case ColumnConstraintKind::Collate:
          out += " COLLATE ";
          id(k.collation);
          break;
        case ColumnConstraintKind::References: foreign_key(k.fk); break;
        case ColumnConstraintKind::Generated:
          out += k.generated_always ? " GENERATED ALWAYS AS (" : " AS (";
          expr(*k.expr);
          out += ')';
          if (k.storage == GeneratedStorage::Stored)
            out += " STORED";
          else if (k.storage == GeneratedStorage::Virtual)
            out += " VIRTUAL";
          break;
        case ColumnConstraintKind::Deferrable: deferrable(k.deferrable); break;
      }
    }
  }

  void create_table(const CreateTable& s) {
    out += s.temp ? "CREATE TEMP TABLE " : "CREATE TABLE ";
    if (s.if_not_exists) out += "IF NOT EXISTS ";
    qname(s.name);
    if (s.as_select) {
      out += " AS ";
      select(*s.as_select);
      return;
    }
    out += " (";
    for (size_t i = 0; i < s.columns.size(); i++) {
      if (i) out += ", ";
      column_def(s.columns[i]);
    }
    for (const TableConstraint& c : s.constraints) {
      out += ", ";
      if (!c.name.empty()) {
        out += "CONSTRAINT ";
        id(c.name);
        out += ' ';
      }
      switch (c.kind) {
        case TableConstraintKind::PrimaryKey:
          out += "PRIMARY KEY (";
          order_terms(c.columns);
          if (c.autoincrement) out += " AUTOINCREMENT";
          out += ')';
          on_conflict(c.conflict);
          break;
        case TableConstraintKind::Unique:
          out += "UNIQUE (";
          order_terms(c.columns);
          out += ')';
          on_conflict(c.conflict);
          break;
        case TableConstraintKind::Check:
          out += "CHECK (";
          expr(*c.check);
          out += ')';
          on_conflict(c.conflict);
          break;
        case TableConstraintKind::ForeignKey:
          out += "FOREIGN KEY (";
          id_list(c.fk_columns);
          out += ')';
          foreign_key(c.fk);
          break;
      }
    }
    out += ')';
    if (s.without_rowid) out += " WITHOUT ROWID";
    if (s.strict) out += s.without_rowid ? ", STRICT" : " STRICT";
  }

  void stmt(const Stmt& st) {
    if (st.explain == Explain::Explain)
      out += "EXPLAIN ";
    else if (st.explain == Explain::QueryPlan)
      out += "EXPLAIN QUERY PLAN ";
    switch (st.kind()) {
      case StmtKind::Select: select(*st.as<Select>()); break;
      case StmtKind::Insert: insert(*st.as<Insert>()); break;
      case StmtKind::Update: update(*st.as<Update>()); break;
      case StmtKind::Delete: del(*st.as<Delete>()); break;
      case StmtKind::CreateTable: create_table(*st.as<CreateTable>()); break;
      case StmtKind::CreateVirtualTable: {
        const auto& s = *st.as<CreateVirtualTable>();
        out += "CREATE VIRTUAL TABLE ";
        if (s.if_not_exists) out += "IF NOT EXISTS ";
        qname(s.name);
        out += " USING ";
        id(s.module);
        if (s.has_args) {
          out += '(';
          for (size_t i = 0; i < s.args.size(); i++) {
            if (i) out += ", ";
            out += s.args[i];
          }
          out += ')';
        }
        break;
      }
      case StmtKind::CreateIndex: {
        const auto& s = *st.as<CreateIndex>();
        out += s.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ";
        if (s.if_not_exists) out += "IF NOT EXISTS ";
        qname(s.name);
        out += " ON ";
        id(s.table);
        out += " (";
        order_terms(s.columns);
        out += ')';
        if (s.where) {
          out += " WHERE ";
          expr(*s.where);
        }
        break;
      }
      case StmtKind::CreateView: {
        const auto& s = *st.as<CreateView>();
        out += s.temp ? "CREATE TEMP VIEW " : "CREATE VIEW ";
        if (s.if_not_exists) out += "IF NOT EXISTS ";
        qname(s.name);
        if (!s.columns.empty()) {
          out += " (";
          id_list(s.columns);
          out += ')';
        }
        out += " AS ";
        select(*s.select);
        break;
      }
      case StmtKind::CreateTrigger: {
        const auto& s = *st.as<CreateTrigger>();
        out += s.temp ? "CREATE TEMP TRIGGER " : "CREATE TRIGGER ";
        if (s.if_not_exists) out += "IF NOT EXISTS ";
        qname(s.name);
        switch (s.time) {
          case TriggerTime::Before: out += " BEFORE"; break;
          case TriggerTime::After: out += " AFTER"; break;
          case TriggerTime::InsteadOf: out += " INSTEAD OF"; break;
          default: break;
        }
        switch (s.event) {
          case TriggerEvent::Delete: out += " DELETE"; break;
          case TriggerEvent::Insert: out += " INSERT"; break;
          case TriggerEvent::Update:
            out += " UPDATE";
            if (!s.update_of.empty()) {
              out += " OF ";
              id_list(s.update_of);
            }
            break;
        }
        out += " ON ";
        qname(s.table);
        if (s.for_each_row) out += " FOR EACH ROW";
        if (s.when) {
          out += " WHEN ";
          expr(*s.when);
        }
        out += " BEGIN ";
        for (const StmtPtr& b : s.body) {
          stmt(*b);
          out += "; ";
        }
        out += "END";
        break;
      }
      case StmtKind::Drop: {
        const auto& s = *st.as<Drop>();
        out += "DROP ";
        out += s.object == ObjectKind::Table   ? "TABLE "
               : s.object == ObjectKind::Index ? "INDEX "
               : s.object == ObjectKind::View  ? "VIEW "
                                               : "TRIGGER ";
        if (s.if_exists) out += "IF EXISTS ";
        qname(s.name);
        break;
      }
      case StmtKind::AlterTable: {
        const auto& s = *st.as<AlterTable>();
        out += "ALTER TABLE ";
        qname(s.table);
        switch (s.kind) {
          case AlterKind::RenameTable:
            out += " RENAME TO ";
            id(s.new_name);
            break;
          case AlterKind::RenameColumn:
            out += " RENAME COLUMN ";
            id(s.column);
            out += " TO ";
            id(s.new_name);
            break;
          case AlterKind::AddColumn:
            out += " ADD COLUMN ";
            column_def(s.column_def);
            break;
          case AlterKind::DropColumn:
            out += " DROP COLUMN ";
            id(s.column);
            break;
          case AlterKind::DropConstraint:
            out += " DROP CONSTRAINT ";
            id(s.column);
            break;
          case AlterKind::DropNotNull:
            out += " ALTER COLUMN ";
            id(s.column);
            out += " DROP NOT NULL";
            break;
          case AlterKind::SetNotNull:
            out += " ALTER COLUMN ";
            id(s.column);
            out += " SET NOT NULL";
            on_conflict(s.conflict);
            break;
          case AlterKind::AddCheck:
            out += " ADD ";
            if (!s.new_name.empty()) {
              out += "CONSTRAINT ";
              id(s.new_name);
              out += ' ';
            }
            out += "CHECK (";
            expr(*s.check);
            out += ')';
            on_conflict(s.conflict);
            break;
        }
        break;
      }
      case StmtKind::Pragma: {
        const auto& s = *st.as<Pragma>();
        out += "PRAGMA ";
        qname(s.name);
        if (s.value_kind != PragmaValueKind::None) {
          out += s.call_form ? "(" : " = ";
          if (s.value_kind == PragmaValueKind::Name)
            id(s.value);
          else
            out += s.value;
          if (s.call_form) out += ')';
        }
        break;
      }
      case StmtKind::Begin: {
        const auto& s = *st.as<Begin>();
        out += "BEGIN";
        if (s.kind == TransactionKind::Deferred)
          out += " DEFERRED";
        else if (s.kind == TransactionKind::Immediate)
          out += " IMMEDIATE";
        else if (s.kind == TransactionKind::Exclusive)
          out += " EXCLUSIVE";
        break;
      }
      case StmtKind::Commit: out += "COMMIT"; break;
      case StmtKind::Rollback: {
        const auto& s = *st.as<Rollback>();
        out += "ROLLBACK";
        if (!s.savepoint.empty()) {
          out += " TO ";
          id(s.savepoint);
        }
        break;
      }
      case StmtKind::Savepoint:
        out += "SAVEPOINT ";
        id(st.as<Savepoint>()->name);
        break;
      case StmtKind::Release:
        out += "RELEASE ";
        id(st.as<Release>()->name);
        break;
      case StmtKind::Analyze:
      case StmtKind::Reindex: {
        bool analyze = st.kind() == StmtKind::Analyze;
        out += analyze ? "ANALYZE" : "REINDEX";
        bool has = analyze ? st.as<Analyze>()->has_target : st.as<Reindex>()->has_target;
        if (has) {
          out += ' ';
          qname(analyze ? st.as<Analyze>()->target : st.as<Reindex>()->target);
        }
        break;
      }
      case StmtKind::Vacuum: {
        const auto& s = *st.as<Vacuum>();
        out += "VACUUM";
        if (!s.schema.empty()) {
          out += ' ';
          id(s.schema);
        }
        if (s.into) {
          out += " INTO ";
          expr(*s.into);
        }
        break;
      }
      case StmtKind::Attach: {
        const auto& s = *st.as<Attach>();
        out += "ATTACH ";
        expr(*s.file);
        out += " AS ";
        expr(*s.schema);
        if (s.key) {
          out += " KEY ";
          expr(*s.key);
        }
        break;
      }
      case StmtKind::Detach:
        out += "DETACH ";
        expr(*st.as<Detach>()->schema);
        break;
    }
  }
};

}  // namespace

std::string quote_identifier(std::string_view name) {
  if (is_word(name) && !is_true_false(name) && keyword_kind(name) == Tok::Id) return std::string(name);
  return quoted(name);
}

std::string print(const Stmt& s) {
  Printer p;
  p.stmt(s);
  return std::move(p.out);
}
std::string print(const Expr& e) {
  Printer p;
  p.expr(e);
  return std::move(p.out);
}
std::string print(const Select& s) {
  Printer p;
  p.select(s);
  return std::move(p.out);
}
std::string print(const TableRef& t) {
  Printer p;
  p.table_ref(t);
  return std::move(p.out);
}
std::string print(const TypeName& t) {
  Printer p;
  p.type_name(t);
  return std::move(p.out);
}

}  // namespace bd::sql
