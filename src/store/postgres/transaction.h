#pragma once
// Transactions of the PostgreSQL store: with_transaction(pool, mode, f, on_commit) runs
// `f(Tx&) -> Result<T>` inside one transaction on a pooled connection and commits it when f
// succeeds (rolls back when it fails).
//
// Retries: when a statement or the COMMIT fails with a serialization failure (40001) or a
// deadlock (40P01), the whole transaction is rolled back and f runs again from the start,
// on a pooled connection, at most kMaxAttempts times in all, with a short random backoff;
// f must therefore have no effects outside the database (collect them in Tx, act on them in
// on_commit). A pooled connection found dead at BEGIN is replaced and the attempt repeated
// (nothing ran yet). Any other failure is returned as is; a lost connection is unavailable.
//
// Modes: write runs at READ COMMITTED (the default level): take row locks where a write
// depends on what it read (SELECT ... FOR UPDATE on the conversation row to allocate its
// next seq, on sync_user for a timeline seq). read runs at REPEATABLE READ READ ONLY: every
// statement of f sees one snapshot, like the SQLite store's read transactions.
//
// Thread-safety: call from any thread; each call holds its own connection.

#include <chrono>
#include <exception>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/ids.h"
#include "store/postgres/pg.h"
#include "store/postgres/pool.h"

namespace missive::postgres {

inline constexpr int kMaxAttempts = 5;

enum class TxMode { write, read };

// What f works with: the connection, and the effects to apply after the commit.
struct Tx {
  Conn& conn;
  // Users who got sync timeline entries in this transaction: told to the store's
  // TimelineListener after the commit (duplicates allowed; the store removes them).
  std::vector<UserId> timeline_users;

  Result<Rows> exec(std::string_view sql, const Params& params) { return conn.exec(sql, params); }
  template <class... A>
  Result<Rows> query(std::string_view sql, const A&... args) {
    return conn.query(sql, args...);
  }
};

namespace detail {
inline void backoff(int attempt) {
  thread_local std::minstd_rand random{std::random_device{}()};
  std::uniform_int_distribution<int> ms(1, 5 * attempt);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms(random)));
}
}  // namespace detail

template <class F, class OnCommit>
auto with_transaction(Pool& pool, TxMode mode, F&& f, OnCommit&& on_commit)
    -> std::invoke_result_t<F, Tx&> {
  using R = std::invoke_result_t<F, Tx&>;
  const char* begin =
      mode == TxMode::read ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN";
  for (int attempt = 1;; ++attempt) {
    auto lease = pool.acquire();
    if (!lease) return std::unexpected(std::move(lease).error());
    Conn& conn = lease->conn();
    if (Status begun = conn.run(begin); !begun) {
      if (conn.broken() && attempt < kMaxAttempts) continue;  // a stale pooled connection
      return std::unexpected(std::move(begun).error());
    }
    Tx tx{conn, {}};
    std::optional<R> out;
    try {
      out.emplace(f(tx));
    } catch (const std::exception& e) {
      out.emplace(fail(ErrorCode::internal, std::string("transaction failed: ") + e.what()));
    } catch (...) {
      out.emplace(fail(ErrorCode::internal, "transaction failed"));
    }
    bool retry = false;
    if (*out) {
      Status committed = conn.run("COMMIT");
      if (committed) {
        on_commit(tx);
        return std::move(*out);
      }
      retry = conn.retryable();  // a failed COMMIT has rolled back
      out.emplace(std::unexpected(std::move(committed).error()));
    } else {
      retry = conn.retryable();
      if (!conn.broken()) (void)conn.run("ROLLBACK");
    }
    if (!retry || attempt >= kMaxAttempts) return std::move(*out);
    detail::backoff(attempt);
  }
}

template <class F>
auto with_transaction(Pool& pool, TxMode mode, F&& f) -> std::invoke_result_t<F, Tx&> {
  return with_transaction(pool, mode, std::forward<F>(f), [](const Tx&) {});
}

}  // namespace missive::postgres
