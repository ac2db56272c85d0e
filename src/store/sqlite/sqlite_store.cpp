// open_sqlite_store: opening, configuring and migrating the database.

#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "store/sqlite/batch_scratch.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/search_filter.h"
#include "store/sqlite/search_rank.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace missive {

using sqlite::Db;
using sqlite::OpenMode;

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  if (options.path.empty()) return fail(ErrorCode::invalid, "no database path given");
  std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return fail(ErrorCode::unavailable,
                  fmt::format("cannot create directory {}: {}", parent.string(), ec.message()));
    }
  }

  MISSIVE_TRY(std::unique_ptr<Db> writer, Db::open(options.path, OpenMode::read_write_create));
  // WAL lets readers run beside the writer. synchronous=FULL syncs the WAL at every commit:
  // a send is acknowledged only after its commit, and an acknowledged message must survive a
  // power loss (NORMAL in WAL mode may lose the last commits). Group commit amortises the
  // fsync over the batch.
  MISSIVE_TRY_STATUS(writer->exec("PRAGMA busy_timeout = 5000"));
  {
    MISSIVE_SQL(wal, *writer, "PRAGMA journal_mode = WAL");
    MISSIVE_TRY(bool row, wal.step());
    if (!row || wal.text(0) != "wal") {
      return fail(ErrorCode::unavailable,
                  fmt::format("cannot switch {} to WAL mode", options.path));
    }
  }
  MISSIVE_TRY_STATUS(
      writer->exec(options.sync_commits ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = OFF"));
  MISSIVE_TRY_STATUS(writer->exec("PRAGMA foreign_keys = ON"));
  // Each job of a batch runs in a SAVEPOINT, whose statement journal (the pages it changed)
  // SQLite spills to a temporary file past 64 KiB: a file created, written and deleted per
  // batch, which was 70% of the writer's pwrites. Memory holds it (and the temp tables) instead.
  MISSIVE_TRY_STATUS(writer->exec("PRAGMA temp_store = MEMORY"));
  MISSIVE_TRY_STATUS(sqlite::migrate(*writer));
  MISSIVE_TRY_STATUS(sqlite::create_batch_scratch(*writer));

  std::vector<std::unique_ptr<Db>> readers;
  int count = std::max(1, options.read_connections);
  for (int i = 0; i < count; ++i) {
    MISSIVE_TRY(std::unique_ptr<Db> reader, Db::open(options.path, OpenMode::read_only));
    MISSIVE_TRY_STATUS(reader->exec("PRAGMA busy_timeout = 5000"));
    MISSIVE_TRY_STATUS(sqlite::register_search_rank(*reader));
    MISSIVE_TRY_STATUS(sqlite::register_search_filter(*reader));
    readers.push_back(std::move(reader));
  }
  return std::unique_ptr<Store>(
      std::make_unique<sqlite::SqliteStore>(std::move(writer), std::move(readers), options));
}

Result<SchemaMigration> migrate_sqlite_database(const std::string& path) {
  SchemaMigration out;
  if (std::filesystem::exists(path)) {
    MISSIVE_TRY(std::unique_ptr<Db> db, Db::open(path, OpenMode::read_only));
    MISSIVE_TRY(out.from, sqlite::schema_version(*db));
  }
  // Opening migrates, under the same settings (WAL) the server uses.
  MISSIVE_TRY(auto store, open_sqlite_store(SqliteOptions{.path = path}));
  store.reset();
  MISSIVE_TRY(std::unique_ptr<Db> db, Db::open(path, OpenMode::read_only));
  MISSIVE_TRY(out.to, sqlite::schema_version(*db));
  return out;
}

}  // namespace missive
