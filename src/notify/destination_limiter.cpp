#include "notify/destination_limiter.h"

#include <algorithm>
#include <cctype>
#include <iterator>

#include "notify/webhook_url.h"

namespace missive::notify {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void DestinationLimiter::refill(Bucket& bucket, Timestamp now) const {
  if (now > bucket.refilled_at) {
    const double elapsed_s = static_cast<double>(now - bucket.refilled_at) / 1000.0;
    bucket.tokens = std::min(limits_.burst, bucket.tokens + elapsed_s * limits_.rate_per_second);
    bucket.refilled_at = now;
  }
}

void DestinationLimiter::prune(Timestamp now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    const bool idle = it->second.in_flight == 0 && it->second.tokens >= limits_.burst;
    it = idle ? buckets_.erase(it) : std::next(it);
  }
  // Pruning again only once the map has doubled keeps the cost per call constant.
  prune_at_ = std::max<std::size_t>(1024, buckets_.size() * 2);
}

bool DestinationLimiter::try_acquire(const std::string& key, Timestamp now) {
  std::lock_guard lock(mutex_);
  if (buckets_.size() >= prune_at_) prune(now);
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = limits_.burst;
    bucket.refilled_at = now;
  }
  refill(bucket, now);
  if (bucket.in_flight >= limits_.max_in_flight || bucket.tokens < 1.0) return false;
  ++bucket.in_flight;
  bucket.tokens -= 1.0;
  return true;
}

void DestinationLimiter::release(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = buckets_.find(key);
  if (it != buckets_.end() && it->second.in_flight > 0) --it->second.in_flight;
}

int DestinationLimiter::in_flight(const std::string& key) const {
  std::lock_guard lock(mutex_);
  const auto it = buckets_.find(key);
  return it == buckets_.end() ? 0 : it->second.in_flight;
}

std::size_t DestinationLimiter::tracked_keys() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

std::string email_destination(std::string_view address) {
  return lowercase(address.substr(address.rfind('@') + 1));
}

std::string webhook_destination(const std::string& url) {
  auto parsed = parse_webhook_url(url);
  return parsed ? lowercase(parsed->host) : url;
}

}  // namespace missive::notify
