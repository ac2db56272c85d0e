#include <gtest/gtest.h>

#include "tests/unit/engine/engine_fixture.h"

namespace missive::testing {
namespace {

TEST_F(EngineTest, ReplyGoesToTheParentsCreatorByDefault) {
  const Caller boss = user("boss");
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  const GroupId team = group(boss, "team", {ada, bob});
  const Message root = sent(boss, Addresses{.groups = {team}}, "Plan");
  auto reply = engine_->reply(ada, ReplyRequest{.parent = root.id, .body = "Agreed"});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->message.subject, "Re: Plan");
  EXPECT_EQ(reply->message.recipient_count, 1);
  EXPECT_TRUE(engine_->get_message(boss, reply->message.id));
  EXPECT_FALSE(engine_->get_message(bob, reply->message.id));
}

TEST_F(EngineTest, ReplyAllReachesTheWholeAudience) {
  const Caller boss = user("boss");
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  const GroupId team = group(boss, "team", {ada, bob});
  const Message root = sent(boss, Addresses{.groups = {team}}, "Plan");
  auto reply = engine_->reply(ada, ReplyRequest{.parent = root.id, .reply_all = true, .body = "All"});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->message.recipient_count, 2);  // boss and bob, not ada herself
  EXPECT_EQ(reply->message.conversation, root.conversation);
  EXPECT_TRUE(engine_->get_message(bob, reply->message.id));
}

TEST_F(EngineTest, ReplyAllIsSentToWhoItReachesNotToTheParentsAudience) {
  const Caller boss = user("boss");
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  const Caller cyd = user("cyd");
  const GroupId team = group(boss, "team", {ada, bob});
  const Message direct = sent(cyd, Addresses{.users = {ada.id, bob.id}});
  auto reply =
      engine_->reply(ada, ReplyRequest{.parent = direct.id, .reply_all = true, .body = "x"});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->message.sent_to, "First cyd, First bob");  // not ada, who replies
  const Message to_group = sent(boss, Addresses{.groups = {team}}, "Plan");
  reply = engine_->reply(ada, ReplyRequest{.parent = to_group.id, .reply_all = true, .body = "x"});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->message.sent_to, "First boss, team");
}

TEST_F(EngineTest, ReplyAllSkipsUsersDeactivatedSinceTheSend) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  const Caller cyd = user("cyd");
  const Caller dee = user("dee");
  const Message root = sent(ada, Addresses{.users = {bob.id, cyd.id, dee.id}});
  ASSERT_TRUE(engine_->set_user_active(admin_, ada.id, false));
  ASSERT_TRUE(engine_->set_user_active(admin_, dee.id, false));
  auto reply = engine_->reply(bob, ReplyRequest{.parent = root.id, .reply_all = true, .body = "x"});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->message.recipient_count, 1);  // cyd only: ada and dee receive nothing new
}

TEST_F(EngineTest, OnlyThoseWhoSeeTheParentMayReply) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  const Caller eve = user("eve");
  const Message root = sent(ada, Addresses{.users = {bob.id}});
  auto reply = engine_->reply(eve, ReplyRequest{.parent = root.id, .body = "Sneaky"});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ErrorCode::not_found);
}

TEST_F(EngineTest, ThreadsNestAndHideWhatTheCallerCannotSee) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  const Caller cyd = user("cyd");
  const Message root = sent(ada, Addresses{.users = {bob.id, cyd.id}}, "Root");
  auto level1 = engine_->reply(bob, ReplyRequest{.parent = root.id, .reply_all = true, .body = "1"});
  ASSERT_TRUE(level1);
  auto level2 = engine_->reply(cyd, ReplyRequest{.parent = level1->message.id, .reply_all = true, .body = "2"});
  ASSERT_TRUE(level2);
  auto level3 = engine_->reply(ada, ReplyRequest{.parent = level2->message.id, .reply_all = true, .body = "3"});
  ASSERT_TRUE(level3);
  auto side = engine_->reply(bob, ReplyRequest{.parent = root.id, .body = "only ada sees this"});
  ASSERT_TRUE(side);

  auto tree = engine_->thread(ada, level3->message.id);
  ASSERT_TRUE(tree) << tree.error().message;
  EXPECT_EQ(tree->view.item.message.id, root.id);
  ASSERT_EQ(tree->replies.size(), 2u);
  const ThreadNode& first = tree->replies[0];
  ASSERT_EQ(first.replies.size(), 1u);
  ASSERT_EQ(first.replies[0].replies.size(), 1u);
  EXPECT_EQ(first.replies[0].replies[0].view.item.message.id, level3->message.id);

  auto cyd_tree = engine_->thread(cyd, root.id);
  ASSERT_TRUE(cyd_tree);
  EXPECT_EQ(cyd_tree->replies.size(), 1u);  // bob's private reply to ada is not there
}

TEST_F(EngineTest, MarkReadMovesReadPercent) {
  const Caller boss = user("boss");
  std::vector<Caller> members;
  for (int i = 0; i < 10; ++i) members.push_back(user("m" + std::to_string(i)));
  const GroupId team = group(boss, "team", members);
  const Message message = sent(boss, Addresses{.groups = {team}});
  for (int i = 0; i < 3; ++i) {
    auto read = engine_->mark_read(members[i], message.id);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->messages_marked, 1);
  }
  auto again = engine_->mark_read(members[0], message.id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->messages_marked, 0);
  auto page = engine_->dashboard(boss, DashboardRequest{});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->messages[0].read_count, 3);
  EXPECT_DOUBLE_EQ(read_percent(page->messages[0]), 30.0);
}

TEST_F(EngineTest, ReadReportIsForTheCreator) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  const Caller eve = user("eve");
  const Message message = sent(ada, Addresses{.users = {bob.id}});
  EXPECT_EQ(engine_->read_report(bob, message.id).error().code, ErrorCode::forbidden);
  EXPECT_EQ(engine_->read_report(eve, message.id).error().code, ErrorCode::not_found);
  EXPECT_TRUE(engine_->read_report(admin_, message.id));
}

TEST_F(EngineTest, ConversationWatermarkNeverGoesDown) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  Message last;
  for (int i = 0; i < 5; ++i) last = sent(ada, Addresses{.users = {bob.id}});
  auto high = engine_->mark_conversation_read(bob, last.conversation, 4);
  ASSERT_TRUE(high) << high.error().message;
  EXPECT_EQ(high->read_seq, 4);
  auto low = engine_->mark_conversation_read(bob, last.conversation, 2);
  ASSERT_TRUE(low);
  EXPECT_EQ(low->read_seq, 4);
  auto conversations = engine_->conversations(bob);
  ASSERT_TRUE(conversations);
  ASSERT_EQ(conversations->size(), 1u);
  EXPECT_EQ((*conversations)[0].unread, 1);
  auto unread = engine_->inbox(bob, InboxRequest{.unread_only = true});
  ASSERT_TRUE(unread);
  ASSERT_EQ(unread->items.size(), 1u);
  EXPECT_EQ(unread->items[0].message.id, last.id);
}

TEST_F(EngineTest, OwnMessagesAreNeverUnread) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  sent(ada, Addresses{.users = {bob.id}});
  sent(ada, Addresses{.users = {bob.id}});
  auto conversations = engine_->conversations(ada);
  ASSERT_TRUE(conversations);
  ASSERT_EQ(conversations->size(), 1u);
  EXPECT_EQ((*conversations)[0].unread, 0);
  auto own = engine_->mark_read(ada, (*conversations)[0].last_message.value());
  ASSERT_TRUE(own);
  EXPECT_EQ(own->messages_marked, 0);
}

TEST_F(EngineTest, ExpiredMessagesLeaveInboxesButNotTheirCreator) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  auto sent_result = engine_->send(ada, SendRequest{.to = {.users = {bob.id}}, .subject = "Soon gone",
                                                    .body = "b", .expiry_date = kStart + kDay});
  ASSERT_TRUE(sent_result);
  const MessageId id = sent_result->message.id;
  EXPECT_TRUE(engine_->get_message(bob, id));
  clock_.advance(kDay);
  EXPECT_EQ(engine_->get_message(bob, id).error().code, ErrorCode::not_found);
  auto inbox = engine_->inbox(bob, InboxRequest{});
  ASSERT_TRUE(inbox);
  EXPECT_TRUE(inbox->items.empty());
  EXPECT_TRUE(engine_->get_message(ada, id));
}

TEST_F(EngineTest, OnlyTheCreatorWithdraws) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  const Caller eve = user("eve");
  const Message message = sent(ada, Addresses{.users = {bob.id}});
  EXPECT_EQ(engine_->withdraw(bob, message.id).error().code, ErrorCode::forbidden);
  EXPECT_EQ(engine_->withdraw(eve, message.id).error().code, ErrorCode::not_found);
  auto withdrawn = engine_->withdraw(ada, message.id);
  ASSERT_TRUE(withdrawn);
  EXPECT_FALSE(withdrawn->is_active(clock_.now()));
  EXPECT_EQ(engine_->get_message(bob, message.id).error().code, ErrorCode::not_found);
}

TEST_F(EngineTest, InboxPagesByCursor) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  for (int i = 0; i < 5; ++i) sent(ada, Addresses{.users = {bob.id}}, "m" + std::to_string(i));
  auto first = engine_->inbox(bob, InboxRequest{.limit = 2});
  ASSERT_TRUE(first);
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].message.subject, "m4");
  ASSERT_TRUE(first->next);
  auto second = engine_->inbox(bob, InboxRequest{.before = first->next, .limit = 10});
  ASSERT_TRUE(second);
  ASSERT_EQ(second->items.size(), 3u);
  EXPECT_EQ(second->items[0].message.subject, "m2");
  EXPECT_FALSE(second->next);
  EXPECT_EQ(engine_->inbox(bob, InboxRequest{.limit = 0}).error().code, ErrorCode::invalid);
}

}  // namespace
}  // namespace missive::testing
