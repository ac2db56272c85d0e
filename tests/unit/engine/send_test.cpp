#include <gtest/gtest.h>

#include "tests/unit/engine/engine_fixture.h"

namespace missive::testing {
namespace {

// The server's message limits (--subject-limit, --message-body-limit, --recipients-limit):
// over each, unprocessable with the sizes, and nothing is written.
TEST_F(EngineTest, ConfiguredMessageLimitsRefuseAndWriteNothing) {
  const Caller boss = user("boss");
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  const Caller cyd = user("cyd");
  Engine limited(*store_, clock_,
                 EngineOptions{.password_cost = PasswordCost::minimal,
                               .subject_limit = 5,
                               .body_limit = 8,
                               .recipients_limit = 2});
  const auto outcome = [&](const SendRequest& request) {
    auto result = limited.send(boss, request);
    return result ? std::string("ok") : result.error().message;
  };
  const Addresses two{.users = {ada.id, bob.id}};
  EXPECT_EQ(outcome({.to = two, .subject = "123456", .body = "b"}),
            "subject is 6 bytes; the limit is 5");
  EXPECT_EQ(outcome({.to = two, .subject = "s", .body = "123456789"}),
            "body is 9 bytes; the limit is 8");
  EXPECT_EQ(outcome({.to = {.users = {ada.id, bob.id, cyd.id}}, .subject = "s", .body = "b"}),
            "the message would reach 3 recipients; the limit is 2");
  const GroupId team = group(boss, "team", {boss, ada, bob, cyd});
  EXPECT_EQ(outcome({.to = {.groups = {team}}, .subject = "s", .body = "b"}),
            "the message would reach 3 recipients; the limit is 2");
  for (const Caller& c : {ada, bob, cyd}) {
    auto inbox = engine_->inbox(c, InboxRequest{});
    ASSERT_TRUE(inbox);
    EXPECT_TRUE(inbox->items.empty());
  }
  EXPECT_EQ(outcome({.to = two, .subject = "12345", .body = "12345678"}), "ok");
  // The defaults are those of docs/security.md.
  const EngineOptions defaults;
  EXPECT_EQ(defaults.subject_limit, 1000u);
  EXPECT_EQ(defaults.body_limit, 65536u);
  EXPECT_EQ(defaults.recipients_limit, 1'000'000);
}

TEST_F(EngineTest, GroupOfTenYieldsTenRecipientRecords) {
  const Caller boss = user("boss");
  std::vector<Caller> members;
  for (int i = 0; i < 10; ++i) members.push_back(user("member" + std::to_string(i)));
  members.push_back(boss);  // the sender is never their own recipient
  const GroupId team = group(boss, "team", members);
  const Message message = sent(boss, Addresses{.groups = {team}});
  EXPECT_EQ(message.recipient_count, 10);
  auto report = engine_->read_report(boss, message.id);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->recipients.size(), 10u);
  ASSERT_EQ(report->groups.size(), 1u);
  EXPECT_EQ(report->groups[0].group_name, "team");
  EXPECT_EQ(report->groups[0].recipients, 10);
  EXPECT_EQ(message.sent_to, "team");
}

TEST_F(EngineTest, InactiveUsersAndMembershipsAreSkipped) {
  const Caller boss = user("boss");
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  const Caller cyd = user("cyd");
  const GroupId team = group(boss, "team", {ada, bob, cyd});
  ASSERT_TRUE(engine_->set_user_active(admin_, bob.id, false));
  ASSERT_TRUE(engine_->remove_member(boss, team, cyd.id));
  const Message message = sent(boss, Addresses{.groups = {team}});
  EXPECT_EQ(message.recipient_count, 1);
}

TEST_F(EngineTest, AudienceIsFrozenAtSendTime) {
  const Caller boss = user("boss");
  const Caller ada = user("ada");
  const GroupId team = group(boss, "team", {ada});
  const Message first = sent(boss, Addresses{.groups = {team}});
  const Caller bob = user("bob");
  ASSERT_TRUE(engine_->add_member(boss, team, bob.id));
  EXPECT_EQ(engine_->get_message(bob, first.id).error().code, ErrorCode::not_found);
  auto report = engine_->read_report(boss, first.id);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->recipients.size(), 1u);
}

TEST_F(EngineTest, RuleGroupResolvesWhenSent) {
  const Caller boss = user("boss");
  grant(boss, {Permission::create_rule_groups});
  const Caller eu = user("eu", {{"role", "dba"}, {"region", "EU"}});
  const Caller us = user("us", {{"role", "dba"}, {"region", "US"}});
  user("asia", {{"role", "dba"}, {"region", "ASIA"}});
  user("dev", {{"role", "dev"}, {"region", "EU"}});
  auto dbas = engine_->create_group(
      boss, CreateGroupRequest{.name = "dbas", .rule = R"(role = "dba" and region in ("EU", "US"))"});
  ASSERT_TRUE(dbas) << dbas.error().message;
  const Message message = sent(boss, Addresses{.group_names = {"dbas"}});
  EXPECT_EQ(message.recipient_count, 2);
  EXPECT_TRUE(engine_->get_message(eu, message.id));
  EXPECT_TRUE(engine_->get_message(us, message.id));

  // A later attribute change moves the user for new messages only.
  ASSERT_TRUE(engine_->update_user(admin_, us.id,
                                   UpdateUserRequest{.attributes = {{"region", AttributeValue{"ASIA"}}}}));
  const Message later = sent(boss, Addresses{.groups = {dbas->id}});
  EXPECT_EQ(later.recipient_count, 1);
  EXPECT_TRUE(engine_->get_message(us, message.id));
  EXPECT_FALSE(engine_->get_message(us, later.id));
}

TEST_F(EngineTest, BadRuleIsRejectedWithItsPosition) {
  const Caller boss = user("boss");
  grant(boss, {Permission::create_rule_groups});
  auto bad = engine_->create_group(boss, CreateGroupRequest{.name = "bad", .rule = "role == \"dba\""});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::unprocessable);
  EXPECT_NE(bad.error().message.find("position 6"), std::string::npos) << bad.error().message;
}

TEST_F(EngineTest, RuleGroupsHaveNoExplicitMembers) {
  const Caller boss = user("boss");
  grant(boss, {Permission::create_rule_groups});
  const Caller ada = user("ada");
  auto rule = engine_->create_group(boss, CreateGroupRequest{.name = "all", .rule = "handle != \"\""});
  ASSERT_TRUE(rule);
  EXPECT_EQ(engine_->add_member(boss, rule->id, ada.id).error().code, ErrorCode::unprocessable);
}

TEST_F(EngineTest, OnlyMembersAndOwnersSendToAGroup) {
  const Caller boss = user("boss");
  const Caller ada = user("ada");
  const Caller outsider = user("outsider");
  const GroupId team = group(boss, "team", {ada, user("bob")});
  EXPECT_TRUE(send(ada, Addresses{.groups = {team}}));  // ada is a member
  auto refused = send(outsider, Addresses{.groups = {team}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::forbidden);
}

TEST_F(EngineTest, OnlyOwnersChangeGroups) {
  const Caller boss = user("boss");
  const Caller ada = user("ada");
  const GroupId team = group(boss, "team", {});
  EXPECT_EQ(engine_->add_member(ada, team, ada.id).error().code, ErrorCode::forbidden);
  EXPECT_EQ(engine_->update_group(ada, team, UpdateGroupRequest{.name = "mine"}).error().code,
            ErrorCode::forbidden);
  EXPECT_TRUE(engine_->update_group(admin_, team, UpdateGroupRequest{.name = "renamed"}));
}

TEST_F(EngineTest, DeactivatedGroupCannotBeAddressed) {
  const Caller boss = user("boss");
  const GroupId team = group(boss, "team", {user("ada")});
  ASSERT_TRUE(engine_->set_group_active(boss, team, false));
  auto refused = send(boss, Addresses{.groups = {team}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unprocessable);
}

TEST_F(EngineTest, NoRecipientsIsUnprocessable) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  EXPECT_EQ(send(ada, Addresses{}).error().code, ErrorCode::unprocessable);
  EXPECT_EQ(send(ada, Addresses{.users = {ada.id}}).error().code, ErrorCode::unprocessable);
  ASSERT_TRUE(engine_->set_user_active(admin_, bob.id, false));
  EXPECT_EQ(send(ada, Addresses{.users = {bob.id}}).error().code, ErrorCode::unprocessable);
  EXPECT_EQ(send(ada, Addresses{.users = {UserId{9999}}}).error().code, ErrorCode::not_found);
  EXPECT_EQ(send(ada, Addresses{.handles = {"nobody"}}).error().code, ErrorCode::not_found);
}

TEST_F(EngineTest, SentToNamesGroupsAndPeople) {
  const Caller boss = user("boss");
  const Caller ada = user("ada");
  const GroupId team = group(boss, "team", {user("bob")});
  const Message message = sent(boss, Addresses{.users = {ada.id}, .groups = {team}});
  EXPECT_EQ(message.sent_to, "First ada, team");
}

TEST_F(EngineTest, ClientMessageIdMakesRetriesReturnTheOriginal) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  const SendRequest request{.to = {.users = {bob.id}}, .subject = "Once", .body = "Only once",
                            .client_msg_id = "retry-1"};
  auto first = engine_->send(ada, request);
  auto second = engine_->send(ada, request);
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(first->duplicate);
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(first->message.id, second->message.id);
  auto inbox = engine_->inbox(bob, InboxRequest{});
  ASSERT_TRUE(inbox);
  EXPECT_EQ(inbox->items.size(), 1u);
}

TEST_F(EngineTest, RetryReturnsTheOriginalEvenAfterTheAudienceChanged) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  const SendRequest request{.to = {.users = {bob.id}}, .subject = "Once", .body = "Only once",
                            .client_msg_id = "retry-2"};
  auto first = engine_->send(ada, request);
  ASSERT_TRUE(first);
  ASSERT_TRUE(engine_->set_user_active(admin_, bob.id, false));  // now nobody to send to
  auto retry = engine_->send(ada, request);
  ASSERT_TRUE(retry) << retry.error().message;
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->message.id, first->message.id);
}

TEST_F(EngineTest, LimitsAreEnforced) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  auto long_subject = send(ada, Addresses{.users = {bob.id}}, std::string(1001, 's'));
  EXPECT_EQ(long_subject.error().code, ErrorCode::unprocessable);
  auto bad_utf8 = send(ada, Addresses{.users = {bob.id}}, "bad \xff subject");
  EXPECT_EQ(bad_utf8.error().code, ErrorCode::invalid);
  auto past = engine_->send(ada, SendRequest{.to = {.users = {bob.id}}, .subject = "Late",
                                             .body = "b", .expiry_date = kStart - 1});
  EXPECT_EQ(past.error().code, ErrorCode::unprocessable);
  auto inbox = engine_->inbox(bob, InboxRequest{});
  ASSERT_TRUE(inbox);
  EXPECT_TRUE(inbox->items.empty());
}

}  // namespace
}  // namespace missive::testing
