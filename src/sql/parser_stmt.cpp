// Statements: DML, DDL, transactions and the rest of parse.y's `cmd` rules.
#include <cstring>

#include "sql/parser_impl.h"

namespace bd::sql::detail {
namespace {

bool starts_table_constraint(Tok k) {
  return k == Tok::K_CONSTRAINT || k == Tok::K_PRIMARY || k == Tok::K_UNIQUE || k == Tok::K_CHECK || k == Tok::K_FOREIGN;
}

}  // namespace

bool Parser::if_not_exists() {
  if (!accept(Tok::K_IF)) return false;
  expect(Tok::K_NOT) && expect(Tok::K_EXISTS);
  return true;
}

bool Parser::fullname(QualifiedName& name) {
  name.pos = here();
  std::string a;
  if (!nm(a)) return false;
  if (accept(Tok::Dot)) {
    name.schema = std::move(a);
    return nm(name.name);
  }
  name.name = std::move(a);
  return true;
}

bool Parser::xfullname(QualifiedName& name, std::string& alias, bool in_trigger) {
  uint32_t off = peek().offset;
  if (!fullname(name)) return false;
  if (in_trigger && !name.schema.empty()) {
    fail("qualified table names are not allowed on INSERT, UPDATE, and DELETE statements within triggers", off);
    return false;
  }
  if (accept(Tok::K_AS)) return nm(alias);
  return true;
}

bool Parser::indexed_by(IndexedBy& kind_out, std::string& index) {
  if (accept(Tok::K_INDEXED)) {
    if (!expect(Tok::K_BY) || !nm(index)) return false;
    kind_out = IndexedBy::Index;
  } else if (kind() == Tok::K_NOT) {
    advance();
    if (!expect(Tok::K_INDEXED)) return false;
    kind_out = IndexedBy::NotIndexed;
  }
  return true;
}

bool Parser::id_list(std::vector<std::string>& out) {
  for (;;) {
    std::string s;
    if (!nm(s)) return false;
    out.push_back(std::move(s));
    if (!accept(Tok::Comma)) return true;
  }
}

bool Parser::eid_list(std::vector<std::string>& out) {
  if (!expect(Tok::LP)) return false;
  for (;;) {
    const Token& name_tok = peek();
    std::string s;
    if (!nm(s)) return false;
    bool extra = false;
    if (accept(Tok::K_COLLATE)) {
      std::string coll;
      if (!ids(coll)) return false;
      extra = true;
    }
    if (accept(Tok::K_ASC) || accept(Tok::K_DESC)) extra = true;
    if (extra) {
      fail("syntax error after column name \"" + std::string(text(name_tok)) + "\"", name_tok.offset);
      return false;
    }
    out.push_back(std::move(s));
    if (!accept(Tok::Comma)) break;
  }
  return expect(Tok::RP);
}

ConflictAction Parser::resolve_type() {
  ConflictAction a;
  switch (kind()) {
    case Tok::K_ROLLBACK: a = ConflictAction::Rollback; break;
    case Tok::K_ABORT: a = ConflictAction::Abort; break;
    case Tok::K_FAIL: a = ConflictAction::Fail; break;
    case Tok::K_IGNORE: a = ConflictAction::Ignore; break;
    case Tok::K_REPLACE: a = ConflictAction::Replace; break;
    default: syntax_error(); return ConflictAction::Default;
  }
  advance();
  return a;
}

ConflictAction Parser::on_conflict() {
  if (!accept(Tok::K_ON)) return ConflictAction::Default;
  if (!expect(Tok::K_CONFLICT)) return ConflictAction::Default;
  return resolve_type();
}

std::vector<ResultColumn> Parser::returning() {
  std::vector<ResultColumn> cols;
  result_columns(cols);
  return cols;
}

bool Parser::set_list(std::vector<SetClause>& out) {
  for (;;) {
    SetClause c;
    if (accept(Tok::LP)) {
      c.parenthesized = true;
      if (!id_list(c.columns) || !expect(Tok::RP)) return false;
    } else {
      std::string s;
      if (!nm(s)) return false;
      c.columns.push_back(std::move(s));
    }
    if (!expect(Tok::Eq)) return false;
    c.value = expr();
    if (failed_) return false;
    if (c.parenthesized) {
      // sqlite3ExprListAppendVector checks the arity as soon as the term is reduced.
      size_t values = c.value->kind == ExprKind::Vector ? c.value->args.size() : c.value->kind == ExprKind::Subquery ? c.columns.size() : 1;
      if (values != c.columns.size()) {
        Tok k = kind();
        if (!(k == Tok::Comma || k == Tok::K_FROM || k == Tok::K_WHERE || k == Tok::K_RETURNING || k == Tok::K_ORDER || k == Tok::K_LIMIT ||
              k == Tok::Semi || k == Tok::End || k == Tok::K_ON || k == Tok::K_DO)) {
          syntax_error();
          return false;
        }
        fail(std::to_string(c.columns.size()) + " columns assigned " + std::to_string(values) + " values", peek().offset);
        return false;
      }
    }
    out.push_back(std::move(c));
    if (!accept(Tok::Comma)) return true;
  }
}

// ---------------------------------------------------------------------------------------------

StmtPtr Parser::statement() {
  StmtPtr st(new Stmt);
  st->pos = here();
  if (accept(Tok::K_EXPLAIN)) {
    st->explain = Explain::Explain;
    if (accept(Tok::K_QUERY)) {
      if (!expect(Tok::K_PLAN)) return {};
      st->explain = Explain::QueryPlan;
    }
  }
  switch (kind()) {
    case Tok::K_WITH: {
      Box<With> w = with_clause();
      if (failed_) return {};
      switch (kind()) {
        case Tok::K_SELECT:
        case Tok::K_VALUES: {
          SelectPtr s = select_after_with(std::move(w));
          if (failed_) return {};
          st->node = std::move(*s);
          break;
        }
        case Tok::K_INSERT:
        case Tok::K_REPLACE: insert(*st, std::move(w), false); break;
        case Tok::K_UPDATE: update(*st, std::move(w), false); break;
        case Tok::K_DELETE: del(*st, std::move(w), false); break;
        default: syntax_error(); break;
      }
      break;
    }
    case Tok::K_SELECT:
    case Tok::K_VALUES: {
      SelectPtr s = select();
      if (failed_) return {};
      st->node = std::move(*s);
      break;
    }
    case Tok::K_INSERT:
    case Tok::K_REPLACE: insert(*st, {}, false); break;
    case Tok::K_UPDATE: update(*st, {}, false); break;
    case Tok::K_DELETE: del(*st, {}, false); break;
    case Tok::K_CREATE: create(*st); break;
    case Tok::K_DROP: {
      advance();
      Drop d;
      switch (kind()) {
        case Tok::K_TABLE: d.object = ObjectKind::Table; break;
        case Tok::K_INDEX: d.object = ObjectKind::Index; break;
        case Tok::K_VIEW: d.object = ObjectKind::View; break;
        case Tok::K_TRIGGER: d.object = ObjectKind::Trigger; break;
        default: syntax_error(); return {};
      }
      advance();
      if (accept(Tok::K_IF)) {
        if (!expect(Tok::K_EXISTS)) return {};
        d.if_exists = true;
      }
      if (!fullname(d.name)) return {};
      st->node = std::move(d);
      break;
    }
    case Tok::K_ALTER: alter(*st); break;
    case Tok::K_PRAGMA: pragma(*st); break;
    case Tok::K_BEGIN: {
      advance();
      Begin b;
      if (accept(Tok::K_DEFERRED))
        b.kind = TransactionKind::Deferred;
      else if (accept(Tok::K_IMMEDIATE))
        b.kind = TransactionKind::Immediate;
      else if (accept(Tok::K_EXCLUSIVE))
        b.kind = TransactionKind::Exclusive;
      if (accept(Tok::K_TRANSACTION) && is_nm(kind())) advance();
      st->node = b;
      break;
    }
    case Tok::K_COMMIT:
    case Tok::K_END:
      advance();
      if (accept(Tok::K_TRANSACTION) && is_nm(kind())) advance();
      st->node = Commit{};
      break;
    case Tok::K_ROLLBACK: {
      advance();
      Rollback r;
      if (accept(Tok::K_TRANSACTION) && is_nm(kind())) advance();
      if (accept(Tok::K_TO)) {
        accept(Tok::K_SAVEPOINT);
        if (!nm(r.savepoint)) return {};
      }
      st->node = std::move(r);
      break;
    }
    case Tok::K_SAVEPOINT: {
      advance();
      Savepoint s;
      if (!nm(s.name)) return {};
      st->node = std::move(s);
      break;
    }
    case Tok::K_RELEASE: {
      advance();
      Release r;
      accept(Tok::K_SAVEPOINT);
      if (!nm(r.name)) return {};
      st->node = std::move(r);
      break;
    }
    case Tok::K_ANALYZE:
    case Tok::K_REINDEX: {
      bool analyze = kind() == Tok::K_ANALYZE;
      advance();
      QualifiedName target;
      bool has = false;
      if (is_nm(kind())) {
        has = true;
        if (!fullname(target)) return {};
      }
      if (analyze)
        st->node = Analyze{has, std::move(target)};
      else
        st->node = Reindex{has, std::move(target)};
      break;
    }
    case Tok::K_VACUUM: {
      advance();
      Vacuum v;
      if (is_nm(kind())) nm(v.schema);
      if (accept(Tok::K_INTO)) {
        v.into = expr();
        if (failed_) return {};
      }
      st->node = std::move(v);
      break;
    }
    case Tok::K_ATTACH: {
      advance();
      accept(Tok::K_DATABASE);
      Attach a;
      a.file = expr();
      if (failed_ || !expect(Tok::K_AS)) return {};
      a.schema = expr();
      if (failed_) return {};
      if (accept(Tok::K_KEY)) {
        a.key = expr();
        if (failed_) return {};
      }
      st->node = std::move(a);
      break;
    }
    case Tok::K_DETACH: {
      advance();
      accept(Tok::K_DATABASE);
      Detach d;
      d.schema = expr();
      if (failed_) return {};
      st->node = std::move(d);
      break;
    }
    default: syntax_error(); return {};
  }
  if (failed_) return {};
  const Token& last = cur_ > first_token() ? cur_[-1] : cur_[0];
  st->end = SrcPos{last.offset + last.len};
  return st;
}

bool Parser::insert(Stmt& st, Box<With> with, bool in_trigger) {
  Insert ins;
  ins.with = std::move(with);
  if (accept(Tok::K_REPLACE)) {
    ins.replace = true;
  } else {
    advance();  // INSERT
    if (accept(Tok::K_OR)) ins.conflict = resolve_type();
  }
  if (failed_ || !expect(Tok::K_INTO)) return false;
  if (!xfullname(ins.table, ins.alias, in_trigger)) return false;
  if (accept(Tok::LP)) {
    if (!id_list(ins.columns) || !expect(Tok::RP)) return false;
  }
  if (!in_trigger && accept(Tok::K_DEFAULT)) {
    if (!expect(Tok::K_VALUES)) return false;
    ins.default_values = true;
  } else {
    if (!starts_select()) {
      syntax_error();
      return false;
    }
    ins.select = select();
    if (failed_) return false;
    while (kind() == Tok::K_ON) {
      Upsert u;
      u.pos = here();
      advance();
      if (!expect(Tok::K_CONFLICT)) return false;
      if (accept(Tok::LP)) {
        if (!order_list(u.target) || !expect(Tok::RP)) return false;
        if (accept(Tok::K_WHERE)) {
          u.target_where = expr();
          if (failed_) return false;
        }
      }
      if (!expect(Tok::K_DO)) return false;
      if (accept(Tok::K_NOTHING)) {
        u.do_nothing = true;
      } else {
        if (!expect(Tok::K_UPDATE) || !expect(Tok::K_SET) || !set_list(u.set)) return false;
        if (accept(Tok::K_WHERE)) {
          u.where = expr();
          if (failed_) return false;
        }
      }
      bool last = u.target.empty();
      ins.upserts.push_back(std::move(u));
      if (last) break;  // a target-less ON CONFLICT must be the last one
    }
  }
  if (kind() == Tok::K_RETURNING) {
    if (in_trigger) {
      fail("cannot use RETURNING in a trigger", peek().offset);
      return false;
    }
    advance();
    ins.returning = returning();
    if (failed_) return false;
  }
  st.node = std::move(ins);
  return true;
}

bool Parser::update(Stmt& st, Box<With> with, bool in_trigger) {
  Update u;
  u.with = std::move(with);
  advance();  // UPDATE
  if (accept(Tok::K_OR)) {
    u.conflict = resolve_type();
    if (failed_) return false;
  }
  if (!xfullname(u.table, u.alias, in_trigger)) return false;
  uint32_t off = peek().offset;
  if (!indexed_by(u.indexed, u.index)) return false;
  if (in_trigger && u.indexed != IndexedBy::Default) {
    fail(u.indexed == IndexedBy::Index ? "the INDEXED BY clause is not allowed on UPDATE or DELETE statements within triggers"
                                       : "the NOT INDEXED clause is not allowed on UPDATE or DELETE statements within triggers",
         off);
    return false;
  }
  if (!expect(Tok::K_SET) || !set_list(u.set)) return false;
  if (accept(Tok::K_FROM)) {
    u.from = from_clause();
    if (failed_) return false;
  }
  if (accept(Tok::K_WHERE)) {
    u.where = expr();
    if (failed_) return false;
  }
  if (!in_trigger) {
    if (accept(Tok::K_RETURNING)) {
      u.returning = returning();
      if (failed_) return false;
    }
    if (opts_.update_delete_limit) {
      if (accept(Tok::K_ORDER)) {
        if (!expect(Tok::K_BY) || !order_list(u.order_by)) return false;
      }
      if (kind() == Tok::K_LIMIT) {
        u.limit = limit_clause();
        if (failed_) return false;
      }
    }
  }
  st.node = std::move(u);
  return true;
}

bool Parser::del(Stmt& st, Box<With> with, bool in_trigger) {
  Delete d;
  d.with = std::move(with);
  advance();  // DELETE
  if (!expect(Tok::K_FROM)) return false;
  if (!xfullname(d.table, d.alias, in_trigger)) return false;
  uint32_t off = peek().offset;
  if (!indexed_by(d.indexed, d.index)) return false;
  if (in_trigger && d.indexed != IndexedBy::Default) {
    fail(d.indexed == IndexedBy::Index ? "the INDEXED BY clause is not allowed on UPDATE or DELETE statements within triggers"
                                       : "the NOT INDEXED clause is not allowed on UPDATE or DELETE statements within triggers",
         off);
    return false;
  }
  if (accept(Tok::K_WHERE)) {
    d.where = expr();
    if (failed_) return false;
  }
  if (!in_trigger) {
    if (accept(Tok::K_RETURNING)) {
      d.returning = returning();
      if (failed_) return false;
    }
    if (opts_.update_delete_limit) {
      if (accept(Tok::K_ORDER)) {
        if (!expect(Tok::K_BY) || !order_list(d.order_by)) return false;
      }
      if (kind() == Tok::K_LIMIT) {
        d.limit = limit_clause();
        if (failed_) return false;
      }
    }
  }
  st.node = std::move(d);
  return true;
}

// ---------------------------------------------------------------------------------------------
// CREATE

bool Parser::create(Stmt& st) {
  advance();  // CREATE
  bool temp = accept(Tok::K_TEMP) || accept(Tok::K_TEMPORARY);
  switch (kind()) {
    case Tok::K_TABLE: return create_table(st, temp);
    case Tok::K_TRIGGER: return create_trigger(st, temp);
    case Tok::K_VIEW: {
      advance();
      CreateView v;
      v.temp = temp;
      v.if_not_exists = if_not_exists();
      if (failed_ || !fullname(v.name)) return false;
      if (kind() == Tok::LP && !eid_list(v.columns)) return false;
      if (!expect(Tok::K_AS)) return false;
      if (!starts_select()) {
        syntax_error();
        return false;
      }
      v.select = select();
      if (failed_) return false;
      st.node = std::move(v);
      return true;
    }
    case Tok::K_VIRTUAL:
      if (temp) break;
      return create_virtual(st);
    case Tok::K_UNIQUE:
    case Tok::K_INDEX: {
      if (temp) break;
      CreateIndex ci;
      ci.unique = accept(Tok::K_UNIQUE);
      if (!expect(Tok::K_INDEX)) return false;
      ci.if_not_exists = if_not_exists();
      if (failed_ || !fullname(ci.name) || !expect(Tok::K_ON) || !nm(ci.table) || !expect(Tok::LP) || !order_list(ci.columns) ||
          !expect(Tok::RP))
        return false;
      if (accept(Tok::K_WHERE)) {
        ci.where = expr();
        if (failed_) return false;
      }
      st.node = std::move(ci);
      return true;
    }
    default: break;
  }
  syntax_error();
  return false;
}

bool Parser::type_name(Box<TypeName>& out, bool in_cast) {
  std::string name;
  while (is_ids(kind()) && (in_cast || kind() != Tok::K_GENERATED)) {
    if (!name.empty()) name += ' ';
    name += text(peek());
    advance();
  }
  if (name.empty()) {
    if (in_cast) out = Box<TypeName>(new TypeName);
    return true;
  }
  out = Box<TypeName>(new TypeName);
  out->name = std::move(name);
  if (accept(Tok::LP)) {
    auto signed_num = [&](std::string& s) {
      if (kind() == Tok::Plus || kind() == Tok::Minus) {
        s = kind() == Tok::Plus ? "+" : "-";
        advance();
      }
      if (kind() != Tok::Integer && kind() != Tok::Float) {
        syntax_error();
        return false;
      }
      s += text(peek());
      advance();
      return true;
    };
    if (!signed_num(out->arg1)) return false;
    if (accept(Tok::Comma) && !signed_num(out->arg2)) return false;
    if (!expect(Tok::RP)) return false;
  }
  return true;
}

bool Parser::column_def(ColumnDef& col) {
  col.pos = here();
  if (!nm(col.name)) return false;
  if (!type_name(col.type, false)) return false;
  return column_constraints(col);
}

bool Parser::deferrable_clause(Deferrable& d) {
  d.present = true;
  if (accept(Tok::K_NOT)) d.negated = true;
  if (!expect(Tok::K_DEFERRABLE)) return false;
  if (accept(Tok::K_INITIALLY)) {
    if (accept(Tok::K_DEFERRED))
      d.initially = DeferInit::Deferred;
    else if (accept(Tok::K_IMMEDIATE))
      d.initially = DeferInit::Immediate;
    else {
      syntax_error();
      return false;
    }
  }
  return true;
}

bool Parser::foreign_key_tail(ForeignKey& fk) {
  if (!nm(fk.table)) return false;
  if (kind() == Tok::LP && !eid_list(fk.columns)) return false;
  for (;;) {
    RefArg a;
    if (accept(Tok::K_MATCH)) {
      a.is_match = true;
      if (!nm(a.match_name)) return false;
    } else if (accept(Tok::K_ON)) {
      if (accept(Tok::K_INSERT))
        a.event = RefEvent::Insert;
      else if (accept(Tok::K_DELETE))
        a.event = RefEvent::Delete;
      else if (accept(Tok::K_UPDATE))
        a.event = RefEvent::Update;
      else {
        syntax_error();
        return false;
      }
      if (accept(Tok::K_SET)) {
        if (accept(Tok::K_NULL))
          a.action = RefAction::SetNull;
        else if (accept(Tok::K_DEFAULT))
          a.action = RefAction::SetDefault;
        else {
          syntax_error();
          return false;
        }
      } else if (accept(Tok::K_CASCADE)) {
        a.action = RefAction::Cascade;
      } else if (accept(Tok::K_RESTRICT)) {
        a.action = RefAction::Restrict;
      } else if (accept(Tok::K_NO)) {
        if (!expect(Tok::K_ACTION)) return false;
        a.action = RefAction::NoAction;
      } else {
        syntax_error();
        return false;
      }
    } else {
      return true;
    }
    fk.args.push_back(std::move(a));
  }
}

bool Parser::column_constraints(ColumnDef& col) {
  std::string pending;
  for (;;) {
    ColumnConstraint c;
    c.pos = here();
    switch (kind()) {
      case Tok::K_CONSTRAINT:
        advance();
        if (!nm(pending)) return false;
        continue;
      case Tok::K_DEFAULT: {
        advance();
        c.kind = ColumnConstraintKind::Default;
        auto is_term = [](Tok k) {
          return k == Tok::K_NULL || k == Tok::Float || k == Tok::Blob || k == Tok::String || k == Tok::Integer || k == Tok::QNumber ||
                 is_ctime_kw(k);
        };
        if (kind() == Tok::LP) {
          advance();
          c.default_kind = DefaultKind::Paren;
          c.expr = expr();
          if (failed_ || !expect(Tok::RP)) return false;
        } else if (kind() == Tok::Plus || kind() == Tok::Minus) {
          ExprPtr u(new Expr);
          u->kind = ExprKind::Unary;
          u->pos = here();
          u->unary_op = kind() == Tok::Plus ? UnaryOp::Plus : UnaryOp::Neg;
          advance();
          if (!is_term(kind())) {
            syntax_error();
            return false;
          }
          u->left = literal(peek());
          if (failed_) return false;
          c.default_kind = DefaultKind::Signed;
          c.expr = std::move(u);
        } else if (is_term(kind())) {
          c.default_kind = DefaultKind::Literal;
          c.expr = literal(peek());
          if (failed_) return false;
        } else if (kind() == Tok::Id || kind() == Tok::K_INDEXED || is_fallback(kind())) {
          c.default_kind = DefaultKind::Ident;
          ExprPtr e(new Expr);
          e->kind = ExprKind::Column;
          e->pos = here();
          dequote_into(peek(), e->name);
          advance();
          c.expr = std::move(e);
        } else {
          syntax_error();
          return false;
        }
        break;
      }
      case Tok::K_NULL:
        advance();
        c.kind = ColumnConstraintKind::Null;
        c.conflict = on_conflict();
        break;
      case Tok::K_NOT:
        if (kind(1) == Tok::K_DEFERRABLE) {
          c.kind = ColumnConstraintKind::Deferrable;
          if (!deferrable_clause(c.deferrable)) return false;
          break;
        }
        advance();
        if (!expect(Tok::K_NULL)) return false;
        c.kind = ColumnConstraintKind::NotNull;
        c.conflict = on_conflict();
        break;
      case Tok::K_PRIMARY:
        advance();
        if (!expect(Tok::K_KEY)) return false;
        c.kind = ColumnConstraintKind::PrimaryKey;
        if (accept(Tok::K_ASC))
          c.order = SortOrder::Asc;
        else if (accept(Tok::K_DESC))
          c.order = SortOrder::Desc;
        c.conflict = on_conflict();
        if (failed_) return false;
        c.autoincrement = accept(Tok::K_AUTOINCREMENT);
        break;
      case Tok::K_UNIQUE:
        advance();
        c.kind = ColumnConstraintKind::Unique;
        c.conflict = on_conflict();
        break;
      case Tok::K_CHECK:
        advance();
        c.kind = ColumnConstraintKind::Check;
        if (!expect(Tok::LP)) return false;
        c.expr = expr();
        if (failed_ || !expect(Tok::RP)) return false;
        break;
      case Tok::K_REFERENCES:
        advance();
        c.kind = ColumnConstraintKind::References;
        if (!foreign_key_tail(c.fk)) return false;
        break;
      case Tok::K_DEFERRABLE:
        c.kind = ColumnConstraintKind::Deferrable;
        if (!deferrable_clause(c.deferrable)) return false;
        break;
      case Tok::K_COLLATE:
        advance();
        c.kind = ColumnConstraintKind::Collate;
        if (!ids(c.collation)) return false;
        break;
      case Tok::K_GENERATED:
      case Tok::K_AS: {
        c.kind = ColumnConstraintKind::Generated;
        if (accept(Tok::K_GENERATED)) {
          if (!expect(Tok::K_ALWAYS)) return false;
          c.generated_always = true;
        }
        if (!expect(Tok::K_AS) || !expect(Tok::LP)) return false;
        c.expr = expr();
        if (failed_ || !expect(Tok::RP)) return false;
        if (kind() == Tok::Id || is_fallback(kind())) {
          const Token& w = peek();
          advance();
          if (iequals(text(w), "stored"))
            c.storage = GeneratedStorage::Stored;
          else if (iequals(text(w), "virtual"))
            c.storage = GeneratedStorage::Virtual;
          else {
            // Reported when the constraint is reduced: only if the next token may follow it.
            Tok k = kind();
            if (!(k == Tok::Comma || k == Tok::RP || k == Tok::K_CONSTRAINT || k == Tok::K_DEFAULT || k == Tok::K_NULL || k == Tok::K_NOT ||
                  k == Tok::K_PRIMARY || k == Tok::K_UNIQUE || k == Tok::K_CHECK || k == Tok::K_REFERENCES || k == Tok::K_DEFERRABLE ||
                  k == Tok::K_COLLATE || k == Tok::K_GENERATED || k == Tok::K_AS)) {
              syntax_error();
              return false;
            }
            fail("error in generated column \"" + col.name + "\"", w.offset);
            return false;
          }
        }
        break;
      }
      default: return !failed_;
    }
    if (failed_) return false;
    c.name = std::move(pending);
    pending.clear();
    // A DEFERRABLE clause right after REFERENCES belongs to that foreign key.
    if (c.kind == ColumnConstraintKind::Deferrable && c.name.empty() && !col.constraints.empty() &&
        col.constraints.back().kind == ColumnConstraintKind::References && !col.constraints.back().fk.deferrable.present) {
      col.constraints.back().fk.deferrable = c.deferrable;
      continue;
    }
    col.constraints.push_back(std::move(c));
  }
}

bool Parser::table_constraint(TableConstraint& tc, std::string name) {
  tc.name = std::move(name);
  tc.pos = here();
  switch (kind()) {
    case Tok::K_PRIMARY:
      advance();
      tc.kind = TableConstraintKind::PrimaryKey;
      if (!expect(Tok::K_KEY) || !expect(Tok::LP) || !order_list(tc.columns)) return false;
      tc.autoincrement = accept(Tok::K_AUTOINCREMENT);
      if (!expect(Tok::RP)) return false;
      tc.conflict = on_conflict();
      break;
    case Tok::K_UNIQUE:
      advance();
      tc.kind = TableConstraintKind::Unique;
      if (!expect(Tok::LP) || !order_list(tc.columns) || !expect(Tok::RP)) return false;
      tc.conflict = on_conflict();
      break;
    case Tok::K_CHECK:
      advance();
      tc.kind = TableConstraintKind::Check;
      if (!expect(Tok::LP)) return false;
      tc.check = expr();
      if (failed_ || !expect(Tok::RP)) return false;
      tc.conflict = on_conflict();
      break;
    case Tok::K_FOREIGN:
      advance();
      tc.kind = TableConstraintKind::ForeignKey;
      if (!expect(Tok::K_KEY) || !eid_list(tc.fk_columns) || !expect(Tok::K_REFERENCES) || !foreign_key_tail(tc.fk)) return false;
      if (kind() == Tok::K_DEFERRABLE || (kind() == Tok::K_NOT && kind(1) == Tok::K_DEFERRABLE)) {
        if (!deferrable_clause(tc.fk.deferrable)) return false;
      }
      break;
    default: syntax_error(); return false;
  }
  return !failed_;
}

bool Parser::create_table(Stmt& st, bool temp) {
  advance();  // TABLE
  CreateTable ct;
  ct.temp = temp;
  ct.if_not_exists = if_not_exists();
  if (failed_ || !fullname(ct.name)) return false;
  if (accept(Tok::K_AS)) {
    if (!starts_select()) {
      syntax_error();
      return false;
    }
    ct.as_select = select();
    if (failed_) return false;
    st.node = std::move(ct);
    return true;
  }
  if (!expect(Tok::LP)) return false;
  bool in_constraints = false;
  for (;;) {
    ColumnDef col;
    if (!column_def(col)) return false;
    ct.columns.push_back(std::move(col));
    if (!accept(Tok::Comma)) break;
    if (starts_table_constraint(kind())) {
      in_constraints = true;
      break;
    }
  }
  while (in_constraints) {
    std::string name;
    if (accept(Tok::K_CONSTRAINT)) {
      if (!nm(name)) return false;
    }
    Tok k = kind();
    if (k == Tok::K_PRIMARY || k == Tok::K_UNIQUE || k == Tok::K_CHECK || k == Tok::K_FOREIGN) {
      TableConstraint tc;
      if (!table_constraint(tc, std::move(name))) return false;
      ct.constraints.push_back(std::move(tc));
    } else if (name.empty() && k != Tok::K_CONSTRAINT) {
      syntax_error();
      return false;
    }
    if (accept(Tok::Comma)) {
      if (!starts_table_constraint(kind())) {
        syntax_error();
        return false;
      }
    } else if (!starts_table_constraint(kind())) {
      break;
    }
  }
  if (!expect(Tok::RP)) return false;
  // table_option_set: WITHOUT ROWID / STRICT, comma separated; checked on the raw words.
  // An unknown option is reported when the option is reduced, i.e. only if the token after it
  // can follow an option; otherwise that token is the syntax error.
  if (kind() == Tok::K_WITHOUT || is_nm(kind())) {
    for (;;) {
      bool without = accept(Tok::K_WITHOUT);
      if (!is_nm(kind())) {
        syntax_error();
        return false;
      }
      const Token& w = peek();
      advance();
      if (kind() != Tok::Comma && kind() != Tok::Semi && kind() != Tok::End) {
        syntax_error();
        return false;
      }
      if (!iequals(text(w), without ? "rowid" : "strict")) {
        fail("unknown table option: " + std::string(text(w)), w.offset);
        return false;
      }
      (without ? ct.without_rowid : ct.strict) = true;
      if (!accept(Tok::Comma)) break;
    }
  }
  st.node = std::move(ct);
  return true;
}

bool Parser::create_virtual(Stmt& st) {
  advance();  // VIRTUAL
  CreateVirtualTable vt;
  if (!expect(Tok::K_TABLE)) return false;
  vt.if_not_exists = if_not_exists();
  if (failed_ || !fullname(vt.name) || !expect(Tok::K_USING) || !nm(vt.module)) return false;
  if (accept(Tok::LP)) {
    vt.has_args = true;
    std::string cur;
    int depth = 0;
    for (;;) {
      Tok k = kind();
      if (k == Tok::End || k == Tok::Illegal) {
        syntax_error();
        return false;
      }
      if (k == Tok::RP && depth == 0) {
        advance();
        vt.args.push_back(std::move(cur));
        break;
      }
      if (k == Tok::Comma && depth == 0) {
        advance();
        vt.args.push_back(std::move(cur));
        cur.clear();
        continue;
      }
      if (k == Tok::LP) depth++;
      if (k == Tok::RP) depth--;
      if (!cur.empty()) cur += ' ';
      cur += text(peek());
      advance();
    }
  }
  st.node = std::move(vt);
  return true;
}

bool Parser::create_trigger(Stmt& st, bool temp) {
  advance();  // TRIGGER
  CreateTrigger tr;
  tr.temp = temp;
  tr.if_not_exists = if_not_exists();
  if (failed_ || !fullname(tr.name)) return false;
  if (accept(Tok::K_BEFORE))
    tr.time = TriggerTime::Before;
  else if (accept(Tok::K_AFTER))
    tr.time = TriggerTime::After;
  else if (accept(Tok::K_INSTEAD)) {
    if (!expect(Tok::K_OF)) return false;
    tr.time = TriggerTime::InsteadOf;
  }
  if (accept(Tok::K_DELETE))
    tr.event = TriggerEvent::Delete;
  else if (accept(Tok::K_INSERT))
    tr.event = TriggerEvent::Insert;
  else if (accept(Tok::K_UPDATE)) {
    tr.event = TriggerEvent::Update;
    if (accept(Tok::K_OF) && !id_list(tr.update_of)) return false;
  } else {
    syntax_error();
    return false;
  }
  if (!expect(Tok::K_ON) || !fullname(tr.table)) return false;
  if (accept(Tok::K_FOR)) {
    if (!expect(Tok::K_EACH) || !expect(Tok::K_ROW)) return false;
    tr.for_each_row = true;
  }
  if (accept(Tok::K_WHEN)) {
    tr.when = expr();
    if (failed_) return false;
  }
  if (!expect(Tok::K_BEGIN)) return false;
  for (;;) {
    StmtPtr s(new Stmt);
    s->pos = here();
    switch (kind()) {
      case Tok::K_UPDATE: update(*s, {}, true); break;
      case Tok::K_INSERT:
      case Tok::K_REPLACE: insert(*s, {}, true); break;
      case Tok::K_DELETE: del(*s, {}, true); break;
      case Tok::K_SELECT:
      case Tok::K_VALUES:
      case Tok::K_WITH: {
        SelectPtr sel = select();
        if (!failed_) s->node = std::move(*sel);
        break;
      }
      default: syntax_error(); break;
    }
    if (failed_ || !expect(Tok::Semi)) return false;
    const Token& last = cur_[-2];
    s->end = SrcPos{last.offset + last.len};
    tr.body.push_back(std::move(s));
    if (accept(Tok::K_END)) break;
  }
  st.node = std::move(tr);
  return true;
}

// ---------------------------------------------------------------------------------------------

bool Parser::alter(Stmt& st) {
  advance();  // ALTER
  AlterTable a;
  if (!expect(Tok::K_TABLE) || !fullname(a.table)) return false;
  if (accept(Tok::K_RENAME)) {
    if (accept(Tok::K_TO)) {
      a.kind = AlterKind::RenameTable;
      if (!nm(a.new_name)) return false;
    } else {
      a.kind = AlterKind::RenameColumn;
      accept(Tok::K_COLUMN);
      if (!nm(a.column) || !expect(Tok::K_TO) || !nm(a.new_name)) return false;
    }
  } else if (accept(Tok::K_ADD)) {
    if (kind() == Tok::K_CONSTRAINT || kind() == Tok::K_CHECK) {
      a.kind = AlterKind::AddCheck;
      if (accept(Tok::K_CONSTRAINT) && !nm(a.new_name)) return false;
      if (!expect(Tok::K_CHECK) || !expect(Tok::LP)) return false;
      a.check = expr();
      if (failed_ || !expect(Tok::RP)) return false;
      a.conflict = on_conflict();
    } else {
      a.kind = AlterKind::AddColumn;
      accept(Tok::K_COLUMN);
      if (!column_def(a.column_def)) return false;
    }
  } else if (accept(Tok::K_DROP)) {
    if (accept(Tok::K_CONSTRAINT)) {
      a.kind = AlterKind::DropConstraint;
    } else {
      a.kind = AlterKind::DropColumn;
      accept(Tok::K_COLUMN);
    }
    if (!nm(a.column)) return false;
  } else if (accept(Tok::K_ALTER)) {
    accept(Tok::K_COLUMN);
    if (!nm(a.column)) return false;
    if (accept(Tok::K_DROP)) {
      a.kind = AlterKind::DropNotNull;
      if (!expect(Tok::K_NOT) || !expect(Tok::K_NULL)) return false;
    } else if (accept(Tok::K_SET)) {
      a.kind = AlterKind::SetNotNull;
      if (!expect(Tok::K_NOT) || !expect(Tok::K_NULL)) return false;
      a.conflict = on_conflict();
    } else {
      syntax_error();
      return false;
    }
  } else {
    syntax_error();
    return false;
  }
  if (failed_) return false;
  st.node = std::move(a);
  return true;
}

bool Parser::pragma(Stmt& st) {
  advance();  // PRAGMA
  Pragma p;
  if (!fullname(p.name)) return false;
  bool call = false;
  if (accept(Tok::Eq) || (call = accept(Tok::LP))) {
    p.call_form = call;
    Tok k = kind();
    if (k == Tok::Plus || k == Tok::Minus) {
      p.value = k == Tok::Plus ? "+" : "-";
      advance();
      if (kind() != Tok::Integer && kind() != Tok::Float) {
        syntax_error();
        return false;
      }
      p.value += text(peek());
      p.value_kind = PragmaValueKind::Number;
      advance();
    } else if (k == Tok::Integer || k == Tok::Float) {
      p.value = std::string(text(peek()));
      p.value_kind = PragmaValueKind::Number;
      advance();
    } else if (k == Tok::K_ON || k == Tok::K_DELETE || k == Tok::K_DEFAULT) {
      p.value = std::string(keyword_text(k));
      p.value_kind = PragmaValueKind::Keyword;
      advance();
    } else {
      if (!nm(p.value)) return false;
      p.value_kind = PragmaValueKind::Name;
    }
    if (call && !expect(Tok::RP)) return false;
  }
  st.node = std::move(p);
  return true;
}

}  // namespace bd::sql::detail
