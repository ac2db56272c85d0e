#pragma once
// Schema migrations of the PostgreSQL store: ordered steps on a version number kept in the
// table schema_version (one row). Version 1 is the whole schema, equivalent to the SQLite
// store's version 4 (store/sqlite/migrations.cpp); see migrations.cpp for the tables.

#include "core/error.h"
#include "store/postgres/pg.h"

namespace missive::postgres {

int latest_schema_version();

// The version the database (the schema first on the connection's search_path) is at; 0 when
// it has no Missive tables yet.
Result<int> schema_version(Conn& conn);

// Brings the schema to the latest version, each step in a transaction of its own under a
// database-wide advisory lock (nodes starting at once apply each step once). unavailable if
// a step fails (nothing of that step is kept) or if the database was written by a newer
// missive.
Status migrate(Conn& conn);

}  // namespace missive::postgres
