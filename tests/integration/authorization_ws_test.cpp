// The WebSocket half of the authorisation matrix (the HTTP half is
// tests/unit/server/authorization_test.cpp): the upgrade refuses a missing, expired, revoked or
// deactivated user's token with 401; a session that ends while connected gets 401 and close
// 1008; each request type answers each kind of caller as its HTTP twin does, and a message
// the caller may not see is "not_found", never "forbidden".
#include <thread>

#include "sync_test_util.h"  // first: it configures RapidJSON's assertions
#include "ws_test_client.h"

namespace missive::itest {
namespace {

using namespace std::chrono_literals;

class WsAuthorizationTest : public SyncTest {
 protected:
  // "ok", or the error code the request was answered with.
  static std::string outcome(const Result<std::string>& answer) {
    if (answer) return "ok";
    return std::string(error_code_name(answer.error().code));
  }

  int upgrade(const std::string& token, bool header = true) {
    WsTestClient ws;
    return ws.connect(server_.port(), token,
                      WsConnectOptions{.target = header ? "/ws" : "/ws?token=" + token,
                                       .send_token_header = header,
                                       .read = true,
                                       .receive_buffer = 0});
  }
};

class WsExpiryTest : public WsAuthorizationTest {
 protected:
  std::vector<std::string> serve_args() const override { return {"--session-ttl", "1"}; }
};

TEST_F(WsExpiryTest, AnExpiredTokenIsRefusedAtTheUpgradeAndOnAnOpenConnection) {
  auto alice = person("alice");
  auto phone = device(alice);
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(upgrade(alice.api->token()), 401);
  EXPECT_EQ(alice.api->get("/v1/me").status, 401);
  EXPECT_EQ(outcome(phone->request(R"({"type":"sync","since":0})")), "unauthenticated");
  EXPECT_FALSE(phone->pump(2s));
  EXPECT_EQ(phone->ws().close_code(), 1008);
}

TEST_F(WsAuthorizationTest, TheUpgradeRefusesMissingRevokedAndDeactivatedTokens) {
  auto revoked = person("revoked");
  auto gone = person("gone");
  EXPECT_EQ(upgrade(""), 401);
  EXPECT_EQ(upgrade("not-a-token"), 401);
  EXPECT_EQ(upgrade(revoked.api->token(), false), 101) << "?token= works as the header does";

  auto revoked_phone = device(revoked);
  auto gone_phone = device(gone);
  ASSERT_EQ(revoked.api->call("DELETE", "/v1/sessions/current").status, 204);
  ASSERT_EQ(admin().post("/v1/users/" + std::to_string(gone.id) + "/deactivate").status, 200);
  EXPECT_EQ(upgrade(revoked.api->token()), 401);
  EXPECT_EQ(upgrade(revoked.api->token(), false), 401);
  EXPECT_EQ(upgrade(gone.api->token()), 401);
  // A connection that only listens gets no push of a new message once its session ended:
  // it is closed with 1008 instead.
  auto sender = person("sender");
  ASSERT_EQ(sender.api->send_to_users({revoked.id}, "after the end").status, 201);
  EXPECT_FALSE(revoked_phone->pump(3s));
  EXPECT_EQ(revoked_phone->ws().close_code(), 1008);
  for (const auto& e : revoked_phone->entries()) EXPECT_NE(e.subject, "after the end");
  // A connection that asks: the request is refused and the connection closed with 1008.
  EXPECT_EQ(outcome(gone_phone->request(R"({"type":"sync","since":0})")), "unauthenticated");
  EXPECT_FALSE(gone_phone->pump(2s));
  EXPECT_EQ(gone_phone->ws().close_code(), 1008);
}

TEST_F(WsAuthorizationTest, EachRequestTypeAnswersEachCallerAsItsHttpTwin) {
  auto alice = person("alice");  // owner of the group, creator of the message
  auto bob = person("bob");      // member and recipient
  auto eve = person("eve");      // neither
  auto carol = person("carol");
  const auto group =
      expect_status(alice.api->post("/v1/groups", R"({"name":"crew"})"), 201, "group").id();
  for (const auto* p : {&bob, &carol}) {
    expect_status(alice.api->call("PUT", "/v1/groups/" + std::to_string(group) + "/members/" +
                                             std::to_string(p->id)),
                  204, "member");
  }
  const auto sent = sent_of(alice.api->send_to_group(group, "secret plans").body, 201);
  const auto m = std::to_string(sent.id);
  const auto c = std::to_string(sent.conversation);

  struct Row {
    std::string request;
    std::string other, member, admin, owner;
  };
  // The admin is in no conversation: requests about the message are not_found for them too.
  const std::vector<Row> rows = {
      {R"({"type":"read","message":)" + m + "}", "not_found", "ok", "not_found", "ok"},
      {R"({"type":"read","conversation":)" + c + "}", "not_found", "ok", "not_found", "ok"},
      {R"({"type":"history","conversation":)" + c + "}", "not_found", "ok", "not_found", "ok"},
      {R"({"type":"reply","parent":)" + m + R"(,"body":"r"})", "not_found", "ok", "not_found",
       "ok"},
      {R"({"type":"sync","since":0})", "ok", "ok", "ok", "ok"},
      {R"({"type":"ack","up_to":0})", "ok", "ok", "ok", "ok"},
      {R"({"type":"ping"})", "ok", "ok", "ok", "ok"},
      // Last: an admin may send to any group, and is then part of its conversation.
      {R"({"type":"send","to":{"groups":[)" + std::to_string(group) +
           R"(]},"subject":"s","body":"b"})",
       "forbidden", "ok", "ok", "ok"},
  };
  Person admin_person{1, "admin", client_with(admin().token())};
  const std::vector<std::pair<const char*, Person*>> callers = {
      {"other", &eve}, {"member", &bob}, {"admin", &admin_person}, {"owner", &alice}};
  for (std::size_t i = 0; i < callers.size(); ++i) {
    auto phone = device(*callers[i].second);
    for (const auto& row : rows) {
      const auto& expected = i == 0   ? row.other
                             : i == 1 ? row.member
                             : i == 2 ? row.admin
                                      : row.owner;
      EXPECT_EQ(outcome(phone->request(row.request)), expected)
          << row.request << " as " << callers[i].first;
    }
  }
  // A hidden message and a missing one answer alike.
  auto eve_phone = device(eve);
  const auto hidden = eve_phone->request(R"({"type":"read","message":)" + m + "}");
  const auto missing = eve_phone->request(R"({"type":"read","message":999999})");
  ASSERT_FALSE(hidden);
  ASSERT_FALSE(missing);
  EXPECT_EQ(hidden.error().message, "message " + m + " not found");
  EXPECT_EQ(missing.error().message, "message 999999 not found");
  // Nothing of the message reached eve's timeline.
  for (const auto& e : eve_phone->entries()) {
    EXPECT_NE(e.message_id.value_or(0), sent.id) << e.json;
  }
}

}  // namespace
}  // namespace missive::itest
