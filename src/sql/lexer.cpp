#include "sql/lexer.h"

#include <cstring>
#include <memory>

namespace bd::sql {
namespace {

// Character classes mirror sqlite3CtypeMap: ASCII letters, digits, '_', '$' and every byte >= 0x80
// may continue an identifier (so UTF-8 names work without decoding).
enum : uint8_t { kId = 1, kDigit = 2, kXDigit = 4, kSpace = 8, kIdStart = 16 };
struct CharTable {
  uint8_t c[256] = {};
  constexpr CharTable() {
    for (int ch = 0; ch < 256; ch++) {
      bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
      bool digit = ch >= '0' && ch <= '9';
      uint8_t v = 0;
      if (digit) v |= kDigit;
      if (digit || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')) v |= kXDigit;
      if (alpha || digit || ch == '_' || ch == '$' || ch >= 0x80) v |= kId;
      if (alpha || ch == '_' || ch >= 0x80) v |= kIdStart;
      if (ch == ' ' || (ch >= 0x09 && ch <= 0x0d)) v |= kSpace;
      c[ch] = v;
    }
  }
};
constexpr CharTable kC;
[[gnu::always_inline]] inline bool is_id(unsigned char ch) { return kC.c[ch] & kId; }
[[gnu::always_inline]] inline bool is_digit(unsigned char ch) { return kC.c[ch] & kDigit; }
[[gnu::always_inline]] inline bool is_xdigit(unsigned char ch) { return kC.c[ch] & kXDigit; }
[[gnu::always_inline]] inline bool is_space(unsigned char ch) { return kC.c[ch] & kSpace; }

[[gnu::always_inline]] inline uint64_t load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian on every target we build for (x86-64, wasm32)
}

// Keyword table: a perfect hash. Each keyword is packed into three 64-bit words (upper case);
// the first two, mixed, times kMul give a 10-bit slot that no two keywords share (the constructor
// checks it: a collision would fail to compile). A probe upper-cases the input with `& 0xDF`, loads
// one slot and, if it is taken, compares length and words once. That mask is exact here: among the
// bytes that can occur in a token it maps only a-z/A-Z to A-Z and '_' to '_' (0x7f also becomes
// '_', so keyword_kind() screens arbitrary text first).
constexpr size_t kNumKeywords = 0
#define BD_X(k) +1
    BD_SQL_KEYWORDS(BD_X)
#undef BD_X
    ;
struct KeywordTable {
  static constexpr int kBits = 10;
  static constexpr uint64_t kMul = 0x5bfc23f4ca5ea1cfull;  // found offline; verified below
  struct Entry {
    uint64_t w[3];
    uint8_t len;
    Tok kind;
  };
  Entry entries[kNumKeywords + 1] = {};  // [0]: unused (slot value 0 = empty)
  uint8_t slot[1 << kBits] = {};
  bool perfect = true;
  [[gnu::always_inline]] static constexpr uint32_t hash(uint64_t w0, uint64_t w1) {
    return uint32_t(((w0 ^ (w1 * 0x9E3779B97F4A7C15ull)) * kMul) >> (64 - kBits));
  }
  constexpr KeywordTable() {
    const char* words[] = {
#define BD_X(k) #k,
        BD_SQL_KEYWORDS(BD_X)
#undef BD_X
    };
    static_assert(kNumKeywords < 255);
    for (size_t i = 0; i < kNumKeywords; i++) {
      const char* w = words[i];
      size_t n = 0;
      while (w[n]) n++;
      Entry& e = entries[i + 1];
      for (size_t k = 0; k < n; k++) e.w[k / 8] |= uint64_t(uint8_t(w[k])) << (8 * (k % 8));
      e.len = uint8_t(n);
      e.kind = Tok(size_t(Tok::K_ABORT) + i);
      uint32_t h = hash(e.w[0], e.w[1]);
      if (slot[h]) perfect = false;
      slot[h] = uint8_t(i + 1);
    }
  }
  // `s` must be readable for 24 bytes; only the first n (2..17) count.
  [[gnu::always_inline]] Tok find(const unsigned char* s, size_t n) const {
    constexpr uint64_t kUp = 0xDFDFDFDFDFDFDFDFull;
    uint64_t w0 = load64(s) & kUp, w1 = 0, w2 = 0;
    if (n < 8) {
      w0 &= ~0ull >> (64 - 8 * n);
    } else if (n > 8) {
      w1 = load64(s + 8) & kUp;
      if (n < 16) {
        w1 &= ~0ull >> (64 - 8 * (n - 8));
      } else if (n > 16) {
        w2 = load64(s + 16) & kUp;
        w2 &= ~0ull >> (64 - 8 * (n - 16));
      }
    }
    uint32_t i = slot[hash(w0, w1)];
    if (!i) return Tok::Id;
    const Entry& e = entries[i];
    if (e.len == n && e.w[0] == w0 && e.w[1] == w1 && e.w[2] == w2) return e.kind;
    return Tok::Id;
  }
};
constexpr KeywordTable kKeywords;
static_assert(kKeywords.perfect, "keyword hash collision: pick another KeywordTable::kMul");

// Keywords whose meaning depends on their neighbours (WINDOW, OVER, FILTER): seeing one makes
// tokenize() run its second, contextual pass.
struct ContextualTable {
  bool f[size_t(Tok::Count_)] = {};
  constexpr ContextualTable() { f[size_t(Tok::K_WINDOW)] = f[size_t(Tok::K_OVER)] = f[size_t(Tok::K_FILTER)] = true; }
};
constexpr ContextualTable kContextual;

constexpr std::string_view kKeywordText[] = {
#define BD_X(k) #k,
    BD_SQL_KEYWORDS(BD_X)
#undef BD_X
};

// SQLite's getToken() inside analyze*Keyword: the class of the token at `k` as those functions
// see it (identifier-like tokens collapse to Id).
Tok lookahead_class(const std::vector<Token>& t, size_t k) {
  Tok x = t[k].kind;
  if (x == Tok::Id || x == Tok::String || is_join_kw(x) || x == Tok::K_WINDOW || x == Tok::K_OVER || is_fallback(x)) return Tok::Id;
  return x;
}

// What the scanner does with a token's first byte: one table load and one jump per token.
enum Act : uint8_t {
  aEnd,     // NUL: end of text
  aSpace,   // whitespace
  aIdent,   // ASCII letter or '_': identifier, keyword, or X'..' blob
  aHigh,    // byte >= 0x80: identifier (or a byte-order mark, which is whitespace)
  aSingle,  // a one-byte token whose kind kSingle gives: ( ) ; + * % , & ~
  aDigit,
  aMinus,
  aSlash,
  aEq,
  aLt,
  aGt,
  aBang,
  aBar,
  aQuote,
  aDot,
  aBracket,
  aQuestion,
  aNamedVar,
  aIllegal,
};
struct ActTable {
  uint8_t act[256] = {};
  Tok single[256] = {};
  constexpr ActTable() {
    for (int ch = 0; ch < 256; ch++) {
      uint8_t a = aIllegal;
      if (ch == 0)
        a = aEnd;
      else if (ch == ' ' || (ch >= 0x09 && ch <= 0x0d))
        a = aSpace;
      else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_')
        a = aIdent;
      else if (ch >= 0x80)
        a = aHigh;
      else if (ch >= '0' && ch <= '9')
        a = aDigit;
      act[ch] = a;
    }
    const struct {
      char c;
      Tok t;
    } singles[] = {{'(', Tok::LP},  {')', Tok::RP},    {';', Tok::Semi},   {'+', Tok::Plus},  {'*', Tok::Star},
                   {'%', Tok::Rem}, {',', Tok::Comma}, {'&', Tok::BitAnd}, {'~', Tok::BitNot}};
    for (auto& x : singles) {
      act[uint8_t(x.c)] = aSingle;
      single[uint8_t(x.c)] = x.t;
    }
    act[uint8_t('-')] = aMinus;
    act[uint8_t('/')] = aSlash;
    act[uint8_t('=')] = aEq;
    act[uint8_t('<')] = aLt;
    act[uint8_t('>')] = aGt;
    act[uint8_t('!')] = aBang;
    act[uint8_t('|')] = aBar;
    act[uint8_t('\'')] = act[uint8_t('"')] = act[uint8_t('`')] = aQuote;
    act[uint8_t('.')] = aDot;
    act[uint8_t('[')] = aBracket;
    act[uint8_t('?')] = aQuestion;
    act[uint8_t('$')] = act[uint8_t('@')] = act[uint8_t(':')] = act[uint8_t('#')] = aNamedVar;
  }
};
constexpr ActTable kAct;

// Scans the NUL-terminated, padded buffer `s` (n bytes of text, then at least kPad zero bytes).
// Every loop stops at a NUL, and the text holds none, so no read goes past the padding.
// Returns true when a WINDOW/OVER/FILTER keyword was seen.
constexpr size_t kPad = 32;
// Writes the tokens to `w`, which has room for one token per byte of text (every token is at
// least one byte long), and returns the end of what it wrote.
// `end_out` receives the offset of the NUL the scan stopped at: every loop stops at the first NUL
// and never steps over one, so a NUL inside the text ends it exactly as the padding does.
[[gnu::hot]] Token* scan_all(const unsigned char* s, Token* w, bool& contextual_out, size_t& end_out) {
  bool contextual = false;
  size_t i = 0;
  for (;;) {
    unsigned char c = s[i];
    if (c == ' ') c = s[++i];  // the usual one space between tokens, without a dispatch
    size_t j;
    Tok t;
    uint8_t act = kAct.act[c];
    // The two most frequent kinds first, without the jump table: names/keywords and one-byte tokens.
    if (act == aIdent) {
      for (j = i + 1; is_id(s[j]); j++) {
      }
      size_t len = j - i;
      t = Tok::Id;
      if (len >= 2) {
        if (len <= 17 && c != '_') {
          t = kKeywords.find(s + i, len);
          contextual |= kContextual.f[size_t(t)];
        }
      } else if ((c | 0x20) == 'x' && s[j] == '\'') {  // blob literal X'..'
        t = Tok::Blob;
        for (j = i + 2; is_xdigit(s[j]); j++) {
        }
        if (s[j] != '\'' || (j - i) % 2) {
          t = Tok::Illegal;
          while (s[j] && s[j] != '\'') j++;
        }
        if (s[j]) j++;
      }
      *w++ = Token(t, uint32_t(i), uint32_t(j - i));
      i = j;
      continue;
    }
    if (act == aSingle) {
      *w++ = Token(kAct.single[c], uint32_t(i), 1);
      i++;
      continue;
    }
    if (act == aSpace) {  // newlines, indentation
      do i++;
      while (is_space(s[i]));
      continue;
    }
    switch (act) {
      case aEnd:
        contextual_out = contextual;
        end_out = i;
        return w;
      case aHigh:
        if (c == 0xef && s[i + 1] == 0xbb && s[i + 2] == 0xbf) {  // byte-order mark: space
          i += 3;
          continue;
        }
        for (j = i + 1; is_id(s[j]); j++) {
        }
        t = Tok::Id;
        break;
      case aMinus:
        if (s[i + 1] == '-') {  // comment to end of line
          for (j = i + 2; s[j] && s[j] != '\n'; j++) {
          }
          i = j;
          continue;
        }
        if (s[i + 1] == '>') {
          j = i + 2 + (s[i + 2] == '>');
          t = Tok::Ptr;
          break;
        }
        j = i + 1;
        t = Tok::Minus;
        break;
      case aSlash:
        if (s[i + 1] != '*' || s[i + 2] == 0) {
          j = i + 1;
          t = Tok::Slash;
          break;
        }
        for (j = i + 3; s[j] && !(s[j - 1] == '*' && s[j] == '/'); j++) {
        }
        if (s[j]) j++;
        i = j;
        continue;
      case aEq:
        j = i + 1 + (s[i + 1] == '=');
        t = Tok::Eq;
        break;
      case aLt:
        j = i + 2;
        if (s[i + 1] == '=')
          t = Tok::Le;
        else if (s[i + 1] == '>')
          t = Tok::Ne;
        else if (s[i + 1] == '<')
          t = Tok::LShift;
        else {
          j = i + 1;
          t = Tok::Lt;
        }
        break;
      case aGt:
        j = i + 2;
        if (s[i + 1] == '=')
          t = Tok::Ge;
        else if (s[i + 1] == '>')
          t = Tok::RShift;
        else {
          j = i + 1;
          t = Tok::Gt;
        }
        break;
      case aBang:
        if (s[i + 1] != '=') {
          j = i + 1;
          t = Tok::Illegal;
        } else {
          j = i + 2;
          t = Tok::Ne;
        }
        break;
      case aBar:
        if (s[i + 1] != '|') {
          j = i + 1;
          t = Tok::BitOr;
        } else {
          j = i + 2;
          t = Tok::Concat;
        }
        break;
      case aQuote: {
        unsigned char q;
        for (j = i + 1; (q = s[j]) != 0; j++) {
          if (q == c) {
            if (s[j + 1] == c)
              j++;
            else
              break;
          }
        }
        if (q == '\'') {
          j++;
          t = Tok::String;
        } else if (q) {
          j++;
          t = Tok::Id;
        } else
          t = Tok::Illegal;
        break;
      }
      case aDot:
        if (!is_digit(s[i + 1])) {
          j = i + 1;
          t = Tok::Dot;
          break;
        }
        [[fallthrough]];
      case aDigit: {
        t = Tok::Integer;
        if (c == '0' && (s[i + 1] | 0x20) == 'x' && is_xdigit(s[i + 2])) {
          for (j = i + 3;; j++) {
            if (!is_xdigit(s[j])) {
              if (s[j] == '_')
                t = Tok::QNumber;
              else
                break;
            }
          }
        } else {
          for (j = i;; j++) {
            if (!is_digit(s[j])) {
              if (s[j] == '_')
                t = Tok::QNumber;
              else
                break;
            }
          }
          if (s[j] == '.') {
            if (t == Tok::Integer) t = Tok::Float;
            for (j++;; j++) {
              if (!is_digit(s[j])) {
                if (s[j] == '_')
                  t = Tok::QNumber;
                else
                  break;
              }
            }
          }
          if ((s[j] | 0x20) == 'e' && (is_digit(s[j + 1]) || ((s[j + 1] == '+' || s[j + 1] == '-') && is_digit(s[j + 2])))) {
            if (t == Tok::Integer) t = Tok::Float;
            for (j += 2;; j++) {
              if (!is_digit(s[j])) {
                if (s[j] == '_')
                  t = Tok::QNumber;
                else
                  break;
              }
            }
          }
        }
        while (is_id(s[j])) {
          t = Tok::Illegal;
          j++;
        }
        break;
      }
      case aBracket:
        for (j = i + 1; s[j] && s[j] != ']'; j++) {
        }
        if (s[j] == ']') {
          j++;
          t = Tok::Id;
        } else
          t = Tok::Illegal;
        break;
      case aQuestion:
        for (j = i + 1; is_digit(s[j]); j++) {
        }
        t = Tok::Variable;
        break;
      case aNamedVar: {
        t = Tok::Variable;
        size_t named = 0;
        for (j = i + 1; s[j]; j++) {
          unsigned char ch = s[j];
          if (is_id(ch)) {
            named++;
          } else if (ch == '(' && named > 0) {  // TCL-style $name(arbitrary)
            do {
              j++;
            } while (s[j] && !is_space(s[j]) && s[j] != ')');
            if (s[j] == ')')
              j++;
            else
              t = Tok::Illegal;
            break;
          } else if (ch == ':' && s[j + 1] == ':') {
            j++;
          } else {
            break;
          }
        }
        if (named == 0) t = Tok::Illegal;
        break;
      }
      default:  // aIllegal (aIdent, aSingle and aSpace are handled above)
        j = i + 1;
        t = Tok::Illegal;
        break;
    }
    *w++ = Token(t, uint32_t(i), uint32_t(j - i));
    i = j;
  }
}

}  // namespace

Tok keyword_kind(std::string_view w) {
  size_t n = w.size();
  if (n < 2 || n > 17) return Tok::Id;
  unsigned char buf[24] = {};
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = static_cast<unsigned char>(w[i]);
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_')) return Tok::Id;
    buf[i] = ch;
  }
  return kKeywords.find(buf, n);
}

std::string_view keyword_text(Tok k) {
  if (!is_keyword(k)) return {};
  return kKeywordText[size_t(k) - size_t(Tok::K_ABORT)];
}

void tokenize(std::string_view src, std::vector<Token>& out) {
  // The scanner works on a zero-padded copy so that no loop needs a bounds check. The copy is on
  // the stack for typical statements. A NUL ends the input (as for sqlite3_prepare): the scan
  // stops at the first one, in the text or in the padding.
  size_t n = src.size();
  unsigned char stack_buf[2048];
  std::unique_ptr<unsigned char[]> heap_buf;
  unsigned char* s = stack_buf;
  if (n + kPad > sizeof stack_buf) {
    heap_buf.reset(new unsigned char[n + kPad]);
    s = heap_buf.get();
  }
  std::memcpy(s, src.data(), n);
  std::memset(s + n, 0, kPad);

  // Size the output once (Token's default constructor leaves slots uninitialized, so this costs no
  // stores) and let the scanner write through a plain pointer: no capacity check per token.
  size_t first = out.size();
  out.resize(first + n + 1);
  bool contextual = false;
  size_t end = n;
  Token* w = scan_all(s, out.data() + first, contextual, end);
  *w++ = Token(Tok::End, uint32_t(end), 0);
  out.resize(size_t(w - out.data()));
  if (!contextual) return;
  // Contextual keywords (tokenize.c analyzeWindowKeyword / analyzeOverKeyword / analyzeFilterKeyword).
  // Statement boundaries do not matter: the neighbours looked at are never across a ';' that
  // would change the outcome, because ';' is neither an identifier nor '(' nor ')'.
  for (size_t k = first; k + 1 < out.size(); k++) {
    Tok x = out[k].kind;
    if (x == Tok::K_WINDOW) {
      if (!(lookahead_class(out, k + 1) == Tok::Id && k + 2 < out.size() && out[k + 2].kind == Tok::K_AS)) out[k].kind = Tok::Id;
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
