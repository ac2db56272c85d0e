#pragma once
// A small RAII layer over libpq for the PostgreSQL store: Rows (owns a PGresult), Params
// (text-format parameters built from domain values) and Conn (one connection with its own
// prepared-statement cache). libpq's headers stay in pg.cpp.
//
// Error mapping (pg_error in pg.cpp), the same for every statement:
//   23505 unique_violation            -> conflict
//   23503 foreign_key_violation       -> not_found
//   class 08 (connection), 57P01..03,
//   a connection found broken         -> unavailable ("the database is unavailable ...")
//   40001 serialization_failure,
//   40P01 deadlock_detected           -> unavailable, and Conn::retryable() is true: the
//                                        transaction helpers (transaction.h) retry them
//   anything else                     -> unavailable ("database error: ...")
//
// Thread-safety: a Conn is used by one thread at a time (Pool hands it out); Rows and Params
// are plain values.

#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/ids.h"

struct pg_conn;
struct pg_result;

namespace missive::postgres {

// The rows of one statement, in text format. Row and column indexes start at 0.
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* result);
  ~Rows();
  Rows(Rows&& other) noexcept;
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  int size() const;
  bool empty() const { return size() == 0; }
  // Rows an INSERT/UPDATE/DELETE changed (its command tag), RETURNING or not.
  std::int64_t affected() const;

  bool null(int row, int col) const;
  std::string_view text(int row, int col) const;
  std::int64_t int64(int row, int col) const;
  double real(int row, int col) const;
  bool boolean(int row, int col) const;  // a PostgreSQL boolean ('t'/'f')
  std::optional<std::string> opt_text(int row, int col) const;
  std::optional<std::int64_t> opt_int64(int row, int col) const;
  template <class IdType>
  IdType id(int row, int col) const {
    return IdType(int64(row, col));
  }

 private:
  pg_result* result_ = nullptr;
};

// Statement parameters ($1, $2, ...), sent in text format; PostgreSQL casts them to the
// column types (write `$1::bigint` where the type is not otherwise known, e.g. `$1 OR ...`
// needs `$1::boolean`). nullopt is SQL NULL.
class Params {
 public:
  template <class... A>
  static Params of(const A&... args) {
    Params p;
    (p.add(args), ...);
    return p;
  }

  Params& add(std::int64_t v) { return add_text(std::to_string(v)); }
  Params& add(int v) { return add_text(std::to_string(v)); }
  Params& add(bool v) { return add_text(v ? "t" : "f"); }
  Params& add(double v);
  Params& add(std::string_view v) { return add_text(std::string(v)); }
  Params& add(const std::string& v) { return add_text(v); }
  Params& add(const char* v) { return add_text(v); }
  // A bigint[] literal ("{1,2,3}"): bind as $n::bigint[] (for unnest in multi-row writes).
  Params& add(const std::vector<std::int64_t>& v);
  // A text[] literal, every element quoted: bind as $n::text[]. A NUL byte (which a text
  // parameter cannot carry: libpq would cut the literal there) becomes a space.
  Params& add(const std::vector<std::string>& v);
  Params& add(std::nullopt_t) {
    values_.emplace_back();
    return *this;
  }
  template <class Tag>
  Params& add(Id<Tag> id) {
    return add(id.value);
  }
  template <class T>
  Params& add(const std::optional<T>& v) {
    return v ? add(*v) : add(std::nullopt);
  }

  int size() const { return static_cast<int>(values_.size()); }
  // NULL for SQL NULL; valid while this Params lives and is not changed.
  std::vector<const char*> pointers() const;

 private:
  Params& add_text(std::string v) {
    values_.emplace_back(std::move(v));
    return *this;
  }
  std::vector<std::optional<std::string>> values_;
};

// One connection. query() prepares each distinct SQL text once per connection (named
// statements cached by text) and executes it with parameters; run() sends a simple query
// (several statements allowed, no parameters: DDL, BEGIN/COMMIT).
class Conn {
 public:
  // unavailable if the server cannot be reached or refuses the connection.
  static Result<std::unique_ptr<Conn>> open(const std::string& url);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  Result<Rows> exec(std::string_view sql, const Params& params);
  template <class... A>
  Result<Rows> query(std::string_view sql, const A&... args) {
    return exec(sql, Params::of(args...));
  }
  Status run(std::string_view sql);

  // The SQLSTATE of the last failed statement ("" after a success or a client-side failure).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  // The last failure was a serialization failure or a deadlock: the transaction may be
  // retried from its start.
  bool retryable() const;
  // The connection is lost: the pool drops it instead of reusing it.
  bool broken() const;
  // Whether a transaction block is open (or failed and not yet rolled back).
  bool in_transaction() const;

 private:
  explicit Conn(pg_conn* conn) : conn_(conn) {}
  Result<Rows> check(pg_result* result, std::string_view sql);

  pg_conn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
  std::string last_sqlstate_;
};

}  // namespace missive::postgres
