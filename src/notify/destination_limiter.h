#pragma once
// DestinationLimiter: how many deliveries may run at once to one destination (an email
// domain, a webhook host), and how often they may start, so that a slow or dead endpoint
// holds at most a few of the delivery threads and a burst does not flood one receiver.
// Each key has at most max_in_flight deliveries running and a token bucket of `burst`
// tokens refilled at rate_per_second; a delivery takes one token.
// Thread-safety: every method may be called from any thread.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/ids.h"

namespace missive::notify {

struct DestinationLimits {
  int max_in_flight = 2;
  double rate_per_second = 5;  // deliveries started per second, on average
  double burst = 5;            // started at once after a quiet time (>= 1)
};

class DestinationLimiter {
 public:
  explicit DestinationLimiter(DestinationLimits limits) : limits_(limits) {}

  // Takes a slot for a delivery to `key` at `now` (any monotonic milliseconds, e.g. the
  // engine's clock): true when fewer than max_in_flight run and a token is left. On true the
  // caller delivers and then calls release(key) exactly once; on false it tries later
  // (without counting an attempt).
  bool try_acquire(const std::string& key, Timestamp now);

  // Gives back the slot a successful try_acquire took.
  void release(const std::string& key);

  // Deliveries now running to `key`, and the keys remembered (tests and metrics).
  int in_flight(const std::string& key) const;
  std::size_t tracked_keys() const;

 private:
  struct Bucket {
    int in_flight = 0;
    double tokens = 0;
    Timestamp refilled_at = 0;
  };

  // Tops the bucket up for the time since it was last refilled.
  void refill(Bucket& bucket, Timestamp now) const;
  // Drops the keys that nothing runs to and whose bucket is full again: the map holds only
  // destinations in recent use.
  void prune(Timestamp now);

  // Constant after construction.
  const DestinationLimits limits_;

  mutable std::mutex mutex_;
  // Protected by mutex_.
  std::unordered_map<std::string, Bucket> buckets_;
  std::size_t prune_at_ = 1024;  // map size that triggers the next prune
};

// The destination key of an email address: its domain, lowercase ("example.com").
std::string email_destination(std::string_view address);

// The destination key of a webhook URL: its host, lowercase; the URL itself when it does not
// parse (it fails anyway).
std::string webhook_destination(const std::string& url);

}  // namespace missive::notify
