// SELECT: WITH, compound parts, cores, FROM trees, windows, ORDER BY, LIMIT.
#include <cstring>

#include "sql/parser_impl.h"

namespace bd::sql::detail {
namespace {

const char* compound_name(CompoundOp op) {
  switch (op) {
    case CompoundOp::Union: return "UNION";
    case CompoundOp::UnionAll: return "UNION ALL";
    case CompoundOp::Intersect: return "INTERSECT";
    case CompoundOp::Except: return "EXCEPT";
  }
  return "";
}

}  // namespace

bool Parser::starts_select() const {
  Tok k = kind();
  return k == Tok::K_SELECT || k == Tok::K_VALUES || k == Tok::K_WITH;
}

SelectPtr Parser::select() {
  // A statement's own SELECT is not a level of any expression: SQLite's depth counts expression
  // nodes (and the subqueries inside them), so `SELECT 1+1+...` may have 1,000 terms.
  const bool nested = depth_ > 0;
  if (nested && !enter()) return {};
  Box<With> w;
  if (kind() == Tok::K_WITH) w = with_clause();
  SelectPtr s;
  if (!failed_) s = select_after_with(std::move(w));
  if (nested) leave();
  if (failed_) return {};
  return s;
}

Box<With> Parser::with_clause() {
  Box<With> w(new With);
  w->pos = here();
  advance();  // WITH
  w->recursive = accept(Tok::K_RECURSIVE);
  for (;;) {
    Cte cte;
    cte.pos = here();
    if (!nm(cte.name)) return {};
    if (kind() == Tok::LP && !eid_list(cte.columns)) return {};
    if (!expect(Tok::K_AS)) return {};
    if (accept(Tok::K_NOT)) {
      if (!expect(Tok::K_MATERIALIZED)) return {};
      cte.materialize = CteMaterialize::NotMaterialized;
    } else if (accept(Tok::K_MATERIALIZED)) {
      cte.materialize = CteMaterialize::Materialized;
    }
    if (!expect(Tok::LP)) return {};
    if (!starts_select()) {
      syntax_error();
      return {};
    }
    cte.select = select();
    if (failed_ || !expect(Tok::RP)) return {};
    w->ctes.push_back(std::move(cte));
    if (!accept(Tok::Comma)) break;
  }
  return w;
}

SelectPtr Parser::select_after_with(Box<With> w) {
  SelectPtr s(new Select);
  s->pos = w ? w->pos : here();
  s->with = std::move(w);
  for (;;) {
    std::vector<OrderTerm> order_by;
    Box<Limit> limit;
    if (!select_core(s->cores.emplace_back(), order_by, limit)) return {};  // built in place
    CompoundOp op;
    uint32_t op_offset = peek().offset;
    if (kind() == Tok::K_UNION) {
      advance();
      op = accept(Tok::K_ALL) ? CompoundOp::UnionAll : CompoundOp::Union;
    } else if (kind() == Tok::K_INTERSECT) {
      advance();
      op = CompoundOp::Intersect;
    } else if (kind() == Tok::K_EXCEPT) {
      advance();
      op = CompoundOp::Except;
    } else {
      s->order_by = std::move(order_by);
      s->limit = std::move(limit);
      return s;
    }
    // The grammar accepts ORDER BY / LIMIT on every part; SQLite rejects them after parsing.
    if (!order_by.empty())
      defer(std::string("ORDER BY clause should come after ") + compound_name(op) + " not before", op_offset);
    else if (limit)
      defer(std::string("LIMIT clause should come after ") + compound_name(op) + " not before", op_offset);
    s->ops.push_back(op);
    if (s->ops.size() >= kMaxCompoundSelect) {  // SQLITE_MAX_COMPOUND_SELECT
      fail("too many terms in compound SELECT", op_offset);
      return {};
    }
  }
}

bool Parser::select_core(SelectCore& core, std::vector<OrderTerm>& order_by, Box<Limit>& limit) {
  core.pos = here();
  if (accept(Tok::K_VALUES)) {
    core.is_values = true;
    for (;;) {
      uint32_t row_offset = peek().offset;
      if (!expect(Tok::LP)) return false;
      ExprList row;
      if (!expr_list(row, false) || !expect(Tok::RP)) return false;
      if (!core.values.empty() && row.size() != core.values[0].size()) {
        fail("all VALUES must have the same number of terms", row_offset);
        return false;
      }
      core.values.push_back(std::move(row));
      if (!accept(Tok::Comma)) return true;
    }
  }
  if (!expect(Tok::K_SELECT)) return false;
  if (accept(Tok::K_DISTINCT))
    core.distinct = Distinctness::Distinct;
  else if (accept(Tok::K_ALL))
    core.distinct = Distinctness::All;
  if (!result_columns(core.columns)) return false;
  if (accept(Tok::K_FROM)) {
    core.from = from_clause();
    if (failed_) return false;
  }
  if (accept(Tok::K_WHERE)) {
    core.where = expr();
    if (failed_) return false;
  }
  if (accept(Tok::K_GROUP)) {
    if (!expect(Tok::K_BY) || !expr_list(core.group_by, false)) return false;
  }
  if (accept(Tok::K_HAVING)) {
    core.having = expr();
    if (failed_) return false;
  }
  if (accept(Tok::K_WINDOW)) {
    for (;;) {
      WindowDef def;
      def.pos = here();
      if (!nm(def.name) || !expect(Tok::K_AS) || !expect(Tok::LP)) return false;
      def.spec.pos = here();
      if (!window_spec(def.spec) || !expect(Tok::RP)) return false;
      core.windows.push_back(std::move(def));
      if (!accept(Tok::Comma)) break;
    }
  }
  if (accept(Tok::K_ORDER)) {
    if (!expect(Tok::K_BY) || !order_list(order_by)) return false;
  }
  if (kind() == Tok::K_LIMIT) {
    limit = limit_clause();
    if (failed_) return false;
  }
  return true;
}

bool Parser::result_columns(std::vector<ResultColumn>& out) {
  out.reserve(4);
  for (;;) {
    // Built in place (a failed parse discards the whole tree, half-built entries included).
    ResultColumn& rc = out.emplace_back();
    rc.pos = here();
    if (accept(Tok::Star)) {
      rc.kind = ResultKind::Star;
    } else if (is_nm(kind()) && kind(1) == Tok::Dot && kind(2) == Tok::Star) {
      rc.kind = ResultKind::TableStar;
      dequote_into(peek(), rc.table);
      advance();
      advance();
      advance();
    } else {
      rc.expr = expr();
      if (failed_) return false;
      if (accept(Tok::K_AS)) {
        if (!nm(rc.alias)) return false;
      } else if (is_ids(kind())) {
        dequote_into(peek(), rc.alias);
        advance();
      }
    }
    if (!accept(Tok::Comma)) return true;
  }
}

bool Parser::table_alias(std::string& alias) {
  if (accept(Tok::K_AS)) return nm(alias);
  if (is_ids(kind())) {
    dequote_into(peek(), alias);
    advance();
  }
  return true;
}

Box<TableRef> Parser::table_item() {
  if (!enter()) return {};
  Box<TableRef> t(new TableRef);
  t->pos = here();
  if (accept(Tok::LP)) {
    if (starts_select()) {
      t->kind = TableRefKind::Subquery;
      t->select = select();
    } else {
      t->kind = TableRefKind::Paren;
      t->left = from_clause();
    }
    if (!failed_ && expect(Tok::RP)) table_alias(t->alias);
  } else if (is_nm(kind())) {
    std::string a;
    nm(a);
    if (accept(Tok::Dot)) {
      t->name.schema = std::move(a);
      nm(t->name.name);
    } else {
      t->name.name = std::move(a);
    }
    t->name.pos = t->pos;
    if (!failed_ && accept(Tok::LP)) {
      t->kind = TableRefKind::TableFunction;
      if (expr_list(t->args, true) && expect(Tok::RP)) table_alias(t->alias);
    } else if (!failed_ && table_alias(t->alias)) {
      indexed_by(t->indexed, t->index);
    }
  } else {
    syntax_error();
  }
  leave();
  if (failed_) return {};
  return t;
}

Box<TableRef> Parser::from_clause() {
  Box<TableRef> left = table_item();
  if (failed_) return {};
  if (kind() == Tok::K_ON || kind() == Tok::K_USING) {
    // SQLite complains only once the ON/USING clause has been reduced, so a syntax error inside
    // it (or right after it) wins.
    bool on = kind() == Tok::K_ON;
    uint32_t off = peek().offset;
    advance();
    if (on) {
      expr();
    } else {
      std::vector<std::string> cols;
      expect(Tok::LP) && id_list(cols) && expect(Tok::RP);
    }
    if (failed_) return {};
    Tok k = kind();
    if (!(k == Tok::Comma || k == Tok::K_JOIN || is_join_kw(k) || k == Tok::K_WHERE || k == Tok::K_GROUP || k == Tok::K_HAVING ||
          k == Tok::K_WINDOW || k == Tok::K_ORDER || k == Tok::K_LIMIT || k == Tok::RP || k == Tok::Semi || k == Tok::End ||
          k == Tok::K_UNION || k == Tok::K_INTERSECT || k == Tok::K_EXCEPT || k == Tok::K_RETURNING || k == Tok::K_ON)) {
      syntax_error();
      return {};
    }
    fail(std::string("a JOIN clause is required before ") + (on ? "ON" : "USING"), off);
    return {};
  }
  size_t terms = 0;
  for (;;) {
    JoinOp op;
    uint32_t op_offset = peek().offset;
    if (accept(Tok::Comma)) {
      op.type = JoinType::Comma;
    } else if (accept(Tok::K_JOIN)) {
      op.type = JoinType::Inner;
    } else if (is_join_kw(kind())) {
      // JOIN_KW [nm [nm]] JOIN, validated like sqlite3JoinType() on the raw words.
      std::string_view words[3];
      int n = 0;
      words[n++] = text(peek());
      advance();
      while (n < 3 && kind() != Tok::K_JOIN && is_nm(kind())) {
        words[n++] = text(peek());
        advance();
      }
      if (!expect(Tok::K_JOIN)) return {};
      // sqlite3JoinType runs when the join operator is reduced, after the next token is known
      // to start a table.
      if (kind() != Tok::LP && !is_nm(kind())) {
        syntax_error();
        return {};
      }
      enum { NATURAL = 1, LEFT = 2, OUTER = 4, RIGHT = 8, INNER = 16, CROSS = 32, ERR = 64 };
      int mask = 0;
      for (int i = 0; i < n; i++) {
        std::string_view w = words[i];
        if (iequals(w, "natural"))
          mask |= NATURAL;
        else if (iequals(w, "left"))
          mask |= LEFT | OUTER;
        else if (iequals(w, "outer"))
          mask |= OUTER;
        else if (iequals(w, "right"))
          mask |= RIGHT | OUTER;
        else if (iequals(w, "full"))
          mask |= LEFT | RIGHT | OUTER;
        else if (iequals(w, "inner"))
          mask |= INNER;
        else if (iequals(w, "cross"))
          mask |= INNER | CROSS;
        else {
          mask |= ERR;
          break;
        }
      }
      if ((mask & (INNER | OUTER)) == (INNER | OUTER) || (mask & ERR) || (mask & (OUTER | LEFT | RIGHT)) == OUTER) {
        std::string msg = "unknown join type: ";
        for (int i = 0; i < n; i++) {
          if (i) msg += ' ';
          msg += words[i];
        }
        fail(std::move(msg), op_offset);
        return {};
      }
      op.natural = mask & NATURAL;
      if ((mask & (LEFT | RIGHT)) == (LEFT | RIGHT))
        op.type = JoinType::Full;
      else if (mask & LEFT)
        op.type = JoinType::Left;
      else if (mask & RIGHT)
        op.type = JoinType::Right;
      else if (mask & CROSS)
        op.type = JoinType::Cross;
      else
        op.type = JoinType::Inner;
    } else {
      return left;
    }
    if (++terms >= kMaxFromTerms) {  // SQLITE_MAX_SRCLIST
      fail("too many FROM clause terms, max: " + std::to_string(kMaxFromTerms), op_offset);
      return {};
    }
    Box<TableRef> j(new TableRef);
    j->kind = TableRefKind::Join;
    j->pos = left->pos;
    j->op = op;
    j->left = std::move(left);
    j->right = table_item();
    if (failed_) return {};
    if (accept(Tok::K_ON)) {
      j->on = expr();
      if (failed_) return {};
    } else if (accept(Tok::K_USING)) {
      j->has_using = true;
      if (!expect(Tok::LP) || !id_list(j->using_columns) || !expect(Tok::RP)) return {};
    }
    left = std::move(j);
  }
}

bool Parser::order_list(std::vector<OrderTerm>& out) {
  out.reserve(4);
  for (;;) {
    OrderTerm& t = out.emplace_back();  // in place, as in result_columns()
    t.expr = expr();
    if (failed_) return false;
    if (accept(Tok::K_ASC))
      t.order = SortOrder::Asc;
    else if (accept(Tok::K_DESC))
      t.order = SortOrder::Desc;
    if (accept(Tok::K_NULLS)) {
      if (accept(Tok::K_FIRST))
        t.nulls = NullsOrder::First;
      else if (accept(Tok::K_LAST))
        t.nulls = NullsOrder::Last;
      else {
        syntax_error();
        return false;
      }
    }
    if (!accept(Tok::Comma)) return true;
  }
}

Box<Limit> Parser::limit_clause() {
  advance();  // LIMIT
  Box<Limit> l(new Limit);
  l->count = expr();
  if (failed_) return {};
  if (accept(Tok::K_OFFSET)) {
    l->offset = expr();
  } else if (accept(Tok::Comma)) {
    l->comma_form = true;
    l->offset = std::move(l->count);
    l->count = expr();
  }
  if (failed_) return {};
  return l;
}

bool Parser::window_spec(WindowSpec& spec) {
  Tok k = kind();
  if (k != Tok::K_PARTITION && k != Tok::K_ORDER && k != Tok::K_RANGE && k != Tok::K_ROWS && k != Tok::K_GROUPS && k != Tok::RP &&
      is_nm(k)) {
    nm(spec.base);
  }
  if (accept(Tok::K_PARTITION)) {
    if (!expect(Tok::K_BY) || !expr_list(spec.partition_by, false)) return false;
  }
  if (accept(Tok::K_ORDER)) {
    if (!expect(Tok::K_BY) || !order_list(spec.order_by)) return false;
  }
  k = kind();
  if (k == Tok::K_RANGE || k == Tok::K_ROWS || k == Tok::K_GROUPS) {
    Box<Frame> f(new Frame);
    f->unit = k == Tok::K_RANGE ? FrameUnit::Range : k == Tok::K_ROWS ? FrameUnit::Rows : FrameUnit::Groups;
    advance();
    if (accept(Tok::K_BETWEEN)) {
      f->between = true;
      if (!frame_bound(f->start, true) || !expect(Tok::K_AND) || !frame_bound(f->end, false)) return false;
    } else if (!frame_bound(f->start, true)) {
      return false;
    }
    if (accept(Tok::K_EXCLUDE)) {
      if (accept(Tok::K_NO)) {
        if (!expect(Tok::K_OTHERS)) return false;
        f->exclude = FrameExclude::NoOthers;
      } else if (accept(Tok::K_CURRENT)) {
        if (!expect(Tok::K_ROW)) return false;
        f->exclude = FrameExclude::CurrentRow;
      } else if (accept(Tok::K_GROUP)) {
        f->exclude = FrameExclude::Group;
      } else if (accept(Tok::K_TIES)) {
        f->exclude = FrameExclude::Ties;
      } else {
        syntax_error();
        return false;
      }
    }
    spec.frame = std::move(f);
  }
  return !failed_;
}

bool Parser::frame_bound(FrameBound& b, bool is_start) {
  if (accept(Tok::K_UNBOUNDED)) {
    if (is_start) {
      if (!expect(Tok::K_PRECEDING)) return false;
      b.kind = FrameBoundKind::UnboundedPreceding;
    } else {
      if (!expect(Tok::K_FOLLOWING)) return false;
      b.kind = FrameBoundKind::UnboundedFollowing;
    }
    return true;
  }
  if (accept(Tok::K_CURRENT)) {
    if (!expect(Tok::K_ROW)) return false;
    b.kind = FrameBoundKind::CurrentRow;
    return true;
  }
  b.expr = expr();
  if (failed_) return false;
  if (accept(Tok::K_PRECEDING))
    b.kind = FrameBoundKind::Preceding;
  else if (accept(Tok::K_FOLLOWING))
    b.kind = FrameBoundKind::Following;
  else {
    syntax_error();
    return false;
  }
  return true;
}

}  // namespace bd::sql::detail
