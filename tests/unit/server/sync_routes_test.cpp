// The HTTP sync routes (handlers_sync.cpp) over a real engine and store: GET /v1/sync,
// POST /v1/sync/ack, GET /v1/conversations/{id}/messages.
#include "api_fixture.h"

namespace missive::testing {
namespace {

class SyncRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    alice_ = create_user("alice");
    bob_ = create_user("bob");
    alice_token_ = login("alice", "password-alice");
    bob_token_ = login("bob", "password-bob");
  }

  // Alice sends to Bob; returns the message's JSON.
  rapidjson::Document send(const std::string& subject) {
    auto response = call("POST", "/v1/messages",
                         R"({"to":{"users":[)" + std::to_string(bob_) + R"(]},"subject":")" +
                             subject + R"(","body":"b"})",
                         alice_token_);
    EXPECT_EQ(response.status, 201) << response.body;
    return parse(response);
  }

  std::int64_t alice_ = 0;
  std::int64_t bob_ = 0;
  std::string alice_token_;
  std::string bob_token_;
};

TEST_F(SyncRoutesTest, PullPagesThroughTheTimeline) {
  send("one");
  send("two");
  auto first = call("GET", "/v1/sync?since=0&limit=1", {}, bob_token_);
  ASSERT_EQ(first.status, 200) << first.body;
  auto doc = parse(first);
  EXPECT_FALSE(doc["reset"].GetBool());
  ASSERT_EQ(doc["entries"].Size(), 1u);
  const auto& entry = doc["entries"][0];
  EXPECT_STREQ(entry["kind"].GetString(), "message");
  EXPECT_EQ(entry["seq"].GetInt64(), doc["next"].GetInt64());
  EXPECT_STREQ(entry["message"]["subject"].GetString(), "one");
  EXPECT_FALSE(entry["message"].HasMember("recipient_count"));  // Bob is not the creator
  EXPECT_TRUE(doc["has_more"].GetBool());

  auto rest = parse(call("GET", "/v1/sync?since=" + std::to_string(doc["next"].GetInt64()), {},
                         bob_token_));
  ASSERT_EQ(rest["entries"].Size(), 1u);
  EXPECT_STREQ(rest["entries"][0]["message"]["subject"].GetString(), "two");
  EXPECT_FALSE(rest["has_more"].GetBool());

  // The sender's own timeline holds their messages too, in the creator's form.
  auto mine = parse(call("GET", "/v1/sync", {}, alice_token_));
  bool found = false;
  for (const auto& e : mine["entries"].GetArray()) {
    if (std::string(e["kind"].GetString()) == "message") {
      found = true;
      EXPECT_TRUE(e["message"].HasMember("recipient_count"));
    }
  }
  EXPECT_TRUE(found) << call("GET", "/v1/sync", {}, alice_token_).body;
}

TEST_F(SyncRoutesTest, CursorPastTheNewestEntryResets) {
  send("one");
  auto doc = parse(call("GET", "/v1/sync?since=1000", {}, bob_token_));
  EXPECT_TRUE(doc["reset"].GetBool());
  EXPECT_EQ(doc["entries"].Size(), 0u);
}

TEST_F(SyncRoutesTest, BadParametersAre400) {
  EXPECT_EQ(message_of(call("GET", "/v1/sync?since=-1", {}, bob_token_)),
            "since must be a non-negative integer");
  EXPECT_EQ(message_of(call("GET", "/v1/sync?limit=101", {}, bob_token_)),
            "limit must be an integer from 1 to 100");
  EXPECT_EQ(status_of(call("GET", "/v1/sync")), "401 unauthenticated");
  EXPECT_EQ(message_of(call("POST", "/v1/sync/ack", "{}", bob_token_)),
            "up_to is required (the seq of the last entry received)");
  EXPECT_EQ(status_of(call("POST", "/v1/sync/ack", R"({"up_to":999})", bob_token_)),
            "400 invalid");
  EXPECT_EQ(message_of(call("GET", "/v1/conversations/1/messages?limit=0", {}, bob_token_)),
            "limit must be an integer from 1 to 200");
}

TEST_F(SyncRoutesTest, AckMarksDelivered) {
  auto sent = send("one");
  auto page = parse(call("GET", "/v1/sync", {}, bob_token_));
  const auto last = page["next"].GetInt64();
  auto ack = call("POST", "/v1/sync/ack", R"({"up_to":)" + std::to_string(last) + "}", bob_token_);
  EXPECT_EQ(ack.status, 204) << ack.body;
  EXPECT_TRUE(ack.body.empty());
  (void)sent;
}

TEST_F(SyncRoutesTest, HistoryAndRangePulls) {
  const auto conversation = send("one")["conversation_id"].GetInt64();
  send("two");
  send("three");
  const auto base = "/v1/conversations/" + std::to_string(conversation) + "/messages";

  auto newest = parse(call("GET", base + "?limit=2", {}, bob_token_));
  ASSERT_EQ(newest["slots"].Size(), 2u);
  EXPECT_EQ(newest["slots"][0]["seq"].GetInt64(), 3);
  EXPECT_STREQ(newest["slots"][0]["message"]["subject"].GetString(), "three");
  EXPECT_EQ(newest["slots"][1]["seq"].GetInt64(), 2);
  ASSERT_TRUE(newest["next"].IsInt64());
  auto older = parse(call("GET", base + "?before=" + std::to_string(newest["next"].GetInt64()), {},
                          bob_token_));
  ASSERT_EQ(older["slots"].Size(), 1u);
  EXPECT_EQ(older["slots"][0]["seq"].GetInt64(), 1);
  EXPECT_TRUE(older["next"].IsNull());

  auto range = parse(call("GET", base + "?after=1", {}, bob_token_));
  ASSERT_EQ(range["slots"].Size(), 2u);
  EXPECT_EQ(range["slots"][0]["seq"].GetInt64(), 2);
  EXPECT_EQ(range["slots"][1]["seq"].GetInt64(), 3);

  const auto carol = create_user("carol");
  (void)carol;
  const auto carol_token = login("carol", "password-carol");
  EXPECT_EQ(status_of(call("GET", base, {}, carol_token)), "404 not_found");
}

}  // namespace
}  // namespace missive::testing
