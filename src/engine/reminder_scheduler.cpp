#include "engine/reminder_scheduler.h"

#include <algorithm>
#include <chrono>

namespace missive {

ReminderScheduler::ReminderScheduler(Engine& engine, ReminderSchedulerOptions options)
    : engine_(engine), options_(std::move(options)) {}

ReminderScheduler::~ReminderScheduler() { stop(); }

void ReminderScheduler::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void ReminderScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    // Another node may take the reminders over at once rather than after the lease expires.
    if (!options_.lease_holder.empty()) {
      (void)engine_.release_lease(Engine::kReminderLease, options_.lease_holder);
    }
  }
}

bool ReminderScheduler::hold_lease() {
  if (options_.lease_holder.empty()) return true;
  const std::int64_t ttl =
      options_.lease_ttl_ms > 0 ? options_.lease_ttl_ms : 3 * options_.poll_ms + 10'000;
  auto held = engine_.acquire_lease(Engine::kReminderLease, options_.lease_holder, ttl);
  if (!held) {
    if (options_.on_pass) options_.on_pass(std::unexpected(held.error()));
    return false;
  }
  return *held;
}

void ReminderScheduler::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

void ReminderScheduler::run() {
  for (;;) {
    if (!hold_lease()) {
      // Another node sends the reminders (or the store is unreachable): check again after a
      // whole interval, in case that node is gone.
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms), [this] { return stop_; });
      if (stop_) return;
      woken_ = false;
      continue;
    }
    // The lease only saves the other nodes the work: were it to lapse during a slow pass, a
    // second node's writes would still be refused (write_reminders checks the schedule's
    // version), so a round is sent at most once either way.
    auto report = engine_.run_due_reminders(engine_.clock().now());
    if (options_.on_pass) options_.on_pass(report);
    // Sleep until the earliest schedule is due, but never longer than the poll interval: the
    // clock may be moved (tests) and schedules change through the API meanwhile. A failed pass
    // waits a whole interval, and something still due right after a pass (a conflict) waits
    // at least a second, so a failing store is not hammered.
    std::int64_t sleep_ms = options_.poll_ms;
    if (auto next = engine_.next_reminder_due(); report && next && *next) {
      const std::int64_t floor = std::min<std::int64_t>(options_.poll_ms, 1000);
      sleep_ms = std::clamp<std::int64_t>(**next - engine_.clock().now(), floor, options_.poll_ms);
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::milliseconds(sleep_ms), [this] { return stop_ || woken_; });
    if (stop_) return;
    woken_ = false;
  }
}

}  // namespace missive
