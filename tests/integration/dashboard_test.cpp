// The read-% dashboard: one record per group member, per-group and per-recipient breakdowns.
#include "fixture.h"

namespace missive::itest {
namespace {

class DashboardTest : public IntegrationTest {
 protected:
  // A group of ten members owned by the admin; returns their handles in `handles_`.
  std::int64_t ten_member_group() {
    const auto group = admin().create_group("Ten");
    for (int i = 0; i < 10; ++i) {
      handles_.push_back("member" + std::to_string(i));
      admin().add_member(group, admin().create_user(handles_.back()));
    }
    return group;
  }
  std::vector<std::string> handles_;
};

TEST_F(DashboardTest, TenMemberGroupGivesTenRecordsAndReadPercent) {
  const auto group = ten_member_group();
  const auto sent = admin().send_to_group(group, "To ten");
  ASSERT_EQ(sent.outcome(), "201");
  const auto id = sent.id();
  EXPECT_EQ(sent.json["recipient_count"].GetInt64(), 10);
  EXPECT_STREQ(sent.json["sent_to"].GetString(), "Ten");

  for (int i = 0; i < 3; ++i) {
    TestApi member(server_.port());
    member.login(handles_[i], "password-" + handles_[i]);
    ASSERT_EQ(member.post("/v1/messages/" + std::to_string(id) + "/read").outcome(), "200");
  }

  const auto rows = admin().get("/v1/dashboard");
  ASSERT_EQ(rows.outcome(), "200");
  ASSERT_EQ(rows.json["messages"].Size(), 1u);
  const auto& row = rows.json["messages"][0];
  EXPECT_EQ(row["id"].GetInt64(), id);
  EXPECT_STREQ(row["subject"].GetString(), "To ten");
  EXPECT_STREQ(row["sent_to"].GetString(), "Ten");
  EXPECT_EQ(row["recipients"].GetInt64(), 10);
  EXPECT_EQ(row["read_count"].GetInt64(), 3);
  EXPECT_DOUBLE_EQ(row["read_percent"].GetDouble(), 30.0);
  EXPECT_TRUE(rows.json["next"].IsNull());

  const auto report = admin().get("/v1/dashboard/" + std::to_string(id));
  ASSERT_EQ(report.outcome(), "200");
  EXPECT_EQ(report.json["message"]["recipients"].GetInt64(), 10);
  ASSERT_EQ(report.json["groups"].Size(), 1u);
  EXPECT_EQ(report.json["groups"][0]["group_id"].GetInt64(), group);
  EXPECT_EQ(report.json["groups"][0]["recipients"].GetInt64(), 10);
  EXPECT_EQ(report.json["groups"][0]["reads"].GetInt64(), 3);
  EXPECT_DOUBLE_EQ(report.json["groups"][0]["read_percent"].GetDouble(), 30.0);
  ASSERT_EQ(report.json["recipients"].Size(), 10u);
  int read = 0;
  for (const auto& r : report.json["recipients"].GetArray()) {
    EXPECT_EQ(r["group_id"].GetInt64(), group);
    if (r["is_read"].GetBool()) {
      ++read;
      EXPECT_TRUE(r["read_at"].IsString());
    } else {
      EXPECT_TRUE(r["read_at"].IsNull());
    }
  }
  EXPECT_EQ(read, 3);
}

TEST_F(DashboardTest, DirectAndGroupRecipientsAreBrokenDownSeparately) {
  const auto group = admin().create_group("Pair");
  const auto a = admin().create_user("a1");
  const auto b = admin().create_user("b1");
  const auto c = admin().create_user("c1");
  admin().add_member(group, a);
  admin().add_member(group, b);
  const auto sent = admin().post("/v1/messages", R"({"to":{"users":[)" + std::to_string(c) +
                                                     R"(],"groups":[)" + std::to_string(group) +
                                                     R"(]},"subject":"Mixed","body":"B"})");
  ASSERT_EQ(sent.outcome(), "201");
  const auto report = admin().get("/v1/dashboard/" + std::to_string(sent.id()));
  ASSERT_EQ(report.json["groups"].Size(), 2u);
  ASSERT_EQ(report.json["recipients"].Size(), 3u);
  int direct = 0;
  for (const auto& g : report.json["groups"].GetArray()) {
    if (g["group_id"].IsNull()) direct = static_cast<int>(g["recipients"].GetInt64());
  }
  EXPECT_EQ(direct, 1);
}

TEST_F(DashboardTest, OnlyTheCreatorSeesAReport) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto id = ada.api->send_to_users({bob.id}).id();
  EXPECT_EQ(bob.api->get("/v1/dashboard/" + std::to_string(id)).outcome(), "403 forbidden");
  EXPECT_TRUE(bob.api->get("/v1/dashboard").json["messages"].Empty());
  EXPECT_EQ(ada.api->get("/v1/dashboard/99999").outcome(), "404 not_found");
}

TEST_F(DashboardTest, Pages) {
  auto bob = person("bob");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(admin().send_to_users({bob.id}).outcome(), "201");
  const auto first = admin().get("/v1/dashboard?limit=2");
  ASSERT_EQ(first.json["messages"].Size(), 2u);
  ASSERT_TRUE(first.json["next"].IsInt64());
  const auto second = admin().get("/v1/dashboard?limit=2&before=" +
                                  std::to_string(first.json["next"].GetInt64()));
  EXPECT_EQ(second.json["messages"].Size(), 1u);
  EXPECT_TRUE(second.json["next"].IsNull());
}

}  // namespace
}  // namespace missive::itest
