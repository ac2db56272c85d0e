#include "engine/sync_worker.h"

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
  for (;;) {
    // The first pass resumes the fan-outs a crash interrupted.
    if (auto chunks = engine_.run_fanout(); !chunks && options_.on_error) {
      options_.on_error("fan-out", chunks.error());
    }
    if (Steady::now() >= next_prune) {
      if (auto pruned = engine_.prune_timeline(); !pruned && options_.on_error) {
        options_.on_error("timeline pruning", pruned.error());
      }
      next_prune = Steady::now() + std::chrono::milliseconds(options_.prune_every_ms);
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                 [this] { return stop_ || woken_; });
    if (stop_) return;
    woken_ = false;
  }
}

}  // namespace missive
