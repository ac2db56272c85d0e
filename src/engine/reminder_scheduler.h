#pragma once
// The reminder scheduler: a thread inside the server that runs Engine::run_due_reminders
// whenever a schedule falls due (and at least every poll interval, which also picks up
// schedules changed through the API), using the engine's Clock for "now".
//
// Thread-safety: start() and stop() are called by the owner's thread; the pass runs on the
// scheduler's own thread. wake() may be called from any thread.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/engine.h"

namespace missive {

struct ReminderSchedulerOptions {
  std::int64_t poll_ms = 60'000;  // the longest sleep between two passes
  // Told what each pass did or why it failed (logging); may be empty.
  std::function<void(const Result<ReminderRunReport>&)> on_pass;
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
