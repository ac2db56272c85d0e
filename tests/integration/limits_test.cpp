// Every configurable limit against the real server (docs/security.md): over the limit, the
// documented status and message and nothing written; at or under it, the request works. Also
// login throttling, WebSocket connections per user, session expiry, and no secret in the log.
#include "fixture.h"
#include "raw_connection.h"
#include "ws_test_client.h"

#include <sys/resource.h>

#include <thread>

#include "core/time_format.h"

namespace missive::itest {
namespace {

using namespace std::chrono_literals;

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

// A test whose server starts with `args` (each test sets only the limit it is about).
class LimitsTest : public IntegrationTest {
 protected:
  void SetUp() override {}

  void start(std::vector<std::string> args) {
    server_.set_extra_args(std::move(args));
    IntegrationTest::SetUp();
  }

  std::string send_body(std::int64_t to, const std::string& subject, const std::string& body) {
    return R"({"to":{"users":[)" + std::to_string(to) + R"(]},"subject":)" + quote(subject) +
           R"(,"body":)" + quote(body) + "}";
  }

  Reply login(const std::string& handle, const std::string& password) {
    TestApi api(server_.port());
    return api.post("/v1/sessions",
                    R"({"handle":)" + quote(handle) + R"(,"password":)" + quote(password) + "}");
  }
};

TEST_F(LimitsTest, RequestBodyLimitIs413AndWritesNothing) {
  start({"--request-body-limit", "2048"});
  auto ada = person("ada");
  auto bob = person("bob");
  const auto big = ada.api->post("/v1/messages", send_body(bob.id, "big", std::string(3000, 'x')));
  EXPECT_EQ(big.outcome(), "413 too_large");
  EXPECT_EQ(big.error_message(), "request body exceeds 2048 bytes");
  EXPECT_TRUE(bob.api->inbox_ids().empty());
  EXPECT_EQ(ada.api->post("/v1/messages", send_body(bob.id, "fits", std::string(1900, 'x'))).outcome(),
            "201");
}

TEST_F(LimitsTest, SubjectAndBodyLimitsAre422AndWriteNothing) {
  start({"--subject-limit", "10", "--message-body-limit", "20"});
  auto ada = person("ada");
  auto bob = person("bob");
  auto reply = ada.api->post("/v1/messages", send_body(bob.id, "12345678901", "b"));
  EXPECT_EQ(reply.outcome(), "422 unprocessable");
  EXPECT_EQ(reply.error_message(), "subject is 11 bytes; the limit is 10");
  reply = ada.api->post("/v1/messages", send_body(bob.id, "s", std::string(21, 'b')));
  EXPECT_EQ(reply.outcome(), "422 unprocessable");
  EXPECT_EQ(reply.error_message(), "body is 21 bytes; the limit is 20");
  EXPECT_TRUE(bob.api->inbox_ids().empty());

  const auto sent = ada.api->post("/v1/messages", send_body(bob.id, "1234567890", std::string(20, 'b')));
  ASSERT_EQ(sent.outcome(), "201");
  // A reply is held to the same limits.
  const auto target = "/v1/messages/" + std::to_string(sent.id()) + "/replies";
  EXPECT_EQ(bob.api->post(target, R"({"body":")" + std::string(21, 'r') + R"("})").outcome(),
            "422 unprocessable");
  EXPECT_EQ(bob.api->post(target, R"({"body":"ok"})").outcome(), "201");
  EXPECT_EQ(bob.api->inbox_ids().size(), 1u);
}

TEST_F(LimitsTest, RecipientsLimitCountsGroupMembersAndIs422) {
  start({"--recipients-limit", "2"});
  auto ada = person("ada");
  auto bob = person("bob");
  auto cy = person("cy");
  auto dee = person("dee");
  auto reply = ada.api->send_to_users({bob.id, cy.id, dee.id});
  EXPECT_EQ(reply.outcome(), "422 unprocessable");
  EXPECT_EQ(reply.error_message(), "the message would reach 3 recipients; the limit is 2");
  const auto group = admin().create_group("three");
  // The sender is a member too, and is not counted among the recipients.
  for (auto id : {ada.id, bob.id, cy.id, dee.id}) admin().add_member(group, id);
  EXPECT_EQ(ada.api->send_to_group(group).outcome(), "422 unprocessable");
  for (const auto* p : {&bob, &cy, &dee}) EXPECT_TRUE(p->api->inbox_ids().empty()) << p->handle;
  EXPECT_EQ(ada.api->send_to_users({bob.id, cy.id}).outcome(), "201");
}

TEST_F(LimitsTest, SendsOverTheRateAre429WithRetryAfterAndWriteNothing) {
  // One token every 10 s: the test never sees a refill.
  start({"--send-rate", "0.1", "--send-burst", "2"});
  auto ada = person("ada");
  auto bob = person("bob");
  const auto first = ada.api->send_to_users({bob.id}, "one");
  ASSERT_EQ(first.outcome(), "201");
  ASSERT_EQ(ada.api->send_to_users({bob.id}, "two").outcome(), "201");
  const auto third = ada.api->send_to_users({bob.id}, "three");
  EXPECT_EQ(third.outcome(), "429 rate_limited");
  EXPECT_EQ(third.retry_after, "10");
  EXPECT_EQ(third.json["error"]["retry_after"].GetInt64(), 10);
  EXPECT_EQ(third.error_message(),
            "too many messages: at most 0.1 per second (bursts of 2); retry in 10 s");
  // Replies spend the same tokens.
  const auto reply = ada.api->post("/v1/messages/" + std::to_string(first.id()) + "/replies",
                                   R"({"body":"again"})");
  EXPECT_EQ(reply.outcome(), "429 rate_limited");
  EXPECT_EQ(bob.api->inbox_ids().size(), 2u);
  // Other users have their own bucket; reading is not limited.
  EXPECT_EQ(bob.api->send_to_users({ada.id}, "mine").outcome(), "201");
  EXPECT_EQ(ada.api->get("/v1/inbox").outcome(), "200");

  // Over WebSocket: the same error as a frame, with retry_after.
  WsTestClient ws;
  ASSERT_EQ(ws.connect(server_.port(), ada.api->token()), 101) << ws.refusal_body();
  ASSERT_TRUE(ws.send(R"({"id":"s1","type":"send","to":{"users":[)" + std::to_string(bob.id) +
                      R"(]},"subject":"ws","body":"x"})"));
  std::optional<std::string> answer;
  for (int i = 0; i < 20; ++i) {
    answer = ws.receive(1s);
    if (answer && answer->find(R"("id":"s1")") != std::string::npos) break;
  }
  ASSERT_TRUE(answer);
  const auto frame = parse(*answer);
  EXPECT_EQ(std::string(frame["type"].GetString()), "error") << *answer;
  EXPECT_EQ(frame["status"].GetInt(), 429);
  EXPECT_EQ(std::string(frame["error"]["code"].GetString()), "rate_limited");
  EXPECT_GE(frame["error"]["retry_after"].GetInt64(), 1);
  EXPECT_LE(frame["error"]["retry_after"].GetInt64(), 10);
  EXPECT_EQ(bob.api->inbox_ids().size(), 2u);
}

TEST_F(LimitsTest, SendRateRefillsOverTime) {
  start({"--send-rate", "5", "--send-burst", "1"});
  auto ada = person("ada");
  auto bob = person("bob");
  ASSERT_EQ(ada.api->send_to_users({bob.id}).outcome(), "201");
  const auto refused = ada.api->send_to_users({bob.id});
  ASSERT_EQ(refused.outcome(), "429 rate_limited");
  EXPECT_EQ(refused.retry_after, "1");
  std::this_thread::sleep_for(250ms);
  EXPECT_EQ(ada.api->send_to_users({bob.id}).outcome(), "201");
}

TEST_F(LimitsTest, FailedLoginsPerAccountAre429UntilTheWindowPasses) {
  start({"--login-failures-per-account", "3", "--login-window", "2"});
  person("ada");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(login("ada", "wrong-password").outcome(), "401 unauthenticated");
  // Even the right password is refused now, without being checked.
  const auto refused = login("ada", "password-ada");
  EXPECT_EQ(refused.outcome(), "429 rate_limited");
  EXPECT_EQ(refused.retry_after, "2");
  EXPECT_EQ(refused.error_message(),
            "too many attempts: 3 failed logins for this account within 2 s; retry in 2 s");
  // Another account is not affected.
  person("bob");
  EXPECT_EQ(login("bob", "password-bob").outcome(), "201");
  std::this_thread::sleep_for(2100ms);
  EXPECT_EQ(login("ada", "password-ada").outcome(), "201");
}

TEST_F(LimitsTest, ASuccessfulLoginResetsTheAccountCount) {
  start({"--login-failures-per-account", "3"});
  person("ada");
  EXPECT_EQ(login("ada", "wrong-password").outcome(), "401 unauthenticated");
  EXPECT_EQ(login("ada", "wrong-password").outcome(), "401 unauthenticated");
  EXPECT_EQ(login("ada", "password-ada").outcome(), "201");
  EXPECT_EQ(login("ada", "wrong-password").outcome(), "401 unauthenticated");
  EXPECT_EQ(login("ada", "wrong-password").outcome(), "401 unauthenticated");
  EXPECT_EQ(login("ada", "password-ada").outcome(), "201");
}

TEST_F(LimitsTest, FailedLoginsPerAddressAre429ForEveryAccount) {
  start({"--login-failures-per-address", "4", "--login-failures-per-account", "100"});
  person("ada");
  // Guessing across accounts, known or not, from one address (every test client is 127.0.0.1).
  for (const auto* handle : {"ada", "nobody", "admin", "someone"}) {
    EXPECT_EQ(login(handle, "wrong-password").outcome(), "401 unauthenticated") << handle;
  }
  const auto refused = login("ada", "password-ada");
  EXPECT_EQ(refused.outcome(), "429 rate_limited");
  EXPECT_EQ(refused.retry_after, "900");
  EXPECT_EQ(refused.error_message(),
            "too many attempts: 4 failed logins from this address within 900 s; retry in 900 s");
  // Sessions already open keep working.
  EXPECT_EQ(admin().get("/v1/me").outcome(), "200");
}

TEST_F(LimitsTest, WebSocketConnectionsPerUserOverTheLimitAre429) {
  start({"--ws-connections-per-user", "2"});
  auto ada = person("ada");
  auto bob = person("bob");
  auto first = std::make_unique<WsTestClient>();
  WsTestClient second;
  ASSERT_EQ(first->connect(server_.port(), ada.api->token()), 101);
  ASSERT_EQ(second.connect(server_.port(), ada.api->token()), 101);
  WsTestClient third;
  EXPECT_EQ(third.connect(server_.port(), ada.api->token()), 429);
  const auto body = parse(third.refusal_body());
  ASSERT_TRUE(body.IsObject()) << third.refusal_body();
  EXPECT_EQ(std::string(body["error"]["code"].GetString()), "rate_limited");
  EXPECT_EQ(std::string(body["error"]["message"].GetString()),
            "too many WebSocket connections: this user already has 2 open, the most allowed; "
            "close one first");
  // Other users are not affected, and the two connections still work.
  WsTestClient bobs;
  EXPECT_EQ(bobs.connect(server_.port(), bob.api->token()), 101);
  ASSERT_TRUE(second.send(R"({"id":1,"type":"ping"})"));
  const auto pong = second.receive(5s);
  ASSERT_TRUE(pong);
  EXPECT_EQ(*pong, R"({"id":1,"type":"pong"})");
  // Closing one frees its slot.
  first.reset();
  int status = 0;
  for (int i = 0; i < 50 && status != 101; ++i) {
    WsTestClient again;
    status = again.connect(server_.port(), ada.api->token());
    if (status != 101) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 101);
}

TEST_F(LimitsTest, SessionTtlSetsWhenTokensExpire) {
  start({"--session-ttl", "3600"});
  person("ada");
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto reply = login("ada", "password-ada");
  ASSERT_EQ(reply.outcome(), "201");
  const auto expires = parse_time(reply.json["expires_at"].GetString());
  ASSERT_TRUE(expires);
  EXPECT_GE(*expires, before + 3'600'000);
  EXPECT_LE(*expires, before + 3'600'000 + 60'000);
}

TEST_F(LimitsTest, ReactivatingAUserDoesNotReviveTheirOldSessions) {
  start({});
  auto ada = person("ada");
  ASSERT_EQ(ada.api->get("/v1/me").outcome(), "200");
  ASSERT_EQ(admin().post("/v1/users/" + std::to_string(ada.id) + "/deactivate").outcome(), "200");
  EXPECT_EQ(ada.api->get("/v1/me").outcome(), "401 unauthenticated");
  ASSERT_EQ(admin().post("/v1/users/" + std::to_string(ada.id) + "/activate").outcome(), "200");
  EXPECT_EQ(ada.api->get("/v1/me").outcome(), "401 unauthenticated");
  EXPECT_EQ(login("ada", "password-ada").outcome(), "201");
}

TEST_F(LimitsTest, TheServerLogHoldsNoPasswordAndNoToken) {
  // debug: one line per request, the most the server ever logs about them.
  start({"--log-level", "debug"});
  const std::string password = "password-ada";
  auto ada = person("ada");
  const std::string token = ada.api->token();
  EXPECT_EQ(login("ada", "wrong-secret-guess").outcome(), "401 unauthenticated");
  EXPECT_EQ(ada.api->get("/v1/me").outcome(), "200");
  // The token in a query string: a WebSocket upgrade, and a plain GET that is not one.
  WsTestClient ws;
  EXPECT_EQ(ws.connect(server_.port(), token, {.target = "/ws?token=" + token,
                                               .send_token_header = false}),
            101);
  EXPECT_EQ(ada.api->get("/ws?token=" + token).outcome(), "404 not_found");
  EXPECT_EQ(ada.api->call("DELETE", "/v1/sessions/current").outcome(), "204");

  const std::string log = server_.output();
  EXPECT_NE(log.find("POST /v1/sessions -> 201"), std::string::npos) << log;
  EXPECT_NE(log.find("/ws?token=REDACTED"), std::string::npos) << log;
  EXPECT_EQ(log.find(password), std::string::npos) << log;
  EXPECT_EQ(log.find("wrong-secret-guess"), std::string::npos) << log;
  EXPECT_EQ(log.find(token), std::string::npos) << log;
  EXPECT_EQ(log.find(kAdminPassword), std::string::npos) << log;
}

// Out of file descriptors, a waiting connection is answered 503 at once, the log says so once
// per interval (not once per failed accept), and the server answers again as soon as
// connections close. The server inherits a limit of 64 open files from this process.
TEST_F(LimitsTest, OutOfFileDescriptorsAnswers503LogsOnceAndRecovers) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  start({});
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);

  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 80; ++i) idle.push_back(std::make_unique<RawConnection>(server_.port(), ""));
  const std::string health = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  RawConnection refused(server_.port(), health);
  const std::string answer = refused.read_until_closed(5000ms);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 503")) << answer;
  EXPECT_NE(answer.find("too many connections"), std::string::npos) << answer;
  std::this_thread::sleep_for(500ms);  // out of descriptors all along: 50 accept attempts

  idle.clear();
  bool recovered = false;
  for (int attempt = 0; attempt < 50 && !recovered; ++attempt) {
    RawConnection again(server_.port(), health);
    recovered = again.read_until_closed(200ms).starts_with("HTTP/1.1 200");
    if (!recovered) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(recovered);
  const std::string log = server_.output();
  std::size_t reports = 0;
  for (auto at = log.find("out of file descriptors"); at != std::string::npos;
       at = log.find("out of file descriptors", at + 1)) {
    ++reports;
  }
  EXPECT_GE(reports, 1u) << log;
  EXPECT_LE(reports, 2u) << log;  // one per 10 s (a slow machine may cross one boundary)
  EXPECT_EQ(log.find("accept failed"), std::string::npos) << log.substr(0, 2000);
}

}  // namespace
}  // namespace missive::itest
