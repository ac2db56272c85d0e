// backup_sqlite_database: an online copy with SQLite's backup API.

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>

#include "store/sqlite/sqlite_store.h"

namespace missive {
namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  return Error{
      ErrorCode::unavailable,
      fmt::format("{}: {}", what, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
}

}  // namespace

Result<std::int64_t> backup_sqlite_database(const std::string& database,
                                            const std::string& destination) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(database, ec)) {
    return fail(ErrorCode::not_found, fmt::format("no database at {}", database));
  }
  if (fs::exists(destination, ec)) {
    return fail(ErrorCode::conflict,
                fmt::format("{} already exists: remove it or choose another file", destination));
  }
  // Written beside the destination and renamed at the end: an interrupted backup never leaves
  // a file that looks complete.
  const std::string partial = destination + ".partial";
  fs::remove(partial, ec);

  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(database.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  DbHandle source(raw);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(raw, rc, "cannot open " + database));
  sqlite3_busy_timeout(source.get(), 10'000);

  raw = nullptr;
  rc = sqlite3_open_v2(partial.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  DbHandle target(raw);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(raw, rc, "cannot create " + partial));

  // One step (-1) copies every page inside a single read transaction of the source: the copy
  // is the database as of one commit. In WAL mode that transaction does not block the
  // server's writer, which keeps committing meanwhile.
  sqlite3_backup* backup = sqlite3_backup_init(target.get(), "main", source.get(), "main");
  if (backup == nullptr) {
    const auto error = sqlite_error(target.get(), SQLITE_ERROR, "cannot start the backup");
    target.reset();
    fs::remove(partial, ec);
    return std::unexpected(error);
  }
  do {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  const int finished = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE || finished != SQLITE_OK) {
    const auto error = sqlite_error(target.get(), rc, "backup failed");
    target.reset();
    fs::remove(partial, ec);
    return std::unexpected(error);
  }
  // The copy is a plain single file: no -wal beside it to lose when it is moved.
  char* message = nullptr;
  std::string check;  // the first row of quick_check: "ok", or what is wrong
  rc = sqlite3_exec(
      target.get(), "PRAGMA journal_mode = DELETE; PRAGMA quick_check;",
      [](void* out, int columns, char** values, char** names) {
        if (columns == 1 && std::string_view(names[0]) == "quick_check" && values[0] != nullptr) {
          static_cast<std::string*>(out)->assign(values[0]);
        }
        return 0;
      },
      &check, &message);
  if (rc != SQLITE_OK || check != "ok") {
    Error error{ErrorCode::unavailable,
                fmt::format("the backup does not check out: {}", message ? message : check)};
    sqlite3_free(message);
    target.reset();
    fs::remove(partial, ec);
    return std::unexpected(error);
  }
  target.reset();  // closes and syncs
  fs::rename(partial, destination, ec);
  if (ec) {
    return fail(ErrorCode::unavailable,
                fmt::format("cannot rename {} to {}: {}", partial, destination, ec.message()));
  }
  const auto size = fs::file_size(destination, ec);
  return static_cast<std::int64_t>(ec ? 0 : size);
}

}  // namespace missive
