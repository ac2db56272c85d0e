#pragma once
// The bus: "these users have new timeline entries", carried from the node that committed them
// to every node where a device of theirs may be connected. A notice is a hint: the timeline in
// the store is the truth, and a device that misses a notice catches up by pulling.
// Implementations: LocalBus (one process, the default) and RedisBus (bus/redis_bus.h: several
// nodes, Redis pub/sub).
//
// Thread-safety: every method may be called from any thread concurrently.

#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "core/ids.h"

namespace missive {

class Bus {
 public:
  // Called with the users of one notice. It must return at once (hand work to another
  // thread): it runs on the publisher's thread, which may be the store's writer.
  using Handler = std::function<void(const std::vector<UserId>& users)>;

  virtual ~Bus() = default;
  virtual void publish(const std::vector<UserId>& users) = 0;
  // Every notice published after this call reaches the handler (with a bus that carries
  // notices between nodes: every notice naming a user watched here). Returns a subscription id.
  virtual int subscribe(Handler handler) = 0;
  // After it returns the handler is never called again (so its owner may be destroyed). Not
  // to be called from inside a handler.
  virtual void unsubscribe(int id) = 0;
  // This node wants the notices naming `user` (a device of theirs is connected here). Counted:
  // each watch is undone by one unwatch. A bus that carries notices between nodes uses them to
  // subscribe only for the users connected to this node; it may also hand the handlers a notice
  // for `user` when the subscription takes effect (a notice is only a hint, never harmful).
  // LocalBus delivers every notice anyway and ignores them. Must return at once.
  virtual void watch(UserId user) { (void)user; }
  virtual void unwatch(UserId user) { (void)user; }
};

// In-process: publish calls every subscriber directly.
class LocalBus final : public Bus {
 public:
  void publish(const std::vector<UserId>& users) override;
  int subscribe(Handler handler) override;
  void unsubscribe(int id) override;

 private:
  struct Subscriber {
    int id;
    std::shared_ptr<const Handler> handler;
  };
  std::mutex mutex_;
  std::shared_mutex calling_;            // held shared while handlers run
  std::vector<Subscriber> subscribers_;  // guarded by mutex_
  int next_id_ = 1;                      // guarded by mutex_
};

}  // namespace missive
