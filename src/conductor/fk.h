// Foreign keys between tables whose rows live on different nodes. A node checks a foreign key on
// its own rows when the parent's matching row is always on the same node (a reference-table
// parent, or child and parent sharded by the referencing/referenced key: planner/shard_sql.h);
// every other foreign key is left out of the nodes' tables and checked here, as SQLite checks it
// (PRAGMA foreign_keys on, the default):
//   - a row written into the child must have its parent (NULL in any child column: no check);
//   - a parent row deleted, or its key changed, must leave no child pointing at it (NO ACTION,
//     RESTRICT), or its action writes the children (CASCADE, SET NULL, SET DEFAULT): write.cpp
//     runs those as UPDATE/DELETE statements of the child inside the statement's transaction.
// A key declared DEFERRABLE INITIALLY DEFERRED is never left to the nodes (their SQLite would check
// it when each request's own transaction ends, too early): the conductor records what its checks
// would have read (DeferredCheck) and checks them against the transaction's final state when it
// commits (check_deferred). With PRAGMA defer_foreign_keys on in a transaction every key is
// deferred so, the nodes' own too (their requests carry defer_fk). Actions are never deferred, and
// neither is RESTRICT on a declared-deferred key, as in SQLite.
#pragma once
#include <string>
#include <vector>
#include "conductor/exec_context.h"

namespace bd {

struct ForeignKeyRef {
  std::string child;
  std::vector<std::string> from;  // child columns
  std::string parent;
  std::vector<std::string> to;       // parent columns (the parent's PRIMARY KEY when the constraint names none)
  std::string on_delete, on_update;  // as PRAGMA foreign_key_list spells them ("NO ACTION", "CASCADE", ...)
  bool deferred = false;             // DEFERRABLE INITIALLY DEFERRED
  bool on_nodes = false;             // the nodes check it (listed only with include_node_keys)
};

// A check left for the commit: the child rows with these keys (child side: `fk.from` values as
// written; parent side: `fk.to` values of parent rows deleted or changed) must have their parent
// rows when the transaction commits.
struct DeferredCheck {
  ForeignKeyRef fk;
  bool parent_side = false;
  std::vector<std::vector<Value>> keys;
};

// Whether the check of `fk` is deferred for the statement running: PRAGMA defer_foreign_keys
// (the transaction's, or the connection's outside one), or the key's declaration (`restrict`: a
// RESTRICT action, which a declaration does not defer).
bool fk_check_deferred(const Exec& x, const ForeignKeyRef& fk, bool restrict_action = false);
// PRAGMA defer_foreign_keys as it applies to the running statement.
bool defer_pragma_on(const Exec& x);
// Whether the keys the nodes check are deferred too (PRAGMA defer_foreign_keys inside a
// transaction: the nodes defer them within each request, the conductor checks them at commit).
// Outside a transaction a statement is its transaction, and a node checks at its end already.
bool defers_node_keys(const Exec& x);
bool defers_node_keys(const Session& s);

// Records a deferred check in the statement's transaction (starting an implicit one: an
// autocommit statement checks its deferred keys when it ends).
void defer_check(Exec& x, const ForeignKeyRef& fk, bool parent_side, std::vector<std::vector<Value>> keys);

// Runs deferred checks against the current rows (the transaction's own reads, locked): the first
// violation fails with SQLite's "FOREIGN KEY constraint failed".
Task<Status> check_deferred(Exec& x, const std::vector<DeferredCheck>& checks);

// The foreign keys of `child` (from_child) or referencing `parent` (to_parent) that the nodes do
// not check themselves (with `include_node_keys`, those too, marked on_nodes). Empty when PRAGMA
// foreign_keys is off for this connection.
Result<std::vector<ForeignKeyRef>> conductor_foreign_keys(Exec& x, const TableInfo& table, bool from_child, bool include_node_keys = false);

// A table whose foreign key to `parent` its nodes check themselves (their own tables name the
// parent), or empty: a rename of the parent on the nodes would rewrite that reference.
Result<std::string> child_checked_on_nodes(Exec& x, const std::string& parent);

// Every key (one value per `fk.from` column, NULLs already left out) has a parent row, else
// "FOREIGN KEY constraint failed".
Task<Status> check_parents_exist(Exec& x, const ForeignKeyRef& fk, std::vector<std::vector<Value>> keys);

// The parent keys (one value per `fk.to` column) that some child row references.
Task<Result<std::vector<std::vector<Value>>>> referenced_keys(Exec& x, const ForeignKeyRef& fk, std::vector<std::vector<Value>> keys);

}  // namespace bd
