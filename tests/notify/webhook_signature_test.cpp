// Standard Webhooks signing: the spec's own known answer, round trips, and tampering.

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <vector>

#include "notify/webhook.h"

namespace missive::notify {
namespace {

// The test vector of the Standard Webhooks reference libraries
// (standard-webhooks/standard-webhooks, libraries/go/webhook_test.go, TestWebhookSign).
constexpr std::string_view kSpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kSpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kSpecTimestamp = 1614265330;
constexpr std::string_view kSpecBody = R"({"test": 2432232314})";
constexpr std::string_view kSpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(WebhookSignature, KnownAnswerFromTheSpec) {
  auto signature = sign_webhook(kSpecSecret, kSpecId, kSpecTimestamp, kSpecBody);
  ASSERT_TRUE(signature) << signature.error().message;
  EXPECT_EQ(*signature, kSpecSignature);
  // The secret without its prefix is the same key.
  EXPECT_EQ(sign_webhook(kSpecSecret.substr(6), kSpecId, kSpecTimestamp, kSpecBody).value_or(""), kSpecSignature);
  EXPECT_TRUE(verify_webhook(kSpecSecret, kSpecId, kSpecTimestamp, kSpecBody, kSpecSignature, kSpecTimestamp));
}

TEST(WebhookSignature, MadeSecretsRoundTrip) {
  const std::string secret = make_webhook_secret();
  ASSERT_TRUE(secret.starts_with("whsec_"));
  EXPECT_EQ(secret.size(), 6u + 44u);  // base64 of 32 bytes
  EXPECT_NE(make_webhook_secret(), secret);
  const std::string body = R"({"type":"message.sent","data":{"id":"m1"}})";
  auto signature = sign_webhook(secret, "n_123", 1700000000, body);
  ASSERT_TRUE(signature);
  EXPECT_TRUE(verify_webhook(secret, "n_123", 1700000000, body, *signature, 1700000000));
  EXPECT_TRUE(verify_webhook(secret, "n_123", 1700000000, body, *signature, 1700000000 + 300));
  EXPECT_TRUE(verify_webhook(secret, "n_123", 1700000000, body, *signature, 1700000000 - 300));
}

TEST(WebhookSignature, TamperingFails) {
  const std::string secret(kSpecSecret);
  const std::string good(kSpecSignature);
  const auto verify = [&](std::string_view key, std::string_view id, std::int64_t ts, std::string_view body,
                          std::string_view header) { return verify_webhook(key, id, ts, body, header, ts); };
  EXPECT_FALSE(verify(secret, kSpecId, kSpecTimestamp, R"({"test": 2432232315})", good));
  EXPECT_FALSE(verify(secret, kSpecId, kSpecTimestamp, std::string(kSpecBody) + " ", good));
  EXPECT_FALSE(verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJeK", kSpecTimestamp, kSpecBody, good));
  EXPECT_FALSE(verify(secret, kSpecId, kSpecTimestamp + 1, kSpecBody, good));
  EXPECT_FALSE(verify(make_webhook_secret(), kSpecId, kSpecTimestamp, kSpecBody, good));
  EXPECT_FALSE(verify(secret, kSpecId, kSpecTimestamp, kSpecBody, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="));
  EXPECT_FALSE(verify(secret, kSpecId, kSpecTimestamp, kSpecBody, "v2," + good.substr(3)));
  EXPECT_FALSE(verify(secret, kSpecId, kSpecTimestamp, kSpecBody, good.substr(3)));
  EXPECT_FALSE(verify(secret, kSpecId, kSpecTimestamp, kSpecBody, ""));
  // Too old or too far ahead.
  EXPECT_FALSE(verify_webhook(secret, kSpecId, kSpecTimestamp, kSpecBody, good, kSpecTimestamp + 301));
  EXPECT_FALSE(verify_webhook(secret, kSpecId, kSpecTimestamp, kSpecBody, good, kSpecTimestamp - 301));
}

TEST(WebhookSignature, OneGoodSignatureAmongSeveralVerifies) {
  const std::string header = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,AAAA " + std::string(kSpecSignature) +
                             " v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
  EXPECT_TRUE(verify_webhook(kSpecSecret, kSpecId, kSpecTimestamp, kSpecBody, header, kSpecTimestamp));
}

TEST(WebhookSignature, RefusesBadSecretsAndIds) {
  for (const std::string& bad_secret : std::vector<std::string>{"", "whsec_", "whsec_!!!notbase64", "whsec_c2hvcnQ=",  // "short"
                                       "whsec_" + std::string(120, 'A')}) {
    auto signature = sign_webhook(bad_secret, "id", 1, "{}");
    ASSERT_FALSE(signature) << bad_secret;
    EXPECT_EQ(signature.error().code, ErrorCode::invalid);
    EXPECT_FALSE(verify_webhook(bad_secret, "id", 1, "{}", "v1,AAAA", 1));
  }
  for (const std::string& bad_id : std::vector<std::string>{"", "msg.1", "msg 1", "msg\r\nX: y", std::string(257, 'a')}) {
    auto signature = sign_webhook(kSpecSecret, bad_id, 1, "{}");
    ASSERT_FALSE(signature) << bad_id;
    EXPECT_EQ(signature.error().code, ErrorCode::invalid);
  }
}

}  // namespace
}  // namespace missive::notify
