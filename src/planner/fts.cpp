#include "planner/fts.h"

#include "sql/parser.h"
#include "value/text.h"

namespace bd::planner {

Result<FtsTables> fts_tables(const sql::CreateVirtualTable& vt, std::string create_sql) {
  auto args = sql::fts5::parse_args(vt.args);
  if (!args.ok()) return args.error();
  for (auto& o : args->options) {
    if (o.key == "content" || o.key == "content_rowid" || o.key == "contentless_delete" || o.key == "contentless_unindexed")
      return Error::unsupported("FTS5 option " + o.key +
                                "= is not supported: the table's rows are sharded over the nodes, so it keeps its own content");
    if (o.key == "columnsize" && o.value != "1")
      return Error::unsupported("FTS5 option columnsize=0 is not supported: ranking across nodes reads each row's column sizes");
    if (o.key == "detail" && !iequals(o.value, "full"))
      return Error::unsupported("FTS5 option detail=" + o.value + " is not supported: only detail=full is");
    if (o.key == "locale" || o.key == "tokendata") return Error::unsupported("FTS5 option " + o.key + "= is not supported");
  }
  if (args->columns.empty()) return Error::sql("vtable constructor failed: " + vt.name.name);
  FtsTables out;
  out.fts.name = vt.name.name;
  out.fts.create_sql = std::move(create_sql);
  out.content.name = fts_content_table(vt.name.name);
  for (auto& c : args->columns) {
    ColumnInfo ci;
    ci.name = c.name;
    ci.affinity = Affinity::Blob;
    if (reserved_name(c.name)) return Error::sql("object name reserved for internal use: " + c.name);
    out.fts.columns.push_back(ci);
    out.content.columns.push_back(ci);
  }
  const std::string T = quoted_identifier(out.fts.name), C = quoted_identifier(out.content.name);
  std::string cols, news, olds;
  for (auto& c : args->columns) {
    cols += (cols.empty() ? "" : ", ") + quoted_identifier(c.name);
    news += ", NEW." + quoted_identifier(c.name);
    olds += ", OLD." + quoted_identifier(c.name);
  }
  out.content.create_sql = "CREATE TABLE " + C + " (" + cols + ")";
  out.node_ddl.push_back("CREATE TABLE " + C + " (" + cols + ", " + quoted_identifier(kKsidColumn) + " INTEGER)");
  std::string fts_args;
  for (auto& a : vt.args) fts_args += a + ", ";
  out.node_ddl.push_back("CREATE VIRTUAL TABLE " + T + " USING fts5(" + fts_args + "content=" + quoted_string(out.content.name) + ")");
  std::string ins = "INSERT INTO " + T + " (rowid, " + cols + ") VALUES (NEW.rowid" + news + ");";
  std::string del = "INSERT INTO " + T + " (" + T + ", rowid, " + cols + ") VALUES ('delete', OLD.rowid" + olds + ");";
  auto trig = [&](const char* suffix) { return quoted_identifier(out.content.name + suffix); };
  // An INSERT OR REPLACE (the undo of a transaction restores rows so) deletes the row it replaces
  // without its DELETE trigger: the row's old entries leave the index before the insert.
  std::string olds_of;
  for (auto& c : args->columns) olds_of += ", " + quoted_identifier(c.name);
  out.node_ddl.push_back("CREATE TRIGGER " + trig("_bi") + " BEFORE INSERT ON " + C + " BEGIN INSERT INTO " + T + " (" + T + ", rowid, " +
                         cols + ") SELECT 'delete', rowid" + olds_of + " FROM " + C + " WHERE rowid = NEW.rowid; END");
  out.node_ddl.push_back("CREATE TRIGGER " + trig("_ai") + " AFTER INSERT ON " + C + " BEGIN " + ins + " END");
  out.node_ddl.push_back("CREATE TRIGGER " + trig("_ad") + " AFTER DELETE ON " + C + " BEGIN " + del + " END");
  out.node_ddl.push_back("CREATE TRIGGER " + trig("_au") + " AFTER UPDATE ON " + C + " BEGIN " + del + " " + ins + " END");
  out.args = std::move(*args);
  return out;
}

std::vector<std::string> fts_column_names(const TableInfo& t) {
  std::vector<std::string> out;
  for (auto& c : t.columns) out.push_back(c.name);
  return out;
}

}  // namespace bd::planner
