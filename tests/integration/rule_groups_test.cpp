// Rule groups: the audience is resolved when a message is sent and frozen with it.
#include "fixture.h"

namespace missive::itest {
namespace {

using RuleGroupsTest = IntegrationTest;

TEST_F(RuleGroupsTest, AudienceResolvedAtSendTimeAndFrozen) {
  auto eu_dba = person("eudba", R"({"role":"dba","region":"EU"})");
  auto us_dba = person("usdba", R"({"role":"dba","region":"US"})");
  auto asia_dba = person("asiadba", R"({"role":"dba","region":"ASIA"})");
  auto eu_dev = person("eudev", R"({"role":"dev","region":"EU"})");
  const auto group = admin().create_rule_group("Dbas", R"(role = "dba" and region in ("EU","US"))");

  const auto members = admin().get("/v1/groups/" + std::to_string(group) + "/members");
  ASSERT_EQ(members.outcome(), "200");
  EXPECT_EQ(members.json["members"].Size(), 2u);

  const auto first = admin().send_to_group(group, "First");
  ASSERT_EQ(first.outcome(), "201");
  EXPECT_EQ(first.json["recipient_count"].GetInt64(), 2);
  EXPECT_EQ(eu_dba.api->inbox_ids(), std::vector<std::int64_t>{first.id()});
  EXPECT_EQ(us_dba.api->inbox_ids(), std::vector<std::int64_t>{first.id()});
  EXPECT_TRUE(asia_dba.api->inbox_ids().empty());
  EXPECT_TRUE(eu_dev.api->inbox_ids().empty());

  // Attributes change: the old message's audience does not.
  ASSERT_EQ(admin().patch("/v1/users/" + std::to_string(eu_dev.id), R"({"attributes":{"role":"dba"}})")
                .outcome(),
            "200");
  ASSERT_EQ(admin().patch("/v1/users/" + std::to_string(us_dba.id), R"({"attributes":{"region":"ASIA"}})")
                .outcome(),
            "200");
  EXPECT_TRUE(eu_dev.api->inbox_ids().empty());
  EXPECT_EQ(us_dba.api->inbox_ids(), std::vector<std::int64_t>{first.id()});
  EXPECT_EQ(eu_dev.api->get("/v1/messages/" + std::to_string(first.id())).outcome(), "404 not_found");

  // A new message goes to the new audience.
  const auto second = admin().send_to_group(group, "Second");
  ASSERT_EQ(second.outcome(), "201");
  EXPECT_EQ(second.json["recipient_count"].GetInt64(), 2);
  EXPECT_EQ(eu_dev.api->inbox_ids(), std::vector<std::int64_t>{second.id()});
  EXPECT_EQ(us_dba.api->inbox_ids(), std::vector<std::int64_t>{first.id()});
  EXPECT_EQ(eu_dba.api->inbox_ids().size(), 2u);

  const auto report = admin().get("/v1/dashboard/" + std::to_string(first.id()));
  EXPECT_EQ(report.json["recipients"].Size(), 2u);
}

TEST_F(RuleGroupsTest, BadRuleIs422WithPositionAndCreatesNothing) {
  const auto reply = admin().post("/v1/groups", R"({"name":"Bad","rule":"role = = \"dba\""})");
  EXPECT_EQ(reply.outcome(), "422 unprocessable");
  EXPECT_NE(reply.error_message().find("at position 8"), std::string::npos) << reply.body;
  EXPECT_TRUE(admin().get("/v1/groups?include_inactive=true").json["groups"].Empty());

  const auto type = admin().post("/v1/groups", R"({"name":"Bad","rule":"level > \"x\""})");
  EXPECT_EQ(type.outcome(), "422 unprocessable");
  EXPECT_NE(type.error_message().find("position"), std::string::npos) << type.body;

  const auto group = admin().create_group("Good");
  const auto patch = admin().patch("/v1/groups/" + std::to_string(group), R"({"rule":"role in ("})");
  EXPECT_EQ(patch.outcome(), "422 unprocessable");
  EXPECT_TRUE(admin().get("/v1/groups/" + std::to_string(group)).json["rule"].IsNull());
}

}  // namespace
}  // namespace missive::itest
