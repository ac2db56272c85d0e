#pragma once
// RedisBus: the Bus over Redis pub/sub, so that several nodes push to the devices connected to
// them whatever node committed the entries (docs/architecture.md, "The bus").
//
// One channel per user ("missive:user:<id>"). publish() only records the users and wakes the
// bus thread, which sends the PUBLISH commands pipelined on its own connection; a second
// connection is subscribed to the channels of the users watched on this node, and each notice
// read there (this node's own included: they make the round trip through Redis) reaches the
// subscribed handlers. While Redis cannot be reached, publishes are handed to this node's
// handlers directly and kept (deduplicated, bounded) to be published once it is back; the bus
// thread reconnects with exponential backoff, and every subscription that takes effect (the
// first watch of a user, or all of them after a reconnect) hands the handlers a notice for its
// user, so connections fetch whatever they missed.
//
// Thread-safety: every method may be called from any thread concurrently (as Bus says).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bus/bus.h"
#include "core/error.h"

namespace missive {

struct RedisAddress {
  std::string host;
  int port = 6379;
};

// "redis://HOST[:PORT]" (port 6379 when left out; "[::1]:PORT" for IPv6). invalid otherwise,
// with a message naming the expected form.
Result<RedisAddress> parse_redis_url(std::string_view url);

struct RedisBusOptions {
  RedisAddress address;
  std::string channel_prefix = "missive:user:";
  // Reconnection: the first retry after min_backoff, each failed one doubles it up to max.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
  // Longest wait to connect, or for the reply of a PUBLISH, before the connection counts as down.
  std::chrono::milliseconds io_timeout{2000};
  // Users waiting to be published (while Redis is down, or slow): beyond this many, notices of
  // further users are dropped from Redis (still delivered on this node); their devices catch
  // up at their next notice or pull.
  std::size_t max_pending_users = 100'000;
  // Called on the bus thread when the state changes: connected (both connections up), or not
  // (with what failed). Also called once after the first attempt.
  std::function<void(bool connected, const std::string& detail)> on_state;
};

class RedisBus final : public Bus {
 public:
  // Starts the bus thread, which connects in the background: Redis being down at start is
  // only a degraded state, like an outage later.
  explicit RedisBus(RedisBusOptions options);
  // Stops the bus thread (publishes not yet sent are dropped) and closes the connections.
  ~RedisBus() override;
  RedisBus(const RedisBus&) = delete;
  RedisBus& operator=(const RedisBus&) = delete;

  void publish(const std::vector<UserId>& users) override;
  int subscribe(Handler handler) override;
  void unsubscribe(int id) override;
  void watch(UserId user) override;
  void unwatch(UserId user) override;

  // Both connections are up (the state on_state last reported).
  bool connected() const;
  // Users whose notice was dropped from Redis because max_pending_users were waiting.
  std::uint64_t dropped() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace missive
