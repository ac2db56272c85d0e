// Messages: sending, visibility, idempotency (across a restart), replies and threads,
// expiry and withdrawal.
#include <chrono>
#include <thread>

#include "fixture.h"

namespace missive::itest {
namespace {

using MessagesTest = IntegrationTest;

std::string msg_path(std::int64_t id, std::string_view suffix = {}) {
  return "/v1/messages/" + std::to_string(id) + std::string(suffix);
}

// An RFC 3339 time `ms` milliseconds from now.
std::string in_ms(std::int64_t ms) {
  using namespace std::chrono;
  const auto t = system_clock::now() + milliseconds(ms);
  const auto secs = time_point_cast<seconds>(t);
  const auto millis = duration_cast<milliseconds>(t - secs).count();
  const std::time_t tt = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

TEST_F(MessagesTest, SendAndReadBothViews) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto sent = ada.api->send_to_users(
      {bob.id}, "Hi", R"(,"metadata":{"priority":1,"tags":["x"]},"flags":["urgent"],"client_msg_id":"m1")");
  ASSERT_EQ(sent.outcome(), "201");
  const auto id = sent.id();
  EXPECT_EQ(sent.json["creator_id"].GetInt64(), ada.id);
  EXPECT_EQ(sent.json["recipient_count"].GetInt64(), 1);
  EXPECT_EQ(sent.json["read_count"].GetInt64(), 0);
  EXPECT_EQ(sent.json["metadata"]["priority"].GetInt64(), 1);
  EXPECT_STREQ(sent.json["flags"][0].GetString(), "urgent");
  EXPECT_STREQ(sent.json["client_msg_id"].GetString(), "m1");
  EXPECT_STREQ(sent.json["sent_to"].GetString(), "First bob");
  EXPECT_TRUE(sent.json["active"].GetBool());
  EXPECT_TRUE(sent.json["parent_id"].IsNull());
  EXPECT_EQ(sent.json["root_id"].GetInt64(), id);

  const auto seen = bob.api->get(msg_path(id));
  ASSERT_EQ(seen.outcome(), "200");
  EXPECT_STREQ(seen.json["subject"].GetString(), "Hi");
  EXPECT_FALSE(seen.json["is_read"].GetBool());
  EXPECT_FALSE(seen.json.HasMember("recipient_count"));
  EXPECT_STREQ(seen.json["metadata"]["tags"][0].GetString(), "x");
  EXPECT_EQ(bob.api->inbox_ids(), std::vector<std::int64_t>{id});
}

TEST_F(MessagesTest, AddressesByHandleAndGroupName) {
  auto ada = person("ada");
  auto bob = person("bob");
  auto carol = person("carol");
  const auto group = ada.api->create_group("Team");
  ada.api->add_member(group, carol.id);
  const auto sent = ada.api->post("/v1/messages",
                                  R"({"to":{"users":["bob"],"groups":["Team"]},"subject":"S","body":"B"})");
  ASSERT_EQ(sent.outcome(), "201");
  EXPECT_EQ(sent.json["recipient_count"].GetInt64(), 2);
  EXPECT_EQ(bob.api->inbox_ids().size(), 1u);
  const auto carols = carol.api->get("/v1/inbox");
  ASSERT_EQ(carols.json["messages"].Size(), 1u);
  EXPECT_EQ(carols.json["messages"][0]["via_groups"][0].GetInt64(), group);
}

TEST_F(MessagesTest, NonRecipientCannotSeeAMessage) {
  auto ada = person("ada");
  auto bob = person("bob");
  auto eve = person("eve");
  const auto id = ada.api->send_to_users({bob.id}).id();
  EXPECT_EQ(eve.api->get(msg_path(id)).outcome(), "404 not_found");
  EXPECT_EQ(eve.api->get(msg_path(id, "/thread")).outcome(), "404 not_found");
  EXPECT_EQ(eve.api->post(msg_path(id, "/read")).outcome(), "404 not_found");
  EXPECT_EQ(eve.api->get("/v1/dashboard/" + std::to_string(id)).outcome().substr(0, 1), "4");
  EXPECT_TRUE(eve.api->inbox_ids().empty());
}

TEST_F(MessagesTest, IdempotentResendAcrossRestart) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto extra = std::string(R"(,"client_msg_id":"retry-1")");
  const auto first = ada.api->send_to_users({bob.id}, "Once", extra);
  ASSERT_EQ(first.outcome(), "201");
  const auto again = ada.api->send_to_users({bob.id}, "Once", extra);
  ASSERT_EQ(again.outcome(), "200");
  EXPECT_EQ(again.id(), first.id());

  restart({&ada, &bob});
  const auto after = ada.api->send_to_users({bob.id}, "Once", extra);
  ASSERT_EQ(after.outcome(), "200");
  EXPECT_EQ(after.id(), first.id());
  EXPECT_EQ(bob.api->inbox_ids(), std::vector<std::int64_t>{first.id()});
}

TEST_F(MessagesTest, RepliesThreeLevelsDeepAsATree) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto root = ada.api->send_to_users({bob.id}, "Root").id();
  const auto r1 = bob.api->post(msg_path(root, "/replies"), R"({"body":"level 1"})");
  ASSERT_EQ(r1.outcome(), "201");
  EXPECT_STREQ(r1.json["subject"].GetString(), "Re: Root");
  EXPECT_EQ(r1.json["parent_id"].GetInt64(), root);
  const auto r2 = ada.api->post(msg_path(r1.id(), "/replies"), R"({"body":"level 2","subject":"Deeper"})");
  ASSERT_EQ(r2.outcome(), "201");
  const auto r3 = bob.api->post(msg_path(r2.id(), "/replies"), R"({"body":"level 3"})");
  ASSERT_EQ(r3.outcome(), "201");
  EXPECT_EQ(r3.json["root_id"].GetInt64(), root);

  const auto thread = ada.api->get(msg_path(r2.id(), "/thread"));
  ASSERT_EQ(thread.outcome(), "200");
  const auto& n0 = thread.json["root"];
  EXPECT_EQ(n0["message"]["id"].GetInt64(), root);
  ASSERT_EQ(n0["replies"].Size(), 1u);
  const auto& n1 = n0["replies"][0];
  EXPECT_EQ(n1["message"]["id"].GetInt64(), r1.id());
  ASSERT_EQ(n1["replies"].Size(), 1u);
  const auto& n2 = n1["replies"][0];
  EXPECT_EQ(n2["message"]["id"].GetInt64(), r2.id());
  ASSERT_EQ(n2["replies"].Size(), 1u);
  EXPECT_EQ(n2["replies"][0]["message"]["id"].GetInt64(), r3.id());
  EXPECT_EQ(n2["replies"][0]["replies"].Size(), 0u);
}

TEST_F(MessagesTest, ReplyIsIdempotentToo) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto root = ada.api->send_to_users({bob.id}).id();
  const auto body = R"({"body":"ok","client_msg_id":"r-1"})";
  const auto first = bob.api->post(msg_path(root, "/replies"), body);
  ASSERT_EQ(first.outcome(), "201");
  const auto again = bob.api->post(msg_path(root, "/replies"), body);
  ASSERT_EQ(again.outcome(), "200");
  EXPECT_EQ(again.id(), first.id());
}

TEST_F(MessagesTest, WithdrawByCreatorOnly) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto id = ada.api->send_to_users({bob.id}).id();
  EXPECT_EQ(bob.api->post(msg_path(id, "/withdraw")).outcome(), "403 forbidden");
  EXPECT_EQ(bob.api->patch(msg_path(id), R"({"expiry_date":null})").outcome(), "403 forbidden");
  EXPECT_EQ(bob.api->inbox_ids(), std::vector<std::int64_t>{id});

  const auto withdrawn = ada.api->post(msg_path(id, "/withdraw"));
  ASSERT_EQ(withdrawn.outcome(), "200");
  EXPECT_FALSE(withdrawn.json["active"].GetBool());
  EXPECT_TRUE(bob.api->inbox_ids().empty());
  EXPECT_EQ(bob.api->get(msg_path(id)).outcome(), "404 not_found");
  // The creator still sees it, inactive.
  const auto own = ada.api->get(msg_path(id));
  ASSERT_EQ(own.outcome(), "200");
  EXPECT_FALSE(own.json["active"].GetBool());
}

TEST_F(MessagesTest, ExpiredMessageLeavesInboxesButNotTheCreator) {
  auto ada = person("ada");
  auto bob = person("bob");
  // Long enough that the checks before it pass on a loaded machine (300 ms failed in CI).
  const auto id =
      ada.api->send_to_users({bob.id}, "Soon gone", R"(,"expiry_date":")" + in_ms(2000) + "\"").id();
  const auto expired = std::chrono::steady_clock::now() + std::chrono::milliseconds(2100);
  const auto other = ada.api->send_to_users({bob.id}, "Stays").id();
  EXPECT_EQ(bob.api->inbox_ids().size(), 2u);
  std::this_thread::sleep_until(expired);
  EXPECT_EQ(bob.api->inbox_ids(), std::vector<std::int64_t>{other});
  EXPECT_EQ(bob.api->get(msg_path(id)).outcome(), "404 not_found");
  const auto own = ada.api->get(msg_path(id));
  ASSERT_EQ(own.outcome(), "200");
  EXPECT_FALSE(own.json["active"].GetBool());
  const auto dashboard = ada.api->get("/v1/dashboard");
  ASSERT_EQ(dashboard.json["messages"].Size(), 2u);
}

TEST_F(MessagesTest, ExpiryCanBeExtendedAndCleared) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto id = ada.api->send_to_users({bob.id}, "S", R"(,"expiry_date":")" + in_ms(60000) + "\"").id();
  const auto set = ada.api->patch(msg_path(id), R"({"expiry_date":")" + in_ms(120000) + "\"}");
  ASSERT_EQ(set.outcome(), "200");
  EXPECT_TRUE(set.json["expiry_date"].IsString());
  const auto cleared = ada.api->patch(msg_path(id), R"({"expiry_date":null})");
  ASSERT_EQ(cleared.outcome(), "200");
  EXPECT_TRUE(cleared.json["expiry_date"].IsNull());
}

TEST_F(MessagesTest, InboxPagesAndFilters) {
  auto ada = person("ada");
  auto bob = person("bob");
  auto carol = person("carol");
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(ada.api->send_to_users({carol.id}).id());
  const auto from_bob = bob.api->send_to_users({carol.id}).id();

  const auto page1 = carol.api->get("/v1/inbox?limit=2");
  ASSERT_EQ(page1.json["messages"].Size(), 2u);
  EXPECT_EQ(page1.json["messages"][0]["id"].GetInt64(), from_bob);  // newest first
  ASSERT_TRUE(page1.json["next"].IsInt64());
  const auto page2 = carol.api->get("/v1/inbox?limit=2&before=" +
                                    std::to_string(page1.json["next"].GetInt64()));
  ASSERT_EQ(page2.json["messages"].Size(), 2u);
  EXPECT_EQ(page2.json["messages"][1]["id"].GetInt64(), ids[0]);

  EXPECT_EQ(carol.api->inbox_ids("sender=" + std::to_string(bob.id)),
            std::vector<std::int64_t>{from_bob});
  ASSERT_EQ(carol.api->post(msg_path(from_bob, "/read")).outcome(), "200");
  EXPECT_EQ(carol.api->inbox_ids("unread=true").size(), 3u);
}

}  // namespace
}  // namespace missive::itest
