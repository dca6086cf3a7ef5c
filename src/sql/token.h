// Token kinds of the SQLite dialect. Every keyword has its own kind; the grammar's token classes
// (JOIN_KW, LIKE_KW, CTIME_KW) and the %fallback-to-ID set are properties queried below.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bd::sql {

// clang-format off
#define BD_SQL_KEYWORDS(X)                                                                          \
  X(ABORT) X(ACTION) X(ADD) X(AFTER) X(ALL) X(ALTER) X(ALWAYS) X(ANALYZE) X(AND) X(AS) X(ASC)       \
  X(ATTACH) X(AUTOINCREMENT) X(BEFORE) X(BEGIN) X(BETWEEN) X(BY) X(CASCADE) X(CASE) X(CAST)         \
  X(CHECK) X(COLLATE) X(COLUMN) X(COMMIT) X(CONFLICT) X(CONSTRAINT) X(CREATE) X(CROSS) X(CURRENT)   \
  X(CURRENT_DATE) X(CURRENT_TIME) X(CURRENT_TIMESTAMP) X(DATABASE) X(DEFAULT) X(DEFERRABLE)         \
  X(DEFERRED) X(DELETE) X(DESC) X(DETACH) X(DISTINCT) X(DO) X(DROP) X(EACH) X(ELSE) X(END)          \
  X(ESCAPE) X(EXCEPT) X(EXCLUDE) X(EXCLUSIVE) X(EXISTS) X(EXPLAIN) X(FAIL) X(FILTER) X(FIRST)       \
  X(FOLLOWING) X(FOR) X(FOREIGN) X(FROM) X(FULL) X(GENERATED) X(GLOB) X(GROUP) X(GROUPS) X(HAVING)  \
  X(IF) X(IGNORE) X(IMMEDIATE) X(IN) X(INDEX) X(INDEXED) X(INITIALLY) X(INNER) X(INSERT)            \
  X(INSTEAD) X(INTERSECT) X(INTO) X(IS) X(ISNULL) X(JOIN) X(KEY) X(LAST) X(LEFT) X(LIKE) X(LIMIT)   \
  X(MATCH) X(MATERIALIZED) X(NATURAL) X(NO) X(NOT) X(NOTHING) X(NOTNULL) X(NULL) X(NULLS) X(OF)     \
  X(OFFSET) X(ON) X(OR) X(ORDER) X(OTHERS) X(OUTER) X(OVER) X(PARTITION) X(PLAN) X(PRAGMA)         \
  X(PRECEDING) X(PRIMARY) X(QUERY) X(RAISE) X(RANGE) X(RECURSIVE) X(REFERENCES) X(REGEXP)          \
  X(REINDEX) X(RELEASE) X(RENAME) X(REPLACE) X(RESTRICT) X(RETURNING) X(RIGHT) X(ROLLBACK) X(ROW)  \
  X(ROWS) X(SAVEPOINT) X(SELECT) X(SET) X(TABLE) X(TEMP) X(TEMPORARY) X(THEN) X(TIES) X(TO)        \
  X(TRANSACTION) X(TRIGGER) X(UNBOUNDED) X(UNION) X(UNIQUE) X(UPDATE) X(USING) X(VACUUM) X(VALUES) \
  X(VIEW) X(VIRTUAL) X(WHEN) X(WHERE) X(WINDOW) X(WITH) X(WITHOUT)
// clang-format on

enum class Tok : uint8_t {
  End,       // end of input
  Illegal,   // unrecognized token (reported as SQLite does when the parser reaches it)
  Id,        // identifier, bare or quoted "..", [..], `..`
  String,    // '...'
  Blob,      // X'..'
  Integer,   // 123, 0x1F
  Float,     // 1.5, .5, 1e5
  QNumber,   // number with '_' digit separators (validated by the parser, as SQLite does)
  Variable,  // ?, ?NNN, :name, @name, $name
  Semi,
  LP,
  RP,
  Comma,
  Dot,
  Plus,
  Minus,
  Star,
  Slash,
  Rem,
  Concat,
  Ptr /* -> or ->> */,
  LShift,
  RShift,
  BitAnd,
  BitOr,
  BitNot,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
#define BD_X(k) K_##k,
  BD_SQL_KEYWORDS(BD_X)
#undef BD_X
      Count_
};

struct Token {
  Tok kind;
  uint32_t offset;
  uint32_t len;
  // Uninitialized on purpose: the lexer sizes its token array in one step and overwrites every
  // slot it keeps, so growing the array must not store anything.
  Token() noexcept {}
  constexpr Token(Tok k, uint32_t o, uint32_t l) noexcept : kind(k), offset(o), len(l) {}
};

// Keyword kind for an identifier spelled `word` (any case), or Tok::Id.
Tok keyword_kind(std::string_view word);
// Upper-case spelling of a keyword kind.
std::string_view keyword_text(Tok k);

inline bool is_keyword(Tok k) { return k >= Tok::K_ABORT && k < Tok::Count_; }
inline bool is_join_kw(Tok k) {
  return k == Tok::K_CROSS || k == Tok::K_FULL || k == Tok::K_INNER || k == Tok::K_LEFT || k == Tok::K_NATURAL || k == Tok::K_OUTER ||
         k == Tok::K_RIGHT;
}
inline bool is_like_kw(Tok k) { return k == Tok::K_LIKE || k == Tok::K_GLOB || k == Tok::K_REGEXP; }
inline bool is_ctime_kw(Tok k) { return k == Tok::K_CURRENT_DATE || k == Tok::K_CURRENT_TIME || k == Tok::K_CURRENT_TIMESTAMP; }
// parse.y's `%fallback ID ...`: keywords the grammar turns into identifiers wherever the keyword
// itself cannot be shifted. (A constant table, inline because the parser asks on every name.)
namespace detail {
struct FallbackTable {
  bool f[size_t(Tok::Count_)] = {};
  constexpr FallbackTable() {
    const Tok list[] = {
        Tok::K_EXPLAIN,      Tok::K_QUERY,     Tok::K_PLAN,      Tok::K_BEGIN,        Tok::K_DEFERRED,     Tok::K_IMMEDIATE,
        Tok::K_EXCLUSIVE,    Tok::K_END,       Tok::K_ROLLBACK,  Tok::K_SAVEPOINT,    Tok::K_RELEASE,      Tok::K_IF,
        Tok::K_TEMP,         Tok::K_TEMPORARY, Tok::K_WITHOUT,   Tok::K_ABORT,        Tok::K_ACTION,       Tok::K_AFTER,
        Tok::K_ANALYZE,      Tok::K_ASC,       Tok::K_ATTACH,    Tok::K_BEFORE,       Tok::K_BY,           Tok::K_CASCADE,
        Tok::K_CAST,         Tok::K_CONFLICT,  Tok::K_DATABASE,  Tok::K_DESC,         Tok::K_DETACH,       Tok::K_EACH,
        Tok::K_FAIL,         Tok::K_MATCH,     Tok::K_LIKE,      Tok::K_GLOB,         Tok::K_REGEXP,       Tok::K_COLUMN,
        Tok::K_DO,           Tok::K_FOR,       Tok::K_IGNORE,    Tok::K_INITIALLY,    Tok::K_INSTEAD,      Tok::K_NO,
        Tok::K_KEY,          Tok::K_OF,        Tok::K_OFFSET,    Tok::K_PRAGMA,       Tok::K_RAISE,        Tok::K_RECURSIVE,
        Tok::K_REPLACE,      Tok::K_RESTRICT,  Tok::K_ROW,       Tok::K_ROWS,         Tok::K_TRIGGER,      Tok::K_VACUUM,
        Tok::K_VIEW,         Tok::K_VIRTUAL,   Tok::K_WITH,      Tok::K_NULLS,        Tok::K_FIRST,        Tok::K_LAST,
        Tok::K_CURRENT,      Tok::K_FOLLOWING, Tok::K_PARTITION, Tok::K_PRECEDING,    Tok::K_RANGE,        Tok::K_UNBOUNDED,
        Tok::K_EXCLUDE,      Tok::K_GROUPS,    Tok::K_OTHERS,    Tok::K_TIES,         Tok::K_GENERATED,    Tok::K_ALWAYS,
        Tok::K_MATERIALIZED, Tok::K_REINDEX,   Tok::K_RENAME,    Tok::K_CURRENT_TIME, Tok::K_CURRENT_DATE, Tok::K_CURRENT_TIMESTAMP};
    for (Tok t : list) f[size_t(t)] = true;
  }
};
inline constexpr FallbackTable kFallback;
}  // namespace detail
[[gnu::always_inline]] inline bool is_fallback(Tok k) { return detail::kFallback.f[size_t(k)]; }

}  // namespace bd::sql
