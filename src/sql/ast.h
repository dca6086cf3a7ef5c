// Typed AST for the SQLite dialect.
//
// Design notes for consumers (planner, printer, binder):
// - Every owning pointer is a Box<T>: copying a node deep-copies it (so clone() is just a copy) and
//   == compares pointees. Every struct defaults operator==, and SrcPos always compares equal, so
//   == is structural equality that ignores source positions.
// - Names are stored dequoted with their original spelling ("Foo" stays Foo); SQLite compares them
//   case-insensitively, the printer re-quotes them when needed.
// - Literals keep their exact source text (1e5, 0x10, 'it''s', X'ab') so printing never changes a
//   value; see Expr::text.
// - An empty std::string means "absent" for optional names (schema, alias, ...): SQLite has no
//   way to spell an empty identifier that matters to us except "", which we treat as absent too.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace bd::sql {

// Byte offset of a node's first token in the parsed text. Line/column: see line_col() in parser.h.
struct SrcPos {
  uint32_t offset = UINT32_MAX;
  friend bool operator==(SrcPos, SrcPos) { return true; }  // positions never affect equality
};

// Owning, deep-copying, deep-comparing pointer. Null compares equal only to null.
// Internally a plain pointer whose null test is inlined: ASTs are mostly empty child slots, and
// destroying one must not cost a call. Deleting a pointee goes through one out-of-line function.
struct Expr;
// Frees an Expr (node_pool.cpp); a leaf node, the common case, skips its field-by-field teardown.
void destroy_expr_node(Expr* p);

template <class T>
class Box {
 public:
  Box() = default;
  Box(std::nullptr_t) {}
  explicit Box(T* p) : p_(p) {}
  Box(std::unique_ptr<T> p) : p_(p.release()) {}
  Box(const Box& o) : p_(o.p_ ? copy(*o.p_) : nullptr) {}
  [[gnu::always_inline]] Box(Box&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  [[gnu::always_inline]] ~Box() {
    if (p_) destroy(p_);
  }
  Box& operator=(const Box& o) {
    if (this != &o) reset(o.p_ ? copy(*o.p_) : nullptr);
    return *this;
  }
  Box& operator=(Box&& o) noexcept {
    if (this != &o) {
      T* old = p_;
      p_ = o.p_;
      o.p_ = nullptr;
      if (old) destroy(old);
    }
    return *this;
  }
  T* get() const { return p_; }
  T& operator*() const { return *p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  T* release() {
    T* p = p_;
    p_ = nullptr;
    return p;
  }
  void reset(T* p = nullptr) {
    T* old = p_;
    p_ = p;
    if (old) destroy(old);
  }
  Box clone() const { return *this; }
  friend bool operator==(const Box& a, const Box& b) {
    if (!a.p_ || !b.p_) return !a.p_ && !b.p_;
    return *a.p_ == *b.p_;
  }

 private:
  [[gnu::noinline]] static void destroy(T* p) {
    if constexpr (std::is_same_v<T, Expr>)
      destroy_expr_node(p);
    else
      delete p;
  }
  [[gnu::noinline]] static T* copy(const T& v) { return new T(v); }
  T* p_ = nullptr;
};

template <class T, class... A>
Box<T> make(A&&... a) {
  return Box<T>(new T{std::forward<A>(a)...});
}

struct Expr;
struct Select;
struct Stmt;
using ExprPtr = Box<Expr>;
using SelectPtr = Box<Select>;
using StmtPtr = Box<Stmt>;
using ExprList = std::vector<ExprPtr>;

// [schema.]name
struct QualifiedName {
  std::string schema;  // empty: unqualified
  std::string name;
  SrcPos pos;
  bool operator==(const QualifiedName&) const = default;
};

// Declared type: `VARCHAR(8)`, `DECIMAL(10, 2)`, `UNSIGNED BIG INT`. Affinity comes from `name`.
struct TypeName {
  std::string name;  // the type's words joined by one space, each word as written (quotes kept)
  std::string arg1;  // first size argument as written incl. sign ("8", "-3", "+1.5"); empty: none
  std::string arg2;  // second size argument; empty: none
  bool operator==(const TypeName&) const = default;
};

enum class SortOrder : uint8_t { Default, Asc, Desc };
enum class NullsOrder : uint8_t { Default, First, Last };

// One ORDER BY / index column / sortlist term. COLLATE lives inside expr (as ExprKind::Collate).
struct OrderTerm {
  ExprPtr expr;
  SortOrder order = SortOrder::Default;
  NullsOrder nulls = NullsOrder::Default;
  bool operator==(const OrderTerm&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Windows

enum class FrameUnit : uint8_t { Rows, Range, Groups };
enum class FrameBoundKind : uint8_t { UnboundedPreceding, Preceding, CurrentRow, Following, UnboundedFollowing };
enum class FrameExclude : uint8_t { None, NoOthers, CurrentRow, Group, Ties };

struct FrameBound {
  FrameBoundKind kind = FrameBoundKind::CurrentRow;
  ExprPtr expr;  // Preceding / Following only
  bool operator==(const FrameBound&) const = default;
};

struct Frame {
  FrameUnit unit = FrameUnit::Range;
  bool between = false;  // `BETWEEN start AND end`; otherwise only `start` was written
  FrameBound start;
  FrameBound end;  // meaningful only when between
  FrameExclude exclude = FrameExclude::None;
  bool operator==(const Frame&) const = default;
};

// `OVER name` (bare_name: only base is set) or `OVER ([base] [PARTITION BY] [ORDER BY] [frame])`,
// and the body of `WINDOW name AS (...)`.
struct WindowSpec {
  bool bare_name = false;
  std::string base;  // referenced window name; empty: none
  ExprList partition_by;
  std::vector<OrderTerm> order_by;
  Box<Frame> frame;  // null: default frame
  SrcPos pos;
  bool operator==(const WindowSpec&) const = default;
};

struct WindowDef {  // WINDOW name AS (spec)
  std::string name;
  WindowSpec spec;
  SrcPos pos;
  bool operator==(const WindowDef&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Expressions

enum class ExprKind : uint8_t {
  Literal,   // literal, text
  Column,    // [schema.][table.]name   (schema, table, name)
  Param,     // ?, ?NNN, :name, @name, $name   (text = as written, param_index = SQLite's number)
  Unary,     // unary_op left
  Binary,    // left binary_op right
  Like,      // left [NOT] like_op right [ESCAPE extra]    (negated)
  Between,   // left [NOT] BETWEEN right AND extra         (negated)
  In,        // left [NOT] IN (args) | (select) | [schema.]name[(args)]   (in_kind, negated)
  NullTest,  // left ISNULL / NOTNULL / NOT NULL            (negated: NOTNULL)
  Exists,    // EXISTS (select)
  Subquery,  // (select)
  Vector,    // (args...), two or more elements (row value)
  Function,  // name(args) with distinct/star/order_by/filter/over
  Cast,      // CAST(left AS cast_type)
  Case,      // CASE [left] WHEN args[0] THEN args[1] ... [ELSE extra] END
  Collate,   // left COLLATE name
  Raise,     // RAISE(IGNORE) | RAISE(raise_kind, left)
};

enum class LiteralKind : uint8_t { Null, Integer, Real, String, Blob, True, False, CurrentTime, CurrentDate, CurrentTimestamp };
enum class UnaryOp : uint8_t { Neg, Plus, BitNot, Not };
enum class BinaryOp : uint8_t {
  Or,
  And,
  Eq,
  Ne,
  Is,
  IsNot,  // `==` parses as Eq, `!=` as Ne; IS [NOT] DISTINCT FROM as IsNot / Is
  Lt,
  Le,
  Gt,
  Ge,
  BitAnd,
  BitOr,
  LShift,
  RShift,
  Add,
  Sub,
  Mul,
  Div,
  Mod,
  Concat,
  JsonExtract /* -> */,
  JsonExtractText /* ->> */,
};
enum class LikeOp : uint8_t { Like, Glob, Regexp, Match };
enum class InKind : uint8_t { List, Select, Table, TableFunction };
enum class RaiseKind : uint8_t { Ignore, Rollback, Abort, Fail };

// One node type with a kind; which fields a kind uses is listed at ExprKind. Unused fields stay
// empty/default, so == and copies behave.
struct Expr {
  ExprKind kind = ExprKind::Literal;
  LiteralKind literal = LiteralKind::Null;
  UnaryOp unary_op = UnaryOp::Neg;
  BinaryOp binary_op = BinaryOp::Eq;
  LikeOp like_op = LikeOp::Like;
  InKind in_kind = InKind::List;
  RaiseKind raise_kind = RaiseKind::Ignore;
  bool negated = false;   // NOT LIKE / NOT BETWEEN / NOT IN / NOTNULL
  bool distinct = false;  // Function: f(DISTINCT ...)
  bool star = false;      // Function: f(*)
  int param_index = 0;    // Param: 1-based number as SQLite assigns it
  SrcPos pos;

  // Literal: exact source text (quotes, escapes, digit separators kept; keyword literals upper-case).
  // Param: as written ("?", "?3", ":name").
  std::string text;
  std::string schema;  // Column: schema;  In Table/TableFunction: schema
  std::string table;   // Column: table qualifier
  std::string name;    // Column: column; Function: name; Collate: collation; In Table*: table name

  ExprPtr left;      // Unary/Binary/Like/Between/In/NullTest operand, Cast operand, Case base, Collate operand, Raise message
  ExprPtr right;     // Binary/Like right operand, Between low bound
  ExprPtr extra;     // Like ESCAPE, Between high bound, Case ELSE
  ExprList args;     // Function args, In list / table-function args, Vector elements, Case WHEN/THEN pairs
  SelectPtr select;  // Exists, Subquery, In Select

  // Function only
  std::vector<OrderTerm> order_by;  // aggregate ORDER BY inside the parens
  ExprPtr filter;                   // FILTER (WHERE filter)
  Box<WindowSpec> over;             // OVER ...
  Box<TypeName> cast_type;          // Cast only; an empty TypeName for `CAST(x AS)`

  bool operator==(const Expr&) const = default;
  ExprPtr clone() const { return ExprPtr(new Expr(*this)); }

  // Expressions are the bulk of every AST; recycling their memory per thread (node_pool.cpp)
  // keeps parsing off malloc's slow path. Behaves exactly like plain new/delete otherwise.
  static void* operator new(size_t size);
  static void operator delete(void* p, size_t size) noexcept;
};

// ---------------------------------------------------------------------------------------------
// SELECT

enum class CteMaterialize : uint8_t { Default, Materialized, NotMaterialized };

struct Cte {
  std::string name;
  std::vector<std::string> columns;
  CteMaterialize materialize = CteMaterialize::Default;
  SelectPtr select;
  SrcPos pos;
  bool operator==(const Cte&) const = default;
};

struct With {
  bool recursive = false;
  std::vector<Cte> ctes;
  SrcPos pos;
  bool operator==(const With&) const = default;
};

enum class ResultKind : uint8_t { Expr, Star, TableStar };

struct ResultColumn {
  ResultKind kind = ResultKind::Expr;
  ExprPtr expr;       // Expr
  std::string alias;  // Expr: AS alias (empty: none)
  std::string table;  // TableStar: table.*
  SrcPos pos;
  bool operator==(const ResultColumn&) const = default;
};

enum class JoinType : uint8_t { Comma, Inner /* JOIN, INNER JOIN */, Cross, Left, Right, Full };

struct JoinOp {
  JoinType type = JoinType::Comma;
  bool natural = false;
  bool operator==(const JoinOp&) const = default;
};

enum class IndexedBy : uint8_t { Default, Index /* INDEXED BY index */, NotIndexed };

enum class TableRefKind : uint8_t {
  Table,          // [schema.]name [AS alias] [INDEXED BY x | NOT INDEXED]
  TableFunction,  // [schema.]name(args) [AS alias]
  Subquery,       // (select) [AS alias]
  Paren,          // (join tree) [AS alias]
  Join,           // left op right [ON on | USING (using_columns)]
};

// FROM clause as a left-deep tree: `a, b JOIN c ON x` is Join(Join(a, b, Comma), c, Inner, on=x).
struct TableRef {
  TableRefKind kind = TableRefKind::Table;
  QualifiedName name;  // Table / TableFunction
  ExprList args;       // TableFunction
  SelectPtr select;    // Subquery
  std::string alias;
  IndexedBy indexed = IndexedBy::Default;
  std::string index;       // IndexedBy::Index
  Box<TableRef> left;      // Join; Paren: the inner tree
  Box<TableRef> right;     // Join
  JoinOp op;               // Join
  ExprPtr on;              // Join: ON expr
  bool has_using = false;  // Join: USING (...)
  std::vector<std::string> using_columns;
  SrcPos pos;
  bool operator==(const TableRef&) const = default;
  // Recycled per thread like Expr (node_pool.cpp).
  static void* operator new(size_t size);
  static void operator delete(void* p, size_t size) noexcept;
};

enum class Distinctness : uint8_t { Default, Distinct, All };

struct SelectCore {
  bool is_values = false;  // VALUES (...), (...): only `values` is used
  std::vector<ExprList> values;
  Distinctness distinct = Distinctness::Default;
  std::vector<ResultColumn> columns;
  Box<TableRef> from;  // null: no FROM
  ExprPtr where;
  ExprList group_by;
  ExprPtr having;
  std::vector<WindowDef> windows;
  SrcPos pos;
  bool operator==(const SelectCore&) const = default;
};

enum class CompoundOp : uint8_t { Union, UnionAll, Intersect, Except };

struct Limit {
  ExprPtr count;
  ExprPtr offset;           // `LIMIT a, b` is stored as count=b, offset=a
  bool comma_form = false;  // written `LIMIT offset, count` (kept so parameter order survives printing)
  bool operator==(const Limit&) const = default;
};

// [WITH ...] core [op core]... [ORDER BY ...] [LIMIT ...]; ops[i] joins cores[i] and cores[i+1].
// ORDER BY and LIMIT apply to the whole compound.
struct Select {
  Box<With> with;
  std::vector<SelectCore> cores;
  std::vector<CompoundOp> ops;
  std::vector<OrderTerm> order_by;
  Box<Limit> limit;
  SrcPos pos;
  bool operator==(const Select&) const = default;
  SelectPtr clone() const { return SelectPtr(new Select(*this)); }
  // Recycled per thread like Expr (node_pool.cpp).
  static void* operator new(size_t size);
  static void operator delete(void* p, size_t size) noexcept;
};

// ---------------------------------------------------------------------------------------------
// DML

enum class ConflictAction : uint8_t { Default, Rollback, Abort, Fail, Ignore, Replace };

struct SetClause {  // col = expr  |  (a, b) = expr
  bool parenthesized = false;
  std::vector<std::string> columns;
  ExprPtr value;
  bool operator==(const SetClause&) const = default;
};

struct Upsert {                   // ON CONFLICT [(target) [WHERE]] DO NOTHING | DO UPDATE SET ... [WHERE]
  std::vector<OrderTerm> target;  // empty: no conflict target
  ExprPtr target_where;
  bool do_nothing = false;
  std::vector<SetClause> set;
  ExprPtr where;
  SrcPos pos;
  bool operator==(const Upsert&) const = default;
};

struct Insert {
  Box<With> with;
  bool replace = false;  // REPLACE INTO (== INSERT OR REPLACE)
  ConflictAction conflict = ConflictAction::Default;
  QualifiedName table;
  std::string alias;
  std::vector<std::string> columns;  // empty: no column list
  SelectPtr select;                  // null: DEFAULT VALUES
  bool default_values = false;
  std::vector<Upsert> upserts;
  std::vector<ResultColumn> returning;
  bool operator==(const Insert&) const = default;
};

struct Update {
  Box<With> with;
  ConflictAction conflict = ConflictAction::Default;
  QualifiedName table;
  std::string alias;
  IndexedBy indexed = IndexedBy::Default;
  std::string index;
  std::vector<SetClause> set;
  Box<TableRef> from;
  ExprPtr where;
  std::vector<ResultColumn> returning;
  std::vector<OrderTerm> order_by;  // only with ParseOptions::update_delete_limit
  Box<Limit> limit;
  bool operator==(const Update&) const = default;
};

struct Delete {
  Box<With> with;
  QualifiedName table;
  std::string alias;
  IndexedBy indexed = IndexedBy::Default;
  std::string index;
  ExprPtr where;
  std::vector<ResultColumn> returning;
  std::vector<OrderTerm> order_by;  // only with ParseOptions::update_delete_limit
  Box<Limit> limit;
  bool operator==(const Delete&) const = default;
};

// ---------------------------------------------------------------------------------------------
// DDL

enum class RefAction : uint8_t { SetNull, SetDefault, Cascade, Restrict, NoAction };
enum class RefEvent : uint8_t { Delete, Update, Insert };

struct RefArg {  // ON DELETE/UPDATE/INSERT action, or MATCH name
  bool is_match = false;
  std::string match_name;
  RefEvent event = RefEvent::Delete;
  RefAction action = RefAction::NoAction;
  bool operator==(const RefArg&) const = default;
};

enum class DeferInit : uint8_t { Default, Deferred, Immediate };

struct Deferrable {  // [NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]
  bool present = false;
  bool negated = false;
  DeferInit initially = DeferInit::Default;
  bool operator==(const Deferrable&) const = default;
};

struct ForeignKey {  // REFERENCES table [(columns)] args... [deferrable]
  std::string table;
  std::vector<std::string> columns;
  std::vector<RefArg> args;
  Deferrable deferrable;
  bool operator==(const ForeignKey&) const = default;
};

enum class DefaultKind : uint8_t {
  Literal,  // DEFAULT 5 / 'x' / NULL / CURRENT_TIME
  Signed,   // DEFAULT -5 / +5  (expr is a Unary over the literal)
  Paren,    // DEFAULT (expr)
  Ident,    // DEFAULT name  (expr is a Column with only name set; SQLite stores the name as text)
};

enum class GeneratedStorage : uint8_t { Default, Stored, Virtual };

enum class ColumnConstraintKind : uint8_t { PrimaryKey, NotNull, Null, Unique, Check, Default, Collate, References, Generated, Deferrable };

struct ColumnConstraint {
  ColumnConstraintKind kind = ColumnConstraintKind::NotNull;
  std::string name;                                      // CONSTRAINT name; empty: unnamed
  SortOrder order = SortOrder::Default;                  // PrimaryKey
  ConflictAction conflict = ConflictAction::Default;     // PrimaryKey / NotNull / Null / Unique
  bool autoincrement = false;                            // PrimaryKey
  ExprPtr expr;                                          // Check / Default / Generated
  DefaultKind default_kind = DefaultKind::Literal;       // Default
  std::string collation;                                 // Collate
  ForeignKey fk;                                         // References
  bool generated_always = false;                         // Generated: `GENERATED ALWAYS AS` vs `AS`
  GeneratedStorage storage = GeneratedStorage::Default;  // Generated
  Deferrable deferrable;                                 // Deferrable (applies to the previous REFERENCES)
  SrcPos pos;
  bool operator==(const ColumnConstraint&) const = default;
};

struct ColumnDef {
  std::string name;
  Box<TypeName> type;  // null: no declared type
  std::vector<ColumnConstraint> constraints;
  SrcPos pos;
  bool operator==(const ColumnDef&) const = default;
};

enum class TableConstraintKind : uint8_t { PrimaryKey, Unique, Check, ForeignKey };

struct TableConstraint {
  TableConstraintKind kind = TableConstraintKind::PrimaryKey;
  std::string name;                                   // CONSTRAINT name
  std::vector<OrderTerm> columns;                     // PrimaryKey / Unique (indexed terms)
  bool autoincrement = false;                         // PrimaryKey
  ConflictAction conflict = ConflictAction::Default;  // PrimaryKey / Unique / Check
  ExprPtr check;                                      // Check
  std::vector<std::string> fk_columns;                // ForeignKey: local columns
  ForeignKey fk;                                      // ForeignKey
  SrcPos pos;
  bool operator==(const TableConstraint&) const = default;
};

struct CreateTable {
  bool temp = false;
  bool if_not_exists = false;
  QualifiedName name;
  std::vector<ColumnDef> columns;
  std::vector<TableConstraint> constraints;
  bool without_rowid = false;
  bool strict = false;
  SelectPtr as_select;  // CREATE TABLE ... AS SELECT (then columns/constraints are empty)
  bool operator==(const CreateTable&) const = default;
};

struct CreateVirtualTable {
  bool if_not_exists = false;
  QualifiedName name;
  std::string module;
  bool has_args = false;
  std::vector<std::string> args;  // each argument's tokens as written, joined by one space
  bool operator==(const CreateVirtualTable&) const = default;
};

struct CreateIndex {
  bool unique = false;
  bool if_not_exists = false;
  QualifiedName name;
  std::string table;
  std::vector<OrderTerm> columns;
  ExprPtr where;
  bool operator==(const CreateIndex&) const = default;
};

struct CreateView {
  bool temp = false;
  bool if_not_exists = false;
  QualifiedName name;
  std::vector<std::string> columns;
  SelectPtr select;
  bool operator==(const CreateView&) const = default;
};

enum class TriggerTime : uint8_t { Default, Before, After, InsteadOf };
enum class TriggerEvent : uint8_t { Delete, Insert, Update };

struct CreateTrigger {
  bool temp = false;
  bool if_not_exists = false;
  QualifiedName name;
  TriggerTime time = TriggerTime::Default;
  TriggerEvent event = TriggerEvent::Insert;
  std::vector<std::string> update_of;  // UPDATE OF columns; empty: any column
  QualifiedName table;
  bool for_each_row = false;
  ExprPtr when;
  std::vector<StmtPtr> body;  // Insert / Update / Delete / Select statements
  bool operator==(const CreateTrigger&) const = default;
};

enum class ObjectKind : uint8_t { Table, Index, View, Trigger };

struct Drop {
  ObjectKind object = ObjectKind::Table;
  bool if_exists = false;
  QualifiedName name;
  bool operator==(const Drop&) const = default;
};

enum class AlterKind : uint8_t {
  RenameTable,     // RENAME TO new_name
  RenameColumn,    // RENAME [COLUMN] column TO new_name
  AddColumn,       // ADD [COLUMN] column_def
  DropColumn,      // DROP [COLUMN] column
  DropConstraint,  // DROP CONSTRAINT column(=constraint name)
  DropNotNull,     // ALTER [COLUMN] column DROP NOT NULL
  SetNotNull,      // ALTER [COLUMN] column SET NOT NULL [ON CONFLICT x]
  AddCheck,        // ADD [CONSTRAINT new_name] CHECK (check) [ON CONFLICT x]
};

struct AlterTable {
  QualifiedName table;
  AlterKind kind = AlterKind::RenameTable;
  std::string column;
  std::string new_name;
  ColumnDef column_def;
  ExprPtr check;
  ConflictAction conflict = ConflictAction::Default;
  bool operator==(const AlterTable&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Other statements

enum class PragmaValueKind : uint8_t { None, Name, Number, Keyword /* ON, DELETE, DEFAULT */ };

struct Pragma {
  QualifiedName name;
  PragmaValueKind value_kind = PragmaValueKind::None;
  bool call_form = false;  // PRAGMA x(v) rather than PRAGMA x = v
  std::string value;       // Name: dequoted; Number: as written with sign; Keyword: upper-case
  bool operator==(const Pragma&) const = default;
};

enum class TransactionKind : uint8_t { Default, Deferred, Immediate, Exclusive };

struct Begin {
  TransactionKind kind = TransactionKind::Default;
  bool operator==(const Begin&) const = default;
};
struct Commit {
  bool operator==(const Commit&) const = default;
};
struct Rollback {
  std::string savepoint;  // ROLLBACK TO savepoint; empty: whole transaction
  bool operator==(const Rollback&) const = default;
};
struct Savepoint {
  std::string name;
  bool operator==(const Savepoint&) const = default;
};
struct Release {
  std::string name;
  bool operator==(const Release&) const = default;
};
struct Analyze {  // ANALYZE [[schema.]name]
  bool has_target = false;
  QualifiedName target;
  bool operator==(const Analyze&) const = default;
};
struct Reindex {  // REINDEX [[schema.]name]
  bool has_target = false;
  QualifiedName target;
  bool operator==(const Reindex&) const = default;
};
struct Vacuum {  // VACUUM [schema] [INTO expr]
  std::string schema;
  ExprPtr into;
  bool operator==(const Vacuum&) const = default;
};
struct Attach {  // ATTACH [DATABASE] file AS schema [KEY key]
  ExprPtr file;
  ExprPtr schema;
  ExprPtr key;
  bool operator==(const Attach&) const = default;
};
struct Detach {
  ExprPtr schema;
  bool operator==(const Detach&) const = default;
};

enum class StmtKind : uint8_t {
  Select,
  Insert,
  Update,
  Delete,
  CreateTable,
  CreateVirtualTable,
  CreateIndex,
  CreateView,
  CreateTrigger,
  Drop,
  AlterTable,
  Pragma,
  Begin,
  Commit,
  Rollback,
  Savepoint,
  Release,
  Analyze,
  Reindex,
  Vacuum,
  Attach,
  Detach,
};

enum class Explain : uint8_t { None, Explain, QueryPlan };

// The variant's alternatives are in StmtKind order, so kind() is the variant index.
using StmtNode = std::variant<Select, Insert, Update, Delete, CreateTable, CreateVirtualTable, CreateIndex, CreateView, CreateTrigger, Drop,
                              AlterTable, Pragma, Begin, Commit, Rollback, Savepoint, Release, Analyze, Reindex, Vacuum, Attach, Detach>;

struct Stmt {
  Explain explain = Explain::None;
  StmtNode node;
  int param_count = 0;  // largest parameter number used (SQLite's sqlite3_bind_parameter_count)
  // Parameters written with a name (":a", "@a", "$a") or a number ("?3"), with the number SQLite
  // gives each (sqlite3_bind_parameter_name); a plain "?" has none.
  std::vector<std::pair<std::string, int>> param_names;
  SrcPos pos;
  SrcPos end;  // offset just past the statement's last token

  StmtKind kind() const { return static_cast<StmtKind>(node.index()); }
  template <class T>
  T* as() {
    return std::get_if<T>(&node);
  }
  template <class T>
  const T* as() const {
    return std::get_if<T>(&node);
  }
  bool operator==(const Stmt&) const = default;
  StmtPtr clone() const { return StmtPtr(new Stmt(*this)); }
  // Recycled per thread like Expr (node_pool.cpp).
  static void* operator new(size_t size);
  static void operator delete(void* p, size_t size) noexcept;
};

}  // namespace bd::sql
