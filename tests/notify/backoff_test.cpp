// The retry schedule: base delays, jitter bounds with an injected random value, giving up.

#include "notify/backoff.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

namespace missive::notify {
namespace {

constexpr std::int64_t kS = 1000;
constexpr std::int64_t kMin = 60 * kS;
constexpr std::int64_t kH = 60 * kMin;
constexpr Timestamp kNow = 1'700'000'000'000;
constexpr std::uint64_t kMaxRandom = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kMiddle = std::uint64_t{1} << 63;

TEST(Backoff, BaseSchedule) {
  EXPECT_EQ(base_delay_ms(0), 0);
  EXPECT_EQ(base_delay_ms(1), 5 * kS);
  EXPECT_EQ(base_delay_ms(2), 30 * kS);
  EXPECT_EQ(base_delay_ms(3), 2 * kMin);
  EXPECT_EQ(base_delay_ms(4), 10 * kMin);
  EXPECT_EQ(base_delay_ms(5), 30 * kMin);
  EXPECT_EQ(base_delay_ms(6), kH);
  EXPECT_EQ(base_delay_ms(7), 2 * kH);
  EXPECT_EQ(base_delay_ms(8), 4 * kH);
  EXPECT_EQ(base_delay_ms(9), 4 * kH);
  EXPECT_EQ(base_delay_ms(1000), 4 * kH);
}

TEST(Backoff, JitterIsTwentyPercentEitherWay) {
  for (std::int64_t attempts = 1; attempts <= 10; ++attempts) {
    const std::int64_t base = base_delay_ms(attempts);
    EXPECT_EQ(next_attempt(attempts, kNow, 0), kNow + base * 8 / 10) << attempts;
    EXPECT_EQ(next_attempt(attempts, kNow, kMiddle), kNow + base) << attempts;
    EXPECT_EQ(next_attempt(attempts, kNow, kMaxRandom), kNow + base * 12 / 10) << attempts;
  }
  std::mt19937_64 random(42);
  for (int i = 0; i < 10000; ++i) {
    const std::int64_t attempts = 1 + i % 9;
    const std::int64_t base = base_delay_ms(attempts);
    const std::int64_t delay = next_attempt(attempts, kNow, random()) - kNow;
    ASSERT_GE(delay, base * 8 / 10);
    ASSERT_LE(delay, base * 12 / 10);
  }
}

TEST(Backoff, NoAttemptYetMeansNow) {
  EXPECT_EQ(next_attempt(0, kNow, kMaxRandom), kNow);
  EXPECT_EQ(next_attempt(-1, kNow), kNow);
}

TEST(Backoff, LibsodiumRandomStaysInBounds) {
  for (int i = 0; i < 100; ++i) {
    const std::int64_t delay = next_attempt(1, kNow) - kNow;
    ASSERT_GE(delay, 4 * kS);
    ASSERT_LE(delay, 6 * kS);
  }
}

TEST(Backoff, GiveUpAfterADay) {
  EXPECT_FALSE(give_up(kNow, kNow));
  EXPECT_FALSE(give_up(kNow, kNow + 86'399'999));
  EXPECT_TRUE(give_up(kNow, kNow + 86'400'000));
  EXPECT_TRUE(give_up(kNow, kNow + 10 * 86'400'000LL));
}

// The whole day's attempts, with the least, the average and the most jitter.
TEST(Backoff, AttemptsInADay) {
  for (const auto& [random, expected] : {std::pair{kMaxRandom, 12}, {kMiddle, 13}, {std::uint64_t{0}, 14}}) {
    Timestamp at = kNow;
    int attempts = 0;
    while (!give_up(kNow, at)) {
      ++attempts;
      at = next_attempt(attempts, at, random);
    }
    EXPECT_EQ(attempts, expected) << random;
  }
}

}  // namespace
}  // namespace missive::notify
