#include "conductor/databases.h"

#include "base/json.h"
#include "conductor/io.h"
#include "topology/databases.h"
#include "topology/store.h"

namespace bd {
namespace {

Task<Result<std::string>> catalog_call(Session& s, std::string payload) {
  std::vector<OutRequest> reqs(1);
  reqs[0].target = OutRequest::Target::Catalog;
  reqs[0].payload = std::move(payload);
  s.round_trips++;
  auto resp = co_await s.io(std::move(reqs));
  if (resp.size() != 1) co_return Error::internal("missing catalog response");
  // Catalog operations are idempotent: one that did not arrive is safe to repeat.
  if (!resp[0].delivered) co_return Error::retryable("catalog of databases unreachable: " + resp[0].payload);
  co_return std::move(resp[0].payload);
}

QueryOutput json_row(std::string json) {
  QueryOutput out;
  out.rs.columns = {"json"};
  out.rs.rows.push_back({Value::text(std::move(json))});
  return out;
}

Task<Result<std::shared_ptr<const Topology>>> fetch_topology(Conductor& c, Session& s, uint32_t nodes) {
  auto payload = co_await topology_call(s, topology::get_or_create_request(s.database(), nodes));
  if (!payload.ok()) co_return Error::retryable(payload.error().message);
  auto t = topology::decode_topology_response(*payload);
  if (!t.ok()) co_return t.error();
  co_return adopt_topology(c, std::move(*t));
}

}  // namespace

Task<Result<std::shared_ptr<const Topology>>> register_and_create(Conductor& c, Session& s, uint32_t nodes) {
  // Listed first, created second: an interruption in between leaves a listed database without a
  // topology (the next create finishes it), never a database the catalog does not know.
  auto reg = co_await catalog_call(s, databases::register_request(s.database(), nodes));
  if (!reg.ok()) co_return reg.error();
  if (auto r = databases::decode_register_response(*reg); !r.ok()) co_return r.error();
  auto t = co_await fetch_topology(c, s, nodes);
  if (t.ok()) s.created_database = true;
  co_return t;
}

Task<Result<QueryOutput>> create_database(Conductor& c, Session& s, uint32_t nodes) {
  if (nodes == 0) co_return Error::sql("creating a database needs a node count of at least 1");
  auto t = co_await fetch_topology(c, s, 0);
  if (!t.ok() && t.error().code == ErrorCode::NotFound) t = co_await register_and_create(c, s, nodes);
  if (!t.ok()) co_return t.error();
  if (!s.created_database) {
    // It existed: make sure the catalog lists it (a database created before the catalog was).
    auto reg = co_await catalog_call(s, databases::register_request(s.database(), (*t)->nodes));
    if (!reg.ok()) co_return reg.error();
    if (auto r = databases::decode_register_response(*reg); !r.ok()) co_return r.error();
  }
  JsonWriter j;
  j.begin_object();
  j.key("database").str(s.database());
  j.key("created").boolean(s.created_database);
  j.key("nodes").unum((*t)->nodes);
  j.end_object();
  co_return json_row(j.take());
}

Task<Result<QueryOutput>> drop_database(Conductor& c, Session& s) {
  c.invalidate(s.database());
  auto begun = co_await topology_call(s, topology::drop_request(s.database(), topology::DropStage::Begin));
  if (!begun.ok()) co_return begun.error();
  auto nodes = topology::decode_drop_response(*begun);
  if (!nodes.ok()) co_return nodes.error();
  auto st = co_await catalog_call(s, databases::set_state_request(s.database(), "deleting"));
  if (!st.ok()) co_return st.error();
  if (auto d = databases::decode_status_response(*st); !d.ok()) co_return d.error();
  std::vector<OutRequest> wipes;
  for (uint32_t n = 0; n < *nodes; n++) {
    OutRequest o;
    o.target = OutRequest::Target::Wipe;
    o.node = n;
    wipes.push_back(std::move(o));
  }
  if (!wipes.empty()) {
    s.round_trips++;
    auto answers = co_await s.io(std::move(wipes));
    for (uint32_t n = 0; n < answers.size(); n++)
      if (!answers[n].delivered)
        co_return Error::sql("node " + std::to_string(n) + " could not be wiped (" + answers[n].payload +
                             "); the database stays marked as being deleted: delete it again to finish");
  }
  auto finished = co_await topology_call(s, topology::drop_request(s.database(), topology::DropStage::Finish));
  if (!finished.ok()) co_return finished.error();
  if (auto f = topology::decode_drop_response(*finished); !f.ok()) co_return f.error();
  auto un = co_await catalog_call(s, databases::unregister_request(s.database()));
  if (!un.ok()) co_return un.error();
  if (auto d = databases::decode_status_response(*un); !d.ok()) co_return d.error();
  c.invalidate(s.database());
  JsonWriter j;
  j.begin_object();
  j.key("database").str(s.database());
  j.key("nodes").unum(*nodes);
  j.end_object();
  co_return json_row(j.take());
}

Task<Result<QueryOutput>> list_databases(Session& s) {
  auto reply = co_await catalog_call(s, databases::list_request());
  if (!reply.ok()) co_return reply.error();
  auto json = databases::decode_list_response(*reply);
  if (!json.ok()) co_return json.error();
  co_return json_row(std::move(*json));
}

}  // namespace bd
