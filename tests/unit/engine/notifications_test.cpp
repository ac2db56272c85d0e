// Notifications end to end on a hand-moved clock, against a real SMTP server (aiosmtpd, the
// "smtp" CTest fixture) and a real HTTP receiver (the "webhooks" fixture): the worked reminder
// example arrives by email on its days, the final one says so, a reader gets none, unsubscribe
// and preferences stop a kind, digests group messages, an address is used only once
// confirmed; webhooks are signed as the spec says, retried on the schedule, disabled after a
// day of failures and replayed. docs/notifications.md.
#include <gtest/gtest.h>

#include <random>

#include "core/time_format.h"
#include "engine/notification_service.h"
#include "engine_fixture.h"
#include "notify/smtp_mailer.h"
#include "notify/webhook.h"
#include "notify_sinks.h"

namespace missive::testing {
namespace {

class NotificationsTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    smtp_dir_ = fixture_dir("MISSIVE_TEST_SMTP_DIR");
    hooks_dir_ = fixture_dir("MISSIVE_TEST_WEBHOOK_DIR");
    if (smtp_dir_.empty() || hooks_dir_.empty()) {
      GTEST_SKIP() << "needs the CTest fixtures \"smtp\" and \"webhooks\" (run through ctest)";
    }
    notify::SmtpConfig smtp;
    smtp.url = first_line(smtp_dir_ / "url");
    smtp.from = "Missive <missive@example.org>";
    auto mailer = notify::SmtpMailer::create(smtp);
    ASSERT_TRUE(mailer) << mailer.error().message;
    mailer_ = std::make_unique<notify::SmtpMailer>(std::move(*mailer));
    webhooks_ = std::make_unique<notify::WebhookSender>(notify::WebhookConfig{.allow_private = true});
    NotificationOptions options;
    options.public_url = "https://missive.example.org";
    options.link_key = "a key that signs unsubscribe links";
    options.email_configured = true;
    options.allow_private_webhooks = true;
    options.node = "test-node";
    options.digest_after_ms = 3600'000;
    options.digest_interval_ms = kDay;
    service_ = std::make_unique<NotificationService>(*store_, clock_, options, mailer_.get(), *webhooks_);
    // Addresses and receiver paths of this test alone: the servers are shared.
    tag_ = std::to_string(std::random_device{}());
  }

  void TearDown() override {
    service_.reset();
    EngineTest::TearDown();
  }

  std::string address(const std::string& who) { return who + "-" + tag_ + "@example.org"; }

  // Delivers everything due now.
  void deliver() {
    auto ran = service_->run_once();
    ASSERT_TRUE(ran) << ran.error().message;
  }

  // Gives `who` the address `mail`, confirmed through the link that was emailed to it. Digests
  // off unless asked for: these users never fetch anything, so they would get one a day.
  void confirmed_email(const Caller& who, const std::string& mail, bool digest = false) {
    ASSERT_TRUE(service_->change_email(who, who.id, mail));
    deliver();
    const auto received = mails_to(smtp_dir_, mail);
    ASSERT_EQ(received.size(), 1u);
    const std::string token = word_after(received[0].text, "/#/confirm-email/");
    ASSERT_FALSE(token.empty()) << received[0].text;
    auto confirmed = service_->confirm_email(token);
    ASSERT_TRUE(confirmed) << confirmed.error().message;
    EXPECT_EQ(*confirmed, who.id);
    ASSERT_TRUE(service_->set_email_preferences(who, who.id, EmailPreferences{.digest = digest}));
  }

  std::vector<std::string> subjects(const std::string& mail) {
    std::vector<std::string> out;
    for (const auto& received : mails_to(smtp_dir_, mail)) out.push_back(received.subject);
    return out;
  }

  MessageId reminder_message(const Caller& from, std::vector<UserId> to, int period,
                             const char* expiry, const std::string& subject = "Please confirm") {
    auto sent = engine_->send(from, SendRequest{.to = Addresses{.users = std::move(to)},
                                                .subject = subject,
                                                .body = "Please read the attached policy and "
                                                        "confirm you agree.",
                                                .expiry_date = at(expiry),
                                                .reminders = ReminderSettings{period, false}});
    EXPECT_TRUE(sent) << sent.error().message;
    return sent ? sent->message.id : MessageId{};
  }

  // A reminder pass at 10:00 UTC each day from `first` to `last`, each followed by delivery;
  // returns "date subject" for each email `mail` received on each day.
  std::vector<std::string> daily(const char* first, const char* last, const std::string& mail) {
    std::vector<std::string> out;
    std::size_t seen = mails_to(smtp_dir_, mail).size();
    for (Timestamp day = at(first); day <= at(last); day += kDay) {
      clock_.set(day + 10 * 3600'000LL);
      EXPECT_TRUE(engine_->run_due_reminders(clock_.now()));
      deliver();
      const auto received = mails_to(smtp_dir_, mail);
      for (; seen < received.size(); ++seen) {
        out.push_back(format_time(day).substr(0, 10) + " " + received[seen].subject);
      }
    }
    return out;
  }

  Notification row(NotificationId id) {
    auto found = store_->get_notification(id);
    EXPECT_TRUE(found) << found.error().message;
    return found ? *found : Notification{};
  }

  std::vector<Notification> webhook_rows(WebhookId endpoint) {
    auto rows = store_->list_notifications(NotificationQuery{.endpoint = endpoint, .limit = 200});
    EXPECT_TRUE(rows) << rows.error().message;
    return rows ? *rows : std::vector<Notification>{};
  }

  WebhookEndpoint endpoint(const std::string& name, std::vector<std::string> events) {
    auto created = service_->create_webhook(
        admin_, WebhookRequest{.url = first_line(hooks_dir_ / "url") + "/" + name,
                               .events = std::move(events)});
    EXPECT_TRUE(created) << created.error().message;
    return created ? *created : WebhookEndpoint{};
  }

  std::filesystem::path smtp_dir_, hooks_dir_;
  std::string tag_;
  std::unique_ptr<notify::SmtpMailer> mailer_;
  std::unique_ptr<notify::WebhookSender> webhooks_;
  std::unique_ptr<NotificationService> service_;
};

TEST_F(NotificationsTest, TheWorkedExampleArrivesByEmailOnItsDaysAndAReaderGetsNoMore) {
  clock_.set(at("2026-09-14T10:00:00Z"));  // a Monday
  const Caller ada = user("ada"), bob = user("bob");
  confirmed_email(ada, address("ada"));
  confirmed_email(bob, address("bob"));
  const MessageId id = reminder_message(admin_, {ada.id, bob.id}, 7, "2026-10-05");

  const auto bob_first_week = daily("2026-09-15", "2026-09-21", address("bob"));
  clock_.set(at("2026-09-22T08:00:00Z"));
  ASSERT_TRUE(engine_->mark_read(bob, id));
  const auto bob_later = daily("2026-09-22", "2026-10-05", address("bob"));

  EXPECT_EQ(bob_first_week, (std::vector<std::string>{"2026-09-21 Reminder: Please confirm"}));
  EXPECT_TRUE(bob_later.empty());
  // Ada never read it: every round, the last one final.
  EXPECT_EQ(subjects(address("ada")),
            (std::vector<std::string>{"Confirm your email address for Missive",
                                      "Reminder: Please confirm", "Reminder: Please confirm",
                                      "Final reminder: Please confirm"}));

  const auto ada_mail = mails_to(smtp_dir_, address("ada"));
  const ReceivedMail& last = ada_mail.back();
  EXPECT_NE(last.text.find("please respond within 24 hours"), std::string::npos) << last.text;
  auto sender = store_->get_user(admin_.id);
  ASSERT_TRUE(sender);
  EXPECT_NE(last.text.find("From: " + sender->full_name()), std::string::npos) << last.text;
  EXPECT_NE(last.text.find("Please read the attached policy"), std::string::npos);  // excerpt
  EXPECT_NE(last.text.find("https://missive.example.org/#/m/" + std::to_string(id.value)),
            std::string::npos);
  EXPECT_NE(last.html.find("This is the final reminder"), std::string::npos) << last.html;
  EXPECT_EQ(last.headers.at("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  EXPECT_TRUE(last.headers.at("List-Unsubscribe").starts_with("<https://missive.example.org/v1/unsubscribe?token="));
  EXPECT_TRUE(last.message_id.starts_with("<notification-")) << last.message_id;
}

TEST_F(NotificationsTest, AReminderQueuedForSomeoneWhoReadsBeforeItGoesOutIsCancelled) {
  clock_.set(at("2026-03-01T08:00:00Z"));
  const Caller ada = user("ada");
  confirmed_email(ada, address("ada"));
  const MessageId id = reminder_message(admin_, {ada.id}, 1, "2026-03-10");
  clock_.set(at("2026-03-02T10:00:00Z"));
  ASSERT_TRUE(engine_->run_due_reminders(clock_.now()));  // the round is queued...
  ASSERT_TRUE(engine_->mark_read(ada, id));                // ...and read before delivery
  deliver();
  EXPECT_EQ(subjects(address("ada")).size(), 1u);  // the confirmation only
  auto rows = store_->list_notifications(NotificationQuery{.user = ada.id, .limit = 10});
  ASSERT_TRUE(rows);
  ASSERT_FALSE(rows->empty());
  EXPECT_EQ(rows->front().event, NotificationEvent::reminder);
  EXPECT_EQ(rows->front().state, NotificationState::cancelled);
  EXPECT_EQ(rows->front().last_error.value_or(""), "read before the email went out");
}

TEST_F(NotificationsTest, AnAddressIsUsedOnlyOnceConfirmed) {
  clock_.set(at("2026-03-01T08:00:00Z"));
  const Caller ada = user("ada");
  ASSERT_TRUE(service_->set_email_preferences(ada, ada.id, EmailPreferences{.digest = false}));
  ASSERT_TRUE(service_->change_email(ada, ada.id, address("ada")));
  reminder_message(admin_, {ada.id}, 1, "2026-03-10");
  daily("2026-03-02", "2026-03-02", address("ada"));
  // Pending: only the confirmation went to it.
  EXPECT_EQ(subjects(address("ada")), (std::vector<std::string>{"Confirm your email address for Missive"}));
  auto settings = service_->email_settings(ada, ada.id);
  ASSERT_TRUE(settings);
  EXPECT_FALSE(settings->address);
  EXPECT_EQ(settings->pending, address("ada"));

  // A wrong token confirms nothing; the emailed one does, and the next round comes by email.
  EXPECT_EQ(service_->confirm_email("not-the-token").error().code, ErrorCode::not_found);
  const std::string token = word_after(mails_to(smtp_dir_, address("ada"))[0].text, "/#/confirm-email/");
  ASSERT_TRUE(service_->confirm_email(token));
  EXPECT_EQ(service_->confirm_email(token).error().code, ErrorCode::not_found);  // used
  daily("2026-03-03", "2026-03-03", address("ada"));
  EXPECT_EQ(subjects(address("ada")).back(), "Reminder: Please confirm");
  // A link older than 48 hours no longer confirms.
  ASSERT_TRUE(service_->change_email(ada, ada.id, address("ada2")));
  deliver();
  const std::string late = word_after(mails_to(smtp_dir_, address("ada2"))[0].text, "/#/confirm-email/");
  clock_.advance(49 * 3600'000LL);
  EXPECT_EQ(service_->confirm_email(late).error().code, ErrorCode::not_found);

  // Someone else may not change it; a malformed address is refused.
  const Caller eve = user("eve");
  EXPECT_EQ(service_->change_email(eve, ada.id, address("eve")).error().code, ErrorCode::forbidden);
  EXPECT_EQ(service_->change_email(ada, ada.id, "not an address").error().code, ErrorCode::invalid);
}

TEST_F(NotificationsTest, UnsubscribeFromTheLinkStopsThatKindOnly) {
  clock_.set(at("2026-03-01T08:00:00Z"));
  const Caller ada = user("ada");
  confirmed_email(ada, address("ada"), /*digest=*/true);
  reminder_message(admin_, {ada.id}, 1, "2026-03-20");
  daily("2026-03-02", "2026-03-02", address("ada"));
  const auto received = mails_to(smtp_dir_, address("ada"));
  const auto reminder = std::find_if(received.begin(), received.end(), [](const ReceivedMail& m) {
    return m.subject == "Reminder: Please confirm";
  });
  ASSERT_NE(reminder, received.end());
  const std::string token = word_after(reminder->headers.at("List-Unsubscribe"), "token=");
  EXPECT_EQ(service_->unsubscribe(token + "0").error().code, ErrorCode::not_found);  // forged
  auto kind = service_->unsubscribe(token);
  ASSERT_TRUE(kind) << kind.error().message;
  EXPECT_EQ(*kind, EmailKind::reminders);

  // No more reminders (the digest of the unread message still comes: another kind).
  const auto later = daily("2026-03-03", "2026-03-05", address("ada"));
  for (const auto& line : later) EXPECT_EQ(line.find("Reminder"), std::string::npos) << line;
  auto settings = service_->email_settings(ada, ada.id);
  ASSERT_TRUE(settings);
  EXPECT_FALSE(settings->reminders);
  EXPECT_TRUE(settings->digest);
}

TEST_F(NotificationsTest, MessagesLeftUnfetchedGoOutAsOneDigestPerInterval) {
  clock_.set(at("2026-05-01T08:00:00Z"));
  const Caller ada = user("ada"), bob = user("bob");
  confirmed_email(ada, address("ada"), /*digest=*/true);
  for (const char* subject : {"Lunch", "Budget", "Offsite"}) {
    ASSERT_TRUE(engine_->send(bob, SendRequest{.to = Addresses{.users = {ada.id}}, .subject = subject, .body = "b"}));
    clock_.advance(60'000);
  }
  deliver();  // not an hour yet: nothing
  EXPECT_EQ(mails_to(smtp_dir_, address("ada")).size(), 1u);
  clock_.advance(3600'000);
  deliver();
  auto received = mails_to(smtp_dir_, address("ada"));
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[1].subject, "3 unread messages");
  for (const char* subject : {"Lunch", "Budget", "Offsite"}) {
    EXPECT_NE(received[1].text.find(subject), std::string::npos) << received[1].text;
  }
  // More mail within the interval waits; after it, one digest with only what is new.
  ASSERT_TRUE(engine_->send(bob, SendRequest{.to = Addresses{.users = {ada.id}}, .subject = "Party", .body = "b"}));
  clock_.advance(2 * 3600'000);
  deliver();
  EXPECT_EQ(mails_to(smtp_dir_, address("ada")).size(), 2u);
  clock_.advance(kDay);
  deliver();
  received = mails_to(smtp_dir_, address("ada"));
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(received[2].subject, "1 unread message: Party");
  // Turned off: no digest.
  ASSERT_TRUE(service_->set_email_preferences(ada, ada.id, EmailPreferences{.digest = false}));
  ASSERT_TRUE(engine_->send(bob, SendRequest{.to = Addresses{.users = {ada.id}}, .subject = "Quiz", .body = "b"}));
  clock_.advance(2 * kDay);
  deliver();
  EXPECT_EQ(mails_to(smtp_dir_, address("ada")).size(), 3u);
}

TEST_F(NotificationsTest, WebhooksAreSignedAsTheSpecSaysAndCarryTheEvent) {
  clock_.set(at("2026-03-01T08:00:00Z"));
  const Caller ada = user("ada", Attributes{{"phone", std::string("+441234")}});
  const std::string name = "signed-" + tag_;
  const WebhookEndpoint hook = endpoint(name, {"reminder.sent", "message.read"});
  const MessageId id = reminder_message(admin_, {ada.id}, 1, "2026-03-10");
  clock_.set(at("2026-03-02T10:00:00Z"));
  ASSERT_TRUE(engine_->run_due_reminders(clock_.now()));
  ASSERT_TRUE(engine_->mark_read(ada, id));
  deliver();

  const auto received = webhooks_at(hooks_dir_, "/" + name);
  ASSERT_EQ(received.size(), 2u);
  for (const auto& request : received) {
    const auto& h = request.headers;
    EXPECT_TRUE(notify::verify_webhook(hook.secret, h.at("webhook-id"),
                                       std::stoll(h.at("webhook-timestamp")), request.body,
                                       h.at("webhook-signature"), clock_.now() / 1000))
        << request.body;
    EXPECT_FALSE(notify::verify_webhook(hook.secret, h.at("webhook-id"),
                                        std::stoll(h.at("webhook-timestamp")), request.body + " ",
                                        h.at("webhook-signature"), clock_.now() / 1000));
  }
  EXPECT_NE(received[0].body.find(R"("type":"reminder.sent")"), std::string::npos) << received[0].body;
  EXPECT_NE(received[0].body.find(R"("phone":"+441234")"), std::string::npos);
  EXPECT_NE(received[1].body.find(R"("type":"message.read")"), std::string::npos);
  for (const auto& row : webhook_rows(hook.id)) EXPECT_EQ(row.state, NotificationState::sent);
}

TEST_F(NotificationsTest, AFailingEndpointIsRetriedOnTheScheduleThenDisabledAfterADayAndReplayed) {
  clock_.set(at("2026-03-01T08:00:00Z"));
  const std::string name = "failing-" + tag_;
  control_webhooks(hooks_dir_, name, R"({"status": 503})");
  const WebhookEndpoint hook = endpoint(name, {"message.sent"});
  const Caller ada = user("ada");
  ASSERT_TRUE(engine_->send(admin_, SendRequest{.to = Addresses{.users = {ada.id}}, .subject = "s", .body = "b"}));
  deliver();
  auto rows = webhook_rows(hook.id);
  ASSERT_EQ(rows.size(), 1u);
  const NotificationId id = rows[0].id;
  // After each failure the next attempt is the schedule's delay later (±20 %).
  const std::int64_t delays[] = {5'000, 30'000, 120'000, 600'000, 1'800'000, 3'600'000, 7'200'000};
  for (std::int64_t delay : delays) {
    const Notification queued = row(id);
    ASSERT_EQ(queued.state, NotificationState::queued);
    const std::int64_t wait = queued.next_attempt_at - clock_.now();
    EXPECT_GE(wait, delay * 8 / 10) << "after attempt " << queued.attempts;
    EXPECT_LE(wait, delay * 12 / 10) << "after attempt " << queued.attempts;
    clock_.set(queued.next_attempt_at);
    deliver();
  }
  EXPECT_EQ(row(id).attempts, 8);
  EXPECT_EQ(row(id).last_error.value_or(""), "HTTP 503");
  // A day of failures: given up, and the endpoint disabled with the reason shown.
  while (row(id).state == NotificationState::queued) {
    clock_.set(row(id).next_attempt_at);
    deliver();
  }
  EXPECT_EQ(row(id).state, NotificationState::failed);
  auto disabled = service_->get_webhook(admin_, hook.id);
  ASSERT_TRUE(disabled);
  EXPECT_FALSE(disabled->enabled);
  ASSERT_TRUE(disabled->disabled_reason);
  EXPECT_NE(disabled->disabled_reason->find("HTTP 503"), std::string::npos) << *disabled->disabled_reason;
  const auto attempts = webhooks_at(hooks_dir_, "/" + name).size();

  // The endpoint recovers; an admin enables it and replays: delivered once, with the same id.
  control_webhooks(hooks_dir_, name, R"({"status": 200})");
  ASSERT_TRUE(service_->update_webhook(admin_, hook.id, WebhookRequest{.enabled = true}));
  ASSERT_TRUE(service_->replay(admin_, id));
  deliver();
  EXPECT_EQ(row(id).state, NotificationState::sent);
  const auto received = webhooks_at(hooks_dir_, "/" + name);
  ASSERT_EQ(received.size(), attempts + 1);
  EXPECT_EQ(received.back().headers.at("webhook-id"), received.front().headers.at("webhook-id"));
}

TEST_F(NotificationsTest, AnSmtpOutageDelaysEmailAndLosesNone) {
  clock_.set(at("2026-03-01T08:00:00Z"));
  const Caller ada = user("ada");
  confirmed_email(ada, address("ada"));
  reminder_message(admin_, {ada.id}, 1, "2026-03-10");
  clock_.set(at("2026-03-02T10:00:00Z"));
  ASSERT_TRUE(engine_->run_due_reminders(clock_.now()));
  {
    // The mail server is down (nothing listens there): the row waits for the next attempt.
    notify::SmtpConfig down;
    down.url = "smtp://127.0.0.1:1";
    down.from = "missive@example.org";
    auto dead = notify::SmtpMailer::create(down);
    ASSERT_TRUE(dead);
    NotificationOptions options;
    options.email_configured = true;
    options.node = "test-node";
    NotificationService during_outage(*store_, clock_, options, &*dead, *webhooks_);
    ASSERT_TRUE(during_outage.run_once());
  }
  auto rows = store_->list_notifications(NotificationQuery{.user = ada.id, .limit = 10});
  ASSERT_TRUE(rows);
  const Notification reminder = rows->front();
  ASSERT_EQ(reminder.event, NotificationEvent::reminder);
  EXPECT_EQ(reminder.state, NotificationState::queued);
  EXPECT_EQ(reminder.attempts, 1);
  EXPECT_TRUE(reminder.last_error);
  // Up again: the retry delivers it, once.
  clock_.set(reminder.next_attempt_at);
  deliver();
  EXPECT_EQ(row(reminder.id).state, NotificationState::sent);
  EXPECT_EQ(subjects(address("ada")),
            (std::vector<std::string>{"Confirm your email address for Missive", "Reminder: Please confirm"}));
}

TEST_F(NotificationsTest, PrivateEndpointsAreRefusedWithoutTheFlag) {
  NotificationOptions options;
  options.email_configured = false;
  NotificationService strict(*store_, clock_, options, nullptr, *webhooks_);
  for (const char* url : {"http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://[::1]/x",
                          "http://169.254.169.254/latest", "http://localhost/x", "ftp://example.org/"}) {
    auto created = strict.create_webhook(admin_, WebhookRequest{.url = url, .events = std::vector<std::string>{"message.sent"}});
    ASSERT_FALSE(created) << url;
    EXPECT_EQ(created.error().code, ErrorCode::unprocessable) << url << ": " << created.error().message;
  }
  const Caller ada = user("ada");
  auto refused = strict.change_email(ada, ada.id, address("ada"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unprocessable);
  EXPECT_NE(refused.error().message.find("--smtp-url"), std::string::npos);
}

}  // namespace
}  // namespace missive::testing
