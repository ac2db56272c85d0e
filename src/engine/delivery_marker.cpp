#include "engine/delivery_marker.h"

#include <algorithm>
#include <vector>

#include "core/thread_name.h"

namespace missive {

DeliveryMarker::DeliveryMarker(Engine& engine, std::function<void(const Error&)> on_error)
    : engine_(engine), on_error_(std::move(on_error)) {}

DeliveryMarker::~DeliveryMarker() { stop(); }

void DeliveryMarker::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void DeliveryMarker::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DeliveryMarker::note(UserId user, SyncSeq up_to) {
  {
    std::lock_guard lock(mutex_);
    SyncSeq& mark = pending_[user];
    mark = std::max(mark, up_to);
  }
  cv_.notify_one();
}

void DeliveryMarker::run() {
  name_this_thread("missive-deliver");  // for top -H (operations.md)
  std::vector<DeliveryMark> marks;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stop_ || !pending_.empty(); });
      // At stop, what is pending is still written: the pulls behind it were answered.
      if (pending_.empty()) return;
      marks.clear();
      for (auto it = pending_.begin(); it != pending_.end() && marks.size() < kMaxUsersPerCommit;) {
        marks.push_back(DeliveryMark{.user = it->first, .up_to = it->second});
        it = pending_.erase(it);
      }
    }
    // While this commits, the next pulls gather into the next transaction.
    if (auto written = engine_.mark_delivered(marks); !written && on_error_) on_error_(written.error());
  }
}

}  // namespace missive
