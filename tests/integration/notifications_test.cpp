// Notifications through the real server (docs/notifications.md): an address confirmed from
// its emailed link, a digest's one-click unsubscribe (RFC 8058), webhooks registered, signed,
// logged and replayed over HTTP, and SIGKILL while deliveries are in flight: every
// notification arrives, none more than twice (at-least-once, one repeat per crash at most).
// Timing by email on a hand-moved clock is tested at engine level
// (tests/unit/engine/notifications_test.cpp).
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "fixture.h"
#include "notify/webhook.h"
#include "notify_sinks.h"

namespace missive::itest {
namespace {

using missive::testing::control_webhooks;
using missive::testing::first_line;
using missive::testing::fixture_dir;
using missive::testing::mails_to;
using missive::testing::webhooks_at;
using missive::testing::word_after;

// Polls `done` every 100 ms for up to `seconds`.
template <class F>
bool eventually(F done, int seconds = 20) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

class NotificationsTest : public IntegrationTest {
 protected:
  void SetUp() override {
    smtp_dir_ = fixture_dir("MISSIVE_TEST_SMTP_DIR");
    hooks_dir_ = fixture_dir("MISSIVE_TEST_WEBHOOK_DIR");
    if (smtp_dir_.empty() || hooks_dir_.empty()) {
      GTEST_SKIP() << "needs the CTest fixtures \"smtp\" and \"webhooks\" (run through ctest)";
    }
    tag_ = std::to_string(std::random_device{}());
    server_.set_extra_args({"--smtp-url", first_line(smtp_dir_ / "url"), "--mail-from",
                            "Missive <missive@example.org>", "--public-url", "https://missive.test",
                            "--allow-private-webhooks", "--digest-after", "1",
                            "--notify-lease", "6"});
    IntegrationTest::SetUp();
  }

  std::string address(const std::string& who) { return who + "-" + tag_ + "@example.org"; }
  std::string hook_url(const std::string& name) { return first_line(hooks_dir_ / "url") + "/" + name; }

  std::filesystem::path smtp_dir_, hooks_dir_;
  std::string tag_;
};

TEST_F(NotificationsTest, AnAddressIsConfirmedFromItsLinkAndADigestUnsubscribesInOneClick) {
  Person ada = person("ada");
  const std::string email = "/v1/users/" + std::to_string(ada.id) + "/email";
  auto asked = ada.api->call("PUT", email, R"({"address":")" + address("ada") + R"("})");
  ASSERT_EQ(asked.outcome(), "202") << asked.body;
  EXPECT_STREQ(asked.json["pending"].GetString(), address("ada").c_str());
  EXPECT_TRUE(asked.json["address"].IsNull());
  ASSERT_TRUE(eventually([&] { return !mails_to(smtp_dir_, address("ada")).empty(); }));
  const auto confirmation = mails_to(smtp_dir_, address("ada"))[0];
  EXPECT_EQ(confirmation.subject, "Confirm your email address for Missive");
  const std::string token = word_after(confirmation.text, "https://missive.test/#/confirm-email/");
  ASSERT_FALSE(token.empty()) << confirmation.text;
  // The link's page posts the token; no login needed.
  TestApi anonymous(server_.port());
  EXPECT_EQ(anonymous.post("/v1/email/confirm", R"({"token":"wrong"})").outcome(), "404 not_found");
  auto confirmed = anonymous.post("/v1/email/confirm", R"({"token":")" + token + R"("})");
  ASSERT_EQ(confirmed.outcome(), "200") << confirmed.body;
  EXPECT_EQ(confirmed.json["user_id"].GetInt64(), ada.id);
  auto settings = ada.api->get(email);
  EXPECT_STREQ(settings.json["address"].GetString(), address("ada").c_str());

  // Mail no device of ada fetches goes out as a digest after --digest-after (1 s).
  ASSERT_EQ(admin().send_to_users({ada.id}, "Quarterly numbers").outcome(), "201");
  ASSERT_TRUE(eventually([&] { return mails_to(smtp_dir_, address("ada")).size() == 2; }));
  const auto digest = mails_to(smtp_dir_, address("ada"))[1];
  EXPECT_EQ(digest.subject, "1 unread message: Quarterly numbers");
  EXPECT_EQ(digest.headers.at("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  const std::string link = digest.headers.at("List-Unsubscribe");
  const std::string unsubscribe = "/v1/unsubscribe?token=" + word_after(link, "token=");
  // Opening the link shows a button; the mail client's one-click POST acts.
  auto page = anonymous.get(unsubscribe);
  EXPECT_EQ(page.outcome(), "200");
  EXPECT_NE(page.body.find("<form method=\"post\""), std::string::npos) << page.body;
  EXPECT_TRUE(ada.api->get(email).json["digest"].GetBool());
  EXPECT_EQ(anonymous.post(unsubscribe + "x", "List-Unsubscribe=One-Click").outcome(), "404 not_found");
  auto done = anonymous.post(unsubscribe, "List-Unsubscribe=One-Click");
  EXPECT_EQ(done.outcome(), "200") << done.body;
  EXPECT_FALSE(ada.api->get(email).json["digest"].GetBool());
  EXPECT_TRUE(ada.api->get(email).json["reminders"].GetBool());

  // The outbox shows both as sent; ada may not read it.
  auto outbox = admin().get("/v1/notifications?channel=email&user=" + std::to_string(ada.id));
  ASSERT_EQ(outbox.outcome(), "200");
  ASSERT_EQ(outbox.json["notifications"].Size(), 2u);
  for (const auto& row : outbox.json["notifications"].GetArray()) {
    EXPECT_STREQ(row["state"].GetString(), "sent");
  }
  EXPECT_EQ(ada.api->get("/v1/notifications").outcome(), "403 forbidden");
}

TEST_F(NotificationsTest, AWebhookIsSignedLoggedAndReplayedOverHttp) {
  const std::string name = "http-" + tag_;
  auto created = admin().post("/v1/webhooks", R"({"url":")" + hook_url(name) +
                                                  R"(","events":["message.sent"],"description":"gateway"})");
  ASSERT_EQ(created.outcome(), "201") << created.body;
  const std::int64_t hook = created.id();
  const std::string secret = created.json["secret"].GetString();
  EXPECT_TRUE(secret.starts_with("whsec_"));
  Person bob = person("bob");
  ASSERT_EQ(admin().send_to_users({bob.id}, "Payroll").outcome(), "201");
  ASSERT_TRUE(eventually([&] { return webhooks_at(hooks_dir_, "/" + name).size() == 1; }));
  const auto request = webhooks_at(hooks_dir_, "/" + name)[0];
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_TRUE(notify::verify_webhook(secret, request.headers.at("webhook-id"),
                                     std::stoll(request.headers.at("webhook-timestamp")), request.body,
                                     request.headers.at("webhook-signature"), now_s));
  EXPECT_NE(request.body.find(R"("subject":"Payroll")"), std::string::npos) << request.body;

  const std::string deliveries = "/v1/webhooks/" + std::to_string(hook) + "/deliveries";
  ASSERT_TRUE(eventually([&] {
    auto log = admin().get(deliveries);
    return log.json["notifications"].Size() == 1 &&
           std::string(log.json["notifications"][0]["state"].GetString()) == "sent";
  }));
  const std::int64_t id = admin().get(deliveries).json["notifications"][0]["id"].GetInt64();
  EXPECT_EQ(admin().post("/v1/notifications/" + std::to_string(id) + "/replay").outcome(), "202");
  ASSERT_TRUE(eventually([&] { return webhooks_at(hooks_dir_, "/" + name).size() == 2; }));
  EXPECT_EQ(webhooks_at(hooks_dir_, "/" + name)[1].headers.at("webhook-id"),
            request.headers.at("webhook-id"));

  // A private address needs the flag this server has; a bad event is refused.
  EXPECT_EQ(admin().post("/v1/webhooks", R"({"url":")" + hook_url("x") + R"(","events":["nope"]})").outcome(),
            "400 invalid");
  EXPECT_EQ(admin().call("DELETE", "/v1/webhooks/" + std::to_string(hook)).outcome(), "204");
  EXPECT_EQ(admin().get("/v1/webhooks/" + std::to_string(hook)).outcome(), "404 not_found");
}

TEST_F(NotificationsTest, AKillMidDeliveryLosesNoneAndRepeatsEachAtMostOnce) {
  const std::string name = "crash-" + tag_;
  // Slow answers, so the kill lands while deliveries are in flight.
  control_webhooks(hooks_dir_, name, R"({"delay_ms": 700})");
  ASSERT_EQ(admin().post("/v1/webhooks", R"({"url":")" + hook_url(name) + R"(","events":["message.sent"]})")
                .outcome(),
            "201");
  Person bob = person("bob");
  constexpr int kMessages = 12;
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_EQ(admin().send_to_users({bob.id}, "m" + std::to_string(i)).outcome(), "201");
  }
  ASSERT_TRUE(eventually([&] { return !webhooks_at(hooks_dir_, "/" + name).empty(); }));
  server_.kill();
  const auto before_restart = webhooks_at(hooks_dir_, "/" + name).size();
  restart();
  // Claims of the killed process run out after --notify-lease (6 s); then every row goes,
  // the ones in flight at the kill again. Done when every id arrived and none is queued: the
  // ids alone can all be in before the claims run out (failed in CI that way).
  std::map<std::string, int> by_id;
  std::string summary_body;
  ASSERT_TRUE(eventually(
      [&] {
        by_id.clear();
        for (const auto& r : webhooks_at(hooks_dir_, "/" + name)) ++by_id[r.headers.at("webhook-id")];
        const auto summary = admin().get("/v1/notifications/summary");
        summary_body = summary.body;
        return by_id.size() == static_cast<std::size_t>(kMessages) &&
               summary.json["queued"].GetInt64() == 0;
      },
      60))
      << by_id.size() << " of " << kMessages << " delivered; " << summary_body;
  std::this_thread::sleep_for(std::chrono::seconds(2));  // nothing more arrives
  by_id.clear();
  for (const auto& r : webhooks_at(hooks_dir_, "/" + name)) ++by_id[r.headers.at("webhook-id")];
  EXPECT_EQ(by_id.size(), static_cast<std::size_t>(kMessages));
  int repeats = 0;
  for (const auto& [id, count] : by_id) {
    EXPECT_LE(count, 2) << id;
    repeats += count - 1;
  }
  // Only what was in flight when the kill landed (at most --notify-threads rows) repeats.
  EXPECT_LE(repeats, 4) << before_restart << " had arrived before the kill";
}

// Without --public-url, links point at the address the server actually listens on (a server
// started on port 0 must not send "127.0.0.1:0" links).
TEST_F(NotificationsTest, WithoutAPublicUrlLinksPointAtTheBoundAddress) {
  ServerProcess plain;
  plain.set_extra_args({"--smtp-url", first_line(smtp_dir_ / "url"), "--mail-from", "missive@example.org"});
  plain.start();
  TestApi admin(plain.port());
  admin.login("admin", kAdminPassword);
  const auto me = admin.get("/v1/me");
  auto asked = admin.call("PUT", "/v1/users/" + std::to_string(me.json["id"].GetInt64()) + "/email",
                          R"({"address":")" + address("root") + R"("})");
  ASSERT_EQ(asked.outcome(), "202") << asked.body;
  ASSERT_TRUE(eventually([&] { return !mails_to(smtp_dir_, address("root")).empty(); }));
  const std::string text = mails_to(smtp_dir_, address("root"))[0].text;
  EXPECT_NE(text.find("http://127.0.0.1:" + std::to_string(plain.port()) + "/#/confirm-email/"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace missive::itest
