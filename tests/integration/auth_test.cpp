// Authentication and authorisation seen from outside: tokens, roles, deactivation.
#include "fixture.h"

namespace missive::itest {
namespace {

using AuthTest = IntegrationTest;

TEST_F(AuthTest, HealthzNeedsNoToken) {
  TestApi anonymous(server_.port());
  const auto reply = anonymous.get("/healthz");
  EXPECT_EQ(reply.outcome(), "200");
  EXPECT_STREQ(reply.json["status"].GetString(), "ok");
}

TEST_F(AuthTest, LoginReturnsTokenAndUser) {
  TestApi api(server_.port());
  const auto reply = api.post("/v1/sessions", R"({"handle":"admin","password":"admin-password-1"})");
  ASSERT_EQ(reply.outcome(), "201");
  EXPECT_FALSE(std::string(reply.json["token"].GetString()).empty());
  EXPECT_TRUE(reply.json["expires_at"].IsString());
  EXPECT_STREQ(reply.json["user"]["handle"].GetString(), "admin");
  EXPECT_TRUE(reply.json["user"]["is_admin"].GetBool());
}

TEST_F(AuthTest, WrongPasswordAndUnknownUserAre401) {
  TestApi api(server_.port());
  EXPECT_EQ(api.post("/v1/sessions", R"({"handle":"admin","password":"wrong-password"})").outcome(),
            "401 unauthenticated");
  EXPECT_EQ(api.post("/v1/sessions", R"({"handle":"nobody","password":"wrong-password"})").outcome(),
            "401 unauthenticated");
}

TEST_F(AuthTest, NoTokenOrBadTokenIs401) {
  TestApi api(server_.port());
  EXPECT_EQ(api.get("/v1/me").outcome(), "401 unauthenticated");
  EXPECT_EQ(api.get("/v1/inbox").outcome(), "401 unauthenticated");
  EXPECT_EQ(api.post("/v1/messages", "{}").outcome(), "401 unauthenticated");
  api.set_token("not-a-real-token");
  EXPECT_EQ(api.get("/v1/me").outcome(), "401 unauthenticated");
}

TEST_F(AuthTest, LogoutRevokesTheToken) {
  auto ada = person("ada");
  EXPECT_EQ(ada.api->get("/v1/me").outcome(), "200");
  EXPECT_EQ(ada.api->call("DELETE", "/v1/sessions/current").outcome(), "204");
  EXPECT_EQ(ada.api->get("/v1/me").outcome(), "401 unauthenticated");
}

TEST_F(AuthTest, OnlyAdminsCreateOrDeactivateUsers) {
  auto ada = person("ada");
  auto bob = person("bob");
  EXPECT_EQ(ada.api->post("/v1/users", R"({"handle":"eve","first_name":"E","last_name":"V","password":"password-eve"})")
                .outcome(),
            "403 forbidden");
  EXPECT_EQ(ada.api->post("/v1/users/" + std::to_string(bob.id) + "/deactivate").outcome(),
            "403 forbidden");
  EXPECT_EQ(admin().get("/v1/users/by-handle/eve").outcome(), "404 not_found");
  EXPECT_EQ(bob.api->get("/v1/me").outcome(), "200");
}

TEST_F(AuthTest, UsersCannotChangeOthers) {
  auto ada = person("ada");
  auto bob = person("bob");
  EXPECT_EQ(ada.api->patch("/v1/users/" + std::to_string(bob.id), R"({"first_name":"Hacked"})")
                .outcome(),
            "403 forbidden");
  EXPECT_STREQ(admin().get("/v1/users/" + std::to_string(bob.id)).json["first_name"].GetString(),
               "First");
  // Their own name they may change.
  EXPECT_EQ(ada.api->patch("/v1/users/" + std::to_string(ada.id), R"({"first_name":"Ada"})")
                .outcome(),
            "200");
}

TEST_F(AuthTest, DeactivatedUserIsLockedOutAndReceivesNothingNew) {
  auto ada = person("ada");
  auto bob = person("bob");
  ASSERT_EQ(ada.api->send_to_users({bob.id}, "before").outcome(), "201");

  const auto deactivated = admin().post("/v1/users/" + std::to_string(bob.id) + "/deactivate");
  ASSERT_EQ(deactivated.outcome(), "200");
  EXPECT_FALSE(deactivated.json["is_active"].GetBool());

  // The old token stops working and a new login is refused.
  EXPECT_EQ(bob.api->get("/v1/me").outcome(), "401 unauthenticated");
  TestApi again(server_.port());
  EXPECT_EQ(again.post("/v1/sessions", R"({"handle":"bob","password":"password-bob"})").outcome(),
            "401 unauthenticated");

  // A send naming only bob reaches nobody; one naming bob and carol reaches carol only.
  EXPECT_EQ(ada.api->send_to_users({bob.id}, "after").outcome(), "422 unprocessable");
  auto carol = person("carol");
  const auto both = ada.api->send_to_users({bob.id, carol.id}, "after");
  ASSERT_EQ(both.outcome(), "201");
  EXPECT_EQ(both.json["recipient_count"].GetInt64(), 1);

  ASSERT_EQ(admin().post("/v1/users/" + std::to_string(bob.id) + "/activate").outcome(), "200");
  bob.api->login("bob", "password-bob");
  EXPECT_EQ(bob.api->inbox_ids().size(), 1u);  // only "before"
}

}  // namespace
}  // namespace missive::itest
