#pragma once
// The embedded SQLite backend of the Store (WAL, one writer thread with group commit, a pool
// of read connections). Schema and migrations: store/sqlite/migrations.cpp.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "store/store.h"

namespace missive {

// How a search finds the visible hits (store/sqlite/search.cpp, docs/search.md).
enum class SearchPlan {
  automatic,      // chosen per query
  hits_first,     // forced, for tests: the SQL plans ...
  visible_first,
  merge_walk,     // ... the merge plan over all the user's messages, walking every hit
  merge_lookups,  // ... the same, looking every message up instead of walking
};

struct SqliteOptions {
  std::string path;  // database file, e.g. DATA/missive.db; created with its directory
  int read_connections = 4;
  std::size_t max_batch = 256;  // most write jobs committed in one transaction
  // How a search finds the visible hits: chosen per query, or forced to one plan (for tests,
  // so that every plan runs on small data).
  SearchPlan search_plan = SearchPlan::automatic;
  // false: commits are not synced (synchronous=OFF), so a power loss may lose acknowledged
  // writes. For bulk loads and benchmarks only; the server never sets it.
  bool sync_commits = true;
  // Test-only fault injection: asked on the writer thread before each COMMIT with the number
  // of jobs in the batch; true makes that commit fail as a disk error would.
  std::function<bool(std::size_t jobs)> fail_commit;
};

// Opens (creating if missing) and migrates the database. Every commit is durable on return
// (WAL with synchronous=FULL). unavailable if the file cannot be opened or created, or if it
// was written by a newer missive (schema version unknown to this build).
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

// Copies the database at `database` to a new file `destination` while it may be in use (a
// running server keeps writing): the copy is the database as of one commit, includes what the
// WAL holds, is checked (PRAGMA quick_check) and is a single self-contained file. Returns its
// size in bytes. not_found when there is no database, conflict when `destination` exists,
// unavailable when reading or writing fails (nothing is left at `destination` then).
Result<std::int64_t> backup_sqlite_database(const std::string& database,
                                            const std::string& destination);
// Creates or upgrades the database at `path` (`missive migrate`): the schema versions before
// and after. unavailable as open_sqlite_store.
Result<SchemaMigration> migrate_sqlite_database(const std::string& path);

}  // namespace missive
