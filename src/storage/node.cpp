#include "storage/node.h"

#include "storage/protocol.h"

namespace bd::storage {

std::string handle(SqlHost& sql, std::string_view bytes) {
  auto req = decode_request(bytes);
  if (!req.ok()) return encode_error(req.error(), 0);
  // _bd_node holds the epoch of this node's last ownership change and the catalog version of its
  // last schema change: work planned against older ones is refused, and the conductor re-plans.
  auto meta = sql.exec("SELECT k, v FROM _bd_node WHERE k IN ('min_epoch', 'catalog')", {});
  if (!meta.ok()) {
    auto c = sql.exec("CREATE TABLE IF NOT EXISTS _bd_node(k TEXT PRIMARY KEY, v ANY) STRICT", {});
    if (!c.ok()) return encode_error(c.error(), 0);
  } else {
    for (auto& row : meta->rows) {
      auto v = static_cast<uint64_t>(row[1].i);
      if (row[0].s == "min_epoch" && req->epoch < v)
        return encode_error(Error::retryable("stale topology: node changed ownership at epoch " + std::to_string(v)), 0);
      if (row[0].s == "catalog" && req->catalog_version < v)
        return encode_error(Error::retryable("stale catalog: node's schema changed at version " + std::to_string(v)), 0);
    }
  }
  Response resp;
  resp.results.reserve(req->statements.size());
  for (uint32_t i = 0; i < req->statements.size(); i++) {
    auto& st = req->statements[i];
    auto rs = sql.exec(st.sql, st.params);
    if (!rs.ok()) return encode_error(rs.error(), i);
    if (st.write) {
      auto ch = sql.exec("SELECT changes(), last_insert_rowid()", {});
      if (!ch.ok()) return encode_error(ch.error(), i);
      rs->changes = ch->rows[0][0].i;
      rs->last_insert_rowid = ch->rows[0][1].i;
    }
    resp.results.push_back(std::move(*rs));
  }
  if (req->want_size) resp.database_bytes = sql.database_bytes();
  return encode_response(resp);
}

}  // namespace bd::storage
