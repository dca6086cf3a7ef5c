// SqlHost::exec_page's fallback for hosts that cannot stop a statement early: the whole result,
// cut to the page.
#include "host/host.h"

namespace bd {

Result<ResultSet> SqlHost::exec_page(std::string_view sql, const std::vector<Value>& params, uint64_t max_rows, uint64_t max_bytes,
                                     bool* more) {
  auto rs = exec(sql, params);
  if (!rs.ok()) return rs;
  uint64_t bytes = 0;
  size_t keep = 0;
  while (keep < rs->rows.size() && keep < max_rows && bytes <= max_bytes) bytes += row_wire_bytes(rs->rows[keep++]);
  *more = keep < rs->rows.size();
  rs->rows.resize(keep);
  return rs;
}

}  // namespace bd
