#pragma once
// When a failed notification (email or webhook) is tried again, and when it is given up.
//
// The schedule, by attempts made so far (each delay ±20 % at random, so that deliveries that
// failed together do not all come back at the same moment):
//
//   attempts made   1    2     3      4       5       6     7     8 and more
//   next after      5 s  30 s  2 min  10 min  30 min  1 h   2 h   4 h
//
// That is about 3 h 43 min for the first 8 attempts, then one every 4 hours. A notification
// is given up a day (kGiveUpAfterMs) after it was created, or replayed by an admin: 13
// attempts in all without jitter, 12 to 14 with it.
// Thread-safety: pure functions (the overload without a random value draws one from
// libsodium, which is thread-safe).

#include <cstdint>

#include "core/ids.h"

namespace missive::notify {

inline constexpr std::int64_t kGiveUpAfterMs = 86'400'000;  // one day
inline constexpr double kJitter = 0.2;                      // ±20 %

// The schedule's delay after `attempts_made` attempts, before jitter: 0 for none yet.
std::int64_t base_delay_ms(std::int64_t attempts_made);

// When to try again after `attempts_made` attempts (>= 1), made by `now`: now + the base delay
// scaled by a factor in [0.8, 1.2] that `random` (any 64-bit value, uniformly drawn by the
// caller; tests pass fixed ones) picks linearly: 0 gives 0.8, the largest value just under 1.2.
// attempts_made <= 0: now.
Timestamp next_attempt(std::int64_t attempts_made, Timestamp now, std::uint64_t random);

// The same with a random value from libsodium.
Timestamp next_attempt(std::int64_t attempts_made, Timestamp now);

// True once a day has passed since `created_or_replayed`: stop trying, mark it failed.
bool give_up(Timestamp created_or_replayed, Timestamp now);

}  // namespace missive::notify
