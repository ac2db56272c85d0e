#pragma once
// Pool: at most `size` connections to one database, opened on demand and reused.
//
// acquire() hands out an idle connection, opens a new one while fewer than `size` exist, or
// waits (up to `wait`) for one to be returned. A connection found broken when it comes back
// is closed instead of reused, so the pool heals after a database restart: the requests
// caught by the outage fail with unavailable, the next ones open fresh connections.
// Thread-safety: acquire() and the leases may be used from any thread concurrently.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/postgres/pg.h"

namespace missive::postgres {

class Pool {
 public:
  // A connection on loan; returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Conn& conn() { return *conn_; }

   private:
    Pool* pool_;
    std::unique_ptr<Conn> conn_;
  };

  // `init`: SQL run on every new connection before its first use (session setup, e.g. the
  // temporary tables of timeline.h); empty for none.
  Pool(std::string url, int size, std::chrono::milliseconds wait = std::chrono::seconds(10),
       std::string init = {});
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // unavailable if no connection can be opened, or none came back within `wait`.
  Result<Lease> acquire();

  const std::string& url() const { return url_; }

 private:
  void release(std::unique_ptr<Conn> conn);

  const std::string url_;
  const int size_;
  const std::chrono::milliseconds wait_;
  const std::string init_;

  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Conn>> idle_;  // guarded by mutex_
  int open_ = 0;                             // guarded by mutex_: idle + leased + opening
};

}  // namespace missive::postgres
