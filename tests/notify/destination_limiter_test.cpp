// DestinationLimiter: concurrency per key, the token bucket on an injected clock, threads,
// and forgetting idle keys.

#include "notify/destination_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace missive::notify {
namespace {

constexpr Timestamp kT0 = 1'000'000;

TEST(DestinationLimiter, BoundsDeliveriesInFlightPerKey) {
  DestinationLimiter limiter({.max_in_flight = 2, .rate_per_second = 1000, .burst = 1000});
  EXPECT_TRUE(limiter.try_acquire("example.com", kT0));
  EXPECT_TRUE(limiter.try_acquire("example.com", kT0));
  EXPECT_FALSE(limiter.try_acquire("example.com", kT0));
  EXPECT_EQ(limiter.in_flight("example.com"), 2);
  // Another destination is not held up by the first.
  EXPECT_TRUE(limiter.try_acquire("other.example", kT0));
  limiter.release("example.com");
  EXPECT_EQ(limiter.in_flight("example.com"), 1);
  EXPECT_TRUE(limiter.try_acquire("example.com", kT0));
  EXPECT_FALSE(limiter.try_acquire("example.com", kT0));
}

TEST(DestinationLimiter, TokenBucketLimitsTheRate) {
  DestinationLimiter limiter({.max_in_flight = 100, .rate_per_second = 2, .burst = 3});
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter.try_acquire("hooks.example.com", kT0)) << i;
    limiter.release("hooks.example.com");
  }
  EXPECT_FALSE(limiter.try_acquire("hooks.example.com", kT0));
  EXPECT_FALSE(limiter.try_acquire("hooks.example.com", kT0 + 499));  // 0.998 tokens
  EXPECT_TRUE(limiter.try_acquire("hooks.example.com", kT0 + 500));   // one token per 500 ms
  EXPECT_FALSE(limiter.try_acquire("hooks.example.com", kT0 + 500));
  // A long quiet time refills up to the burst, no more.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.try_acquire("hooks.example.com", kT0 + 3'600'000)) << i;
  EXPECT_FALSE(limiter.try_acquire("hooks.example.com", kT0 + 3'600'000));
}

TEST(DestinationLimiter, ReleaseWithoutAcquireIsHarmless) {
  DestinationLimiter limiter({.max_in_flight = 1});
  limiter.release("never.example");
  EXPECT_TRUE(limiter.try_acquire("x.example", kT0));
  limiter.release("x.example");
  limiter.release("x.example");
  EXPECT_EQ(limiter.in_flight("x.example"), 0);
  EXPECT_TRUE(limiter.try_acquire("x.example", kT0));
  EXPECT_FALSE(limiter.try_acquire("x.example", kT0));
}

TEST(DestinationLimiter, ThreadsNeverExceedTheBound) {
  DestinationLimiter limiter({.max_in_flight = 2, .rate_per_second = 1e9, .burst = 1e9});
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  std::atomic<int> delivered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (!limiter.try_acquire("slow.example", kT0 + i)) continue;
        const int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        ++delivered;
        --running;
        limiter.release("slow.example");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(most.load(), 2);
  EXPECT_GT(delivered.load(), 0);
  EXPECT_EQ(limiter.in_flight("slow.example"), 0);
}

TEST(DestinationLimiter, IdleKeysAreForgotten) {
  DestinationLimiter limiter({.max_in_flight = 2, .rate_per_second = 10, .burst = 2});
  ASSERT_TRUE(limiter.try_acquire("busy.example", kT0));  // kept: a delivery runs
  for (int i = 0; i < 3000; ++i) {
    const std::string key = "d" + std::to_string(i) + ".example";
    ASSERT_TRUE(limiter.try_acquire(key, kT0));
    limiter.release(key);
  }
  // Once their buckets are full again (200 ms at 10/s) the idle keys go at the next prune.
  for (int i = 0; i < 3000; ++i) limiter.try_acquire("late" + std::to_string(i) + ".example", kT0 + 1000);
  EXPECT_LT(limiter.tracked_keys(), 4000u);
  EXPECT_EQ(limiter.in_flight("busy.example"), 1);
}

TEST(DestinationLimiter, DestinationKeys) {
  EXPECT_EQ(email_destination("Ada@Example.COM"), "example.com");
  EXPECT_EQ(webhook_destination("https://Hooks.Example.com:8443/x?y=1"), "hooks.example.com");
  EXPECT_EQ(webhook_destination("http://[::1]:9/"), "[::1]");
  EXPECT_EQ(webhook_destination("not a url"), "not a url");
}

}  // namespace
}  // namespace missive::notify
