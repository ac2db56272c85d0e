#include "engine/sync_worker.h"

#include <algorithm>
#include <chrono>

namespace missive {

SyncWorker::SyncWorker(Engine& engine, SyncWorkerOptions options)
    : engine_(engine), options_(std::move(options)) {}

SyncWorker::~SyncWorker() { stop(); }

void SyncWorker::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void SyncWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SyncWorker::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

void SyncWorker::run() {
  using Steady = std::chrono::steady_clock;
  Steady::time_point next_prune = Steady::now();
  Steady::time_point next_merge = Steady::now();
  Steady::time_point next_fanout = Steady::now();
  for (;;) {
    // The first pass resumes the fan-outs a crash interrupted; later ones run when woken or
    // every poll interval (not on every merge step).
    if (Steady::now() >= next_fanout) {
      if (auto chunks = engine_.run_fanout(); !chunks && options_.on_error) {
        options_.on_error("fan-out", chunks.error());
      }
      next_fanout = Steady::now() + std::chrono::milliseconds(options_.poll_ms);
    }
    if (Steady::now() >= next_prune) {
      if (auto pruned = engine_.prune_timeline(); !pruned && options_.on_error) {
        options_.on_error("timeline pruning", pruned.error());
      }
      next_prune = Steady::now() + std::chrono::milliseconds(options_.prune_every_ms);
    }
    if (options_.merge_pages > 0 && Steady::now() >= next_merge) {
      auto more = engine_.maintain_search_index(options_.merge_pages);
      if (!more && options_.on_error) options_.on_error("search index merge", more.error());
      next_merge = Steady::now() + std::chrono::milliseconds(more && *more ? options_.merge_busy_ms
                                                                           : options_.merge_idle_ms);
    }
    Steady::time_point until = next_fanout;
    if (options_.merge_pages > 0) until = std::min(until, next_merge);
    std::unique_lock lock(mutex_);
    if (cv_.wait_until(lock, until, [this] { return stop_ || woken_; })) {
      if (stop_) return;
      woken_ = false;
      next_fanout = Steady::now();  // a deferred send committed: fan out now
    }
  }
}

}  // namespace missive
