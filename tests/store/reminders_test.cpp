// Conformance: reminder schedules written with a message, batched rounds (idempotent,
// version-checked), deactivation of non-responders, and the recipients' reminder timeline.

#include "store_test_support.h"

namespace missive::testing {
namespace {

// A schedule due at `due` for a message sent at `now`.
ReminderSchedule daily_schedule(Timestamp now, Timestamp due, bool deactivate = false) {
  ReminderSchedule s;
  s.period_days = 1;
  s.anchor_day = utc_day(now) + 1;
  s.expiry_day = utc_day(now) + 10;
  s.deactivate_non_responders = deactivate;
  s.next_remind_at = due;
  s.due_at = due;
  return s;
}

ReminderSchedule schedule_of(Store& store, MessageId id) {
  auto found = must(store.reminder_schedules({id}));
  EXPECT_EQ(found.size(), 1u);
  return found.empty() ? ReminderSchedule{} : found.front();
}

// Round `number` of `id` at `now`, moving due_at to `next_due`.
Result<ReminderWriteOutcome> round(Store& store, MessageId id, std::int64_t number,
                                   Timestamp now, Timestamp next_due, bool is_final = false) {
  ReminderWrite w{.schedule = schedule_of(store, id), .round = number, .is_final = is_final,
                  .now = now};
  w.schedule.rounds_sent = number;
  w.schedule.due_at = next_due;
  return store.write_reminders(w);
}

TEST_P(StoreConformance, ReminderScheduleIsWrittenWithTheMessageAndListedWhenDue) {
  User ada = user("ada"), bob = user("bob");
  Message without = send(direct(ada.id, bob.id));
  NewMessage nm = direct(ada.id, bob.id, "remind me");
  nm.reminders = daily_schedule(now_, now_ + 1000, true);
  nm.reminders->period_days = 7;
  Message with = send(nm);
  auto schedules = must(store().reminder_schedules({without.id, with.id, with.id}));
  ASSERT_EQ(schedules.size(), 1u);
  EXPECT_EQ(schedules[0].message, with.id);
  EXPECT_EQ(schedules[0].period_days, 7);
  EXPECT_EQ(schedules[0].anchor_day, utc_day(now_) + 1);
  EXPECT_EQ(schedules[0].expiry_day, utc_day(now_) + 10);
  EXPECT_TRUE(schedules[0].deactivate_non_responders);
  EXPECT_EQ(schedules[0].next_remind_at, std::optional<Timestamp>(now_ + 1000));
  EXPECT_EQ(schedules[0].version, 0);
  EXPECT_TRUE(must(store().due_reminder_schedules(now_ + 999, 10)).empty());
  EXPECT_EQ(must(store().due_reminder_schedules(now_ + 1000, 10)).size(), 1u);
  reopen();
  EXPECT_EQ(schedule_of(store(), with.id).period_days, 7);
}

TEST_P(StoreConformance, ARoundRemindsActiveRecipientsWhoNeitherReadNorReplied) {
  User ada = user("ada");
  auto members = users("m", 5);  // m0 reads, m1 replies, m2 is deactivated, m3 and m4 remain
  Group g = group("team", ada.id, members);
  NewMessage nm = to_group(ada.id, g.id, members);
  nm.expiry_date = now_ + 10 * kDayMs;
  nm.reminders = daily_schedule(now_, now_);
  Message m = send(nm);
  must(store().mark_message_read(m.id, members[0], now_));
  NewMessage reply = direct(members[1], ada.id, "ok");
  reply.parent = m.id;
  send(reply);
  must(store().set_user_active(members[2], false));

  auto first = must(round(store(), m.id, 1, now_, now_ + kDayMs));
  EXPECT_EQ(first.reminded, 2);
  EXPECT_EQ(first.schedule.version, 1);
  EXPECT_EQ(first.schedule.rounds_sent, 1);
  EXPECT_EQ(first.schedule.due_at, std::optional<Timestamp>(now_ + kDayMs));
  EXPECT_TRUE(must(store().due_reminder_schedules(now_, 10)).empty());

  // A second writer holding the old version changes nothing.
  ReminderWrite stale{.schedule = schedule_of(store(), m.id), .round = 1, .now = now_};
  stale.schedule.version = 0;
  EXPECT_EQ(status(store().write_reminders(stale)), "conflict");

  auto second = must(round(store(), m.id, 2, now_ + kDayMs, now_ + 2 * kDayMs, true));
  EXPECT_EQ(second.reminded, 2);
  auto item = must(store().get_inbox_item(m.id, members[3]));
  EXPECT_EQ(item.reminder_count, 2);
  EXPECT_EQ(item.last_reminded_at, std::optional<Timestamp>(now_ + kDayMs));
  EXPECT_TRUE(item.final_reminder);
  EXPECT_EQ(must(store().get_inbox_item(m.id, members[0])).reminder_count, 0);

  auto timeline = must(store().received_reminders(ReminderQuery{.user = members[4], .now = now_}));
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline[0].number, 2);  // newest first
  EXPECT_TRUE(timeline[0].is_final);
  EXPECT_EQ(timeline[0].message, m.id);
  EXPECT_EQ(timeline[0].creator, ada.id);
  auto page = must(store().received_reminders(
      ReminderQuery{.user = members[4], .before = timeline[0].id, .limit = 5, .now = now_}));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].number, 1);
  // Reminders of an expired message leave the timeline.
  EXPECT_TRUE(must(store().received_reminders(
                       ReminderQuery{.user = members[4], .now = now_ + 11 * kDayMs}))
                  .empty());

  auto per_user = must(store().recipient_reminders(m.id));
  ASSERT_EQ(per_user.size(), 2u);
  EXPECT_EQ(per_user[0].user, members[3]);
  EXPECT_EQ(per_user[0].reminders, 2);
  EXPECT_FALSE(per_user[0].deactivated_at);

  // The rounds, as the read-% chart marks them.
  auto rounds = must(store().reminder_rounds(m.id));
  ASSERT_EQ(rounds.size(), 2u);
  EXPECT_EQ(rounds[0].number, 1);
  EXPECT_EQ(rounds[0].reminded, 2);
  EXPECT_EQ(rounds[0].sent_at, now_);
  EXPECT_FALSE(rounds[0].is_final);
  EXPECT_EQ(rounds[1].number, 2);
  EXPECT_EQ(rounds[1].sent_at, now_ + kDayMs);
  EXPECT_TRUE(rounds[1].is_final);
  EXPECT_TRUE(must(store().reminder_rounds(MessageId(999))).empty());
}

TEST_P(StoreConformance, DeactivationAtExpiryIsSetBasedAndRecorded) {
  User ada = user("ada");
  User boss = must(store().create_user(NewUser{"boss", "B", "B", "x", {}, true, now_}));
  auto members = users("d", 3);  // d0 reads; d1, d2 and the admin do not
  members.push_back(boss.id);
  Group g = group("everyone", ada.id, members);
  NewMessage nm = to_group(ada.id, g.id, members);
  nm.expiry_date = now_ + kDayMs;
  nm.reminders = daily_schedule(now_, now_, true);
  Message m = send(nm);
  must(store().mark_message_read(m.id, members[0], now_));
  must(store().create_session("token-d1", Session{members[1], now_, now_ + kDayMs}));

  ReminderWrite close{.schedule = schedule_of(store(), m.id),
                      .deactivate_non_responders = true,
                      .now = now_ + kDayMs};
  close.schedule.due_at.reset();
  close.schedule.closed_at = now_ + kDayMs;
  auto outcome = must(store().write_reminders(close));
  EXPECT_EQ(outcome.deactivated, 2);
  EXPECT_EQ(outcome.reminded, 0);
  EXPECT_EQ(outcome.schedule.closed_at, std::optional<Timestamp>(now_ + kDayMs));
  EXPECT_TRUE(must(store().get_user(members[0])).is_active);
  EXPECT_FALSE(must(store().get_user(members[1])).is_active);
  EXPECT_FALSE(must(store().get_user(members[2])).is_active);
  EXPECT_TRUE(must(store().get_user(boss.id)).is_active);  // admins are never deactivated
  EXPECT_EQ(status(store().find_session("token-d1", now_)), "not_found");

  auto per_user = must(store().recipient_reminders(m.id));
  ASSERT_EQ(per_user.size(), 2u);
  EXPECT_EQ(per_user[0].deactivated_at, std::optional<Timestamp>(now_ + kDayMs));
  // Reversible by an admin.
  EXPECT_TRUE(must(store().set_user_active(members[1], true)).is_active);
}

TEST_P(StoreConformance, ReminderWriteSetsTheMessageExpiryAndNeedsASchedule) {
  User ada = user("ada"), bob = user("bob");
  NewMessage nm = direct(ada.id, bob.id);
  nm.expiry_date = now_ + kDayMs;
  nm.reminders = daily_schedule(now_, now_ + 10);
  Message m = send(nm);
  ReminderWrite w{.schedule = schedule_of(store(), m.id), .message_expiry = now_, .now = now_};
  w.schedule.stopped_at = now_;
  w.schedule.due_at.reset();
  auto out = must(store().write_reminders(w));
  EXPECT_EQ(out.schedule.stopped_at, std::optional<Timestamp>(now_));
  EXPECT_EQ(must(store().get_message(m.id)).expiry_date, std::optional<Timestamp>(now_));
  EXPECT_TRUE(must(store().due_reminder_schedules(now_ + 100 * kDayMs, 10)).empty());

  Message plain = send(direct(ada.id, bob.id));
  ReminderWrite none{.schedule = ReminderSchedule{.message = plain.id}, .now = now_};
  EXPECT_EQ(status(store().write_reminders(none)), "not_found");
}

}  // namespace
}  // namespace missive::testing
