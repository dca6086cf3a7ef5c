// FTS5 knowledge the conductor needs without running FTS5 itself: the arguments of
// CREATE VIRTUAL TABLE ... USING fts5(...) (columns and options), and the full-text query syntax
// (fts5_expr.c's tokens and fts5parse.y's grammar), parsed to a tree of phrases so that a ranked
// query's phrases can be counted one by one. MATCH itself is always evaluated by FTS5 on the nodes.
#pragma once
#include <string>
#include <string_view>
#include <vector>
#include "base/result.h"

namespace bd::sql::fts5 {

struct Column {
  std::string name;  // dequoted
  bool unindexed = false;
};

struct Option {
  std::string key;    // lower-case
  std::string value;  // dequoted ('porter ascii' -> porter ascii)
};

struct Args {
  std::vector<Column> columns;
  std::vector<Option> options;
};

// `args` as sql::CreateVirtualTable holds them (each argument's tokens joined by one space).
Result<Args> parse_args(const std::vector<std::string>& args);

// A phrase of a query: its tokens as written (barewords or "quoted strings"), the first one
// anchored (^) or not, the last ones prefixes (*), and the columns it may match in (indexes into
// the table's columns; every column when no filter applies).
struct Phrase {
  std::vector<std::string> tokens;  // each as written in the query, quotes included
  std::vector<bool> prefix;
  bool caret = false;
  std::vector<int> columns;
  bool near = false;  // inside NEAR(...)
  // The phrase alone as an FTS5 query, its column filter included.
  std::string query(const std::vector<std::string>& column_names) const;
};

enum class NodeKind { Phrase, And, Or, Not, Near };

struct Node {
  NodeKind kind = NodeKind::Phrase;
  int phrase = -1;  // Phrase
  std::vector<Node> children;
};

struct Query {
  Node root;
  std::vector<Phrase> phrases;  // in FTS5's order (as written)
  bool has_near = false;
};

// Parses `q` against the table's columns; errors in FTS5's words ("fts5: syntax error near ...",
// "no such column: x").
Result<Query> parse_query(std::string_view q, const std::vector<std::string>& column_names);

}  // namespace bd::sql::fts5
