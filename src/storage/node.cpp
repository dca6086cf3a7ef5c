#include "storage/node.h"

#include "storage/protocol.h"

namespace bd::storage {

std::string handle(SqlHost& sql, std::string_view bytes) {
  auto req = decode_request(bytes);
  if (!req.ok()) return encode_error(req.error(), 0);
  // _bd_node holds the epoch of this node's last ownership change: work planned against an older
  // topology may target rows that have moved, so it is refused and the conductor re-plans.
  auto meta = sql.exec("SELECT v FROM _bd_node WHERE k = 'min_epoch'", {});
  if (!meta.ok()) {
    auto c = sql.exec("CREATE TABLE IF NOT EXISTS _bd_node(k TEXT PRIMARY KEY, v ANY) STRICT", {});
    if (!c.ok()) return encode_error(c.error(), 0);
  } else if (!meta->rows.empty() && req->epoch < static_cast<uint64_t>(meta->rows[0][0].i)) {
    return encode_error(Error::retryable("stale topology: node changed ownership at epoch " +
                                         std::to_string(meta->rows[0][0].i)),
                        0);
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
  return encode_response(resp);
}

}  // namespace bd::storage
