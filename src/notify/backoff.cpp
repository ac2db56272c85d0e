#include "notify/backoff.h"

#include <sodium.h>

#include <cmath>
#include <cstdlib>
#include <iterator>

namespace missive::notify {
namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDelays[] = {5 * kSecond, 30 * kSecond, 2 * kMinute, 10 * kMinute,
                                    30 * kMinute, kHour,       2 * kHour,   4 * kHour};

}  // namespace

std::int64_t base_delay_ms(std::int64_t attempts_made) {
  if (attempts_made <= 0) return 0;
  const auto last = static_cast<std::int64_t>(std::size(kDelays)) - 1;
  return kDelays[std::min(attempts_made - 1, last)];
}

Timestamp next_attempt(std::int64_t attempts_made, Timestamp now, std::uint64_t random) {
  const std::int64_t base = base_delay_ms(attempts_made);
  if (base == 0) return now;
  // random / 2^64 in [0, 1), to a factor in [1 - kJitter, 1 + kJitter].
  const double unit = std::ldexp(static_cast<double>(random >> 11), -53);
  const double factor = 1.0 - kJitter + 2.0 * kJitter * unit;
  return now + std::llround(static_cast<double>(base) * factor);
}

Timestamp next_attempt(std::int64_t attempts_made, Timestamp now) {
  if (sodium_init() < 0) std::abort();  // no randomness source: nothing is safe to do
  std::uint64_t random = 0;
  randombytes_buf(&random, sizeof random);
  return next_attempt(attempts_made, now, random);
}

bool give_up(Timestamp created_or_replayed, Timestamp now) { return now - created_or_replayed >= kGiveUpAfterMs; }

}  // namespace missive::notify
