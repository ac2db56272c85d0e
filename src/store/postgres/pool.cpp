#include "store/postgres/pool.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace missive::postgres {

Pool::Lease::~Lease() {
  if (conn_ != nullptr && pool_ != nullptr) pool_->release(std::move(conn_));
}

Pool::Pool(std::string url, int size, std::chrono::milliseconds wait, std::string init)
    : url_(std::move(url)), size_(std::max(1, size)), wait_(wait), init_(std::move(init)) {}

Result<Pool::Lease> Pool::acquire() {
  {
    std::unique_lock lock(mutex_);
    bool ready = returned_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < size_; });
    if (!ready) {
      return fail(ErrorCode::unavailable,
                  fmt::format("the database is unavailable: all {} connections busy", size_));
    }
    if (!idle_.empty()) {
      std::unique_ptr<Conn> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // a slot reserved for the connection opened below, outside the lock
  }
  auto opened = Conn::open(url_);
  if (opened && !init_.empty()) {
    if (Status ready = (*opened)->run(init_); !ready) opened = std::unexpected(ready.error());
  }
  if (!opened) {
    std::lock_guard lock(mutex_);
    --open_;
    returned_.notify_one();
    return std::unexpected(std::move(opened).error());
  }
  return Lease(this, std::move(*opened));
}

void Pool::release(std::unique_ptr<Conn> conn) {
  // A connection left inside a transaction (a failure between BEGIN and its end) or broken
  // is not reused.
  bool reusable = !conn->broken() && !conn->in_transaction();
  if (!reusable) conn.reset();
  std::lock_guard lock(mutex_);
  if (reusable) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  returned_.notify_one();
}

}  // namespace missive::postgres
