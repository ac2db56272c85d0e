#pragma once
// The delivery marker: a thread inside the server that writes the delivery marks of pulls
// (Engine::set_delivery_sink). A pull answers at once and hands "this user's entries up to
// here were delivered" to note(); the thread writes whatever has gathered in one store
// transaction (Store::mark_delivered of many users), keeping per user only the highest mark.
// So catching up on 10,000 entries in 100 pages costs a commit or two instead of 100, and the
// pulls of many devices share one. Marks are written within milliseconds; a crash before that
// loses only the marks, which the user's next pull or ack writes again (mark_delivered marks
// everything up to its mark), and delivery is a status, not data.
//
// Thread-safety: start() and stop() are called by the owner's thread; note() from any thread.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "engine/engine.h"

namespace missive {

class DeliveryMarker {
 public:
  // Users whose marks one transaction writes at most (a bigger backlog takes several, so one
  // transaction never holds the writer long).
  static constexpr std::size_t kMaxUsersPerCommit = 256;

  // `on_error` is told about failed writes (logging); may be empty.
  DeliveryMarker(Engine& engine, std::function<void(const Error&)> on_error);
  ~DeliveryMarker();  // stops the thread if it runs
  DeliveryMarker(const DeliveryMarker&) = delete;
  DeliveryMarker& operator=(const DeliveryMarker&) = delete;

  void start();  // calling it twice does nothing
  void stop();   // writes what was noted, then joins; idempotent
  // `user`'s entries up to `up_to` were pulled.
  void note(UserId user, SyncSeq up_to);

 private:
  void run();

  Engine& engine_;
  const std::function<void(const Error&)> on_error_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::unordered_map<UserId, SyncSeq> pending_;  // guarded by mutex_: the highest per user
  bool stop_ = false;                            // guarded by mutex_
  std::thread thread_;
};

}  // namespace missive
