// The send token bucket and the login throttle, driven by a clock moved by hand (every call
// takes `now`): no sleeping. And the output budget: the bytes of unread answers.
#include "server/rate_limit.h"

#include <gtest/gtest.h>

#include <string>

#include "server/output_budget.h"

namespace missive::server {
namespace {

constexpr std::int64_t kT0 = 1'790'000'000'000;

// "ok", or "<code> <retry_after>s: <message>".
std::string outcome(const Status& status) {
  if (status) return "ok";
  return std::string(error_code_name(status.error().code)) + " " +
         std::to_string(status.error().retry_after_seconds) + "s: " + status.error().message;
}

TEST(SendLimiter, AllowsTheBurstThenOneTokenPerInterval) {
  SendLimiter limiter({.per_second = 2, .burst = 3});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire(7, kT0), 0) << i;
  // Empty: the next token comes in 1/2 s.
  EXPECT_EQ(limiter.acquire(7, kT0), 500);
  EXPECT_EQ(limiter.acquire(7, kT0 + 200), 300);
  EXPECT_EQ(limiter.acquire(7, kT0 + 500), 0);
  EXPECT_EQ(limiter.acquire(7, kT0 + 500), 500);
  // A long pause refills up to the burst, not beyond.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire(7, kT0 + 60'000), 0) << i;
  EXPECT_GT(limiter.acquire(7, kT0 + 60'000), 0);
}

TEST(SendLimiter, RefusedAttemptsTakeNothing) {
  SendLimiter limiter({.per_second = 1, .burst = 1});
  EXPECT_EQ(limiter.acquire(1, kT0), 0);
  // Hammering while empty does not push the next token further away.
  for (int i = 0; i < 100; ++i) EXPECT_GT(limiter.acquire(1, kT0 + 900), 0);
  EXPECT_EQ(limiter.acquire(1, kT0 + 1000), 0);
}

TEST(SendLimiter, UsersHaveTheirOwnBuckets) {
  SendLimiter limiter({.per_second = 1, .burst = 2});
  EXPECT_EQ(limiter.acquire(1, kT0), 0);
  EXPECT_EQ(limiter.acquire(1, kT0), 0);
  EXPECT_GT(limiter.acquire(1, kT0), 0);
  EXPECT_EQ(limiter.acquire(2, kT0), 0);
  EXPECT_EQ(limiter.acquire(2, kT0), 0);
}

TEST(SendLimiter, RateZeroDisablesIt) {
  SendLimiter limiter({.per_second = 0, .burst = 1});
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limiter.acquire(1, kT0), 0);
}

TEST(SendLimiter, AClockSetBackGivesNoTokens) {
  SendLimiter limiter({.per_second = 1, .burst = 1});
  EXPECT_EQ(limiter.acquire(1, kT0), 0);
  EXPECT_GT(limiter.acquire(1, kT0 - 3'600'000), 0);
  EXPECT_GT(limiter.acquire(1, kT0 + 500), 0);
  EXPECT_EQ(limiter.acquire(1, kT0 + 1000), 0);
}

TEST(SendLimiter, KeepsAtMostMaxKeysUsers) {
  SendLimiter limiter({.per_second = 1, .burst = 1, .max_keys = 2});
  EXPECT_EQ(limiter.acquire(1, kT0), 0);
  EXPECT_EQ(limiter.acquire(2, kT0), 0);
  EXPECT_GT(limiter.acquire(1, kT0), 0);  // 1 is now the most recently used
  EXPECT_EQ(limiter.acquire(3, kT0), 0);  // evicts 2, the least recently used
  EXPECT_GT(limiter.acquire(1, kT0), 0);  // 1 was kept: still empty
  EXPECT_EQ(limiter.acquire(2, kT0), 0);  // 2 was forgotten: a full bucket again
}

TEST(SendLimiter, RefusalSaysWhenToRetry) {
  SendLimiter limiter({.per_second = 0.5, .burst = 2});
  const Error error = limiter.refusal(1500);
  EXPECT_EQ(error.code, ErrorCode::rate_limited);
  EXPECT_EQ(error.retry_after_seconds, 2);
  EXPECT_EQ(error.message, "too many messages: at most 0.5 per second (bursts of 2); retry in 2 s");
  EXPECT_EQ(limiter.refusal(1).retry_after_seconds, 1);
}

LoginThrottleOptions login_options(int account, int address) {
  return {.account_failures = account, .address_failures = address, .window_ms = 60'000,
          .max_keys = 1000};
}

TEST(LoginThrottle, RefusesAnAccountAfterNFailuresUntilTheWindowPasses) {
  LoginThrottle throttle(login_options(3, 100));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(outcome(throttle.check("ada", "10.0.0.1", kT0 + i * 1000)), "ok");
    throttle.failed("ada", "10.0.0.1", kT0 + i * 1000);
  }
  // The window started at the first failure (kT0) and lasts 60 s.
  EXPECT_EQ(outcome(throttle.check("ada", "10.0.0.2", kT0 + 10'000)),
            "rate_limited 50s: too many attempts: 3 failed logins for this account within 60 s; "
            "retry in 50 s");
  EXPECT_EQ(outcome(throttle.check("ada", "10.0.0.1", kT0 + 59'001)).substr(0, 16),
            "rate_limited 1s:");
  EXPECT_EQ(outcome(throttle.check("ada", "10.0.0.1", kT0 + 60'000)), "ok");
  // Other accounts were never affected.
  EXPECT_EQ(outcome(throttle.check("bob", "10.0.0.1", kT0 + 10'000)), "ok");
}

TEST(LoginThrottle, ASuccessResetsTheAccountButNotTheAddress) {
  LoginThrottle throttle(login_options(3, 4));
  throttle.failed("ada", "10.0.0.1", kT0);
  throttle.failed("ada", "10.0.0.1", kT0);
  throttle.succeeded("ada");
  throttle.failed("ada", "10.0.0.1", kT0);
  throttle.failed("ada", "10.0.0.1", kT0);
  EXPECT_EQ(outcome(throttle.check("ada", "10.0.0.9", kT0)), "ok");  // 2 since the success
  // The address saw 4 failures in all.
  EXPECT_EQ(outcome(throttle.check("bob", "10.0.0.1", kT0)),
            "rate_limited 60s: too many attempts: 4 failed logins from this address within "
            "60 s; retry in 60 s");
}

TEST(LoginThrottle, CountsFailuresPerAddressAcrossAccounts) {
  LoginThrottle throttle(login_options(100, 3));
  throttle.failed("a", "10.0.0.1", kT0);
  throttle.failed("b", "10.0.0.1", kT0 + 1000);
  throttle.failed("c", "10.0.0.1", kT0 + 2000);
  EXPECT_EQ(outcome(throttle.check("d", "10.0.0.1", kT0 + 3000)).substr(0, 17),
            "rate_limited 57s:");
  EXPECT_EQ(outcome(throttle.check("d", "10.0.0.2", kT0 + 3000)), "ok");
  EXPECT_EQ(outcome(throttle.check("d", "10.0.0.1", kT0 + 60'000)), "ok");
}

TEST(LoginThrottle, ANewWindowStartsAfterTheOldOneEnds) {
  LoginThrottle throttle(login_options(2, 100));
  throttle.failed("ada", "x", kT0);
  // The second failure comes after the window: it is the first of a new one.
  throttle.failed("ada", "x", kT0 + 61'000);
  EXPECT_EQ(outcome(throttle.check("ada", "x", kT0 + 61'000)), "ok");
  throttle.failed("ada", "x", kT0 + 62'000);
  EXPECT_EQ(outcome(throttle.check("ada", "x", kT0 + 62'000)).substr(0, 17), "rate_limited 59s:");
}

TEST(LoginThrottle, ZeroDisablesEachCount) {
  LoginThrottle throttle(login_options(0, 0));
  for (int i = 0; i < 100; ++i) throttle.failed("ada", "x", kT0);
  EXPECT_EQ(outcome(throttle.check("ada", "x", kT0)), "ok");
}

TEST(LoginThrottle, AnEmptyAddressIsNotCounted) {
  LoginThrottle throttle(login_options(100, 1));
  throttle.failed("a", "", kT0);
  throttle.failed("b", "", kT0);
  EXPECT_EQ(outcome(throttle.check("c", "", kT0)), "ok");
}

TEST(LoginThrottle, MemoryIsBoundedTheOldestWindowGoesFirst) {
  LoginThrottle throttle({.account_failures = 1, .address_failures = 0, .window_ms = 60'000,
                          .max_keys = 3});
  throttle.failed("a", "", kT0);
  throttle.failed("b", "", kT0 + 1);
  throttle.failed("c", "", kT0 + 2);
  throttle.failed("d", "", kT0 + 3);  // full: "a" (the oldest window) is forgotten
  EXPECT_EQ(outcome(throttle.check("a", "", kT0 + 4)), "ok");
  for (const char* kept : {"b", "c", "d"}) {
    EXPECT_NE(outcome(throttle.check(kept, "", kT0 + 4)), "ok") << kept;
  }
  // Many distinct names never hold more than max_keys entries: the newest three stay.
  for (int i = 0; i < 10'000; ++i) throttle.failed("n" + std::to_string(i), "", kT0 + 10);
  EXPECT_NE(outcome(throttle.check("n9999", "", kT0 + 11)), "ok");
  EXPECT_EQ(outcome(throttle.check("n0", "", kT0 + 11)), "ok");
}

TEST(LoginThrottle, HugeHandlesAreCutToABoundedKey) {
  LoginThrottle throttle(login_options(1, 0));
  const std::string huge(1 << 20, 'x');
  throttle.failed(huge, "", kT0);
  EXPECT_NE(outcome(throttle.check(huge, "", kT0)), "ok");
}

TEST(OutputBudget, AUsersShareIs429AndTheTotal503AndBothComeBackWhenReleased) {
  OutputBudget budget({.total_bytes = 1000, .user_bytes = 400, .user_answers = 3});
  auto first = budget.hold_answer(7, 300);
  ASSERT_TRUE(first);
  const auto over_user = budget.hold_answer(7, 200);
  ASSERT_FALSE(over_user);
  EXPECT_EQ(over_user.error().code, ErrorCode::rate_limited);
  EXPECT_EQ(over_user.error().message,
            "this user's connections hold 300 bytes of answers not read yet, the most allowed; "
            "read them first");
  EXPECT_EQ(over_user.error().retry_after_seconds, 1);
  // Other users share the total: 300 + 400 + 300 = 1000 fits, one byte more does not.
  auto second = budget.hold_answer(8, 400);
  auto third = budget.hold_answer(9, 300);
  ASSERT_TRUE(second && third);
  EXPECT_EQ(budget.total_bytes(), 1000u);
  const auto over_total = budget.hold_answer(10, 1);
  ASSERT_FALSE(over_total);
  EXPECT_EQ(over_total.error().code, ErrorCode::unavailable);
  EXPECT_FALSE(budget.take(0, 1));  // WebSocket frames and unauthenticated answers too
  // Released (a written answer), the bytes are free again; a moved hold releases once.
  OutputBudget::Hold moved = std::move(*first);
  first->release();
  EXPECT_EQ(budget.total_bytes(), 1000u);
  moved.release();
  EXPECT_EQ(budget.total_bytes(), 700u);
  EXPECT_TRUE(budget.hold_answer(7, 300));  // a temporary: released at once
  EXPECT_EQ(budget.total_bytes(), 700u);
}

TEST(OutputBudget, CountsAUsersAnswersBeingWritten) {
  OutputBudget budget({.total_bytes = 0, .user_bytes = 0, .user_answers = 2});
  auto one = budget.hold_answer(7, 0);
  auto two = budget.hold_answer(7, 0);
  ASSERT_TRUE(one && two);
  const auto three = budget.hold_answer(7, 0);
  ASSERT_FALSE(three);
  EXPECT_EQ(three.error().message,
            "this user has 2 answers being written, the most allowed; read them first");
  EXPECT_TRUE(budget.take(7, 1'000'000));  // no byte limit; frames are not answers
  budget.give_back(7, 1'000'000);
  one->release();
  EXPECT_TRUE(budget.hold_answer(7, 0));
}

}  // namespace
}  // namespace missive::server
