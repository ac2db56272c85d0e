#pragma once
// A fixed pool of read-only connections of a SQLite store.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

// Hands out read-only connections one caller at a time; a caller waits only when every
// connection is leased (never for the writer: WAL readers do not block on it).
// Thread-safety: acquire() may be called from any thread; a Lease belongs to its thread.
class ReadPool {
 public:
  class Lease {
   public:
    Lease(ReadPool& pool, std::unique_ptr<Db> db) : pool_(&pool), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (db_) pool_->release(std::move(db_));
    }
    Db& db() { return *db_; }

   private:
    ReadPool* pool_;
    std::unique_ptr<Db> db_;
  };

  explicit ReadPool(std::vector<std::unique_ptr<Db>> connections)
      : idle_(std::move(connections)) {}

  Lease acquire() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !idle_.empty(); });
    std::unique_ptr<Db> db = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(db));
  }

 private:
  void release(std::unique_ptr<Db> db) {
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(db));
    }
    cv_.notify_one();
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Db>> idle_;  // guarded by mutex_
};

}  // namespace missive::sqlite
