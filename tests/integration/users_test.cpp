// Users: create, look up, list with paging, update attributes, conflicts.
#include "fixture.h"

namespace missive::itest {
namespace {

using UsersTest = IntegrationTest;

TEST_F(UsersTest, CreateAndLookUp) {
  const auto reply = admin().post("/v1/users", R"({"handle":"ada","first_name":"Ada","last_name":"Lovelace",
      "password":"password-ada","attributes":{"role":"dba","level":3,"remote":true}})");
  ASSERT_EQ(reply.outcome(), "201");
  const auto id = reply.id();
  EXPECT_STREQ(reply.json["full_name"].GetString(), "Ada Lovelace");
  EXPECT_STREQ(reply.json["attributes"]["role"].GetString(), "dba");
  EXPECT_EQ(reply.json["attributes"]["level"].GetInt64(), 3);
  EXPECT_TRUE(reply.json["attributes"]["remote"].GetBool());
  EXPECT_FALSE(reply.json["is_admin"].GetBool());
  EXPECT_TRUE(reply.json["is_active"].GetBool());
  EXPECT_TRUE(reply.json["created_at"].IsString());

  EXPECT_EQ(admin().get("/v1/users/" + std::to_string(id)).id(), id);
  EXPECT_EQ(admin().get("/v1/users/by-handle/ada").id(), id);
  TestApi ada(server_.port());
  ada.login("ada", "password-ada");
  EXPECT_EQ(ada.get("/v1/me").id(), id);
}

TEST_F(UsersTest, DuplicateHandleIs409) {
  admin().create_user("ada");
  EXPECT_EQ(admin().post("/v1/users", R"({"handle":"ada","first_name":"A","last_name":"B","password":"password-x"})")
                .outcome(),
            "409 conflict");
}

TEST_F(UsersTest, UnknownUserIs404) {
  EXPECT_EQ(admin().get("/v1/users/9999").outcome(), "404 not_found");
  EXPECT_EQ(admin().get("/v1/users/by-handle/nobody").outcome(), "404 not_found");
  EXPECT_EQ(admin().patch("/v1/users/9999", R"({"first_name":"X"})").outcome(), "404 not_found");
  EXPECT_EQ(admin().post("/v1/users/9999/deactivate").outcome(), "404 not_found");
}

TEST_F(UsersTest, ListPagesWithNextCursor) {
  for (const auto* handle : {"u1", "u2", "u3", "u4"}) admin().create_user(handle);
  std::vector<std::string> handles;
  std::string target = "/v1/users?limit=2";
  for (int page = 0; page < 5; ++page) {
    const auto reply = admin().get(target);
    ASSERT_EQ(reply.outcome(), "200");
    for (const auto& u : reply.json["users"].GetArray()) handles.emplace_back(u["handle"].GetString());
    if (reply.json["next"].IsNull()) break;
    target = "/v1/users?limit=2&after=" + std::to_string(reply.json["next"].GetInt64());
  }
  EXPECT_EQ(handles, (std::vector<std::string>{"admin", "u1", "u2", "u3", "u4"}));
}

TEST_F(UsersTest, InactiveUsersListedOnlyOnRequest) {
  const auto id = admin().create_user("gone");
  ASSERT_EQ(admin().post("/v1/users/" + std::to_string(id) + "/deactivate").outcome(), "200");
  EXPECT_EQ(admin().get("/v1/users").json["users"].Size(), 1u);
  EXPECT_EQ(admin().get("/v1/users?include_inactive=true").json["users"].Size(), 2u);
}

TEST_F(UsersTest, PatchMergesAttributesAndNullRemoves) {
  const auto id = std::to_string(admin().create_user("ada", R"({"role":"dev","region":"EU"})"));
  const auto reply = admin().patch("/v1/users/" + id, R"({"attributes":{"role":"dba","region":null,"level":2}})");
  ASSERT_EQ(reply.outcome(), "200");
  const auto& attributes = reply.json["attributes"];
  EXPECT_STREQ(attributes["role"].GetString(), "dba");
  EXPECT_FALSE(attributes.HasMember("region"));
  EXPECT_EQ(attributes["level"].GetInt64(), 2);
}

TEST_F(UsersTest, PasswordChangeTakesEffect) {
  auto ada = person("ada");
  ASSERT_EQ(ada.api->patch("/v1/users/" + std::to_string(ada.id), R"({"password":"a-new-password"})")
                .outcome(),
            "200");
  TestApi fresh(server_.port());
  EXPECT_EQ(fresh.post("/v1/sessions", R"({"handle":"ada","password":"password-ada"})").outcome(),
            "401 unauthenticated");
  EXPECT_EQ(fresh.post("/v1/sessions", R"({"handle":"ada","password":"a-new-password"})").outcome(),
            "201");
}

}  // namespace
}  // namespace missive::itest
