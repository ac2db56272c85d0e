#pragma once
// Rate limits of the server (docs/security.md), without the network and without a clock of
// their own: every call takes `now` in milliseconds, so tests drive them with a hand-moved
// clock and never sleep.
//
// - SendLimiter: a token bucket per user; a send or reply takes one token.
// - LoginThrottle: failed logins counted per account (handle) and per client address in a
//   fixed window that starts at the first failure; at the threshold further attempts are
//   refused until the window has passed. A success clears the account's count.
//
// Both keep at most `max_keys` entries (constant memory whatever the traffic): the oldest
// entry is dropped to make room. Time going backwards (a wall clock set back) is treated as
// no time passing.
//
// Thread-safety: every method may be called from any thread concurrently (one mutex each).

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.h"

namespace missive::server {

struct SendLimitOptions {
  double per_second = 10;  // tokens added per second; 0 disables the limit
  double burst = 30;       // bucket size: sends allowed at once after a quiet period
  std::size_t max_keys = 100'000;
};

class SendLimiter {
 public:
  explicit SendLimiter(SendLimitOptions options);

  // Takes a token of `user`'s bucket. Returns 0 when one was taken, otherwise how many
  // milliseconds until one will be available (nothing taken).
  std::int64_t acquire(std::int64_t user, std::int64_t now_ms);

  // The rate_limited error for a wait of `wait_ms` (retry_after_seconds rounded up, >= 1).
  Error refusal(std::int64_t wait_ms) const;

 private:
  // Tokens are counted in millionths, so refills add up exactly.
  static constexpr std::int64_t kUnit = 1'000'000;
  struct Bucket {
    std::int64_t units = 0;
    std::int64_t updated_ms = 0;
    std::list<std::int64_t>::iterator age;  // position in order_
  };

  const SendLimitOptions options_;
  std::mutex mutex_;
  std::unordered_map<std::int64_t, Bucket> buckets_;  // guarded by mutex_
  std::list<std::int64_t> order_;  // guarded by mutex_: least recently used first
};

struct LoginThrottleOptions {
  int account_failures = 5;     // failures per handle in one window; 0 disables
  int address_failures = 50;    // failures per client address in one window; 0 disables
  std::int64_t window_ms = 15 * 60 * 1000;
  std::size_t max_keys = 100'000;  // per kind (accounts, addresses)
};

class LoginThrottle {
 public:
  explicit LoginThrottle(LoginThrottleOptions options);

  // Success when a login for `account` from `address` may be tried now; rate_limited (with
  // retry_after_seconds) while either has reached its threshold in the current window.
  Status check(std::string_view account, std::string_view address, std::int64_t now_ms);
  // A login failed (wrong handle or password): counts against both. An empty address (a
  // request not from a socket) is not counted.
  void failed(std::string_view account, std::string_view address, std::int64_t now_ms);
  // A login succeeded: the account's failures are forgotten (the address's are not).
  void succeeded(std::string_view account);

 private:
  // Failures per key in fixed windows, oldest window first.
  class Windows {
   public:
    Windows(int threshold, std::int64_t window_ms, std::size_t max_keys)
        : threshold_(threshold), window_ms_(window_ms), max_keys_(max_keys) {}
    // Milliseconds until `key` may try again (0: now).
    std::int64_t wait(const std::string& key, std::int64_t now_ms);
    void add_failure(const std::string& key, std::int64_t now_ms);
    void forget(const std::string& key);

   private:
    struct Entry {
      std::int64_t start_ms = 0;
      int failures = 0;
      std::list<std::string>::iterator age;  // position in order_
    };
    void expire(std::int64_t now_ms);

    const int threshold_;
    const std::int64_t window_ms_;
    const std::size_t max_keys_;
    std::unordered_map<std::string, Entry> entries_;
    std::list<std::string> order_;  // by window start, oldest first
  };

  const LoginThrottleOptions options_;
  std::mutex mutex_;
  Windows accounts_;   // guarded by mutex_
  Windows addresses_;  // guarded by mutex_
};

// The API's rate limits; the defaults are those of `missive serve`.
struct RateLimits {
  SendLimitOptions send;
  // Uploads started per user (one request, or a tus creation): 60 a minute, 20 at once.
  SendLimitOptions upload{.per_second = 1, .burst = 20};
  LoginThrottleOptions login;
};

}  // namespace missive::server
