#include "storage/protocol.h"

#include "wire/codec.h"

namespace bd::storage {

std::string encode_request(const Request& r) {
  wire::Writer w;
  w.u8(1);  // op: execute
  w.i64(static_cast<int64_t>(r.epoch));
  w.i64(static_cast<int64_t>(r.catalog_version));
  w.u32(static_cast<uint32_t>(r.vshards.size()));
  for (auto v : r.vshards) w.u32(v);
  w.u32(static_cast<uint32_t>(r.statements.size()));
  for (auto& s : r.statements) {
    w.str(s.sql);
    w.row(s.params);
    w.u8(s.write);
  }
  w.u8(r.want_size);
  w.u8(r.admin);
  w.u8(r.check_only);
  w.u8(static_cast<uint8_t>(r.want_load | r.reset_load << 1));
  return w.take();
}

Result<Request> decode_request(std::string_view bytes) {
  wire::Reader rd(bytes);
  Request r;
  if (rd.u8() != 1) return Error::internal("unknown storage op");
  r.epoch = static_cast<uint64_t>(rd.i64());
  r.catalog_version = static_cast<uint64_t>(rd.i64());
  uint32_t nv = rd.count();
  for (uint32_t i = 0; i < nv && rd.ok(); i++) r.vshards.push_back(rd.u32());
  uint32_t ns = rd.count();
  for (uint32_t i = 0; i < ns && rd.ok(); i++) {
    Statement s;
    s.sql = rd.str();
    s.params = rd.row();
    s.write = rd.u8() != 0;
    r.statements.push_back(std::move(s));
  }
  r.want_size = rd.u8() != 0;
  r.admin = rd.u8() != 0;
  r.check_only = rd.u8() != 0;
  uint8_t load = rd.u8();
  r.want_load = load & 1;
  r.reset_load = load & 2;
  if (!rd.ok()) return Error::internal("corrupt storage request");
  return r;
}

std::string encode_response(const Response& r) {
  wire::Writer w;
  w.u8(0);
  w.u32(static_cast<uint32_t>(r.results.size()));
  for (auto& rs : r.results) w.result_set(rs);
  w.i64(r.database_bytes);
  w.u8(r.has_load);
  if (r.has_load) {
    w.u32(static_cast<uint32_t>(r.load.vshards.size()));
    for (auto& [v, n] : r.load.vshards) {
      w.u32(v);
      w.i64(static_cast<int64_t>(n));
    }
    w.i64(static_cast<int64_t>(r.load.scatter));
    w.i64(static_cast<int64_t>(r.load.total));
  }
  return w.take();
}

std::string encode_error(const Error& e, uint32_t statement_index) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(e.code));
  w.u32(statement_index);
  w.str(e.message);
  return w.take();
}

Result<Response> decode_response(std::string_view bytes) {
  wire::Reader rd(bytes);
  uint8_t status = rd.u8();
  if (status != 0) {
    rd.u32();
    std::string msg(rd.str());
    if (!rd.ok()) return Error::internal("corrupt storage error response");
    return Error{static_cast<ErrorCode>(status), msg};
  }
  Response r;
  uint32_t n = rd.count();
  for (uint32_t i = 0; i < n && rd.ok(); i++) r.results.push_back(rd.result_set());
  r.database_bytes = rd.i64();
  r.has_load = rd.u8() != 0;
  if (r.has_load) {
    uint32_t k = rd.count();
    for (uint32_t i = 0; i < k && rd.ok(); i++) {
      uint32_t v = rd.u32();
      r.load.vshards.emplace_back(v, static_cast<uint64_t>(rd.i64()));
    }
    r.load.scatter = static_cast<uint64_t>(rd.i64());
    r.load.total = static_cast<uint64_t>(rd.i64());
  }
  if (!rd.ok()) return Error::internal("corrupt storage response");
  return r;
}

}  // namespace bd::storage
