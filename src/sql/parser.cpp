#include "sql/parser.h"

#include "sql/parser_impl.h"

namespace bd::sql {
namespace detail {

namespace {
// One token buffer per thread, reused by every parse on that thread so that parsing a statement
// does not allocate (and free) its token array. Bounded: a buffer that grew past kMaxKeptTokens
// (a very large script) is released after the parse instead of pinning that memory. Trivially
// destructible on purpose (wasm32-wasi has no thread-exit hooks); a native thread that exits leaves
// at most that much behind. A nested parse on the same thread (busy) uses its own vector.
struct TokenBuffer {
  static constexpr size_t kMaxKeptTokens = 16384;  // 192 KB
  std::vector<Token>* v = nullptr;
  bool busy = false;
};
thread_local TokenBuffer g_tokens;
}  // namespace

Parser::Parser(std::string_view src, const ParseOptions& opts) : src_(src), opts_(opts) {
  TokenBuffer& tb = g_tokens;
  if (!tb.busy) {
    if (!tb.v) tb.v = new std::vector<Token>();  // intentionally never freed (see TokenBuffer)
    tb.busy = true;
    owns_shared_ = true;
    toks_ = tb.v;
    toks_->clear();
  } else {
    toks_ = &own_toks_;
  }
  // tokenize() sizes the array for one token per byte (the most there can be) before trimming it;
  // reserving that plus the end padding here means one allocation at most.
  size_t want = src.size() + 1 + kEndPad;
  if (toks_->capacity() < want) toks_->reserve(want);
  tokenize(src, *toks_);
  const Token end = toks_->back();
  for (size_t i = 1; i < kEndPad; i++) toks_->push_back(end);  // lookahead padding
  cur_ = toks_->data();
}

Parser::~Parser() {
  if (!owns_shared_) return;
  TokenBuffer& tb = g_tokens;
  tb.busy = false;
  if (tb.v->capacity() > TokenBuffer::kMaxKeptTokens) std::vector<Token>().swap(*tb.v);
}

std::string Parser::dequote(const Token& t) const {
  std::string out;
  dequote_into(t, out);
  return out;
}

void Parser::dequote_into(const Token& t, std::string& out) const {
  const char* s = src_.data() + t.offset;
  size_t n = t.len;
  if (n == 0) {
    out.clear();
    return;
  }
  char q = s[0];
  if (q != '"' && q != '\'' && q != '`' && q != '[') {
    set_str(out, s, n);
    return;
  }
  if (q == '[') {
    set_str(out, s + 1, n - 2);
    return;
  }
  out.clear();
  out.reserve(n);
  for (size_t i = 1; i + 1 < n; i++) {
    out.push_back(s[i]);
    if (s[i] == q) i++;  // doubled quote
  }
}

bool Parser::nm(std::string& out) {
  if (!is_nm(kind())) {
    syntax_error();
    return false;
  }
  dequote_into(peek(), out);
  advance();
  return true;
}

bool Parser::ids(std::string& out) {
  if (!is_ids(kind())) {
    syntax_error();
    return false;
  }
  dequote_into(peek(), out);
  advance();
  return true;
}

void Parser::syntax_error() {
  const Token& t = peek();
  if (t.kind == Tok::End) {
    // Point just past the last real token rather than at trailing whitespace.
    uint32_t off = t.offset;
    if (cur_ > first_token()) off = cur_[-1].offset + cur_[-1].len;
    fail("incomplete input", off);
  } else if (t.kind == Tok::Illegal) {
    fail("unrecognized token: \"" + std::string(text(t)) + "\"", t.offset);
  } else {
    fail("near \"" + std::string(text(t)) + "\": syntax error", t.offset);
  }
}

void Parser::fail(std::string msg, uint32_t offset) {
  if (failed_) return;
  failed_ = true;
  err_ = std::move(msg);
  err_offset_ = offset;
}

void Parser::defer(std::string msg, uint32_t offset) {
  if (has_deferred_) return;
  has_deferred_ = true;
  deferred_ = std::move(msg);
  deferred_offset_ = offset;
}

std::string Parser::error_message() const {
  LineCol lc = line_col(src_, err_offset_);
  return err_ + " at line " + std::to_string(lc.line) + ", column " + std::to_string(lc.column);
}

bool Parser::parse_script(std::vector<StmtPtr>& out) {
  for (;;) {
    while (accept(Tok::Semi)) {
    }
    if (kind() == Tok::End) return true;
    n_var_ = 0;
    var_names_.clear();
    has_deferred_ = false;
    StmtPtr st = statement();
    if (failed_) return false;
    if (kind() != Tok::Semi && kind() != Tok::End) {
      syntax_error();
      return false;
    }
    if (has_deferred_) {
      fail(deferred_, deferred_offset_);
      return false;
    }
    st->param_count = n_var_;
    st->param_names = var_names_;
    out.push_back(std::move(st));
  }
}

ExprPtr Parser::parse_lone_expr() {
  ExprPtr e = expr();
  if (failed_) return {};
  if (kind() != Tok::End) {
    syntax_error();
    return {};
  }
  if (has_deferred_) {
    fail(deferred_, deferred_offset_);
    return {};
  }
  return e;
}

}  // namespace detail

LineCol line_col(std::string_view sql, uint32_t offset) {
  LineCol lc;
  size_t end = offset < sql.size() ? offset : sql.size();
  size_t line_start = 0;
  for (size_t i = 0; i < end; i++) {
    if (sql[i] == '\n') {
      lc.line++;
      line_start = i + 1;
    }
  }
  lc.column = uint32_t(offset - line_start + 1);
  return lc;
}

Result<std::vector<StmtPtr>> parse_script(std::string_view sql, const ParseOptions& opts) {
  detail::Parser p(sql, opts);
  std::vector<StmtPtr> out;
  if (!p.parse_script(out)) return Error::sql(p.error_message());
  return out;
}

Result<StmtPtr> parse_statement(std::string_view sql, const ParseOptions& opts) {
  detail::Parser p(sql, opts);
  std::vector<StmtPtr> out;
  if (!p.parse_script(out)) return Error::sql(p.error_message());
  if (out.size() != 1) {
    return Error::sql(out.empty() ? "empty statement" : "expected exactly one statement");
  }
  return std::move(out[0]);
}

Result<ExprPtr> parse_expression(std::string_view sql) {
  detail::Parser p(sql, ParseOptions{});
  ExprPtr e = p.parse_lone_expr();
  if (p.failed()) return Error::sql(p.error_message());
  return e;
}

}  // namespace bd::sql
