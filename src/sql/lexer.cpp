#include "sql/lexer.h"

#include <cstring>

namespace bd::sql {
namespace {

// Character classes mirror sqlite3CtypeMap: ASCII letters, digits, '_', '$' and every byte >= 0x80
// may continue an identifier (so UTF-8 names work without decoding).
struct CharTable {
  bool id[256] = {};
  bool space[256] = {};
  bool digit[256] = {};
  bool xdigit[256] = {};
  constexpr CharTable() {
    for (int c = 0; c < 256; c++) {
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      digit[c] = c >= '0' && c <= '9';
      xdigit[c] = digit[c] || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      id[c] = alpha || digit[c] || c == '_' || c == '$' || c >= 0x80;
      space[c] = c == ' ' || (c >= 0x09 && c <= 0x0d);
    }
  }
};
constexpr CharTable kC;

// Keyword table: open addressing keyed by the upper-cased word packed into three 64-bit words
// (keywords are at most 17 bytes), so a probe is three integer compares and nothing allocates.
struct KeywordTable {
  static constexpr int kSize = 1024;
  struct Entry {
    uint64_t w[3];
    Tok kind;
  };
  Entry slots[kSize] = {};
  static constexpr uint32_t hash(const uint64_t* w) {
    uint64_t h = w[0] * 0x9E3779B97F4A7C15ull ^ (w[1] + w[2] * 31) * 0xC2B2AE3D27D4EB4Full;
    return uint32_t(h >> 40) & (kSize - 1);
  }
  static constexpr void pack(const char* up, size_t n, uint64_t* w) {
    w[0] = w[1] = w[2] = 0;
    for (size_t i = 0; i < n; i++) w[i / 8] |= uint64_t(uint8_t(up[i])) << (8 * (i % 8));
  }
  constexpr void add(const char* word, Tok k) {
    size_t n = 0;
    while (word[n]) n++;
    uint64_t w[3];
    pack(word, n, w);
    uint32_t h = hash(w);
    while (slots[h].w[0]) h = (h + 1) & (kSize - 1);
    for (int i = 0; i < 3; i++) slots[h].w[i] = w[i];
    slots[h].kind = k;
  }
  constexpr KeywordTable() {
#define BD_X(k) add(#k, Tok::K_##k);
    BD_SQL_KEYWORDS(BD_X)
#undef BD_X
  }
  Tok find(const uint64_t* w) const {
    uint32_t h = hash(w);
    while (slots[h].w[0]) {
      if (slots[h].w[0] == w[0] && slots[h].w[1] == w[1] && slots[h].w[2] == w[2]) return slots[h].kind;
      h = (h + 1) & (kSize - 1);
    }
    return Tok::Id;
  }
  // Upper-cases and looks up; any byte that cannot occur in a keyword means "identifier".
  Tok lookup(const unsigned char* s, size_t n) const {
    if (n < 2 || n > 17) return Tok::Id;
    uint64_t w[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
      unsigned char ch = s[i];
      if (ch >= 'a' && ch <= 'z') ch -= 32;
      else if (!((ch >= 'A' && ch <= 'Z') || ch == '_')) return Tok::Id;
      w[i / 8] |= uint64_t(ch) << (8 * (i % 8));
    }
    return find(w);
  }
};
constexpr KeywordTable kKeywords;

constexpr std::string_view kKeywordText[] = {
#define BD_X(k) #k,
    BD_SQL_KEYWORDS(BD_X)
#undef BD_X
};

struct FallbackTable {
  bool f[size_t(Tok::Count_)] = {};
  constexpr FallbackTable() {
    const Tok list[] = {
        Tok::K_EXPLAIN, Tok::K_QUERY, Tok::K_PLAN, Tok::K_BEGIN, Tok::K_DEFERRED, Tok::K_IMMEDIATE,
        Tok::K_EXCLUSIVE, Tok::K_END, Tok::K_ROLLBACK, Tok::K_SAVEPOINT, Tok::K_RELEASE, Tok::K_IF,
        Tok::K_TEMP, Tok::K_TEMPORARY, Tok::K_WITHOUT, Tok::K_ABORT, Tok::K_ACTION, Tok::K_AFTER,
        Tok::K_ANALYZE, Tok::K_ASC, Tok::K_ATTACH, Tok::K_BEFORE, Tok::K_BY, Tok::K_CASCADE,
        Tok::K_CAST, Tok::K_CONFLICT, Tok::K_DATABASE, Tok::K_DESC, Tok::K_DETACH, Tok::K_EACH,
        Tok::K_FAIL, Tok::K_MATCH, Tok::K_LIKE, Tok::K_GLOB, Tok::K_REGEXP, Tok::K_COLUMN, Tok::K_DO,
        Tok::K_FOR, Tok::K_IGNORE, Tok::K_INITIALLY, Tok::K_INSTEAD, Tok::K_NO, Tok::K_KEY,
        Tok::K_OF, Tok::K_OFFSET, Tok::K_PRAGMA, Tok::K_RAISE, Tok::K_RECURSIVE, Tok::K_REPLACE,
        Tok::K_RESTRICT, Tok::K_ROW, Tok::K_ROWS, Tok::K_TRIGGER, Tok::K_VACUUM, Tok::K_VIEW,
        Tok::K_VIRTUAL, Tok::K_WITH, Tok::K_NULLS, Tok::K_FIRST, Tok::K_LAST, Tok::K_CURRENT,
        Tok::K_FOLLOWING, Tok::K_PARTITION, Tok::K_PRECEDING, Tok::K_RANGE, Tok::K_UNBOUNDED,
        Tok::K_EXCLUDE, Tok::K_GROUPS, Tok::K_OTHERS, Tok::K_TIES, Tok::K_GENERATED,
        Tok::K_ALWAYS, Tok::K_MATERIALIZED, Tok::K_REINDEX, Tok::K_RENAME, Tok::K_CURRENT_TIME,
        Tok::K_CURRENT_DATE, Tok::K_CURRENT_TIMESTAMP};
    for (Tok t : list) f[size_t(t)] = true;
  }
};
constexpr FallbackTable kFallback;

// Token kind of one token starting at s[i]; sets *len. `n` bounds the input (a NUL also ends it).
Tok scan(const unsigned char* s, size_t n, size_t i, size_t* len) {
  auto at = [&](size_t k) -> unsigned char { return k < n ? s[k] : 0; };
  unsigned char c = s[i];
  size_t j;
  switch (c) {
    case '-':
      if (at(i + 1) == '-') {  // comment to end of line (reported as space by the caller)
        for (j = i + 2; at(j) && at(j) != '\n'; j++) {}
        *len = j - i;
        return Tok::Count_;
      }
      if (at(i + 1) == '>') {
        *len = 2 + (at(i + 2) == '>');
        return Tok::Ptr;
      }
      *len = 1;
      return Tok::Minus;
    case '(': *len = 1; return Tok::LP;
    case ')': *len = 1; return Tok::RP;
    case ';': *len = 1; return Tok::Semi;
    case '+': *len = 1; return Tok::Plus;
    case '*': *len = 1; return Tok::Star;
    case '/':
      if (at(i + 1) != '*' || at(i + 2) == 0) {
        *len = 1;
        return Tok::Slash;
      }
      for (j = i + 3; at(j) && !(at(j - 1) == '*' && at(j) == '/' && j - 1 >= i + 2); j++) {}
      if (at(j)) j++;
      *len = j - i;
      return Tok::Count_;
    case '%': *len = 1; return Tok::Rem;
    case '=': *len = 1 + (at(i + 1) == '='); return Tok::Eq;
    case '<':
      if (at(i + 1) == '=') { *len = 2; return Tok::Le; }
      if (at(i + 1) == '>') { *len = 2; return Tok::Ne; }
      if (at(i + 1) == '<') { *len = 2; return Tok::LShift; }
      *len = 1;
      return Tok::Lt;
    case '>':
      if (at(i + 1) == '=') { *len = 2; return Tok::Ge; }
      if (at(i + 1) == '>') { *len = 2; return Tok::RShift; }
      *len = 1;
      return Tok::Gt;
    case '!':
      if (at(i + 1) != '=') { *len = 1; return Tok::Illegal; }
      *len = 2;
      return Tok::Ne;
    case '|':
      if (at(i + 1) != '|') { *len = 1; return Tok::BitOr; }
      *len = 2;
      return Tok::Concat;
    case ',': *len = 1; return Tok::Comma;
    case '&': *len = 1; return Tok::BitAnd;
    case '~': *len = 1; return Tok::BitNot;
    case '\'': case '"': case '`': {
      unsigned char d = c, q = 0;
      for (j = i + 1; (q = at(j)) != 0; j++) {
        if (q == d) {
          if (at(j + 1) == d) j++;
          else break;
        }
      }
      if (q == '\'') { *len = j + 1 - i; return Tok::String; }
      if (q) { *len = j + 1 - i; return Tok::Id; }
      *len = j - i;
      return Tok::Illegal;
    }
    case '.':
      if (!kC.digit[at(i + 1)]) { *len = 1; return Tok::Dot; }
      [[fallthrough]];
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9': {
      Tok t = Tok::Integer;
      if (c == '0' && (at(i + 1) == 'x' || at(i + 1) == 'X') && kC.xdigit[at(i + 2)]) {
        for (j = i + 3;; j++) {
          if (!kC.xdigit[at(j)]) {
            if (at(j) == '_') t = Tok::QNumber;
            else break;
          }
        }
      } else {
        for (j = i;; j++) {
          if (!kC.digit[at(j)]) {
            if (at(j) == '_') t = Tok::QNumber;
            else break;
          }
        }
        if (at(j) == '.') {
          if (t == Tok::Integer) t = Tok::Float;
          for (j++;; j++) {
            if (!kC.digit[at(j)]) {
              if (at(j) == '_') t = Tok::QNumber;
              else break;
            }
          }
        }
        if ((at(j) == 'e' || at(j) == 'E') &&
            (kC.digit[at(j + 1)] || ((at(j + 1) == '+' || at(j + 1) == '-') && kC.digit[at(j + 2)]))) {
          if (t == Tok::Integer) t = Tok::Float;
          for (j += 2;; j++) {
            if (!kC.digit[at(j)]) {
              if (at(j) == '_') t = Tok::QNumber;
              else break;
            }
          }
        }
      }
      while (kC.id[at(j)]) {
        t = Tok::Illegal;
        j++;
      }
      *len = j - i;
      return t;
    }
    case '[':
      for (j = i + 1; at(j) && at(j) != ']'; j++) {}
      if (at(j) == ']') { *len = j + 1 - i; return Tok::Id; }
      *len = j - i;
      return Tok::Illegal;
    case '?':
      for (j = i + 1; kC.digit[at(j)]; j++) {}
      *len = j - i;
      return Tok::Variable;
    case '$': case '@': case ':': case '#': {
      Tok t = Tok::Variable;
      size_t named = 0;
      for (j = i + 1; at(j); j++) {
        unsigned char ch = at(j);
        if (kC.id[ch]) {
          named++;
        } else if (ch == '(' && named > 0) {  // TCL-style $name(arbitrary)
          do { j++; } while (at(j) && !kC.space[at(j)] && at(j) != ')');
          if (at(j) == ')') j++;
          else t = Tok::Illegal;
          break;
        } else if (ch == ':' && at(j + 1) == ':') {
          j++;
        } else {
          break;
        }
      }
      if (named == 0) t = Tok::Illegal;
      *len = j - i;
      return t;
    }
    case 'x': case 'X':
      if (at(i + 1) == '\'') {
        Tok t = Tok::Blob;
        for (j = i + 2; kC.xdigit[at(j)]; j++) {}
        if (at(j) != '\'' || (j - i) % 2) {
          t = Tok::Illegal;
          while (at(j) && at(j) != '\'') j++;
        }
        if (at(j)) j++;
        *len = j - i;
        return t;
      }
      break;
    case 0xef:
      if (at(i + 1) == 0xbb && at(i + 2) == 0xbf) { *len = 3; return Tok::Count_; }
      break;
    default:
      if (kC.space[c]) {
        for (j = i + 1; kC.space[at(j)]; j++) {}
        *len = j - i;
        return Tok::Count_;
      }
      if (!kC.id[c] || kC.digit[c]) { *len = 1; return Tok::Illegal; }
      break;
  }
  // Identifier or keyword.
  bool maybe_kw = c < 0x80 && c != '_' && c != '$';
  for (j = i + 1; kC.id[at(j)]; j++) {}
  *len = j - i;
  if (maybe_kw) return kKeywords.lookup(s + i, j - i);
  return Tok::Id;
}

// SQLite's getToken() inside analyze*Keyword: the class of the token at `k` as those functions
// see it (identifier-like tokens collapse to Id).
Tok lookahead_class(const std::vector<Token>& t, size_t k) {
  Tok x = t[k].kind;
  if (x == Tok::Id || x == Tok::String || is_join_kw(x) || x == Tok::K_WINDOW || x == Tok::K_OVER ||
      is_fallback(x))
    return Tok::Id;
  return x;
}

}  // namespace

Tok keyword_kind(std::string_view w) {
  return kKeywords.lookup(reinterpret_cast<const unsigned char*>(w.data()), w.size());
}

std::string_view keyword_text(Tok k) {
  if (!is_keyword(k)) return {};
  return kKeywordText[size_t(k) - size_t(Tok::K_ABORT)];
}

bool is_fallback(Tok k) { return kFallback.f[size_t(k)]; }

void tokenize(std::string_view src, std::vector<Token>& out) {
  const auto* s = reinterpret_cast<const unsigned char*>(src.data());
  size_t n = src.size();
  size_t first = out.size();
  size_t i = 0;
  while (i < n && s[i] != 0) {
    size_t len = 0;
    Tok t = scan(s, n, i, &len);
    if (t != Tok::Count_) out.push_back(Token{t, uint32_t(i), uint32_t(len)});
    i += len;
  }
  out.push_back(Token{Tok::End, uint32_t(i), 0});
  // Contextual keywords (tokenize.c analyzeWindowKeyword / analyzeOverKeyword / analyzeFilterKeyword).
  // Statement boundaries do not matter: the neighbours looked at are never across a ';' that
  // would change the outcome, because ';' is neither an identifier nor '(' nor ')'.
  for (size_t k = first; k + 1 < out.size(); k++) {
    Tok x = out[k].kind;
    if (x == Tok::K_WINDOW) {
      if (!(lookahead_class(out, k + 1) == Tok::Id && k + 2 < out.size() && out[k + 2].kind == Tok::K_AS))
        out[k].kind = Tok::Id;
    } else if (x == Tok::K_OVER) {
      bool after_rp = k > first && out[k - 1].kind == Tok::RP;
      Tok nx = lookahead_class(out, k + 1);
      if (!(after_rp && (nx == Tok::LP || nx == Tok::Id))) out[k].kind = Tok::Id;
    } else if (x == Tok::K_FILTER) {
      bool after_rp = k > first && out[k - 1].kind == Tok::RP;
      if (!(after_rp && out[k + 1].kind == Tok::LP)) out[k].kind = Tok::Id;
    }
  }
}

}  // namespace bd::sql
