// A database's life: explicit creation (registered in the catalog of databases, then its topology
// created), deletion (its nodes wiped, then the catalog entry removed), and the catalog listing.
#pragma once
#include "conductor/conductor.h"

namespace bd {

// Creates the database with `nodes` nodes if it does not exist (registering it in the catalog
// first), and registers an existing one that the catalog does not list. Answers one row of JSON:
// {"database", "created": true|false, "nodes"}.
Task<Result<QueryOutput>> create_database(Conductor& c, Session& s, uint32_t nodes);

// Used by load_topology when a statement may create its database: register, then create.
Task<Result<std::shared_ptr<const Topology>>> register_and_create(Conductor& c, Session& s, uint32_t nodes);

// Deletes the database: refused while a resize job runs; the topology object marks it as being
// deleted, every node that ever held part of it is wiped by its host, then the topology and the
// catalog entry are removed. Answers {"database", "nodes": <nodes wiped>}. Running it again after
// an interruption finishes the deletion.
Task<Result<QueryOutput>> drop_database(Conductor& c, Session& s);

// The catalog of databases: one row of JSON, an array of {"name", "nodes", "created", "state"}.
Task<Result<QueryOutput>> list_databases(Session& s);

}  // namespace bd
