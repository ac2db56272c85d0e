#pragma once
// The reminder scheduler: a thread inside the server that runs Engine::run_due_reminders
// whenever a schedule falls due (and at least every poll interval, which also picks up
// schedules changed through the API), using the engine's Clock for "now". With several
// nodes on one store, only the holder of a lease runs passes (ReminderSchedulerOptions).
//
// Thread-safety: start() and stop() are called by the owner's thread; the pass runs on the
// scheduler's own thread. wake() may be called from any thread.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "engine/engine.h"

namespace missive {

struct ReminderSchedulerOptions {
  std::int64_t poll_ms = 60'000;  // the longest sleep between two passes
  // Told what each pass did or why it failed (logging); may be empty.
  std::function<void(const Result<ReminderRunReport>&)> on_pass;
  // Several nodes on one store: this node's unique name. A pass then runs only while the node
  // holds the store's lease Engine::kReminderLease (taken or renewed before every pass, for
  // lease_ttl_ms; given up by stop()), so one node at a time sends reminders and another
  // takes over within lease_ttl_ms + poll_ms of the holder dying. Empty: no lease (one node).
  std::string lease_holder;
  std::int64_t lease_ttl_ms = 0;  // 0: 3 * poll_ms + 10 s (outlives the holder's sleep)
};

class ReminderScheduler {
 public:
  ReminderScheduler(Engine& engine, ReminderSchedulerOptions options);
  // Stops the thread if it runs.
  ~ReminderScheduler();
  ReminderScheduler(const ReminderScheduler&) = delete;
  ReminderScheduler& operator=(const ReminderScheduler&) = delete;

  // Starts the thread; its first pass runs at once (reminders missed while the server was
  // down go out now). Calling it twice does nothing.
  void start();
  // Lets a running pass finish, then joins the thread. Idempotent.
  void stop();
  // Runs a pass now instead of at the next due time.
  void wake();

 private:
  void run();
  // Whether this node may run a pass now: always without a lease_holder; else whether it
  // holds (took or renewed) the lease.
  bool hold_lease();

  // Constant after construction.
  Engine& engine_;
  const ReminderSchedulerOptions options_;

  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;    // guarded by mutex_
  bool woken_ = false;   // guarded by mutex_
  std::thread thread_;   // started by start(), joined by stop()
};

}  // namespace missive
