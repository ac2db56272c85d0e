#pragma once
// RAII wrappers over one SQLite connection and its cache of prepared statements.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/ids.h"

struct sqlite3;
struct sqlite3_stmt;

namespace missive::sqlite {

class Db;

// A prepared statement in use. Bind parameters (1-based, in order), step, read columns; on
// destruction a cached statement is reset, its bindings cleared and handed back to the
// cache, and a one-off statement is finalized.
// Thread-safety: not thread-safe; belongs to the thread holding its connection.
class Stmt {
 public:
  // `in_use`: the cache's flag for this statement, cleared on destruction; nullptr for a
  // one-off statement this Stmt owns.
  Stmt(Db& db, sqlite3_stmt* stmt, bool* in_use) : db_(&db), stmt_(stmt), in_use_(in_use) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& other) noexcept
      : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), in_use_(other.in_use_),
        next_(other.next_), bind_error_(other.bind_error_) {}
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  // Binds the arguments to parameters next, next+1, ...: integers, bools, strings, typed ids
  // (their value), std::nullopt / std::nullptr_t (NULL) and optionals of those.
  template <class... Args>
  Stmt& bind(const Args&... args) {
    (bind_one(args), ...);
    return *this;
  }

  // Binds `pointer` to the next parameter with sqlite3_bind_pointer: only a function that asks
  // for the same `type` sees it, and SQL text cannot make one up. `pointer` and `type` must
  // outlive the statement's use (until it is reset).
  Stmt& bind_pointer(void* pointer, const char* type);

  // true when a row is available, false when the statement is done.
  Result<bool> step();
  // Runs a statement that returns no rows (or ignores them).
  Status run();

  bool is_null(int col) const;
  std::int64_t int64(int col) const;
  double real(int col) const;
  bool boolean(int col) const { return int64(col) != 0; }
  std::string text(int col) const;
  std::optional<std::int64_t> opt_int64(int col) const;
  std::optional<std::string> opt_text(int col) const;
  template <class IdT>
  IdT id(int col) const {
    return IdT(int64(col));
  }

 private:
  void bind_null();
  void bind_int(std::int64_t v);
  void bind_text(std::string_view v);
  void bind_one(std::nullptr_t) { bind_null(); }
  void bind_one(std::nullopt_t) { bind_null(); }
  void bind_one(bool v) { bind_int(v ? 1 : 0); }
  void bind_one(int v) { bind_int(v); }
  void bind_one(long v) { bind_int(v); }
  void bind_one(long long v) { bind_int(v); }
  void bind_one(std::size_t v) { bind_int(static_cast<std::int64_t>(v)); }
  void bind_one(std::string_view v) { bind_text(v); }
  void bind_one(const std::string& v) { bind_text(v); }
  void bind_one(const char* v) { bind_text(v); }
  template <class Tag>
  void bind_one(const Id<Tag>& id) {
    bind_int(id.value);
  }
  template <class T>
  void bind_one(const std::optional<T>& v) {
    if (v) {
      bind_one(*v);
    } else {
      bind_null();
    }
  }

  Db* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
  int next_ = 1;
  int bind_error_ = 0;
};

enum class OpenMode { read_write_create, read_only };

// One SQLite connection with its statement cache.
// Thread-safety: not thread-safe; used by one thread at a time (the writer, or a reader that
// leased it from the pool).
class Db {
 public:
  static Result<std::unique_ptr<Db>> open(const std::string& path, OpenMode mode);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // A statement from the cache, prepared on first use. `sql` must have static storage
  // duration (a string literal): the cache keys on it. Asking again for a statement that is
  // still in use gives a one-off copy, so nested use can never reset a running statement.
  Result<Stmt> prepare(std::string_view sql);
  // Runs one or more statements without caching them (pragmas, DDL, transaction control).
  Status exec(const char* sql);

  std::int64_t changes() const;
  // Rows changed by every statement since the connection opened (sqlite3_total_changes64).
  std::int64_t total_changes() const;
  bool in_transaction() const;
  // The connection's current error as an Error: unique/primary-key violations -> conflict,
  // foreign-key violations -> not_found, anything else -> unavailable.
  Error error(int rc, std::string_view context) const;

  sqlite3* handle() const { return db_; }

  // The writer's connection only: the users given timeline entries in the open transaction
  // (duplicates allowed). The batch's before-commit step appends (flush_timeline); the Writer
  // hands them to its commit listener after the COMMIT.
  std::vector<UserId>& timeline_users() { return timeline_users_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}

  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  sqlite3* db_;
  std::vector<UserId> timeline_users_;
  std::unordered_map<std::string_view, Cached> cache_;  // node-based: &Cached::in_use is stable
};

// Opens `sql` with `db`, or returns its error from the enclosing function.
#define MISSIVE_SQL(var, db, sql) MISSIVE_TRY(auto var, (db).prepare(sql))

}  // namespace missive::sqlite
