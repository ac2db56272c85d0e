#pragma once
// The sync worker: a thread inside the server that writes deferred fan-outs (large audiences,
// Engine::run_fanout) as soon as their send commits, resumes unfinished ones at start, and
// prunes old timeline entries (Engine::prune_timeline) every prune interval, and keeps the
// search index merged (Engine::maintain_search_index): one small step every merge_busy_ms
// while the index reports more work, a check every merge_idle_ms otherwise. A step holds the
// store's writer for a few milliseconds, so sends wait at most that long behind it.
//
// Thread-safety: start() and stop() are called by the owner's thread; wake() from any thread.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "engine/engine.h"

namespace missive {

struct SyncWorkerOptions {
  std::int64_t poll_ms = 10'000;         // the longest sleep between two fan-out passes
  std::int64_t prune_every_ms = 3'600'000;
  int merge_pages = 64;               // pages one search index step writes; 0 disables upkeep
  std::int64_t merge_busy_ms = 50;    // between steps while there is work
  std::int64_t merge_idle_ms = 5'000; // between checks when there was none
  // Told about failures (logging); may be empty.
  std::function<void(const std::string& what, const Error& error)> on_error;
};

class SyncWorker {
 public:
  SyncWorker(Engine& engine, SyncWorkerOptions options);
  ~SyncWorker();  // stops the thread if it runs
  SyncWorker(const SyncWorker&) = delete;
  SyncWorker& operator=(const SyncWorker&) = delete;

  void start();  // the first pass runs at once; calling it twice does nothing
  void stop();   // lets a running pass finish, then joins; idempotent
  void wake();   // a deferred send committed: fan out now

 private:
  void run();

  Engine& engine_;
  const SyncWorkerOptions options_;

  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;   // guarded by mutex_
  bool woken_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace missive
