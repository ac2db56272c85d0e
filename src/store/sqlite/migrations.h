#pragma once
// Versioned schema migrations of the SQLite store. The database's version is kept in
// PRAGMA user_version; each step runs in its own transaction. The schema itself is in
// migrations.cpp.

#include <span>

#include "core/error.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

struct Migration {
  int version;      // the version the database has after this step
  const char* sql;  // one or more statements
  // Runs after `sql` in the same transaction, for what SQL alone cannot do; may be null.
  Status (*after)(Db& db) = nullptr;
};

// Every step, in version order (1, 2, ...).
std::span<const Migration> migrations();
int latest_schema_version();

// The database's current schema version (0 for a new, empty file).
Result<int> schema_version(Db& db);

// Applies, one transaction each, every step above the database's version up to
// `target_version` (latest_schema_version() when omitted). Fails with unavailable, changing
// nothing, when the database was written by a newer binary (its version is above every step
// this binary knows) or when a step fails.
// Thread-safety: call before the connection is shared (at open).
Status migrate(Db& db, int target_version);
Status migrate(Db& db);

}  // namespace missive::sqlite
