// Foreign keys between tables whose rows live on different nodes. A node checks a foreign key on
// its own rows when the parent's matching row is always on the same node (a reference-table
// parent, or child and parent sharded by the referencing/referenced key: planner/shard_sql.h);
// every other foreign key is left out of the nodes' tables and checked here, as SQLite checks it
// (PRAGMA foreign_keys on, the default):
//   - a row written into the child must have its parent (NULL in any child column: no check);
//   - a parent row deleted, or its key changed, must leave no child pointing at it (NO ACTION,
//     RESTRICT), or its action writes the children (CASCADE, SET NULL, SET DEFAULT): write.cpp
//     runs those as UPDATE/DELETE statements of the child inside the statement's transaction.
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
};

// The foreign keys of `child` (from_child) or referencing `parent` (to_parent) that the nodes do
// not check themselves. Empty when PRAGMA foreign_keys is off for this connection.
Result<std::vector<ForeignKeyRef>> conductor_foreign_keys(Exec& x, const TableInfo& table, bool from_child);

// A table whose foreign key to `parent` its nodes check themselves (their own tables name the
// parent), or empty: a rename of the parent on the nodes would rewrite that reference.
Result<std::string> child_checked_on_nodes(Exec& x, const std::string& parent);

// Every key (one value per `fk.from` column, NULLs already left out) has a parent row, else
// "FOREIGN KEY constraint failed".
Task<Status> check_parents_exist(Exec& x, const ForeignKeyRef& fk, std::vector<std::vector<Value>> keys);

// The parent keys (one value per `fk.to` column) that some child row references.
Task<Result<std::vector<std::vector<Value>>>> referenced_keys(Exec& x, const ForeignKeyRef& fk, std::vector<std::vector<Value>> keys);

}  // namespace bd
