// Conformance: node leases (one holder at a time, renewal, expiry, release, a race for a
// free lease), and a reminder round written by two passes at once is sent once.

#include <atomic>
#include <thread>

#include "store_test_support.h"

namespace missive::testing {
namespace {

TEST_P(StoreConformance, ALeaseHasOneHolderUntilItExpires) {
  EXPECT_TRUE(must(store().acquire_lease("reminders", "node-a", now_, 1000)));
  EXPECT_FALSE(must(store().acquire_lease("reminders", "node-b", now_ + 10, 1000)));
  // Another name is another lease.
  EXPECT_TRUE(must(store().acquire_lease("prune", "node-b", now_ + 10, 1000)));
  // The holder renews it: it now runs until now_ + 500 + 1000.
  EXPECT_TRUE(must(store().acquire_lease("reminders", "node-a", now_ + 500, 1000)));
  EXPECT_FALSE(must(store().acquire_lease("reminders", "node-b", now_ + 1499, 1000)));
  // Expired: the next comer takes it, and the old holder has lost it.
  EXPECT_TRUE(must(store().acquire_lease("reminders", "node-b", now_ + 1500, 1000)));
  EXPECT_FALSE(must(store().acquire_lease("reminders", "node-a", now_ + 1600, 1000)));
}

TEST_P(StoreConformance, ReleasingALeaseFreesItOnlyForItsHolder) {
  EXPECT_TRUE(must(store().acquire_lease("reminders", "node-a", now_, 60'000)));
  must(store().release_lease("reminders", "node-b"));  // not the holder: nothing changes
  EXPECT_FALSE(must(store().acquire_lease("reminders", "node-b", now_ + 1, 60'000)));
  must(store().release_lease("reminders", "node-a"));
  EXPECT_TRUE(must(store().acquire_lease("reminders", "node-b", now_ + 2, 60'000)));
  must(store().release_lease("nothing-held", "node-a"));
}

TEST_P(StoreConformance, NodesRacingForAFreeLeaseGetItOnce) {
  for (int round = 0; round < 5; ++round) {
    const std::string name = "race-" + std::to_string(round);
    std::atomic<int> winners{0}, failures{0};
    std::vector<std::thread> nodes;
    for (int n = 0; n < 6; ++n) {
      nodes.emplace_back([&, n] {
        auto held = store().acquire_lease(name, "node-" + std::to_string(n), now_, 60'000);
        if (!held) failures += 1;
        else if (*held) winners += 1;
      });
    }
    for (auto& t : nodes) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(winners.load(), 1) << name;
  }
}

TEST_P(StoreConformance, TwoPassesWritingTheSameRoundAtOnceSendItOnce) {
  User ada = user("ada");
  const std::vector<UserId> members = users("m", 20);
  Group g = group("team", ada.id, members);
  for (int attempt = 0; attempt < 3; ++attempt) {
    NewMessage nm = to_group(ada.id, g.id, members, "sign " + std::to_string(attempt));
    nm.expiry_date = now_ + 10 * kDayMs;
    ReminderSchedule s;
    s.period_days = 1;
    s.anchor_day = utc_day(now_) + 1;
    s.expiry_day = utc_day(now_) + 10;
    s.next_remind_at = now_ + 1000;
    s.due_at = now_ + 1000;
    nm.reminders = s;
    Message m = send(nm);
    // Both passes read the same schedule (version 0) and plan the same round 1.
    ReminderSchedule read = must(store().reminder_schedules({m.id})).front();
    ReminderWrite w{.schedule = read, .round = 1, .now = now_ + 1000};
    w.schedule.rounds_sent = 1;
    w.schedule.due_at = now_ + 1000 + kDayMs;
    std::atomic<int> ok{0}, conflicts{0}, other{0};
    std::atomic<std::int64_t> reminded{0};
    std::vector<std::thread> passes;
    for (int n = 0; n < 4; ++n) {
      passes.emplace_back([&] {
        auto out = store().write_reminders(w);
        if (out) {
          ok += 1;
          reminded += out->reminded;
        } else if (out.error().code == ErrorCode::conflict) {
          conflicts += 1;
        } else {
          other += 1;
        }
      });
    }
    for (auto& t : passes) t.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(conflicts.load(), 3);
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(reminded.load(), 20);
    const auto per_recipient = must(store().recipient_reminders(m.id));
    ASSERT_EQ(per_recipient.size(), 20u);
    for (const auto& r : per_recipient) EXPECT_EQ(r.reminders, 1) << r.user.value;
  }
}

}  // namespace
}  // namespace missive::testing
