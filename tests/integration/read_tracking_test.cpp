// Read tracking: one message, a whole conversation, unread counts.
#include "fixture.h"

namespace missive::itest {
namespace {

using ReadTrackingTest = IntegrationTest;

TEST_F(ReadTrackingTest, MarkOneMessageReadIsIdempotent) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto id = ada.api->send_to_users({bob.id}).id();
  const auto path = "/v1/messages/" + std::to_string(id);

  const auto first = bob.api->post(path + "/read");
  ASSERT_EQ(first.outcome(), "200");
  EXPECT_EQ(first.json["messages_marked"].GetInt64(), 1);
  EXPECT_EQ(first.json["read_seq"].GetInt64(), 1);
  const auto again = bob.api->post(path + "/read");
  ASSERT_EQ(again.outcome(), "200");
  EXPECT_EQ(again.json["messages_marked"].GetInt64(), 0);

  const auto seen = bob.api->get(path);
  EXPECT_TRUE(seen.json["is_read"].GetBool());
  EXPECT_TRUE(seen.json["read_at"].IsString());
  const auto own = ada.api->get(path);
  EXPECT_EQ(own.json["read_count"].GetInt64(), 1);
  EXPECT_EQ(own.json["read_percent"].GetDouble(), 100.0);
}

TEST_F(ReadTrackingTest, ConversationsCountUnreadAndReadUpTo) {
  auto ada = person("ada");
  auto bob = person("bob");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(ada.api->send_to_users({bob.id}).outcome(), "201");

  const auto list = bob.api->get("/v1/conversations");
  ASSERT_EQ(list.outcome(), "200");
  ASSERT_EQ(list.json["conversations"].Size(), 1u);
  const auto& c = list.json["conversations"][0];
  EXPECT_STREQ(c["kind"].GetString(), "direct");
  EXPECT_TRUE(c["group_id"].IsNull());
  EXPECT_EQ(c["max_seq"].GetInt64(), 3);
  EXPECT_EQ(c["read_seq"].GetInt64(), 0);
  EXPECT_EQ(c["unread"].GetInt64(), 3);
  const auto path = "/v1/conversations/" + std::to_string(c["id"].GetInt64()) + "/read";

  const auto partial = bob.api->post(path, R"({"up_to_seq":2})");
  ASSERT_EQ(partial.outcome(), "200");
  EXPECT_EQ(partial.json["messages_marked"].GetInt64(), 2);
  EXPECT_EQ(partial.json["read_seq"].GetInt64(), 2);
  EXPECT_EQ(bob.api->inbox_ids("unread=true").size(), 1u);

  const auto rest = bob.api->post(path);  // no body: everything visible
  ASSERT_EQ(rest.outcome(), "200");
  EXPECT_EQ(rest.json["read_seq"].GetInt64(), 3);
  EXPECT_EQ(bob.api->get("/v1/conversations").json["conversations"][0]["unread"].GetInt64(), 0);
}

TEST_F(ReadTrackingTest, StrangersCannotReadAConversation) {
  auto ada = person("ada");
  auto bob = person("bob");
  auto eve = person("eve");
  ASSERT_EQ(ada.api->send_to_users({bob.id}).outcome(), "201");
  const auto id = bob.api->get("/v1/conversations").json["conversations"][0]["id"].GetInt64();
  EXPECT_EQ(eve.api->post("/v1/conversations/" + std::to_string(id) + "/read").outcome(),
            "404 not_found");
  EXPECT_EQ(bob.api->get("/v1/conversations").json["conversations"][0]["unread"].GetInt64(), 1);
}

}  // namespace
}  // namespace missive::itest
