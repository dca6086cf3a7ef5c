// Internal: the recursive-descent parser shared by parser_*.cpp. Not part of the public API.
//
// Errors without exceptions: the first error is recorded in err_ and every parse function returns
// early (empty/false) once failed() is true; callers check failed() after each sub-parse.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sql/ast.h"
#include "sql/lexer.h"
#include "sql/parser.h"
#include "value/text.h"

namespace bd::sql::detail {

// Binding powers, lowest first, as parse.y's %left/%right lines.
enum Prec : int {
  kOr = 1,
  kAnd,
  kNot,
  kEquality /* = == != <> IS IN LIKE BETWEEN ISNULL NOTNULL */,
  kCompare /* < <= > >= */,
  kEscape,
  kBit /* & | << >> */,
  kAdd,
  kMul,
  kConcat /* || -> ->> */,
  kCollate,
  kUnary,
  kPrimary
};

class Parser {
 public:
  Parser(std::string_view src, const ParseOptions& opts);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  bool parse_script(std::vector<StmtPtr>& out);
  ExprPtr parse_lone_expr();
  bool failed() const { return failed_; }
  std::string error_message() const;

  // ---- statements (parser_stmt.cpp)
  StmtPtr statement();
  bool insert(Stmt& st, Box<With> with, bool in_trigger);
  bool update(Stmt& st, Box<With> with, bool in_trigger);
  bool del(Stmt& st, Box<With> with, bool in_trigger);
  bool create(Stmt& st);
  bool create_table(Stmt& st, bool temp);
  bool create_trigger(Stmt& st, bool temp);
  bool create_virtual(Stmt& st);
  bool column_def(ColumnDef& col);
  bool column_constraints(ColumnDef& col);
  bool table_constraint(TableConstraint& tc, std::string name);
  bool foreign_key_tail(ForeignKey& fk);
  bool deferrable_clause(Deferrable& d);
  bool type_name(Box<TypeName>& out, bool in_cast);
  bool alter(Stmt& st);
  bool pragma(Stmt& st);
  std::vector<ResultColumn> returning();
  bool set_list(std::vector<SetClause>& out);
  ConflictAction on_conflict();  // [ON CONFLICT resolvetype]
  ConflictAction resolve_type();
  bool id_list(std::vector<std::string>& out);   // nm, nm, ...
  bool eid_list(std::vector<std::string>& out);  // nm [COLLATE x] [ASC|DESC] ... (errors on extras)
  bool xfullname(QualifiedName& name, std::string& alias, bool in_trigger);
  bool fullname(QualifiedName& name);
  bool indexed_by(IndexedBy& kind, std::string& index);
  bool if_not_exists();

  // ---- SELECT (parser_select.cpp)
  SelectPtr select();  // [WITH ...] compound
  SelectPtr select_after_with(Box<With> w);
  Box<With> with_clause();
  bool select_core(SelectCore& core, std::vector<OrderTerm>& order_by, Box<Limit>& limit);
  bool result_columns(std::vector<ResultColumn>& out);
  Box<TableRef> from_clause();
  Box<TableRef> table_item();
  bool table_alias(std::string& alias);
  bool order_list(std::vector<OrderTerm>& out);  // sortlist
  Box<Limit> limit_clause();
  bool window_spec(WindowSpec& spec);
  bool frame_bound(FrameBound& b, bool is_start);
  bool starts_select() const;

  // ---- expressions (parser_expr.cpp)
  ExprPtr expr(int min_prec = 0);
  ExprPtr unary();
  ExprPtr primary();
  ExprPtr function_call(const Token& name);
  ExprPtr param(const Token& t);
  ExprPtr literal(const Token& t);
  bool expr_list(ExprList& out, bool allow_empty);

  // ---- tokens (forced inline: the Wasm build is -Oz, which would otherwise call these)
#define BD_INLINE [[gnu::always_inline]]
  // The token array ends with kEndPad End tokens and cur_ never moves past the first of them, so
  // looking ahead up to kEndPad - 1 tokens needs no bounds check.
  static constexpr size_t kEndPad = 4;
  BD_INLINE const Token& peek(size_t k = 0) const { return cur_[k]; }
  BD_INLINE Tok kind(size_t k = 0) const { return cur_[k].kind; }
  BD_INLINE void advance() {
    if (cur_->kind != Tok::End) cur_++;
  }
  BD_INLINE const Token* first_token() const { return toks_->data(); }
  BD_INLINE bool accept(Tok t) {
    if (kind() != t) return false;
    advance();
    return true;
  }
  BD_INLINE bool expect(Tok t) {
    if (kind() == t) {
      advance();
      return true;
    }
    syntax_error();
    return false;
  }
  BD_INLINE std::string_view text(const Token& t) const { return src_.substr(t.offset, t.len); }
  BD_INLINE SrcPos here() const { return SrcPos{peek().offset}; }

  // Token classes of parse.y.
  BD_INLINE static bool is_nm(Tok k) {  // nm ::= ID|INDEXED|JOIN_KW|STRING, plus %fallback keywords
    return k == Tok::Id || k == Tok::String || k == Tok::K_INDEXED || is_join_kw(k) || is_fallback(k);
  }
  BD_INLINE static bool is_ids(Tok k) { return k == Tok::Id || k == Tok::String || is_fallback(k); }
  // Replaces `out` with [p, p+n): destroy + construct, which for the short names and literals the
  // parser stores (mostly within the small-string buffer) is cheaper than assign()'s general path.
  BD_INLINE static void set_str(std::string& out, const char* p, size_t n) {
    std::destroy_at(&out);
    std::construct_at(&out, p, n);
  }
  // dequote_into() with the common case, a bare name, inline. `t` is a name token (len > 0).
  BD_INLINE void name_into(const Token& t, std::string& out) const {
    const char* p = src_.data() + t.offset;
    char q = p[0];
    if (q != '"' && q != '\'' && q != '`' && q != '[')
      set_str(out, p, t.len);
    else
      dequote_into(t, out);
  }
  std::string dequote(const Token& t) const;
  void dequote_into(const Token& t, std::string& out) const;  // assigns in place (no temporary)
  bool nm(std::string& out);                                  // one nm, dequoted
  bool ids(std::string& out);

  // ---- errors
  void syntax_error();                           // at the current token
  void fail(std::string msg, uint32_t offset);   // any other message (first error wins)
  void defer(std::string msg, uint32_t offset);  // reported only if parsing otherwise succeeds

  // SQLite's limits (sqliteLimit.h defaults), checked while parsing so that no later walk over the
  // tree (planner, printer, clone, destructors) can be driven past the stack by input.
  static constexpr int kMaxExprDepth = 1000;         // SQLITE_MAX_EXPR_DEPTH
  static constexpr int kMaxVariables = 32766;        // SQLITE_MAX_VARIABLE_NUMBER
  static constexpr size_t kMaxCompoundSelect = 500;  // SQLITE_MAX_COMPOUND_SELECT
  static constexpr size_t kMaxFromTerms = 200;       // SQLITE_MAX_SRCLIST

  bool enter() {  // recursion guard (SQLite's expression depth limit)
    if (++depth_ > kMaxExprDepth) {
      fail("Expression tree is too large (maximum depth 1000)", peek().offset);
      return false;
    }
    return true;
  }
  void leave() { depth_--; }
  // An expression of this height, rooted at the current recursion depth.
  bool check_height(int height) {
    if (depth_ - 1 + height > kMaxExprDepth) {
      fail("Expression tree is too large (maximum depth 1000)", peek().offset);
      return false;
    }
    return true;
  }

  std::string_view src_;
  ParseOptions opts_;
  std::vector<Token>* toks_;  // the thread's reusable buffer, or own_toks_ when that is busy
  std::vector<Token> own_toks_;
  bool owns_shared_ = false;
  const Token* cur_ = nullptr;
  bool failed_ = false;
  std::string err_;
  uint32_t err_offset_ = 0;
  bool has_deferred_ = false;
  std::string deferred_;
  uint32_t deferred_offset_ = 0;
  int depth_ = 0;
  int sub_height_ = 0;  // see expr()
  // Parameter numbering of the statement being parsed (sqlite3ExprAssignVarNumber).
  int n_var_ = 0;
  std::vector<std::pair<std::string, int>> var_names_;
};

}  // namespace bd::sql::detail
