#include "server/rate_limit.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace missive::server {
namespace {

// Handles longer than this cannot exist (Limits::kHandleMax is 64); keys are cut here so an
// attacker's megabyte-long "handles" cannot make the table large.
constexpr std::size_t kMaxKeyBytes = 128;

std::int64_t seconds_up(std::int64_t ms) { return std::max<std::int64_t>(1, (ms + 999) / 1000); }

}  // namespace

// --- SendLimiter ---

SendLimiter::SendLimiter(SendLimitOptions options) : options_(options) {}

std::int64_t SendLimiter::acquire(std::int64_t user, std::int64_t now_ms) {
  if (options_.per_second <= 0) return 0;
  const std::int64_t capacity = std::llround(std::max(1.0, options_.burst) * kUnit);
  // Units per millisecond: per_second tokens of kUnit units per 1000 ms.
  const std::int64_t per_ms = std::max<std::int64_t>(1, std::llround(options_.per_second * 1000));
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(user);
  if (it == buckets_.end()) {
    // A forgotten user starts with a full bucket, like one never seen.
    if (buckets_.size() >= std::max<std::size_t>(1, options_.max_keys)) {
      buckets_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(user);
    it = buckets_.emplace(user, Bucket{capacity, now_ms, std::prev(order_.end())}).first;
  } else {
    order_.splice(order_.end(), order_, it->second.age);
  }
  Bucket& bucket = it->second;
  if (now_ms > bucket.updated_ms) {
    const std::int64_t elapsed = now_ms - bucket.updated_ms;
    // Past a full refill the exact amount does not matter (and must not overflow).
    bucket.units = elapsed >= capacity / per_ms + 1 ? capacity
                                                    : std::min(capacity, bucket.units + elapsed * per_ms);
    bucket.updated_ms = now_ms;
  }
  // A clock set back leaves the bucket as it was at the later time.
  if (bucket.units >= kUnit) {
    bucket.units -= kUnit;
    return 0;
  }
  return (kUnit - bucket.units + per_ms - 1) / per_ms;
}

Error SendLimiter::refusal(std::int64_t wait_ms) const {
  const auto seconds = seconds_up(wait_ms);
  return Error{ErrorCode::rate_limited,
               fmt::format("too many messages: at most {:g} per second (bursts of {:g}); retry in "
                           "{} s",
                           options_.per_second, std::max(1.0, options_.burst), seconds),
               seconds};
}

// --- LoginThrottle ---

void LoginThrottle::Windows::expire(std::int64_t now_ms) {
  while (!order_.empty()) {
    const auto it = entries_.find(order_.front());
    if (now_ms < it->second.start_ms + window_ms_) break;
    entries_.erase(it);
    order_.pop_front();
  }
}

std::int64_t LoginThrottle::Windows::wait(const std::string& key, std::int64_t now_ms) {
  if (threshold_ <= 0) return 0;
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.failures < threshold_) return 0;
  const std::int64_t end = it->second.start_ms + window_ms_;
  if (now_ms >= end) return 0;
  return std::min(window_ms_, end - now_ms);
}

void LoginThrottle::Windows::add_failure(const std::string& key, std::int64_t now_ms) {
  if (threshold_ <= 0) return;
  expire(now_ms);
  auto it = entries_.find(key);
  if (it != entries_.end() && now_ms >= it->second.start_ms + window_ms_) {
    order_.erase(it->second.age);
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    // Full: the entry whose window started first goes (it is the nearest to expiring).
    if (entries_.size() >= std::max<std::size_t>(1, max_keys_)) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(key);
    it = entries_.emplace(key, Entry{now_ms, 0, std::prev(order_.end())}).first;
  }
  ++it->second.failures;
}

void LoginThrottle::Windows::forget(const std::string& key) {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return;
  order_.erase(it->second.age);
  entries_.erase(it);
}

LoginThrottle::LoginThrottle(LoginThrottleOptions options)
    : options_(options),
      accounts_(options.account_failures, options.window_ms, options.max_keys),
      addresses_(options.address_failures, options.window_ms, options.max_keys) {}

Status LoginThrottle::check(std::string_view account, std::string_view address,
                            std::int64_t now_ms) {
  const std::string account_key(account.substr(0, kMaxKeyBytes));
  const std::string address_key(address.substr(0, kMaxKeyBytes));
  std::lock_guard lock(mutex_);
  const auto by_account = accounts_.wait(account_key, now_ms);
  const auto by_address = address.empty() ? 0 : addresses_.wait(address_key, now_ms);
  if (by_account == 0 && by_address == 0) return {};
  const auto seconds = seconds_up(std::max(by_account, by_address));
  const std::string what = by_account >= by_address
                               ? fmt::format("{} failed logins for this account",
                                             options_.account_failures)
                               : fmt::format("{} failed logins from this address",
                                             options_.address_failures);
  return std::unexpected(Error{
      ErrorCode::rate_limited,
      fmt::format("too many attempts: {} within {} s; retry in {} s", what,
                  seconds_up(options_.window_ms), seconds),
      seconds});
}

void LoginThrottle::failed(std::string_view account, std::string_view address,
                           std::int64_t now_ms) {
  const std::string account_key(account.substr(0, kMaxKeyBytes));
  const std::string address_key(address.substr(0, kMaxKeyBytes));
  std::lock_guard lock(mutex_);
  accounts_.add_failure(account_key, now_ms);
  if (!address.empty()) addresses_.add_failure(address_key, now_ms);
}

void LoginThrottle::succeeded(std::string_view account) {
  const std::string account_key(account.substr(0, kMaxKeyBytes));
  std::lock_guard lock(mutex_);
  accounts_.forget(account_key);
}

}  // namespace missive::server
