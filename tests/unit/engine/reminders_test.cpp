// Reminders driven by a hand-moved clock: the worked example of the issue end to end, reads and
// replies, downtime, month ends, changes, withdrawal, deactivation, bad settings, and the
// scheduler thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "core/time_format.h"
#include "engine/reminder_scheduler.h"
#include "engine_fixture.h"

namespace missive::testing {
namespace {

class RemindersTest : public EngineTest {
 protected:
  Result<SendResult> send_with(const Caller& from, Addresses to, ReminderSettings settings,
                               std::optional<Timestamp> expiry) {
    return engine_->send(from, SendRequest{.to = std::move(to),
                                           .subject = "Please confirm",
                                           .body = "Body",
                                           .expiry_date = expiry,
                                           .reminders = settings});
  }

  MessageId reminder_message(const Caller& from, std::vector<UserId> to, int period,
                             const char* expiry, bool deactivate = false) {
    auto sent = send_with(from, Addresses{.users = std::move(to)},
                          ReminderSettings{period, deactivate}, at(expiry));
    EXPECT_TRUE(sent) << sent.error().message;
    return sent ? sent->message.id : MessageId{};
  }

  ReminderRunReport pass_at(const char* time) {
    clock_.set(at(time));
    auto report = engine_->run_due_reminders(clock_.now());
    EXPECT_TRUE(report) << report.error().message;
    return report ? *report : ReminderRunReport{};
  }

  // One pass a day at `hh_mm` UTC from `first` to `last` (dates), like a server always up.
  void daily_passes(const char* first, const char* last, const char* hh_mm = "10:00") {
    for (Timestamp day = at(first); day <= at(last); day += kDay) {
      clock_.set(day + *parse_time_of_day(hh_mm) * 60'000LL);
      auto report = engine_->run_due_reminders(clock_.now());
      ASSERT_TRUE(report) << report.error().message;
    }
  }

  // Every reminder `user` received, oldest first: "2026-09-21 #1", "2026-10-05 #3 final".
  std::vector<std::string> received(const Caller& user) {
    auto all = store_->received_reminders(ReminderQuery{.user = user.id, .limit = 200, .now = 0});
    EXPECT_TRUE(all) << all.error().message;
    std::vector<std::string> out;
    if (!all) return out;
    for (auto it = all->rbegin(); it != all->rend(); ++it) {
      out.push_back(format_time(it->sent_at).substr(0, 10) + " #" + std::to_string(it->number) +
                    (it->is_final ? " final" : ""));
    }
    return out;
  }

  ReminderSchedule schedule(MessageId id) {
    auto report = engine_->read_report(admin_, id);
    EXPECT_TRUE(report && report->reminders);
    return report && report->reminders ? *report->reminders : ReminderSchedule{};
  }

  bool active(const Caller& user) {
    auto found = store_->get_user(user.id);
    EXPECT_TRUE(found);
    return found && found->is_active;
  }

  std::string error_of(const Result<SendResult>& r) {
    return r ? "ok" : std::string(error_code_name(r.error().code)) + ": " + r.error().message;
  }
};

TEST_F(RemindersTest, WorkedExampleWeeklyUntilTheFifthOfOctober) {
  clock_.set(at("2026-09-14T10:00:00Z"));  // a Monday
  const Caller ada = user("ada"), bob = user("bob");
  const MessageId id = reminder_message(admin_, {ada.id, bob.id}, 7, "2026-10-05");
  EXPECT_EQ(format_time(*schedule(id).next_remind_at), "2026-09-21T09:00:00.000Z");

  daily_passes("2026-09-15", "2026-09-21");
  clock_.set(at("2026-09-22T08:00:00Z"));
  ASSERT_TRUE(engine_->mark_read(bob, id));
  daily_passes("2026-09-22", "2026-10-05");

  EXPECT_EQ(received(ada), (std::vector<std::string>{"2026-09-21 #1", "2026-09-28 #2",
                                                     "2026-10-05 #3 final"}));
  EXPECT_EQ(received(bob), (std::vector<std::string>{"2026-09-21 #1"}));

  // The inbox shows the count and the final flag while the message is active.
  auto inbox = engine_->inbox(ada, InboxRequest{});
  ASSERT_TRUE(inbox);
  ASSERT_EQ(inbox->items.size(), 1u);
  EXPECT_EQ(inbox->items[0].reminder_count, 3);
  EXPECT_TRUE(inbox->items[0].final_reminder);
  auto page = engine_->reminders(ada, ReminderListRequest{});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->reminders.size(), 3u);
  EXPECT_TRUE(page->reminders[0].is_final);  // newest first

  // The dashboard: rounds sent, nothing next, per recipient counts.
  auto report = engine_->read_report(admin_, id);
  ASSERT_TRUE(report && report->reminders);
  EXPECT_EQ(report->reminders->rounds_sent, 3);
  EXPECT_FALSE(report->reminders->next_remind_at);
  ASSERT_EQ(report->recipient_reminders.size(), 2u);
  EXPECT_EQ(report->recipient_reminders[0].reminders, 3);  // ada (lower id)
  EXPECT_EQ(report->recipient_reminders[1].reminders, 1);

  // After the expiry day nothing more, and the message is inactive.
  daily_passes("2026-10-06", "2026-10-20");
  EXPECT_EQ(received(ada).size(), 3u);
  EXPECT_FALSE(engine_->get_message(ada, id));
  EXPECT_TRUE(schedule(id).closed_at);
}

TEST_F(RemindersTest, DailyWithAReadInTheMiddle) {
  clock_.set(at("2026-03-01T12:00:00Z"));
  const Caller ada = user("ada"), bob = user("bob");
  const MessageId id = reminder_message(admin_, {ada.id, bob.id}, 1, "2026-03-06");
  daily_passes("2026-03-02", "2026-03-03");
  clock_.set(at("2026-03-03T15:00:00Z"));
  ASSERT_TRUE(engine_->mark_read(ada, id));
  daily_passes("2026-03-04", "2026-03-08");
  EXPECT_EQ(received(ada), (std::vector<std::string>{"2026-03-02 #1", "2026-03-03 #2"}));
  EXPECT_EQ(received(bob), (std::vector<std::string>{"2026-03-02 #1", "2026-03-03 #2",
                                                     "2026-03-04 #3", "2026-03-05 #4",
                                                     "2026-03-06 #5 final"}));
}

TEST_F(RemindersTest, AReplyStopsRemindersAndInactiveRecipientsGetNone) {
  clock_.set(at("2026-03-01T12:00:00Z"));
  const Caller ada = user("ada"), bob = user("bob"), cyd = user("cyd");
  const MessageId id = reminder_message(admin_, {ada.id, bob.id, cyd.id}, 1, "2026-03-10");
  ASSERT_TRUE(engine_->reply(ada, ReplyRequest{.parent = id, .body = "On it"}));
  ASSERT_TRUE(engine_->set_user_active(admin_, cyd.id, false));
  daily_passes("2026-03-02", "2026-03-03");
  EXPECT_TRUE(received(ada).empty());
  EXPECT_EQ(received(bob).size(), 2u);
  EXPECT_TRUE(received(cyd).empty());
}

TEST_F(RemindersTest, ServerDownAcrossTwoReminderDatesSendsOnlyTheLatestOnce) {
  clock_.set(at("2026-05-10T12:00:00Z"));
  const Caller ada = user("ada");
  const MessageId id = reminder_message(admin_, {ada.id}, 1, "2026-05-20");
  daily_passes("2026-05-11", "2026-05-11");
  // Down from the 11th after the pass until the 14th at 11:00: the 12th, 13th and 14th passed.
  auto report = pass_at("2026-05-14T11:00:00Z");
  EXPECT_EQ(report.rounds, 1);
  EXPECT_EQ(report.reminders, 1);
  // A restart at the same instant, or a second pass, sends nothing more.
  EXPECT_EQ(pass_at("2026-05-14T11:00:00Z").reminders, 0);
  EXPECT_EQ(pass_at("2026-05-14T23:00:00Z").reminders, 0);
  EXPECT_EQ(received(ada), (std::vector<std::string>{"2026-05-11 #1", "2026-05-14 #2"}));
  EXPECT_EQ(format_time(*schedule(id).next_remind_at), "2026-05-15T09:00:00.000Z");
}

TEST_F(RemindersTest, ConcurrentPassesSendOneRound) {
  clock_.set(at("2026-05-10T12:00:00Z"));
  std::vector<UserId> audience;
  for (int i = 0; i < 20; ++i) audience.push_back(user("u" + std::to_string(i)).id);
  reminder_message(admin_, audience, 1, "2026-05-20");
  clock_.set(at("2026-05-11T10:00:00Z"));
  std::vector<std::thread> threads;
  std::atomic<std::int64_t> sent{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto report = engine_->run_due_reminders(clock_.now());
      if (report) sent += report->reminders;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(sent.load(), 20);
}

TEST_F(RemindersTest, ExpiryOnAMonthEnd) {
  clock_.set(at("2026-10-10T08:00:00Z"));
  const Caller ada = user("ada");
  const MessageId id = reminder_message(admin_, {ada.id}, 7, "2026-10-31T15:00:00Z");
  auto message = engine_->get_message(admin_, id);
  ASSERT_TRUE(message);
  EXPECT_EQ(format_time(*message->item.message.expiry_date), "2026-10-31T23:59:59.999Z");
  daily_passes("2026-10-11", "2026-11-03");
  EXPECT_EQ(received(ada), (std::vector<std::string>{"2026-10-17 #1", "2026-10-24 #2",
                                                     "2026-10-31 #3 final"}));
  clock_.set(at("2026-10-31T23:59:59.998Z"));
  EXPECT_TRUE(engine_->get_message(ada, id));
  clock_.set(at("2026-11-01T00:00:00Z"));
  EXPECT_FALSE(engine_->get_message(ada, id));
}

TEST_F(RemindersTest, StopMidway) {
  clock_.set(at("2026-03-01T12:00:00Z"));
  const Caller ada = user("ada");
  const MessageId id = reminder_message(admin_, {ada.id}, 1, "2026-03-10");
  daily_passes("2026-03-02", "2026-03-03");
  auto stopped = engine_->update_reminders(admin_, id, UpdateRemindersRequest{.stop = true});
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_TRUE(stopped->stopped_at);
  EXPECT_FALSE(stopped->next_remind_at);
  daily_passes("2026-03-04", "2026-03-12");
  EXPECT_EQ(received(ada).size(), 2u);
  auto again = engine_->update_reminders(admin_, id, UpdateRemindersRequest{.period_days = 2});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::unprocessable);
}

TEST_F(RemindersTest, ChangeFrequencyAndExpiryMidway) {
  clock_.set(at("2026-03-01T12:00:00Z"));
  const Caller ada = user("ada"), bob = user("bob");
  const MessageId id = reminder_message(admin_, {ada.id}, 7, "2026-03-20");
  daily_passes("2026-03-02", "2026-03-09");  // the 8th: #1
  // Daily from now on: one period after the last reminder, the 9th, is already due.
  auto daily = engine_->update_reminders(admin_, id, UpdateRemindersRequest{.period_days = 1});
  ASSERT_TRUE(daily) << daily.error().message;
  EXPECT_EQ(format_time(*daily->next_remind_at), "2026-03-09T09:00:00.000Z");
  daily_passes("2026-03-09", "2026-03-11");
  // Extend to the 14th, every 2 days from the 11th: the 13th, then the final on the 14th.
  auto changed = engine_->update_reminders(
      admin_, id, UpdateRemindersRequest{.period_days = 2, .expiry_date = at("2026-03-14")});
  ASSERT_TRUE(changed) << changed.error().message;
  daily_passes("2026-03-12", "2026-03-20");
  EXPECT_EQ(received(ada), (std::vector<std::string>{"2026-03-08 #1", "2026-03-09 #2",
                                                     "2026-03-10 #3", "2026-03-11 #4",
                                                     "2026-03-13 #5", "2026-03-14 #6 final"}));
  // Only the creator may change reminders.
  auto forbidden = engine_->update_reminders(bob, id, UpdateRemindersRequest{.stop = true});
  EXPECT_FALSE(forbidden);
}

TEST_F(RemindersTest, WithdrawalStopsEverything) {
  clock_.set(at("2026-03-01T12:00:00Z"));
  const Caller ada = user("ada"), bob = user("bob");
  const MessageId id = reminder_message(admin_, {ada.id}, 1, "2026-03-05", true);
  const MessageId other = reminder_message(admin_, {bob.id}, 1, "2026-03-05", true);
  daily_passes("2026-03-02", "2026-03-02");
  clock_.set(at("2026-03-02T18:00:00Z"));
  ASSERT_TRUE(engine_->withdraw(admin_, id));
  // Expiry set to the past through PATCH is a withdrawal too.
  ASSERT_TRUE(engine_->set_expiry(admin_, other, at("2026-03-02T12:00:00Z")));
  daily_passes("2026-03-03", "2026-03-10");
  EXPECT_EQ(received(ada), (std::vector<std::string>{"2026-03-02 #1"}));
  EXPECT_EQ(received(bob), (std::vector<std::string>{"2026-03-02 #1"}));
  EXPECT_TRUE(schedule(id).stopped_at);
  EXPECT_TRUE(active(ada));  // no deactivation
  EXPECT_TRUE(active(bob));
  auto page = engine_->reminders(ada, ReminderListRequest{});
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->reminders.empty());  // the message is no longer visible
}

TEST_F(RemindersTest, DeactivationAtExpiryAndItsReversal) {
  clock_.set(at("2026-03-01T12:00:00Z"));
  const Caller ada = user("ada"), bob = user("bob"), cyd = user("cyd");
  const MessageId id = reminder_message(admin_, {ada.id, bob.id, cyd.id}, 1, "2026-03-03", true);
  ASSERT_TRUE(engine_->mark_read(ada, id));
  ASSERT_TRUE(engine_->reply(cyd, ReplyRequest{.parent = id, .body = "Done"}));
  daily_passes("2026-03-02", "2026-03-03");
  EXPECT_TRUE(active(bob));  // not before the end of the day
  auto report = pass_at("2026-03-04T00:00:00Z");
  EXPECT_EQ(report.deactivated, 1);
  EXPECT_FALSE(active(bob));
  EXPECT_TRUE(active(ada));
  EXPECT_TRUE(active(cyd));
  EXPECT_FALSE(engine_->login("bob", "password-bob"));

  auto dashboard = engine_->read_report(admin_, id);
  ASSERT_TRUE(dashboard);
  ASSERT_EQ(dashboard->recipient_reminders.size(), 1u);
  EXPECT_EQ(dashboard->recipient_reminders[0].user, bob.id);
  EXPECT_EQ(dashboard->recipient_reminders[0].reminders, 2);
  EXPECT_TRUE(dashboard->recipient_reminders[0].deactivated_at);

  ASSERT_TRUE(engine_->set_user_active(admin_, bob.id, true));
  EXPECT_TRUE(engine_->login("bob", "password-bob"));
  EXPECT_EQ(pass_at("2026-03-05T10:00:00Z").deactivated, 0);  // done once
  EXPECT_TRUE(active(bob));
}

TEST_F(RemindersTest, InvalidSettingsAreRejectedWithClearErrors) {
  clock_.set(at("2026-03-01T12:00:00Z"));
  const Caller ada = user("ada");
  const Addresses to{.users = {ada.id}};
  EXPECT_EQ(error_of(send_with(admin_, to, {7, false}, at("2026-02-27"))),
            "unprocessable: expiry_date (2026-02-27) must be a day after the send date "
            "(2026-03-01): the final reminder goes out on the expiry day");
  EXPECT_EQ(error_of(send_with(admin_, to, {7, false}, at("2026-03-01T23:00:00Z"))),
            "unprocessable: expiry_date (2026-03-01) must be a day after the send date "
            "(2026-03-01): the final reminder goes out on the expiry day");
  EXPECT_EQ(error_of(send_with(admin_, to, {0, false}, at("2026-03-10"))),
            "unprocessable: the reminder frequency must be 1 to 366 days, not 0");
  EXPECT_EQ(error_of(send_with(admin_, to, {-3, false}, at("2026-03-10"))),
            "unprocessable: the reminder frequency must be 1 to 366 days, not -3");
  EXPECT_EQ(error_of(send_with(admin_, to, {7, false}, std::nullopt)),
            "unprocessable: reminders need an expiry_date: the day of the final reminder");
  EXPECT_EQ(error_of(send_with(admin_, to, {7, false}, at("2026-03-02"))), "ok");
  // A retry with the same client_msg_id returns the original with its schedule.
  const SendRequest request{.to = to, .subject = "S", .body = "B", .expiry_date = at("2026-03-09"),
                            .client_msg_id = "retry-1", .reminders = ReminderSettings{1, false}};
  ASSERT_TRUE(engine_->send(admin_, request));
  auto retried = engine_->send(admin_, request);
  ASSERT_TRUE(retried);
  EXPECT_TRUE(retried->duplicate);
  ASSERT_TRUE(retried->reminders);
  EXPECT_EQ(retried->reminders->period_days, 1);

  const MessageId plain = sent(admin_, to).id;
  auto none = engine_->update_reminders(admin_, plain, UpdateRemindersRequest{.period_days = 1});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "message " + std::to_string(plain.value) +
                                      " was sent without reminders");
  const MessageId id = reminder_message(admin_, {ada.id}, 7, "2026-03-20");
  auto past = engine_->update_reminders(
      admin_, id, UpdateRemindersRequest{.expiry_date = at("2026-02-28")});
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, ErrorCode::unprocessable);
  auto nothing = engine_->update_reminders(admin_, id, UpdateRemindersRequest{});
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().code, ErrorCode::invalid);
  auto never = engine_->set_expiry(admin_, id, std::nullopt);
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().code, ErrorCode::unprocessable);
}

TEST_F(RemindersTest, RepliesCanAskForReminders) {
  clock_.set(at("2026-03-01T12:00:00Z"));
  const Caller ada = user("ada");
  const MessageId id = reminder_message(admin_, {ada.id}, 7, "2026-03-20");
  auto reply = engine_->reply(ada, ReplyRequest{.parent = id,
                                                .body = "Can you check?",
                                                .expiry_date = at("2026-03-03"),
                                                .reminders = ReminderSettings{1, false}});
  ASSERT_TRUE(reply) << reply.error().message;
  ASSERT_TRUE(reply->reminders);
  EXPECT_EQ(format_time(*reply->message.expiry_date), "2026-03-03T23:59:59.999Z");
  daily_passes("2026-03-02", "2026-03-04");
  EXPECT_EQ(received(admin_), (std::vector<std::string>{"2026-03-02 #1", "2026-03-03 #2 final"}));
  // The reply to the original counts as a response: ada gets nothing for it.
  EXPECT_TRUE(received(ada).empty());
}

TEST_F(RemindersTest, TheSchedulerThreadSendsWhatIsDueAndStops) {
  clock_.set(at("2026-03-01T12:00:00Z"));
  const Caller ada = user("ada");
  reminder_message(admin_, {ada.id}, 1, "2026-03-10");
  clock_.set(at("2026-03-02T09:30:00Z"));
  std::atomic<int> passes{0};
  ReminderScheduler scheduler(*engine_, ReminderSchedulerOptions{
                                            .poll_ms = 10, .on_pass = [&](const auto&) { ++passes; }});
  scheduler.start();
  for (int i = 0; i < 500 && received(ada).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(received(ada), (std::vector<std::string>{"2026-03-02 #1"}));
  clock_.set(at("2026-03-03T09:00:00Z"));
  scheduler.wake();
  for (int i = 0; i < 500 && received(ada).size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  scheduler.stop();
  scheduler.stop();
  EXPECT_EQ(received(ada).size(), 2u);
  EXPECT_GT(passes.load(), 0);
}

// Two nodes' schedulers on one store: only the lease holder runs passes; when it stops (and
// releases the lease) the other takes over.
TEST_F(RemindersTest, WithALeaseOneSchedulerAtATimeRunsPasses) {
  clock_.set(at("2026-03-01T12:00:00Z"));
  const Caller ada = user("ada");
  reminder_message(admin_, {ada.id}, 1, "2026-03-10");
  clock_.set(at("2026-03-02T09:30:00Z"));
  std::atomic<int> passes_a{0}, passes_b{0};
  const auto options = [](const char* holder, std::atomic<int>& passes) {
    return ReminderSchedulerOptions{.poll_ms = 10,
                                    .on_pass = [&passes](const Result<ReminderRunReport>& r) {
                                      if (r) ++passes;
                                    },
                                    .lease_holder = holder,
                                    .lease_ttl_ms = 60'000};
  };
  const auto wait_for = [](const std::atomic<int>& passes) {
    for (int i = 0; i < 500 && passes.load() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  };
  ReminderScheduler a(*engine_, options("node-a", passes_a));
  ReminderScheduler b(*engine_, options("node-b", passes_b));
  a.start();
  wait_for(passes_a);
  b.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_GT(passes_a.load(), 1);
  EXPECT_EQ(passes_b.load(), 0);
  EXPECT_EQ(received(ada), (std::vector<std::string>{"2026-03-02 #1"}));
  a.stop();
  wait_for(passes_b);
  b.stop();
  EXPECT_GT(passes_b.load(), 0);
  EXPECT_EQ(received(ada), (std::vector<std::string>{"2026-03-02 #1"}));
}

}  // namespace
}  // namespace missive::testing
