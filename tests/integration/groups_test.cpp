// Groups: explicit membership, ownership, deactivation.
#include "fixture.h"

namespace missive::itest {
namespace {

using GroupsTest = IntegrationTest;

std::vector<std::string> member_handles(TestApi& api, std::int64_t group) {
  const auto reply = api.get("/v1/groups/" + std::to_string(group) + "/members");
  std::vector<std::string> handles;
  for (const auto& u : reply.json["members"].GetArray()) handles.emplace_back(u["handle"].GetString());
  return handles;
}

TEST_F(GroupsTest, CreateAddListRemove) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto created = ada.api->post("/v1/groups", R"({"name":"Ops"})");
  ASSERT_EQ(created.outcome(), "201");
  const auto group = created.id();
  EXPECT_TRUE(created.json["rule"].IsNull());
  EXPECT_EQ(created.json["owner_id"].GetInt64(), ada.id);
  EXPECT_EQ(created.json["member_count"].GetInt64(), 0);

  ada.api->add_member(group, bob.id);
  ada.api->add_member(group, ada.id);
  EXPECT_EQ(member_handles(*ada.api, group), (std::vector<std::string>{"ada", "bob"}));
  EXPECT_EQ(ada.api->get("/v1/groups/" + std::to_string(group)).json["member_count"].GetInt64(), 2);

  EXPECT_EQ(ada.api->call("DELETE", "/v1/groups/" + std::to_string(group) + "/members/" +
                                        std::to_string(bob.id))
                .outcome(),
            "204");
  EXPECT_EQ(member_handles(*ada.api, group), (std::vector<std::string>{"ada"}));
}

TEST_F(GroupsTest, OnlyOwnerOrAdminChangesAGroup) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto group = ada.api->create_group("Ops");
  const auto path = "/v1/groups/" + std::to_string(group);
  EXPECT_EQ(bob.api->call("PUT", path + "/members/" + std::to_string(bob.id)).outcome(), "403 forbidden");
  EXPECT_EQ(bob.api->patch(path, R"({"name":"Mine"})").outcome(), "403 forbidden");
  EXPECT_EQ(bob.api->post(path + "/deactivate").outcome(), "403 forbidden");
  EXPECT_TRUE(member_handles(admin(), group).empty());
  EXPECT_EQ(admin().patch(path, R"({"name":"Operations"})").outcome(), "200");
  EXPECT_STREQ(ada.api->get(path).json["name"].GetString(), "Operations");
}

TEST_F(GroupsTest, DuplicateNameIs409AndUnknownIs404) {
  admin().create_group("Ops");
  EXPECT_EQ(admin().post("/v1/groups", R"({"name":"Ops"})").outcome(), "409 conflict");
  EXPECT_EQ(admin().get("/v1/groups/999").outcome(), "404 not_found");
  EXPECT_EQ(admin().call("PUT", "/v1/groups/999/members/1").outcome(), "404 not_found");
  const auto group = admin().create_group("Dev");
  EXPECT_EQ(admin().call("PUT", "/v1/groups/" + std::to_string(group) + "/members/999").outcome(),
            "404 not_found");
}

TEST_F(GroupsTest, DeactivatedGroupIsListedOnRequestAndCannotBeAddressed) {
  const auto group = admin().create_group("Old");
  auto ada = person("ada");
  admin().add_member(group, ada.id);
  ASSERT_EQ(admin().post("/v1/groups/" + std::to_string(group) + "/deactivate").outcome(), "200");
  EXPECT_EQ(admin().get("/v1/groups").json["groups"].Size(), 0u);
  EXPECT_EQ(admin().get("/v1/groups?include_inactive=true").json["groups"].Size(), 1u);
  EXPECT_EQ(admin().send_to_group(group).outcome(), "422 unprocessable");
  EXPECT_TRUE(ada.api->inbox_ids().empty());
  ASSERT_EQ(admin().post("/v1/groups/" + std::to_string(group) + "/activate").outcome(), "200");
  EXPECT_EQ(admin().send_to_group(group).outcome(), "201");
}

TEST_F(GroupsTest, RuleCanBeSetAndCleared) {
  const auto group = admin().create_group("Dbas");
  const auto path = "/v1/groups/" + std::to_string(group);
  auto set = admin().patch(path, R"({"rule":"role = \"dba\""})");
  ASSERT_EQ(set.outcome(), "200");
  EXPECT_STREQ(set.json["rule"].GetString(), "role = \"dba\"");
  auto cleared = admin().patch(path, R"({"rule":null})");
  ASSERT_EQ(cleared.outcome(), "200");
  EXPECT_TRUE(cleared.json["rule"].IsNull());
}

}  // namespace
}  // namespace missive::itest
