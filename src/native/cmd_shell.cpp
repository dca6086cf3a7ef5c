// bigdaddy shell: SQL from stdin (or typed interactively), results as aligned text or JSON lines.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include "native/cluster.h"
#include "native/commands.h"
#include "sqlite3.h"
#include "value/numeric.h"

namespace bd::native {
namespace {

std::string render(const Value& v, bool json) {
  switch (v.type) {
    case ValueType::Null: return json ? "null" : "NULL";
    case ValueType::Integer: return std::to_string(v.i);
    case ValueType::Real: return real_to_text(v.r);
    case ValueType::Text: {
      if (!json) return v.s;
      std::string out = "\"";
      for (unsigned char c : v.s) {
        if (c == '"' || c == '\\') {
          out += '\\';
          out += static_cast<char>(c);
        } else if (c == '\n')
          out += "\\n";
        else if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else
          out += static_cast<char>(c);
      }
      return out + "\"";
    }
    case ValueType::Blob: {
      static const char* hex = "0123456789ABCDEF";
      std::string out = json ? "\"X'" : "X'";
      for (unsigned char c : v.s) {
        out += hex[c >> 4];
        out += hex[c & 15];
      }
      return out + (json ? "'\"" : "'");
    }
  }
  return "";
}

void print_result(const QueryResult& r, bool json) {
  if (json) {
    std::string out = "{\"columns\":[";
    for (size_t i = 0; i < r.rs.columns.size(); i++) out += (i ? ",\"" : "\"") + r.rs.columns[i] + "\"";
    out += "],\"rows\":[";
    for (size_t i = 0; i < r.rs.rows.size(); i++) {
      out += i ? ",[" : "[";
      for (size_t c = 0; c < r.rs.rows[i].size(); c++) out += (c ? "," : "") + render(r.rs.rows[i][c], true);
      out += "]";
    }
    out += "],\"rowsAffected\":" + std::to_string(r.rs.changes) + ",\"lastInsertRowid\":" + std::to_string(r.rs.last_insert_rowid);
    out += ",\"meta\":" + (r.meta_json.empty() ? std::string("{}") : r.meta_json) + "}";
    std::puts(out.c_str());
    return;
  }
  for (auto& row : r.rs.rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); c++) line += (c ? "|" : "") + render(row[c], false);
    std::puts(line.c_str());
  }
}

}  // namespace

int cmd_shell(int argc, char** argv) {
  ClusterOptions o;
  bool json = false;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--nodes") && i + 1 < argc)
      o.nodes = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc)
      o.dir = argv[++i];
    else if (!std::strcmp(argv[i], "--json"))
      json = true;
    else if (!std::strcmp(argv[i], "--database") && i + 1 < argc)
      o.database = argv[++i];
    else {
      std::fprintf(stderr, "shell: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  auto cluster = Cluster::open(o);
  if (!cluster.ok()) {
    std::fprintf(stderr, "error: %s\n", cluster.error().message.c_str());
    return 1;
  }
  bool interactive = isatty(0);
  std::string buf, line;
  int failures = 0;
  if (interactive) std::printf("bigdaddy shell, %d nodes. End statements with ';'.\nbd> ", o.nodes), std::fflush(stdout);
  while (std::getline(std::cin, line)) {
    buf += line;
    buf += '\n';
    // Run once the buffer holds complete statements (SQLite's own completeness test).
    if (!sqlite3_complete(buf.c_str())) {
      if (interactive) std::printf("...> "), std::fflush(stdout);
      continue;
    }
    auto r = (*cluster)->execute_script(buf);
    buf.clear();
    if (!r.ok()) {
      failures++;
      if (json)
        std::printf("{\"error\":%s}\n", render(Value::text(r.error().message), true).c_str());
      else
        std::fprintf(stderr, "Error: %s\n", r.error().message.c_str());
    } else {
      print_result(*r, json);
    }
    if (interactive) std::printf("bd> "), std::fflush(stdout);
  }
  if (!buf.empty() && buf.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto r = (*cluster)->execute_script(buf);
    if (!r.ok()) {
      failures++;
      std::fprintf(stderr, "Error: %s\n", r.error().message.c_str());
    } else
      print_result(*r, json);
  }
  return failures ? 1 : 0;
}

}  // namespace bd::native
