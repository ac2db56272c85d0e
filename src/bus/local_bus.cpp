#include <algorithm>

#include "bus/bus.h"

namespace missive {

void LocalBus::publish(const std::vector<UserId>& users) {
  if (users.empty()) return;
  std::shared_lock calling(calling_);
  std::vector<std::shared_ptr<const Handler>> handlers;
  {
    std::lock_guard lock(mutex_);
    for (const Subscriber& s : subscribers_) handlers.push_back(s.handler);
  }
  // Called outside mutex_, so a handler may subscribe.
  for (const auto& handler : handlers) (*handler)(users);
}

int LocalBus::subscribe(Handler handler) {
  std::lock_guard lock(mutex_);
  const int id = next_id_++;
  subscribers_.push_back({id, std::make_shared<const Handler>(std::move(handler))});
  return id;
}

void LocalBus::unsubscribe(int id) {
  {
    std::lock_guard lock(mutex_);
    std::erase_if(subscribers_, [id](const Subscriber& s) { return s.id == id; });
  }
  // Waits for publishes under way, which may still hold the removed handler.
  std::unique_lock wait_for_calls(calling_);
}

}  // namespace missive
