#include "store/sqlite/sqlite_db.h"

#include <cerrno>
#include <mutex>
#include <string>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <sqlite3.h>

#include <fmt/format.h>

namespace missive::sqlite {
namespace {

// Whether `path` (the database or its WAL) cannot grow by a page: its file system is full, or
// the process's file size limit (RLIMIT_FSIZE) is reached. For write errors whose errno SQLite
// no longer has: a failed WAL append at COMMIT is followed by the rollback's own system calls.
bool cannot_grow(const std::string& path) {
  constexpr std::uint64_t kRoom = 64 * 1024;
  struct statvfs fs {};
  if (statvfs(path.c_str(), &fs) == 0 &&
      static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize < kRoom) {
    return true;
  }
  struct rlimit limit {};
  struct stat st {};
  return getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
         stat(path.c_str(), &st) == 0 &&
         static_cast<std::uint64_t>(st.st_size) + kRoom > limit.rlim_cur;
}

}  // namespace

Stmt::~Stmt() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

void Stmt::bind_null() {
  int rc = sqlite3_bind_null(stmt_, next_++);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void Stmt::bind_int(std::int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, next_++, v);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void Stmt::bind_text(std::string_view v) {
  // SQLITE_TRANSIENT: the caller's string may not outlive the step.
  int rc = sqlite3_bind_text64(stmt_, next_++, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

Stmt& Stmt::bind_pointer(void* pointer, const char* type) {
  int rc = sqlite3_bind_pointer(stmt_, next_++, pointer, type, nullptr);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Result<bool> Stmt::step() {
  if (bind_error_ != 0) return std::unexpected(db_->error(bind_error_, "bind"));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(db_->error(rc, sqlite3_sql(stmt_)));
}

Status Stmt::run() {
  for (;;) {
    MISSIVE_TRY(bool row, step());
    if (!row) return {};
  }
}

bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

double Stmt::real(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Stmt::text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::int64_t> Stmt::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

std::optional<std::string> Stmt::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

Result<std::unique_ptr<Db>> Db::open(const std::string& path, OpenMode mode) {
  // SQLite counts every allocation under a global mutex for sqlite3_status(), which we never
  // read: the writer thread took that mutex on each of its many allocations per write. Only
  // possible before SQLite initialises; if something else did first, it stays on.
  static std::once_flag configured;
  std::call_once(configured, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  // NOMUTEX: each connection is used by one thread at a time, so SQLite's own per-connection
  // mutex would only cost time.
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= mode == OpenMode::read_only ? SQLITE_OPEN_READONLY
                                       : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return fail(ErrorCode::unavailable, fmt::format("cannot open database {}: {}", path, msg));
  }
  sqlite3_extended_result_codes(raw, 1);
  return std::unique_ptr<Db>(new Db(raw));
}

Db::~Db() {
  for (auto& [sql, entry] : cache_) sqlite3_finalize(entry.stmt);
  sqlite3_close_v2(db_);
}

Result<Stmt> Db::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Stmt(*this, it->second.stmt, &it->second.in_use);
  }
  bool cache = it == cache_.end();
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return std::unexpected(error(rc, sql));
  }
  if (!cache) return Stmt(*this, stmt, nullptr);
  Cached& entry = cache_.emplace(sql, Cached{stmt, true}).first->second;
  return Stmt(*this, stmt, &entry.in_use);
}

Status Db::exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(error(rc, sql));
  return {};
}

std::int64_t Db::changes() const { return sqlite3_changes64(db_); }
std::int64_t Db::total_changes() const { return sqlite3_total_changes64(db_); }

bool Db::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

Error Db::error(int rc, std::string_view context) const {
  std::string msg = sqlite3_errmsg(db_);
  if (msg.empty() || msg == "not an error") msg = sqlite3_errstr(rc);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Error{ErrorCode::conflict, fmt::format("already exists ({})", msg)};
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Error{ErrorCode::not_found, "a referenced user, group or message does not exist"};
    default:
      break;
  }
  if (context.size() > 120) context = context.substr(0, 120);
  // A full disk, a quota, or a file size limit (RLIMIT_FSIZE: EFBIG, which SQLite reports as
  // a write I/O error): say so, because the operator's fix is to make room, not to debug.
  const int system_errno = sqlite3_system_errno(db_);
  const char* file = sqlite3_db_filename(db_, "main");
  const bool io_error = (rc & 0xff) == SQLITE_IOERR;
  if ((rc & 0xff) == SQLITE_FULL ||
      (io_error && (system_errno == ENOSPC || system_errno == EFBIG || system_errno == EDQUOT)) ||
      (io_error && file != nullptr && *file != '\0' &&
       (cannot_grow(file) || cannot_grow(std::string(file) + "-wal")))) {
    return Error{ErrorCode::unavailable,
                 fmt::format("disk full: the database cannot grow ({}); nothing was written, "
                             "retry once space is freed (in: {})",
                             msg, context)};
  }
  return Error{ErrorCode::unavailable, fmt::format("database error: {} (in: {})", msg, context)};
}

}  // namespace missive::sqlite
