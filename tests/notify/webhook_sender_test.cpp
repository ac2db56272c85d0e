// WebhookSender against a real HTTP receiver (scripts/test_webhook_receiver.sh): signed
// deliveries, failures with their status, no redirects, timeouts, bounded answers, and the
// address policy refusing the receiver itself unless private addresses are allowed.

#include <gtest/gtest.h>

#include <chrono>

#include "notify/webhook.h"
#include "test_servers.h"

namespace missive::notify {
namespace {

using testing::first_line;
using testing::logged_requests;
using testing::unique_name;
using testing::write_control;

constexpr Timestamp kNow = 1'700'000'000'123;
const std::string kBody = R"({"type":"message.sent","timestamp":"2023-11-14T22:13:20.123Z","data":{"id":"m_1"}})";

class WebhookSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::webhook_dir();
    ASSERT_FALSE(dir_.empty()) << "no test webhook receiver (scripts/test_webhook_receiver.sh)";
    name_ = unique_name();
    url_ = first_line(dir_ / "url") + "/" + name_ + "/hook";
  }

  std::filesystem::path dir_;
  std::string name_;
  std::string url_;
  const std::string secret_ = make_webhook_secret();
  WebhookSender sender_{{.allow_private = true, .timeout_ms = 5000, .user_agent = "Missive-Tests/1"}};
};

TEST_F(WebhookSenderTest, DeliveryVerifiesAtTheReceiver) {
  const WebhookResponse response = sender_.post(url_, secret_, "n_42", kNow, kBody);
  EXPECT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.error, "");
  EXPECT_EQ(response.body_excerpt, "ok");
  const auto requests = logged_requests(dir_, name_);
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.body, kBody);
  EXPECT_EQ(request.headers.at("content-type"), "application/json");
  EXPECT_EQ(request.headers.at("user-agent"), "Missive-Tests/1");
  EXPECT_EQ(request.headers.at("webhook-id"), "n_42");
  EXPECT_EQ(request.headers.at("webhook-timestamp"), "1700000000");
  // What a receiver does with what it got: recompute the signature from the logged headers.
  const std::int64_t timestamp = std::stoll(request.headers.at("webhook-timestamp"));
  EXPECT_TRUE(verify_webhook(secret_, request.headers.at("webhook-id"), timestamp, request.body,
                             request.headers.at("webhook-signature"), timestamp));
  EXPECT_FALSE(verify_webhook(make_webhook_secret(), request.headers.at("webhook-id"), timestamp, request.body,
                              request.headers.at("webhook-signature"), timestamp));
}

TEST_F(WebhookSenderTest, NonSuccessIsAFailureWithItsStatus) {
  write_control(dir_, name_, R"({"status": 503, "body": "maintenance until 14:00"})");
  const WebhookResponse response = sender_.post(url_, secret_, "n_1", kNow, kBody);
  EXPECT_FALSE(response.ok);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.error, "HTTP 503");
  EXPECT_EQ(response.body_excerpt, "maintenance until 14:00");
}

TEST_F(WebhookSenderTest, FailNextThenSucceeds) {
  write_control(dir_, name_, R"({"fail_next": 2, "status": 204, "body": ""})");
  EXPECT_EQ(sender_.post(url_, secret_, "n_1", kNow, kBody).status, 500);
  EXPECT_EQ(sender_.post(url_, secret_, "n_1", kNow + 5000, kBody).status, 500);
  const WebhookResponse third = sender_.post(url_, secret_, "n_1", kNow + 35000, kBody);
  EXPECT_TRUE(third.ok) << third.error;
  EXPECT_EQ(third.status, 204);
  EXPECT_EQ(logged_requests(dir_, name_).size(), 3u);
}

TEST_F(WebhookSenderTest, RedirectIsNotFollowed) {
  const std::string target = first_line(dir_ / "url") + "/" + name_ + "-target/hook";
  write_control(dir_, name_, R"({"redirect": ")" + target + R"(", "redirect_status": 307})");
  const WebhookResponse response = sender_.post(url_, secret_, "n_1", kNow, kBody);
  EXPECT_FALSE(response.ok);
  EXPECT_EQ(response.status, 307);
  EXPECT_NE(response.error.find("redirect"), std::string::npos) << response.error;
  EXPECT_NE(response.error.find(target), std::string::npos) << response.error;
  EXPECT_EQ(logged_requests(dir_, name_).size(), 1u);
  EXPECT_TRUE(logged_requests(dir_, name_ + "-target").empty());
}

TEST_F(WebhookSenderTest, SlowReceiverTimesOut) {
  write_control(dir_, name_, R"({"delay_ms": 3000})");
  const WebhookSender impatient({.allow_private = true, .timeout_ms = 300});
  const auto start = std::chrono::steady_clock::now();
  const WebhookResponse response = impatient.post(url_, secret_, "n_1", kNow, kBody);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(response.ok);
  EXPECT_EQ(response.status, 0);
  EXPECT_NE(response.error.find("imeout"), std::string::npos) << response.error;
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
}

TEST_F(WebhookSenderTest, LargeAnswerIsReadBounded) {
  write_control(dir_, name_, R"({"body_bytes": 5000000})");
  const WebhookResponse response = sender_.post(url_, secret_, "n_1", kNow, kBody);
  EXPECT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body_excerpt, std::string(1024, 'x'));
}

TEST_F(WebhookSenderTest, ExcerptIsCutBetweenCharacters) {
  std::string body = std::string(1023, 'a') + "é and more";  // é straddles byte 1024
  write_control(dir_, name_, R"({"body": ")" + body + R"("})");
  const WebhookResponse response = sender_.post(url_, secret_, "n_1", kNow, kBody);
  EXPECT_EQ(response.body_excerpt, std::string(1023, 'a'));
}

TEST_F(WebhookSenderTest, PrivateAddressesRefusedByDefault) {
  const WebhookSender strict({});
  for (const std::string& url : {url_, "http://localhost:" + url_.substr(url_.rfind(':') + 1)}) {
    const WebhookResponse response = strict.post(url, secret_, "n_1", kNow, kBody);
    EXPECT_FALSE(response.ok);
    EXPECT_EQ(response.status, 0);
    EXPECT_NE(response.error.find("loopback"), std::string::npos) << response.error;
  }
  EXPECT_TRUE(logged_requests(dir_, name_).empty());
}

TEST_F(WebhookSenderTest, BadSecretOrIdSendsNothing) {
  EXPECT_FALSE(sender_.post(url_, "whsec_short", "n_1", kNow, kBody).ok);
  EXPECT_FALSE(sender_.post(url_, secret_, "bad.id", kNow, kBody).ok);
  EXPECT_FALSE(sender_.post("ftp://127.0.0.1/x", secret_, "n_1", kNow, kBody).ok);
  EXPECT_TRUE(logged_requests(dir_, name_).empty());
}

TEST_F(WebhookSenderTest, ConnectionRefused) {
  // Port 1 on loopback: nothing listens there in the test environment.
  const WebhookResponse response = sender_.post("http://127.0.0.1:1/hook", secret_, "n_1", kNow, kBody);
  EXPECT_FALSE(response.ok);
  EXPECT_EQ(response.status, 0);
  EXPECT_FALSE(response.error.empty());
}

}  // namespace
}  // namespace missive::notify
