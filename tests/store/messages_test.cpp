// Conformance: sending (conversations, recipients, idempotency, concurrency), fetching,
// threads, inbox filters and expiry.

#include <algorithm>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "store_test_support.h"

namespace missive::testing {
namespace {

TEST_P(StoreConformance, DirectMessageFillsEveryField) {
  User ada = user("ada");
  User bob = user("bob");
  NewMessage nm = direct(ada.id, bob.id, "hi bob");
  nm.client_msg_id = "c-1";
  nm.expiry_date = now_ + 60'000;
  nm.metadata_json = R"({"priority":"high"})";
  nm.flags = {"urgent", "ops"};
  nm.sent_to = "Bob";
  SendOutcome out = must(store().send_message(nm));
  const Message& m = out.message;
  EXPECT_FALSE(out.duplicate);
  EXPECT_TRUE(m.id.valid());
  EXPECT_TRUE(m.conversation.valid());
  EXPECT_EQ(m.seq, 1);
  EXPECT_EQ(m.creator, ada.id);
  EXPECT_EQ(m.client_msg_id, std::optional<std::string>("c-1"));
  EXPECT_EQ(m.body, "hi bob");
  EXPECT_EQ(m.root, m.id);
  EXPECT_EQ(m.parent, std::nullopt);
  EXPECT_EQ(m.expiry_date, std::optional<Timestamp>(now_ + 60'000));
  EXPECT_EQ(m.flags, (std::vector<std::string>{"urgent", "ops"}));
  EXPECT_EQ(m.recipient_count, 1);
  EXPECT_EQ(m.read_count, 0);

  Message got = must(store().get_message(m.id));
  EXPECT_EQ(got.conversation, m.conversation);
  EXPECT_EQ(got.subject, m.subject);
  EXPECT_EQ(got.metadata_json, m.metadata_json);
  EXPECT_EQ(got.flags, m.flags);
  EXPECT_EQ(got.sent_to, "Bob");
  EXPECT_EQ(got.create_date, m.create_date);
  EXPECT_EQ(got.client_msg_id, m.client_msg_id);

  // The reply goes the other way in the same conversation, next seq.
  Message reply = send(direct(bob.id, ada.id, "hi ada"));
  EXPECT_EQ(reply.conversation, m.conversation);
  EXPECT_EQ(reply.seq, 2);
  EXPECT_EQ(status(store().get_message(MessageId(999))), "not_found");
}

TEST_P(StoreConformance, GroupOfTenGetsTenRecipientRecords) {
  User ada = user("ada");
  std::vector<UserId> members = users("m", 10);
  Group g = group("Ops", ada.id, members);
  Message m = send(to_group(ada.id, g.id, members));
  EXPECT_EQ(m.recipient_count, 10);
  EXPECT_EQ(must(store().recipient_statuses(m.id)).size(), 10u);
  std::vector<GroupReadStat> stats = must(store().read_stats(m.id));
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].group, g.id);
  EXPECT_EQ(stats[0].group_name, "Ops");
  EXPECT_EQ(stats[0].recipients, 10);
  EXPECT_EQ(stats[0].reads, 0);
  for (UserId u : members) {
    InboxItem item = must(store().get_inbox_item(m.id, u));
    EXPECT_EQ(item.via_groups, std::vector<GroupId>{g.id});
    EXPECT_FALSE(item.is_read);
  }
}

TEST_P(StoreConformance, UserReachedDirectlyAndThroughAGroupIsCountedOnce) {
  User ada = user("ada");
  std::vector<UserId> members = users("m", 3);
  Group g = group("Ops", ada.id, members);
  NewMessage nm = to_group(ada.id, g.id, members);
  nm.conversation.kind = ConversationKind::multi;
  nm.recipients.push_back(RecipientRef{members[0], GroupId()});
  Message m = send(nm);
  EXPECT_EQ(m.recipient_count, 3);
  EXPECT_EQ(must(store().recipient_statuses(m.id)).size(), 4u);
  InboxItem item = must(store().get_inbox_item(m.id, members[0]));
  EXPECT_EQ(item.via_groups, std::vector<GroupId>{g.id});
  std::vector<InboxItem> inbox = must(store().inbox(InboxQuery{members[0], {}, 50}));
  ASSERT_EQ(inbox.size(), 1u);  // one item, not one per record
  std::vector<GroupReadStat> stats = must(store().read_stats(m.id));
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_FALSE(stats[0].group.valid());
  EXPECT_EQ(stats[0].group_name, "");
  EXPECT_EQ(stats[0].recipients, 1);
  EXPECT_EQ(stats[1].group, g.id);
  EXPECT_EQ(stats[1].recipients, 3);
}

TEST_P(StoreConformance, ResendWithTheSameClientIdReturnsTheOriginal) {
  User ada = user("ada");
  User bob = user("bob");
  NewMessage nm = direct(ada.id, bob.id, "once");
  nm.client_msg_id = "retry-me";
  SendOutcome first = must(store().send_message(nm));
  nm.body = "changed on retry";
  SendOutcome second = must(store().send_message(nm));
  EXPECT_TRUE(second.duplicate);
  EXPECT_EQ(second.message.id, first.message.id);
  EXPECT_EQ(second.message.seq, 1);
  EXPECT_EQ(second.message.body, "once");
  EXPECT_EQ(must(store().inbox(InboxQuery{bob.id, {}, 50})).size(), 1u);
  EXPECT_EQ(must(store().sent_messages(DashboardQuery{ada.id, {}, 50})).size(), 1u);
  EXPECT_EQ(must(store().conversation(first.message.conversation, bob.id, now_)).max_seq, 1);

  // The key is per creator: bob may use the same client id.
  NewMessage other = direct(bob.id, ada.id, "mine");
  other.client_msg_id = "retry-me";
  SendOutcome bobs = must(store().send_message(other));
  EXPECT_FALSE(bobs.duplicate);
  EXPECT_NE(bobs.message.id, first.message.id);
}

TEST_P(StoreConformance, FindSentMessageByClientId) {
  User ada = user("ada");
  User bob = user("bob");
  NewMessage nm = direct(ada.id, bob.id);
  nm.client_msg_id = "look-me-up";
  SendOutcome sent = must(store().send_message(nm));
  auto found = must(store().find_sent_message(ada.id, "look-me-up"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, sent.message.id);
  EXPECT_FALSE(must(store().find_sent_message(bob.id, "look-me-up")));
  EXPECT_FALSE(must(store().find_sent_message(ada.id, "never-used")));
}

TEST_P(StoreConformance, IdempotencySurvivesReopening) {
  User ada = user("ada");
  User bob = user("bob");
  NewMessage nm = direct(ada.id, bob.id);
  nm.client_msg_id = "durable";
  SendOutcome first = must(store().send_message(nm));
  reopen();
  SendOutcome again = must(store().send_message(nm));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.message.id, first.message.id);
  EXPECT_EQ(must(store().inbox(InboxQuery{bob.id, {}, 50})).size(), 1u);
}

TEST_P(StoreConformance, RacingRetriesMakeExactlyOneMessage) {
  constexpr int kThreads = 8;
  User ada = user("ada");
  User bob = user("bob");
  NewMessage nm = direct(ada.id, bob.id, "raced");
  nm.client_msg_id = "raced-retry";
  std::vector<MessageId> ids(kThreads);
  std::vector<int> fresh(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto out = store().send_message(nm);
      if (!out) return;
      ids[t] = out->message.id;
      fresh[t] = out->duplicate ? 0 : 1;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(std::count(fresh.begin(), fresh.end(), 1), 1);  // one original, the rest duplicates
  for (const MessageId id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(must(store().inbox(InboxQuery{bob.id, {}, 50})).size(), 1u);
  const Message original = must(store().get_message(ids[0]));
  EXPECT_EQ(must(store().conversation(original.conversation, bob.id, now_)).max_seq, 1);
}

TEST_P(StoreConformance, ConcurrentSendsGetGapFreeSeqs) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  User owner = user("owner");
  std::vector<UserId> senders = users("s", kThreads);
  Group g = group("All", owner.id, senders);
  std::vector<std::vector<Seq>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto out = store().send_message(to_group(senders[t], g.id, senders));
        if (out) seqs[t].push_back(out->message.seq);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<Seq> all;
  for (const auto& s : seqs) {
    EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));  // increasing per sender
    all.insert(all.end(), s.begin(), s.end());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], static_cast<Seq>(i + 1));
  ConversationSummary c = must(store().conversations(senders[0], now_)).at(0);
  EXPECT_EQ(c.max_seq, kThreads * kPerThread);
}

TEST_P(StoreConformance, ConcurrentWritersSucceedBesideFailingOnes) {
  constexpr int kThreads = 8;
  constexpr int kHandles = 20;
  std::vector<std::vector<std::string>> outcomes(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Two threads try each handle: one must win, the other must get a conflict.
      for (int i = 0; i < kHandles; ++i) {
        NewUser nu{fmt::format("h{}-{}", t / 2, i), "F", "L", "x", {},
                   false, now_};
        outcomes[t].push_back(status(store().create_user(nu)));
      }
    });
  }
  for (auto& th : threads) th.join();
  int ok = 0;
  int conflict = 0;
  for (const auto& o : outcomes) {
    ok += static_cast<int>(std::count(o.begin(), o.end(), "ok"));
    conflict += static_cast<int>(std::count(o.begin(), o.end(), "conflict"));
  }
  EXPECT_EQ(ok, kThreads / 2 * kHandles);
  EXPECT_EQ(conflict, kThreads / 2 * kHandles);
  EXPECT_EQ(must(store().count_users()), kThreads / 2 * kHandles);
}

TEST_P(StoreConformance, FailedSendWritesNothing) {
  User ada = user("ada");
  User bob = user("bob");
  NewMessage unknown_parent = direct(ada.id, bob.id);
  unknown_parent.parent = MessageId(999);
  EXPECT_EQ(status(store().send_message(unknown_parent)), "not_found");
  NewMessage unknown_recipient = direct(ada.id, bob.id);
  unknown_recipient.client_msg_id = "k";
  unknown_recipient.recipients.push_back(RecipientRef{UserId(999), GroupId()});
  EXPECT_EQ(status(store().send_message(unknown_recipient)), "not_found");
  NewMessage unknown_conversation = direct(ada.id, bob.id);
  unknown_conversation.conversation.kind = ConversationKind::multi;
  unknown_conversation.conversation.existing = ConversationId(999);
  EXPECT_EQ(status(store().send_message(unknown_conversation)), "not_found");
  EXPECT_TRUE(must(store().conversations(ada.id, now_)).empty());
  EXPECT_TRUE(must(store().inbox(InboxQuery{bob.id, {}, 50})).empty());

  // The failed attempt did not burn the client id or a seq.
  unknown_recipient.recipients.pop_back();
  SendOutcome out = must(store().send_message(unknown_recipient));
  EXPECT_FALSE(out.duplicate);
  EXPECT_EQ(out.message.seq, 1);
}

TEST_P(StoreConformance, ThreadsFollowTheirRoot) {
  User ada = user("ada");
  User bob = user("bob");
  User cy = user("cy");
  NewMessage first = direct(ada.id, bob.id);
  first.conversation.kind = ConversationKind::multi;
  first.recipients.push_back(RecipientRef{cy.id, GroupId()});
  Message root = send(first);

  NewMessage reply = direct(bob.id, ada.id, "re");
  reply.parent = root.id;
  reply.conversation = ConversationKey{ConversationKind::multi, {}, {}, {}, root.conversation};
  reply.recipients = {{ada.id, GroupId()}, {cy.id, GroupId()}};
  Message r1 = send(reply);
  EXPECT_EQ(r1.root, root.id);
  EXPECT_EQ(r1.parent, std::optional<MessageId>(root.id));
  EXPECT_EQ(r1.conversation, root.conversation);
  EXPECT_EQ(r1.seq, 2);

  reply.parent = r1.id;
  reply.creator = cy.id;
  reply.recipients = {{ada.id, GroupId()}, {bob.id, GroupId()}};
  Message r2 = send(reply);
  EXPECT_EQ(r2.root, root.id);
  EXPECT_EQ(r2.parent, std::optional<MessageId>(r1.id));

  send(direct(ada.id, bob.id, "unrelated"));
  std::vector<Message> thread = must(store().get_thread(root.id));
  ASSERT_EQ(thread.size(), 3u);
  EXPECT_EQ(thread[0].id, root.id);
  EXPECT_EQ(thread[1].id, r1.id);
  EXPECT_EQ(thread[2].id, r2.id);
  EXPECT_EQ(status(store().get_thread(MessageId(999))), "not_found");
}

TEST_P(StoreConformance, InboxFiltersAndPages) {
  User ada = user("ada");
  User bob = user("bob");
  User me = user("me");
  Group g = group("Ops", ada.id, {me.id, bob.id});
  std::vector<MessageId> ids;  // oldest first
  for (int i = 0; i < 3; ++i) ids.push_back(send(direct(ada.id, me.id)).id);
  for (int i = 0; i < 2; ++i) ids.push_back(send(direct(bob.id, me.id)).id);
  for (int i = 0; i < 2; ++i) ids.push_back(send(to_group(ada.id, g.id, {me.id, bob.id})).id);
  send(direct(ada.id, bob.id, "not for me"));

  auto ids_of = [](const std::vector<InboxItem>& items) {
    std::vector<MessageId> out;
    for (const auto& i : items) out.push_back(i.message.id);
    return out;
  };
  InboxQuery q{me.id, {}, 50};
  std::vector<MessageId> newest_first(ids.rbegin(), ids.rend());
  EXPECT_EQ(ids_of(must(store().inbox(q))), newest_first);

  // Pages of 3 with the cursor.
  q.limit = 3;
  std::vector<MessageId> paged;
  for (;;) {
    std::vector<InboxItem> page = must(store().inbox(q));
    if (page.empty()) break;
    EXPECT_LE(page.size(), 3u);
    for (const auto& i : page) paged.push_back(i.message.id);
    q.before = page.back().message.id;
  }
  EXPECT_EQ(paged, newest_first);

  InboxQuery by_sender{me.id, {}, 50};
  by_sender.sender = bob.id;
  EXPECT_EQ(ids_of(must(store().inbox(by_sender))), (std::vector<MessageId>{ids[4], ids[3]}));

  InboxQuery by_group{me.id, {}, 50};
  by_group.group = g.id;
  std::vector<InboxItem> group_items = must(store().inbox(by_group));
  EXPECT_EQ(ids_of(group_items), (std::vector<MessageId>{ids[6], ids[5]}));
  EXPECT_EQ(group_items[0].via_groups, std::vector<GroupId>{g.id});

  must(store().mark_message_read(ids[6], me.id, now_));
  must(store().mark_message_read(ids[1], me.id, now_));
  InboxQuery unread{me.id, {}, 50};
  unread.unread_only = true;
  EXPECT_EQ(ids_of(must(store().inbox(unread))),
            (std::vector<MessageId>{ids[5], ids[4], ids[3], ids[2], ids[0]}));
  std::vector<InboxItem> all = must(store().inbox(InboxQuery{me.id, {}, 50}));
  EXPECT_TRUE(all[0].is_read);
  EXPECT_EQ(all[0].read_at, std::optional<Timestamp>(now_));
  EXPECT_FALSE(all[1].is_read);
  EXPECT_EQ(all[1].read_at, std::nullopt);
  EXPECT_TRUE(all[2].via_groups.empty());  // ids[4] came directly
}

TEST_P(StoreConformance, ExpiredMessagesLeaveTheInbox) {
  User ada = user("ada");
  User me = user("me");
  NewMessage expiring = direct(ada.id, me.id, "soon gone");
  expiring.expiry_date = now_ + 1000;
  Message gone = send(expiring);
  Message stays = send(direct(ada.id, me.id, "stays"));

  auto inbox_at = [&](Timestamp t) {
    InboxQuery q{me.id, {}, 50};
    q.now = t;
    return must(store().inbox(q)).size();
  };
  EXPECT_EQ(inbox_at(now_ + 999), 2u);
  EXPECT_EQ(inbox_at(now_ + 1000), 1u);  // expired at exactly its expiry date

  Message cleared = must(store().set_expiry(gone.id, std::nullopt, now_));
  EXPECT_EQ(cleared.expiry_date, std::nullopt);
  EXPECT_EQ(inbox_at(now_ + 5000), 2u);
  Message set = must(store().set_expiry(stays.id, now_, now_));
  EXPECT_EQ(set.expiry_date, std::optional<Timestamp>(now_));
  EXPECT_EQ(inbox_at(now_), 1u);
  EXPECT_EQ(status(store().set_expiry(MessageId(999), now_, now_)), "not_found");
}

TEST_P(StoreConformance, InboxItemIsTheRecipientsView) {
  User ada = user("ada");
  User bob = user("bob");
  User cy = user("cy");
  Message m = send(direct(ada.id, bob.id));
  EXPECT_EQ(status(store().get_inbox_item(m.id, cy.id)), "not_found");
  EXPECT_EQ(status(store().get_inbox_item(m.id, ada.id)), "not_found");  // the sender
  EXPECT_EQ(status(store().get_inbox_item(MessageId(999), bob.id)), "not_found");
  InboxItem item = must(store().get_inbox_item(m.id, bob.id));
  EXPECT_EQ(item.message.id, m.id);
  EXPECT_FALSE(item.is_read);
  EXPECT_TRUE(item.via_groups.empty());
  must(store().mark_message_read(m.id, bob.id, now_ + 7));
  item = must(store().get_inbox_item(m.id, bob.id));
  EXPECT_TRUE(item.is_read);
  EXPECT_EQ(item.read_at, std::optional<Timestamp>(now_ + 7));
  EXPECT_EQ(item.message.read_count, 1);
}

}  // namespace
}  // namespace missive::testing
