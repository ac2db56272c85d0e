// Conformance: notifications (docs/notifications.md). The rows each event queues in its own
// transaction (sends, reads, reminder rounds, deactivations), users' email addresses and
// preferences, webhook endpoints, the outbox's claims, results, log and replays, and digests.

#include <fmt/format.h>

#include <set>

#include "store_test_support.h"

namespace missive::testing {
namespace {

constexpr Timestamp kRetryMs = 86'400'000;

ReminderSchedule daily_schedule(Timestamp now) {
  ReminderSchedule s;
  s.period_days = 1;
  s.anchor_day = utc_day(now) + 1;
  s.expiry_day = utc_day(now) + 10;
  s.next_remind_at = now;
  s.due_at = now;
  return s;
}

// Round `number` of `id` at `now` (optionally the final one, or closing with deactivation).
ReminderWriteOutcome remind(Store& store, MessageId id, std::int64_t number, Timestamp now,
                            bool is_final = false, bool deactivate = false) {
  auto schedules = must(store.reminder_schedules({id}));
  EXPECT_EQ(schedules.size(), 1u);
  ReminderWrite w{.schedule = schedules.at(0), .now = now};
  if (number > 0) w.round = number;
  w.is_final = is_final;
  w.deactivate_non_responders = deactivate;
  w.schedule.rounds_sent = number;
  return must(store.write_reminders(w));
}

std::set<std::int64_t> users_of(const std::vector<Notification>& rows) {
  std::set<std::int64_t> out;
  for (const Notification& n : rows) out.insert(n.user.value);
  return out;
}

std::vector<std::int64_t> ids_of(const std::vector<Notification>& rows) {
  std::vector<std::int64_t> out;
  for (const Notification& n : rows) out.push_back(n.id.value);
  return out;
}

// --- what events queue ---

TEST_P(Notifications, WithoutEndpointsOrAddressesEventsQueueNothing) {
  User ada = user("ada"), bob = user("bob");
  NewMessage nm = direct(ada.id, bob.id);
  nm.reminders = daily_schedule(now_);
  Message m = send(nm);
  EXPECT_EQ(remind(store(), m.id, 1, now_).reminded, 1);
  must(store().mark_message_read(m.id, bob.id, now_));
  send(direct(bob.id, ada.id));
  must(store().mark_conversation_read(m.conversation, ada.id, 10, now_));
  EXPECT_TRUE(outbox().empty());
  OutboxCounts counts = must(store().outbox_counts());
  EXPECT_EQ(counts.queued + counts.sent + counts.failed + counts.cancelled, 0);
  EXPECT_EQ(counts.oldest_queued_at, std::nullopt);
}

TEST_P(Notifications, ASendQueuesOneRowPerSubscribedEndpoint) {
  User ada = user("ada"), bob = user("bob");
  WebhookEndpoint sent = endpoint(event_bit(NotificationEvent::message_sent), "https://a.example/");
  endpoint(event_bit(NotificationEvent::message_read), "https://reads.example/");
  WebhookEndpoint off = endpoint(kWebhookEvents, "https://off.example/");
  must(store().update_webhook(off.id, WebhookUpdate{.enabled = false}));
  WebhookEndpoint gone = endpoint(kWebhookEvents, "https://gone.example/");
  must(store().delete_webhook(gone.id));
  WebhookEndpoint all = endpoint(kWebhookEvents, "https://all.example/");

  NewMessage nm = direct(ada.id, bob.id);
  nm.client_msg_id = "c-1";
  nm.create_date = now_ + 5;
  Message m = send(nm);
  auto rows = outbox();
  ASSERT_EQ(rows.size(), 2u);
  std::set<std::int64_t> endpoints;
  for (const Notification& n : rows) {
    endpoints.insert(n.endpoint.value);
    EXPECT_EQ(n.channel, NotificationChannel::webhook);
    EXPECT_EQ(n.event, NotificationEvent::message_sent);
    EXPECT_EQ(n.user, ada.id);
    EXPECT_EQ(n.message, m.id);
    EXPECT_EQ(n.state, NotificationState::queued);
    EXPECT_EQ(n.attempts, 0);
    EXPECT_EQ(n.created_at, now_ + 5);
    EXPECT_EQ(n.next_attempt_at, now_ + 5);
    EXPECT_EQ(n.deadline, now_ + 5 + kRetryMs);
    EXPECT_EQ(n.payload, "{}");
    EXPECT_EQ(n.sent_at, std::nullopt);
  }
  EXPECT_EQ(endpoints, (std::set<std::int64_t>{sent.id.value, all.id.value}));
  EXPECT_EQ(rows[0].endpoint == sent.id ? rows[0].destination : rows[1].destination,
            std::optional<std::string>("https://a.example/"));

  // A duplicate send writes nothing, so it queues nothing.
  SendOutcome again = must(store().send_message(nm));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(outbox().size(), 2u);
}

TEST_P(Notifications, ADeferredSendQueuesItsRowAtSendNotPerChunk) {
  User ada = user("ada");
  auto members = users("m", 3);
  endpoint(event_bit(NotificationEvent::message_sent));
  NewMessage nm = to_group(ada.id, group("team", ada.id, members).id, members);
  nm.defer_fanout = true;
  Message m = send(nm);
  ASSERT_EQ(outbox().size(), 1u);
  while (must(store().fan_out_next(1, now_))) {
  }
  auto rows = outbox();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].message, m.id);
}

TEST_P(Notifications, ReadsQueueARowPerMessageThatBecameRead) {
  User ada = user("ada"), bob = user("bob");
  WebhookEndpoint reads = endpoint(event_bit(NotificationEvent::message_read));
  Message first = send(direct(ada.id, bob.id, "one"));
  Message second = send(direct(ada.id, bob.id, "two"));
  Message third = send(direct(ada.id, bob.id, "three"));
  EXPECT_TRUE(outbox().empty());

  must(store().mark_message_read(second.id, bob.id, now_ + 1));
  must(store().mark_message_read(second.id, bob.id, now_ + 2));  // already read: nothing
  auto rows = outbox();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].event, NotificationEvent::message_read);
  EXPECT_EQ(rows[0].user, bob.id);
  EXPECT_EQ(rows[0].message, second.id);
  EXPECT_EQ(rows[0].endpoint, reads.id);
  EXPECT_EQ(rows[0].created_at, now_ + 1);

  // The conversation read covers the other two, not the one read already.
  must(store().mark_conversation_read(first.conversation, bob.id, third.seq, now_ + 3));
  rows = outbox();
  ASSERT_EQ(rows.size(), 3u);
  std::set<std::int64_t> messages{rows[1].message.value, rows[2].message.value};
  EXPECT_EQ(messages, (std::set<std::int64_t>{first.id.value, third.id.value}));
  must(store().mark_conversation_read(first.conversation, bob.id, third.seq, now_ + 4));
  EXPECT_EQ(outbox().size(), 3u);
}

TEST_P(Notifications, AUserReachedTwiceReadsTheMessageOnce) {
  User ada = user("ada");
  auto members = users("m", 2);
  endpoint(event_bit(NotificationEvent::message_read));
  Message m = send_to_ops_and_first_member(ada.id, members);  // members[0] has two records
  must(store().mark_message_read(m.id, members[0], now_));
  auto rows = outbox();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].user, members[0]);
}

TEST_P(Notifications, AReadOfADeferredFanOutIsQueuedToo) {
  User ada = user("ada");
  auto members = users("m", 2);
  endpoint(event_bit(NotificationEvent::message_read));
  NewMessage nm = to_group(ada.id, group("team", ada.id, members).id, members);
  nm.defer_fanout = true;
  Message m = send(nm);
  while (must(store().fan_out_next(10, now_))) {
  }
  must(store().mark_conversation_read(m.conversation, members[1], m.seq, now_));
  auto rows = outbox();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].message, m.id);
  EXPECT_EQ(rows[0].user, members[1]);
}

TEST_P(Notifications, AReminderRoundEmailsConfirmedAddressesWithRemindersOn) {
  User ada = user("ada");
  User mailed = with_address("mailed");
  User opted_out = with_address("optedout");
  must(store().set_email_preferences(opted_out.id, EmailPreferences{.reminders = false}));
  User pending = user("pending");  // asked for an address, never confirmed it
  must(store().request_email_change(
      EmailChange{pending.id, "p@example.com", "t", "h-pending", now_ + 3'600'000, now_}));
  User reader = with_address("reader");
  std::vector<UserId> members{mailed.id, opted_out.id, pending.id, reader.id};
  NewMessage nm = to_group(ada.id, group("team", ada.id, members).id, members);
  nm.reminders = daily_schedule(now_);
  Message m = send(nm);
  must(store().mark_message_read(m.id, reader.id, now_));

  EXPECT_EQ(remind(store(), m.id, 1, now_ + 10).reminded, 3);
  auto emails = outbox(NotificationEvent::reminder);
  ASSERT_EQ(emails.size(), 1u);
  const Notification& e = emails[0];
  EXPECT_EQ(e.channel, NotificationChannel::email);
  EXPECT_EQ(e.user, mailed.id);
  EXPECT_EQ(e.message, m.id);
  EXPECT_EQ(e.number, 1);
  EXPECT_EQ(e.endpoint, WebhookId());
  EXPECT_EQ(e.destination, std::optional<std::string>("mailed@example.com"));
  EXPECT_EQ(e.created_at, now_ + 10);
  EXPECT_EQ(e.next_attempt_at, now_ + 10);
  EXPECT_EQ(e.deadline, now_ + 10 + kRetryMs);

  // The final round is its own event.
  EXPECT_EQ(remind(store(), m.id, 2, now_ + 20, true).reminded, 3);
  auto finals = outbox(NotificationEvent::final_reminder);
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(finals[0].user, mailed.id);
  EXPECT_EQ(finals[0].number, 2);
  EXPECT_EQ(outbox(NotificationEvent::reminder).size(), 1u);
}

TEST_P(Notifications, AReminderRoundQueuesAWebhookRowPerRemindedUserAndEndpoint) {
  User ada = user("ada");
  auto members = users("m", 3);
  WebhookEndpoint one = endpoint(event_bit(NotificationEvent::reminder), "https://one.example/");
  WebhookEndpoint two = endpoint(
      event_bit(NotificationEvent::reminder) | event_bit(NotificationEvent::final_reminder),
      "https://two.example/");
  endpoint(event_bit(NotificationEvent::message_read), "https://reads.example/");
  NewMessage nm = to_group(ada.id, group("team", ada.id, members).id, members);
  nm.reminders = daily_schedule(now_);
  Message m = send(nm);

  remind(store(), m.id, 1, now_);
  auto rows = outbox(NotificationEvent::reminder);
  ASSERT_EQ(rows.size(), 6u);
  std::set<std::pair<std::int64_t, std::int64_t>> pairs;
  for (const Notification& n : rows) {
    EXPECT_EQ(n.channel, NotificationChannel::webhook);
    EXPECT_EQ(n.message, m.id);
    EXPECT_EQ(n.number, 1);
    EXPECT_EQ(n.destination,
              std::optional<std::string>(n.endpoint == one.id ? "https://one.example/"
                                                              : "https://two.example/"));
    pairs.emplace(n.user.value, n.endpoint.value);
  }
  EXPECT_EQ(pairs.size(), 6u);
  // A round already sent to everyone reminds nobody and queues nothing.
  remind(store(), m.id, 1, now_);
  EXPECT_EQ(outbox().size(), 6u);

  remind(store(), m.id, 2, now_, true);
  auto finals = outbox(NotificationEvent::final_reminder);
  ASSERT_EQ(finals.size(), 3u);
  for (const Notification& n : finals) EXPECT_EQ(n.endpoint, two.id);
}

TEST_P(Notifications, DeactivatingNonRespondersQueuesAWebhookRowPerUser) {
  User ada = user("ada");
  auto members = users("m", 3);
  WebhookEndpoint hook = endpoint(event_bit(NotificationEvent::user_deactivated));
  endpoint(event_bit(NotificationEvent::reminder));
  NewMessage nm = to_group(ada.id, group("team", ada.id, members).id, members);
  nm.reminders = daily_schedule(now_);
  Message m = send(nm);
  must(store().mark_message_read(m.id, members[0], now_));

  EXPECT_EQ(remind(store(), m.id, 0, now_ + 7, false, true).deactivated, 2);
  auto rows = outbox();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(users_of(rows), (std::set<std::int64_t>{members[1].value, members[2].value}));
  for (const Notification& n : rows) {
    EXPECT_EQ(n.event, NotificationEvent::user_deactivated);
    EXPECT_EQ(n.message, m.id);
    EXPECT_EQ(n.endpoint, hook.id);
    EXPECT_EQ(n.created_at, now_ + 7);
  }
}

// --- email addresses and preferences ---

TEST_P(Notifications, AnAddressIsPendingUntilItsTokenConfirmsIt) {
  User ada = user("ada");
  EmailSettings fresh = must(store().email_settings(ada.id));
  EXPECT_EQ(fresh.address, std::nullopt);
  EXPECT_EQ(fresh.pending, std::nullopt);
  EXPECT_TRUE(fresh.reminders);
  EXPECT_TRUE(fresh.digest);
  EXPECT_EQ(status(store().email_settings(UserId(999))), "not_found");
  EXPECT_EQ(status(store().request_email_change(
                EmailChange{UserId(999), "x@example.com", "t", "h", now_ + 1, now_})),
            "not_found");

  EmailSettings asked = must(store().request_email_change(
      EmailChange{ada.id, "ada@example.com", "tok-1", "hash-1", now_ + 1000, now_}));
  EXPECT_EQ(asked.address, std::nullopt);
  EXPECT_EQ(asked.pending, std::optional<std::string>("ada@example.com"));
  auto sent = outbox(NotificationEvent::email_confirmation);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].channel, NotificationChannel::email);
  EXPECT_EQ(sent[0].user, ada.id);
  EXPECT_EQ(sent[0].destination, std::optional<std::string>("ada@example.com"));
  EXPECT_EQ(sent[0].payload, R"({"address":"ada@example.com","token":"tok-1"})");

  // A newer request replaces the pending address; the older link stops working and its
  // email, still queued, is cancelled.
  must(store().request_email_change(
      EmailChange{ada.id, "ada@work.example", "tok-2", "hash-2", now_ + 1000, now_ + 1}));
  EXPECT_EQ(status(store().confirm_email("hash-1", now_ + 2)), "not_found");
  sent = outbox(NotificationEvent::email_confirmation);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].state, NotificationState::cancelled);
  EXPECT_EQ(sent[1].state, NotificationState::queued);
  EXPECT_EQ(sent[1].destination, std::optional<std::string>("ada@work.example"));

  EXPECT_EQ(must(store().confirm_email("hash-2", now_ + 2)), ada.id);
  EmailSettings confirmed = must(store().email_settings(ada.id));
  EXPECT_EQ(confirmed.address, std::optional<std::string>("ada@work.example"));
  EXPECT_EQ(confirmed.pending, std::nullopt);
  EXPECT_EQ(status(store().confirm_email("hash-2", now_ + 3)), "not_found");  // used
  reopen();
  EXPECT_EQ(must(store().email_settings(ada.id)).address,
            std::optional<std::string>("ada@work.example"));
}

TEST_P(Notifications, AnExpiredTokenConfirmsNothing) {
  User ada = with_address("ada");
  must(store().request_email_change(
      EmailChange{ada.id, "new@example.com", "tok", "hash-new", now_ + 1000, now_}));
  EXPECT_EQ(status(store().confirm_email("hash-new", now_ + 1000)), "not_found");
  EXPECT_EQ(status(store().confirm_email("no-such-hash", now_)), "not_found");
  EmailSettings settings = must(store().email_settings(ada.id));
  EXPECT_EQ(settings.address, std::optional<std::string>("ada@example.com"));
  EXPECT_EQ(settings.pending, std::optional<std::string>("new@example.com"));
}

TEST_P(Notifications, ClearingTheAddressCancelsQueuedEmails) {
  User ada = user("ada");
  User bob = with_address("bob");
  User cyd = with_address("cyd");
  std::vector<UserId> members{bob.id, cyd.id};
  NewMessage nm = to_group(ada.id, group("team", ada.id, members).id, members);
  nm.reminders = daily_schedule(now_);
  Message m = send(nm);
  remind(store(), m.id, 1, now_);
  must(store().request_email_change(
      EmailChange{bob.id, "bob@new.example", "t", "h-bob", now_ + 1000, now_}));

  EmailSettings cleared = must(store().clear_email(bob.id));
  EXPECT_EQ(cleared.address, std::nullopt);
  EXPECT_EQ(cleared.pending, std::nullopt);
  EXPECT_EQ(status(store().confirm_email("h-bob", now_)), "not_found");
  for (const Notification& n : outbox()) {
    if (n.user == bob.id && n.channel == NotificationChannel::email) {
      EXPECT_EQ(n.state, NotificationState::cancelled) << event_name(n.event);
    } else {
      EXPECT_NE(n.state, NotificationState::cancelled) << event_name(n.event);
    }
  }
  EXPECT_EQ(status(store().clear_email(UserId(999))), "not_found");
  // Without an address, the next round emails only cyd.
  remind(store(), m.id, 2, now_);
  auto second = outbox(NotificationEvent::reminder);
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second[2].user, cyd.id);
}

TEST_P(Notifications, TurningAKindOffCancelsItsQueuedEmails) {
  User ada = user("ada");
  User bob = with_address("bob");
  NewMessage nm = direct(ada.id, bob.id);
  nm.reminders = daily_schedule(now_);
  nm.create_date = now_ - 10'000;
  Message m = send(nm);
  remind(store(), m.id, 1, now_);
  remind(store(), m.id, 2, now_, true);
  ASSERT_EQ(must(store().queue_digests(DigestPass{.now = now_, .unseen_before = now_})), 1);

  EmailSettings no_reminders =
      must(store().set_email_preferences(bob.id, EmailPreferences{.reminders = false}));
  EXPECT_FALSE(no_reminders.reminders);
  EXPECT_TRUE(no_reminders.digest);
  EXPECT_EQ(outbox(NotificationEvent::reminder).at(0).state, NotificationState::cancelled);
  EXPECT_EQ(outbox(NotificationEvent::final_reminder).at(0).state, NotificationState::cancelled);
  EXPECT_EQ(outbox(NotificationEvent::digest).at(0).state, NotificationState::queued);
  EXPECT_EQ(outbox(NotificationEvent::email_confirmation).at(0).state, NotificationState::queued);

  EmailSettings neither =
      must(store().set_email_preferences(bob.id, EmailPreferences{.digest = false}));
  EXPECT_FALSE(neither.reminders);
  EXPECT_FALSE(neither.digest);
  EXPECT_EQ(outbox(NotificationEvent::digest).at(0).state, NotificationState::cancelled);
  EXPECT_EQ(status(store().set_email_preferences(UserId(999), EmailPreferences{})), "not_found");

  // Turned back on, they apply to what comes next.
  must(store().set_email_preferences(bob.id, EmailPreferences{.reminders = true}));
  remind(store(), m.id, 3, now_);
  EXPECT_EQ(outbox(NotificationEvent::reminder).back().state, NotificationState::queued);
}

// --- webhook endpoints ---

TEST_P(Notifications, WebhookEndpointsAreCreatedUpdatedAndDeleted) {
  WebhookEndpoint a = endpoint(event_bit(NotificationEvent::message_sent), "https://a.example/");
  EXPECT_TRUE(a.id.valid());
  EXPECT_EQ(a.url, "https://a.example/");
  EXPECT_EQ(a.secret, "whsec_c2VjcmV0");
  EXPECT_EQ(a.events, event_bit(NotificationEvent::message_sent));
  EXPECT_EQ(a.description, "test endpoint");
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.created_at, now_);
  WebhookEndpoint b = endpoint(kWebhookEvents, "https://b.example/");

  WebhookEndpoint changed = must(store().update_webhook(
      a.id, WebhookUpdate{
                .url = "https://a2.example/", .events = kWebhookEvents, .description = "renamed"}));
  EXPECT_EQ(changed.url, "https://a2.example/");
  EXPECT_EQ(changed.secret, "whsec_c2VjcmV0");
  EXPECT_EQ(changed.events, kWebhookEvents);
  EXPECT_EQ(changed.description, "renamed");
  EXPECT_EQ(must(store().update_webhook(a.id, WebhookUpdate{.secret = "whsec_bmV3"})).secret,
            "whsec_bmV3");
  EXPECT_EQ(must(store().get_webhook(a.id)).url, "https://a2.example/");
  EXPECT_EQ(must(store().list_webhooks()).size(), 2u);

  must(store().delete_webhook(b.id));
  EXPECT_EQ(status(store().get_webhook(b.id)), "not_found");
  EXPECT_EQ(status(store().update_webhook(b.id, WebhookUpdate{})), "not_found");
  EXPECT_EQ(status(store().delete_webhook(b.id)), "not_found");
  EXPECT_EQ(status(store().get_webhook(WebhookId(999))), "not_found");
  auto listed = must(store().list_webhooks());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, a.id);
  reopen();
  EXPECT_EQ(must(store().get_webhook(a.id)).description, "renamed");
}

TEST_P(Notifications, DeletingAnEndpointCancelsItsQueuedRowsAndKeepsItsLog) {
  User ada = user("ada"), bob = user("bob");
  WebhookEndpoint gone = endpoint(kWebhookEvents, "https://gone.example/");
  WebhookEndpoint kept = endpoint(kWebhookEvents, "https://kept.example/");
  send(direct(ada.id, bob.id));
  auto claimed = must(store().claim_notifications(NotificationClaim{"n1", now_, 60'000, 1}));
  ASSERT_EQ(claimed.size(), 1u);
  must(store().finish_notification(
      NotificationResult{.id = claimed[0].id, .holder = "n1", .now = now_}));
  send(direct(ada.id, bob.id));
  must(store().delete_webhook(gone.id));
  for (const Notification& n : outbox()) {
    if (n.endpoint == kept.id) {
      EXPECT_NE(n.state, NotificationState::cancelled);
    } else if (n.id != claimed[0].id) {
      EXPECT_EQ(n.state, NotificationState::cancelled);
    }
  }
  // Its log is still there.
  auto log = must(store().list_notifications(NotificationQuery{.endpoint = gone.id}));
  EXPECT_EQ(log.size(), 2u);
  // And nothing new is queued for it.
  send(direct(ada.id, bob.id));
  EXPECT_EQ(must(store().list_notifications(NotificationQuery{.endpoint = gone.id})).size(), 2u);
}

TEST_P(Notifications, AnAdminTurningAnEndpointOffFailsItsQueuedRowsAndANewUrlMovesThem) {
  User ada = user("ada"), bob = user("bob");
  WebhookEndpoint hook = endpoint(kWebhookEvents, "https://old.example/");
  send(direct(ada.id, bob.id));
  must(store().update_webhook(hook.id, WebhookUpdate{.url = "https://new.example/"}));
  EXPECT_EQ(outbox().at(0).destination, std::optional<std::string>("https://new.example/"));

  WebhookEndpoint off = must(store().update_webhook(hook.id, WebhookUpdate{.enabled = false}));
  EXPECT_FALSE(off.enabled);
  Notification failed = outbox().at(0);
  EXPECT_EQ(failed.state, NotificationState::failed);
  EXPECT_EQ(failed.last_error, std::optional<std::string>("endpoint disabled"));
  send(direct(ada.id, bob.id));
  EXPECT_EQ(outbox().size(), 1u);  // a disabled endpoint gets nothing new

  must(store().update_webhook(hook.id, WebhookUpdate{.enabled = true}));
  send(direct(ada.id, bob.id));
  EXPECT_EQ(outbox().size(), 2u);
}

// --- the outbox ---

TEST_P(Notifications, ClaimsAreExclusiveUntilTheirLeaseRunsOut) {
  User ada = user("ada"), bob = user("bob");
  endpoint(event_bit(NotificationEvent::message_sent));
  for (int i = 0; i < 3; ++i) {
    NewMessage nm = direct(ada.id, bob.id);
    nm.create_date = now_ + i;
    send(nm);
  }
  NewMessage later = direct(ada.id, bob.id);
  later.create_date = now_ + 1000;  // not due yet
  send(later);
  const Timestamp at = now_ + 10;

  auto a = must(store().claim_notifications(NotificationClaim{"node-a", at, 60'000, 2}));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].created_at, now_);  // earliest due first
  EXPECT_EQ(a[1].created_at, now_ + 1);
  EXPECT_EQ(a[0].destination, std::optional<std::string>("https://hooks.example/in"));
  auto b = must(store().claim_notifications(NotificationClaim{"node-b", at, 60'000, 10}));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].created_at, now_ + 2);
  EXPECT_TRUE(
      must(store().claim_notifications(NotificationClaim{"node-c", at, 60'000, 10})).empty());

  // The leases run out: C may take the rows, and A's late result no longer applies.
  auto c = must(store().claim_notifications(NotificationClaim{"node-c", at + 60'000, 60'000, 2}));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(ids_of(c), ids_of(a));
  EXPECT_EQ(status(store().finish_notification(
                NotificationResult{.id = a[0].id, .holder = "node-a", .now = at + 60'001})),
            "conflict");
  must(store().finish_notification(
      NotificationResult{.id = a[0].id, .holder = "node-c", .now = at + 60'001}));
  Notification done = must(store().get_notification(a[0].id));
  EXPECT_EQ(done.state, NotificationState::sent);
  EXPECT_EQ(done.attempts, 1);
  EXPECT_EQ(done.sent_at, std::optional<Timestamp>(at + 60'001));
  EXPECT_EQ(status(store().finish_notification(
                NotificationResult{.id = a[0].id, .holder = "node-c", .now = at + 60'002})),
            "conflict");  // no claim left
  EXPECT_EQ(status(store().finish_notification(
                NotificationResult{.id = NotificationId(999), .holder = "x", .now = at})),
            "not_found");
}

TEST_P(Notifications, ARetryWaitsForItsNextAttempt) {
  User ada = user("ada"), bob = user("bob");
  WebhookEndpoint hook = endpoint(event_bit(NotificationEvent::message_sent));
  send(direct(ada.id, bob.id));
  auto first = must(store().claim_notifications(NotificationClaim{"n", now_, 60'000, 10}));
  ASSERT_EQ(first.size(), 1u);
  must(store().finish_notification(NotificationResult{.id = first[0].id,
                                                      .holder = "n",
                                                      .now = now_ + 1,
                                                      .state = NotificationState::queued,
                                                      .next_attempt_at = now_ + 5000,
                                                      .error = "HTTP 503"}));
  Notification retry = must(store().get_notification(first[0].id));
  EXPECT_EQ(retry.state, NotificationState::queued);
  EXPECT_EQ(retry.attempts, 1);
  EXPECT_EQ(retry.next_attempt_at, now_ + 5000);
  EXPECT_EQ(retry.last_error, std::optional<std::string>("HTTP 503"));
  EXPECT_EQ(must(store().get_webhook(hook.id)).failing_since, std::optional<Timestamp>(now_ + 1));
  EXPECT_EQ(must(store().outbox_counts()).queued, 1);

  EXPECT_TRUE(
      must(store().claim_notifications(NotificationClaim{"n", now_ + 4999, 60'000, 10})).empty());
  auto second = must(store().claim_notifications(NotificationClaim{"n", now_ + 5000, 60'000, 10}));
  ASSERT_EQ(second.size(), 1u);
  must(store().finish_notification(NotificationResult{.id = second[0].id,
                                                      .holder = "n",
                                                      .now = now_ + 5001,
                                                      .state = NotificationState::failed,
                                                      .error = "HTTP 410"}));
  Notification failed = must(store().get_notification(first[0].id));
  EXPECT_EQ(failed.state, NotificationState::failed);
  EXPECT_EQ(failed.attempts, 2);
  EXPECT_EQ(failed.last_error, std::optional<std::string>("HTTP 410"));
  // A failure keeps the first failure's time; a success clears it.
  EXPECT_EQ(must(store().get_webhook(hook.id)).failing_since, std::optional<Timestamp>(now_ + 1));
  send(direct(ada.id, bob.id));
  auto third = must(store().claim_notifications(NotificationClaim{"n", now_ + 6000, 60'000, 10}));
  ASSERT_EQ(third.size(), 1u);
  must(store().finish_notification(
      NotificationResult{.id = third[0].id, .holder = "n", .now = now_ + 6001}));
  EXPECT_EQ(must(store().get_webhook(hook.id)).failing_since, std::nullopt);
}

TEST_P(Notifications, DisablingAnEndpointFailsItsQueuedRows) {
  User ada = user("ada"), bob = user("bob");
  WebhookEndpoint bad = endpoint(event_bit(NotificationEvent::message_sent), "https://bad/");
  WebhookEndpoint good = endpoint(event_bit(NotificationEvent::message_sent), "https://good/");
  send(direct(ada.id, bob.id));
  send(direct(ada.id, bob.id));
  auto claimed = must(store().claim_notifications(NotificationClaim{"n", now_, 60'000, 1}));
  ASSERT_EQ(claimed.size(), 1u);
  WebhookEndpoint target = claimed[0].endpoint == bad.id ? bad : good;
  WebhookEndpoint other = claimed[0].endpoint == bad.id ? good : bad;
  must(store().finish_notification(NotificationResult{.id = claimed[0].id,
                                                      .holder = "n",
                                                      .now = now_ + 1,
                                                      .state = NotificationState::failed,
                                                      .error = "timeout",
                                                      .disable_endpoint = "a day of failures"}));
  WebhookEndpoint disabled = must(store().get_webhook(target.id));
  EXPECT_FALSE(disabled.enabled);
  EXPECT_EQ(disabled.disabled_reason, std::optional<std::string>("a day of failures"));
  EXPECT_EQ(disabled.failing_since, std::optional<Timestamp>(now_ + 1));
  for (const Notification& n : outbox()) {
    if (n.endpoint == other.id) {
      EXPECT_EQ(n.state, NotificationState::queued);
    } else if (n.id == claimed[0].id) {
      EXPECT_EQ(n.last_error, std::optional<std::string>("timeout"));
      EXPECT_EQ(n.state, NotificationState::failed);
    } else {
      EXPECT_EQ(n.state, NotificationState::failed);
      EXPECT_EQ(n.last_error, std::optional<std::string>("endpoint disabled: a day of failures"));
    }
  }
  // An admin turns it back on: a clean slate.
  WebhookEndpoint back = must(store().update_webhook(target.id, WebhookUpdate{.enabled = true}));
  EXPECT_TRUE(back.enabled);
  EXPECT_EQ(back.disabled_reason, std::nullopt);
  EXPECT_EQ(back.failing_since, std::nullopt);
}

TEST_P(Notifications, ARowCancelledDuringItsAttemptStaysCancelledUnlessItWentOut) {
  User ada = user("ada");
  User bob = with_address("bob");
  User cyd = with_address("cyd");
  std::vector<UserId> members{bob.id, cyd.id};
  NewMessage nm = to_group(ada.id, group("team", ada.id, members).id, members);
  nm.reminders = daily_schedule(now_);
  Message m = send(nm);
  remind(store(), m.id, 1, now_ + 1);
  // Claim only the reminders (the confirmations came first).
  must(store().claim_notifications(NotificationClaim{"n", now_, 60'000, 10}));
  auto claimed = must(store().claim_notifications(NotificationClaim{"n", now_ + 1, 60'000, 10}));
  ASSERT_EQ(claimed.size(), 2u);
  must(store().clear_email(bob.id));
  must(store().clear_email(cyd.id));
  for (const Notification& n : claimed) {
    must(store().finish_notification(NotificationResult{
        .id = n.id,
        .holder = "n",
        .now = now_ + 2,
        .state = n.user == bob.id ? NotificationState::queued : NotificationState::sent,
        .next_attempt_at = now_ + 100}));
  }
  for (const Notification& n : outbox(NotificationEvent::reminder)) {
    EXPECT_EQ(n.state, n.user == bob.id ? NotificationState::cancelled : NotificationState::sent);
    EXPECT_EQ(n.attempts, 1);
  }
}

TEST_P(Notifications, AReplayQueuesTheSameRowForANewDay) {
  User ada = user("ada"), bob = user("bob");
  endpoint(event_bit(NotificationEvent::message_sent));
  send(direct(ada.id, bob.id));
  auto claimed = must(store().claim_notifications(NotificationClaim{"n", now_, 60'000, 10}));
  ASSERT_EQ(claimed.size(), 1u);
  must(store().finish_notification(NotificationResult{.id = claimed[0].id,
                                                      .holder = "n",
                                                      .now = now_ + 1,
                                                      .state = NotificationState::failed,
                                                      .error = "HTTP 500"}));
  const Timestamp later = now_ + 3 * kRetryMs;
  Notification replayed = must(store().replay_notification(claimed[0].id, later));
  EXPECT_EQ(replayed.id, claimed[0].id);
  EXPECT_EQ(replayed.state, NotificationState::queued);
  EXPECT_EQ(replayed.next_attempt_at, later);
  EXPECT_EQ(replayed.deadline, later + kRetryMs);
  EXPECT_EQ(replayed.created_at, claimed[0].created_at);
  EXPECT_EQ(replayed.attempts, 1);
  EXPECT_EQ(status(store().replay_notification(NotificationId(999), later)), "not_found");

  // Replaying a row in flight takes it from its holder.
  auto again = must(store().claim_notifications(NotificationClaim{"n2", later, 60'000, 10}));
  ASSERT_EQ(again.size(), 1u);
  must(store().replay_notification(claimed[0].id, later + 1));
  EXPECT_EQ(status(store().finish_notification(
                NotificationResult{.id = claimed[0].id, .holder = "n2", .now = later + 2})),
            "conflict");
  EXPECT_EQ(
      must(store().claim_notifications(NotificationClaim{"n3", later + 1, 60'000, 10})).size(), 1u);
}

TEST_P(Notifications, TheLogFiltersAndPagesNewestFirst) {
  User ada = user("ada"), bob = with_address("bob");
  WebhookEndpoint one = endpoint(event_bit(NotificationEvent::message_sent), "https://1/");
  WebhookEndpoint two = endpoint(event_bit(NotificationEvent::message_sent), "https://2/");
  for (int i = 0; i < 3; ++i) send(direct(ada.id, bob.id));
  // 1 confirmation email (bob), 6 webhook rows (3 sends x 2 endpoints).
  auto all = must(store().list_notifications(NotificationQuery{}));
  ASSERT_EQ(all.size(), 7u);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i - 1].id, all[i].id);

  auto page = must(store().list_notifications(NotificationQuery{.limit = 3}));
  EXPECT_EQ(ids_of(page),
            std::vector<std::int64_t>({all[0].id.value, all[1].id.value, all[2].id.value}));
  auto next =
      must(store().list_notifications(NotificationQuery{.before = page.back().id, .limit = 3}));
  EXPECT_EQ(ids_of(next),
            std::vector<std::int64_t>({all[3].id.value, all[4].id.value, all[5].id.value}));

  auto emails =
      must(store().list_notifications(NotificationQuery{.channel = NotificationChannel::email}));
  ASSERT_EQ(emails.size(), 1u);
  EXPECT_EQ(emails[0].event, NotificationEvent::email_confirmation);
  auto of_one = must(store().list_notifications(NotificationQuery{.endpoint = one.id}));
  EXPECT_EQ(of_one.size(), 3u);
  for (const Notification& n : of_one) EXPECT_EQ(n.endpoint, one.id);
  auto of_two = must(store().list_notifications(
      NotificationQuery{.endpoint = two.id, .before = of_one[0].id, .limit = 2}));
  EXPECT_EQ(of_two.size(), 2u);
  auto of_bob = must(store().list_notifications(NotificationQuery{.user = bob.id}));
  ASSERT_EQ(of_bob.size(), 1u);
  auto of_ada = must(store().list_notifications(
      NotificationQuery{.channel = NotificationChannel::webhook, .user = ada.id}));
  EXPECT_EQ(of_ada.size(), 6u);

  auto claimed = must(store().claim_notifications(NotificationClaim{"n", now_, 60'000, 1}));
  ASSERT_EQ(claimed.size(), 1u);
  must(store().finish_notification(
      NotificationResult{.id = claimed[0].id, .holder = "n", .now = now_}));
  auto sent = must(store().list_notifications(NotificationQuery{.state = NotificationState::sent}));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].id, claimed[0].id);
  EXPECT_EQ(must(store().list_notifications(NotificationQuery{
                     .state = NotificationState::sent, .endpoint = one.id, .user = bob.id}))
                .size(),
            0u);
}

TEST_P(Notifications, CountsAreByState) {
  User ada = user("ada"), bob = user("bob");
  endpoint(event_bit(NotificationEvent::message_sent));
  for (int i = 0; i < 4; ++i) {
    NewMessage nm = direct(ada.id, bob.id);
    nm.create_date = now_ + i;
    send(nm);
  }
  auto claimed = must(store().claim_notifications(NotificationClaim{"n", now_ + 10, 60'000, 2}));
  ASSERT_EQ(claimed.size(), 2u);
  must(store().finish_notification(
      NotificationResult{.id = claimed[0].id, .holder = "n", .now = now_ + 10}));
  must(store().finish_notification(NotificationResult{
      .id = claimed[1].id, .holder = "n", .now = now_ + 10, .state = NotificationState::failed}));
  OutboxCounts counts = must(store().outbox_counts());
  EXPECT_EQ(counts.queued, 2);
  EXPECT_EQ(counts.sent, 1);
  EXPECT_EQ(counts.failed, 1);
  EXPECT_EQ(counts.cancelled, 0);
  EXPECT_EQ(counts.oldest_queued_at, std::optional<Timestamp>(now_ + 2));
  User cyd = user("cyd");
  must(store().request_email_change(EmailChange{cyd.id, "c@x", "t", "h", now_ + 1, now_ - 5}));
  must(store().clear_email(cyd.id));
  counts = must(store().outbox_counts());
  EXPECT_EQ(counts.cancelled, 1);
  EXPECT_EQ(counts.oldest_queued_at, std::optional<Timestamp>(now_ + 2));
}

// --- digests ---

TEST_P(Notifications, ADigestListsMessagesLeftUnseenAndMovesTheCursor) {
  User ada = user("ada");
  User bob = with_address("bob");
  auto sent_at = [&](Timestamp at, std::optional<Timestamp> expiry = std::nullopt) {
    NewMessage nm = direct(ada.id, bob.id);
    nm.create_date = at;
    nm.expiry_date = expiry;
    return send(nm);
  };
  // Delivered to a device: not unseen.
  Message delivered = sent_at(now_ - 5000);
  must(store().mark_delivered(bob.id, must(store().sync_state(bob.id)).last, now_ - 4000));
  Message unseen = sent_at(now_ - 3000);
  Message read = sent_at(now_ - 3000);
  must(store().mark_message_read(read.id, bob.id, now_ - 2000));
  Message expired = sent_at(now_ - 3000, now_ - 1);
  Message unseen_too = sent_at(now_ - 2500);
  Message recent = sent_at(now_ - 500);  // not yet past unseen_before
  (void)delivered;
  (void)expired;

  const DigestPass pass{.now = now_, .unseen_before = now_ - 1000, .interval_ms = 3'600'000};
  EXPECT_EQ(must(store().queue_digests(pass)), 1);
  auto digests = outbox(NotificationEvent::digest);
  ASSERT_EQ(digests.size(), 1u);
  EXPECT_EQ(digests[0].channel, NotificationChannel::email);
  EXPECT_EQ(digests[0].user, bob.id);
  EXPECT_EQ(digests[0].destination, std::optional<std::string>("bob@example.com"));
  EXPECT_EQ(digests[0].created_at, now_);
  EXPECT_EQ(digests[0].payload, fmt::format(R"({{"messages":[{},{}],"count":2}})",
                                            unseen_too.id.value, unseen.id.value));

  // Within the interval nothing more, even with news.
  Message news = sent_at(now_ + 10);
  EXPECT_EQ(must(store().queue_digests(DigestPass{
                .now = now_ + 1000, .unseen_before = now_ + 500, .interval_ms = 3'600'000})),
            0);
  // After it, only what came after the cursor: the recent message, now old enough, and news.
  const Timestamp later = now_ + 3'600'000;
  EXPECT_EQ(must(store().queue_digests(
                DigestPass{.now = later, .unseen_before = later, .interval_ms = 3'600'000})),
            1);
  digests = outbox(NotificationEvent::digest);
  ASSERT_EQ(digests.size(), 2u);
  EXPECT_EQ(digests[1].payload,
            fmt::format(R"({{"messages":[{},{}],"count":2}})", news.id.value, recent.id.value));
  // Nothing new: no digest, however long it has been.
  EXPECT_EQ(must(store().queue_digests(DigestPass{
                .now = later * 2, .unseen_before = later * 2, .interval_ms = 3'600'000})),
            0);
}

TEST_P(Notifications, ADigestListsAtMostMaxMessagesAndCountsThemAll) {
  User ada = user("ada");
  User bob = with_address("bob");
  std::vector<MessageId> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(send(direct(ada.id, bob.id)).id);
  EXPECT_EQ(must(store().queue_digests(
                DigestPass{.now = now_, .unseen_before = now_, .max_messages = 2})),
            1);
  EXPECT_EQ(outbox(NotificationEvent::digest).at(0).payload,
            fmt::format(R"({{"messages":[{},{}],"count":5}})", ids[4].value, ids[3].value));
  // The cursor moved past all five, not only the two listed.
  EXPECT_EQ(must(store().queue_digests(
                DigestPass{.now = now_ + 1, .unseen_before = now_ + 1, .max_messages = 2})),
            0);
}

TEST_P(Notifications, OnlyActiveUsersWithAnAddressAndDigestsOnAreDigested) {
  User ada = user("ada");
  User no_address = user("noaddress");
  User opted_out = with_address("optedout");
  must(store().set_email_preferences(opted_out.id, EmailPreferences{.digest = false}));
  User inactive = with_address("inactive");
  must(store().set_user_active(inactive.id, false));
  User pending = user("pending");
  must(store().request_email_change(
      EmailChange{pending.id, "p@example.com", "t", "h-p", now_ + 3'600'000, now_}));
  User wanted = with_address("wanted");
  std::vector<UserId> members{no_address.id, opted_out.id, inactive.id, pending.id, wanted.id};
  send(to_group(ada.id, group("team", ada.id, members).id, members));
  EXPECT_EQ(must(store().queue_digests(DigestPass{.now = now_, .unseen_before = now_})), 1);
  auto digests = outbox(NotificationEvent::digest);
  ASSERT_EQ(digests.size(), 1u);
  EXPECT_EQ(digests[0].user, wanted.id);
}

TEST_P(Notifications, APassDigestsAtMostItsLimitOfUsers) {
  User ada = user("ada");
  std::vector<UserId> members;
  for (int i = 0; i < 3; ++i) members.push_back(with_address("u" + std::to_string(i)).id);
  send(to_group(ada.id, group("team", ada.id, members).id, members));
  EXPECT_EQ(must(store().queue_digests(DigestPass{.now = now_, .unseen_before = now_, .limit = 2})),
            2);
  EXPECT_EQ(must(store().queue_digests(DigestPass{.now = now_, .unseen_before = now_, .limit = 2})),
            1);
  EXPECT_EQ(users_of(outbox(NotificationEvent::digest)),
            (std::set<std::int64_t>{members[0].value, members[1].value, members[2].value}));
}

}  // namespace
}  // namespace missive::testing
