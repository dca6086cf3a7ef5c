// The coordinator of cross-node transactions. A transaction's writes are applied eagerly by the
// nodes, with undo and locks (storage/txn.h); the coordinator keeps which nodes took part and
// runs the commit as two-phase commit with the decision on a participant ("last agent"):
//
//   1. every writing participant but one (R) is prepared; read-only ones drop their locks;
//   2. R commits its part and writes the decision record in the same node transaction: this is
//      the commit point;
//   3. the others are told (phase two) after the client has its answer; until then they are
//      prepared and make readers of their rows wait. R's alarm repeats phase two for anyone who
//      missed it and then forgets the decision; a prepared node that hears nothing asks R, and R
//      answers "aborted" (durably) for a transaction it has no decision for (presumed abort).
//
// A transaction that wrote one node commits there in one request; one that only read just drops
// its locks. The same machinery runs:
//   - interactive transactions (BEGIN ... COMMIT): their state lives in the conductor of the
//     isolate (or Durable Object) that runs them, named by id;
//   - every autocommit write that touches several nodes, or reads before it writes (an implicit
//     transaction the write path starts itself; single-node writes never do);
//   - batches, as an interactive transaction the host begins and commits.
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>
#include "conductor/exec_context.h"
#include "conductor/fk.h"

namespace bd {

struct TxnState {
  std::string id;
  std::string database;
  double start_ms = 0;      // age, for deadlock prevention (kept across an implicit retry)
  uint32_t timeout_ms = 0;  // idle timeout (0: the default, 30 s)
  double last_used_ms = 0;
  uint32_t stmt = 0;  // number of the statement running (or last run)
  std::set<uint32_t> writers, readers;
  struct Savepoint {
    std::string name;
    uint32_t first_stmt;  // statements numbered from here on are undone by ROLLBACK TO
  };
  std::vector<Savepoint> savepoints;
  bool implicit = false;          // started by an autocommit write
  bool savepoint_began = false;   // started by SAVEPOINT outside a transaction: RELEASE of it commits
  bool running = false;           // a statement of it is in flight (one at a time)
  std::set<std::string> written;  // tables it wrote (schema changes on them are refused inside it)
  // Schema changes run at once (every node, the catalog) and are undone by compensation: the
  // statement that reverses each one, run in reverse order, interleaved with the rows' undo.
  // A dropped table is renamed aside and dropped for real after the commit.
  struct DdlStep {
    uint32_t stmt;
    std::string undo;       // SQL that reverses it (empty: nothing to reverse)
    std::string on_commit;  // SQL run after the commit (drops a table renamed aside)
    // The logical schema (sqlite_master) before the step, restored exactly after its undo ran
    // (SQL that reverses a rename or a drop leaves different text, quoting, order), and the one
    // the catalog held after the planned statement (with a table renamed aside), which the undo
    // statement runs against.
    std::vector<SchemaRow> schema_before, schema_planned;
  };
  std::vector<DdlStep> ddl;
  // Foreign keys (conductor/fk.h): PRAGMA defer_foreign_keys for this transaction (off again when
  // it ends, as in SQLite), and the checks deferred to its commit.
  bool defer_foreign_keys = false;
  std::vector<DeferredCheck> deferred_fks;
  // The commit already ran with the statement's last write (fan_out_committing): nothing is left
  // for commit_txn or abort_txn to do (committed, or in doubt and left to the nodes' recovery).
  bool settled = false;
};

inline constexpr uint32_t kDefaultTxnTimeoutMs = 30'000;

// A fresh transaction id (random, 16 hex digits).
std::string new_txn_id(Conductor& c);

// Starts an implicit transaction for the running autocommit statement unless it already runs in
// one (a write path calls this before its first I/O when the statement may touch several nodes).
void need_atomic(Exec& x);

// The last I/O of an autocommit write over several nodes: when it is the implicit transaction's
// only one, the commit rides on it — every node but the last writes and prepares in one request,
// the last one writes and commits (the decision) in the next: two round trips and one request per
// node, plus phase two after the answer. Otherwise (the transaction already did I/O, a resize is
// running, a dry run) a plain fan_out, committed later by commit_txn.
Task<Result<std::vector<storage::Response>>> fan_out_committing(Exec& x, std::vector<NodeRequest> requests,
                                                                std::string topology_payload = {});

// The statement's locks, as planned: every table it reads and writes (views expanded), narrowed
// to keyspace ids where the statement pins the shard key. Attached to its storage requests.
std::vector<storage::LockSpec> statement_footprint(const Topology& topo, const sql::Stmt& st, const std::vector<Value>& params);

// Commit, rollback and statement-level undo, as described above. Errors: Conflict when the
// transaction was rolled back instead (a participant timed out or lost it).
Task<Status> commit_txn(Session& s, TxnState& t);
Task<Status> abort_txn(Session& s, TxnState& t);
Task<Status> rollback_txn_to(Session& s, TxnState& t, uint32_t first_stmt);

// A schema change inside `t`: fills `step` with its compensation and returns the statement to run
// (DROP TABLE becomes a rename aside). Refuses what cannot be reversed.
Task<Result<std::string>> plan_ddl(Exec& x, const sql::Stmt& st, TxnState& t, TxnState::DdlStep& step);

// Sets the catalog's logical schema rows (what sqlite_master shows) to `rows`, when they differ.
Task<Status> set_logical_schema(Exec& x, std::vector<SchemaRow> rows);

// DROP TABLE inside a transaction renames the table aside (plan_ddl), which would keep the names of
// its indexes and triggers taken: the statements that drop those first (each undone on rollback),
// as SQLite drops them with the table. The engine's own (_bd_) objects are not among them.
Task<Result<std::vector<std::string>>> drop_dependents(Exec& x, const std::string& table);

// Undoes statements numbered >= `from` (rows and schema changes, in reverse order).
Task<Status> undo_from(Conductor& c, Session& s, TxnState& t, uint32_t from, const QueryInput& input);

// Dispatches BEGIN/COMMIT/END/ROLLBACK [TO]/SAVEPOINT/RELEASE for `input` (its `txn` field names
// the transaction).
Task<Result<QueryOutput>> run_txn_control(Conductor& c, Session& s, const sql::Stmt& st, QueryInput& input);

}  // namespace bd
