#include "topology/catalog.h"

#include <algorithm>
#include <cctype>

namespace bd {

int TableInfo::column_index(std::string_view col) const {
  for (size_t i = 0; i < columns.size(); i++)
    if (iequals(columns[i].name, col)) return static_cast<int>(i);
  return -1;
}

const TableInfo* Topology::find_table(std::string_view name) const {
  for (auto& t : tables)
    if (t.kind != TableKind::Index && iequals(t.name, name)) return &t;
  return nullptr;
}

const VShard& Topology::vshard_for(uint64_t ksid) const {
  auto it = std::upper_bound(vshards.begin(), vshards.end(), ksid, [](uint64_t k, const VShard& v) { return k < v.lo; });
  return *(it - 1);
}

void encode_table(wire::Writer& w, const TableInfo& t) {
  w.str(t.name);
  w.u8(static_cast<uint8_t>(t.kind));
  w.u32(static_cast<uint32_t>(t.shard_key + 1));
  w.u32(static_cast<uint32_t>(t.rowid_alias + 1));
  w.u8(t.autoincrement);
  w.u8(t.without_rowid);
  w.str(t.create_sql);
  w.u32(static_cast<uint32_t>(t.columns.size()));
  for (auto& c : t.columns) {
    w.str(c.name);
    w.str(c.decl_type);
    w.u8(static_cast<uint8_t>(c.affinity));
    w.str(c.collation);
    w.u8(c.generated);
  }
  w.str(t.base_table);
  w.u8(t.unique);
}

Result<TableInfo> decode_table(wire::Reader& r) {
  TableInfo ti;
  ti.name = r.str();
  ti.kind = static_cast<TableKind>(r.u8());
  ti.shard_key = static_cast<int>(r.u32()) - 1;
  ti.rowid_alias = static_cast<int>(r.u32()) - 1;
  ti.autoincrement = r.u8();
  ti.without_rowid = r.u8();
  ti.create_sql = r.str();
  uint32_t nc = r.count();
  for (uint32_t c = 0; c < nc && r.ok(); c++) {
    ColumnInfo ci;
    ci.name = r.str();
    ci.decl_type = r.str();
    ci.affinity = static_cast<Affinity>(r.u8());
    ci.collation = r.str();
    ci.generated = r.u8() != 0;
    ti.columns.push_back(std::move(ci));
  }
  ti.base_table = r.str();
  ti.unique = r.u8() != 0;
  if (!r.ok()) return Error::internal("corrupt table record");
  return ti;
}

void encode_schema(wire::Writer& w, const std::vector<SchemaRow>& rows) {
  w.u32(static_cast<uint32_t>(rows.size()));
  for (auto& row : rows) {
    w.str(row.type);
    w.str(row.name);
    w.str(row.tbl_name);
    w.u8(row.sql.has_value());
    if (row.sql) w.str(*row.sql);
  }
}

Result<std::vector<SchemaRow>> decode_schema(wire::Reader& r) {
  std::vector<SchemaRow> rows;
  uint32_t n = r.count();
  for (uint32_t i = 0; i < n && r.ok(); i++) {
    SchemaRow row;
    row.type = r.str();
    row.name = r.str();
    row.tbl_name = r.str();
    if (r.u8()) row.sql = std::string(r.str());
    rows.push_back(std::move(row));
  }
  if (!r.ok()) return Error::internal("corrupt schema record");
  return rows;
}

std::string lookup_table_name(std::string_view index) { return "_bd_idx_" + std::string(index); }

const TableInfo* Topology::find_index(std::string_view name) const {
  for (auto& t : tables)
    if (t.kind == TableKind::Index && iequals(t.name, name)) return &t;
  return nullptr;
}

std::vector<const TableInfo*> Topology::indexes_of(std::string_view table) const {
  std::vector<const TableInfo*> out;
  for (auto& t : tables)
    if (t.kind == TableKind::Index && iequals(t.base_table, table)) out.push_back(&t);
  return out;
}

void Topology::encode(wire::Writer& w) const {
  w.str(database);
  w.i64(static_cast<int64_t>(version));
  w.i64(static_cast<int64_t>(epoch));
  w.u32(nodes);
  w.u32(static_cast<uint32_t>(vshards.size()));
  for (auto& v : vshards) {
    w.u32(v.id);
    w.i64(static_cast<int64_t>(v.lo));
    w.i64(static_cast<int64_t>(v.hi));
    w.u32(v.node);
  }
  w.u32(static_cast<uint32_t>(tables.size()));
  for (auto& t : tables) encode_table(w, t);
  w.u8(resizing);
  w.u8(has_schema);
  encode_schema(w, schema);
  w.i64(user_version);
}

Result<Topology> Topology::decode(wire::Reader& r) {
  Topology t;
  t.database = r.str();
  t.version = static_cast<uint64_t>(r.i64());
  t.epoch = static_cast<uint64_t>(r.i64());
  t.nodes = r.u32();
  uint32_t nv = r.count();
  for (uint32_t i = 0; i < nv && r.ok(); i++) {
    VShard v;
    v.id = r.u32();
    v.lo = static_cast<uint64_t>(r.i64());
    v.hi = static_cast<uint64_t>(r.i64());
    v.node = r.u32();
    t.vshards.push_back(v);
  }
  uint32_t nt = r.count();
  for (uint32_t i = 0; i < nt && r.ok(); i++) {
    auto ti = decode_table(r);
    if (!ti.ok()) return ti.error();
    t.tables.push_back(std::move(*ti));
  }
  t.resizing = r.u8() != 0;
  t.has_schema = r.u8() != 0;
  auto schema = decode_schema(r);
  if (!schema.ok()) return schema.error();
  t.schema = std::move(*schema);
  t.user_version = r.i64();
  if (!r.ok()) return Error::internal("corrupt topology message");
  if (t.vshards.empty() || t.vshards.front().lo != 0) return Error::internal("topology has no virtual shard map");
  return t;
}

}  // namespace bd
