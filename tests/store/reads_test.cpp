// Conformance: read tracking (records, counters, watermarks, unread counts, join/leave
// windows), conversation summaries and the dashboard.

#include "store_test_support.h"

namespace missive::testing {
namespace {

TEST_P(StoreConformance, MarkMessageReadIsIdempotentAndCountsOnce) {
  User ada = user("ada");
  std::vector<UserId> m = users("m", 3);
  Message msg = send_to_ops_and_first_member(ada.id, m);  // m0 has two records

  ReadOutcome first = must(store().mark_message_read(msg.id, m[0], now_ + 5));
  EXPECT_EQ(first.messages_marked, 1);
  EXPECT_EQ(first.read_seq, 1);
  ReadOutcome second = must(store().mark_message_read(msg.id, m[0], now_ + 9));
  EXPECT_EQ(second.messages_marked, 0);
  EXPECT_EQ(second.read_seq, 1);

  EXPECT_EQ(must(store().get_message(msg.id)).read_count, 1);
  std::vector<GroupReadStat> stats = must(store().read_stats(msg.id));
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].reads, 1);  // direct
  EXPECT_EQ(stats[1].reads, 1);  // Ops
  EXPECT_EQ(stats[1].recipients, 3);

  must(store().mark_message_read(msg.id, m[1], now_ + 6));
  EXPECT_EQ(must(store().get_message(msg.id)).read_count, 2);
  stats = must(store().read_stats(msg.id));
  EXPECT_EQ(stats[0].reads, 1);
  EXPECT_EQ(stats[1].reads, 2);

  for (const RecipientStatus& s : must(store().recipient_statuses(msg.id))) {
    bool should_be_read = s.user == m[0] || s.user == m[1];
    EXPECT_EQ(s.is_read, should_be_read) << s.handle;
    if (s.user == m[0]) {
      EXPECT_EQ(s.read_at, std::optional<Timestamp>(now_ + 5));
    }
  }
  EXPECT_EQ(status(store().mark_message_read(msg.id, ada.id, now_)), "not_found");
  EXPECT_EQ(status(store().mark_message_read(MessageId(999), m[0], now_)), "not_found");
}

TEST_P(StoreConformance, AMessageReadCountsAsDelivered) {
  User ada = user("ada");
  std::vector<UserId> m = users("m", 3);
  Message msg = send_to_ops_and_first_member(ada.id, m);  // m0 has two records
  must(store().mark_message_read(msg.id, m[0], now_ + 5));
  must(store().mark_message_read(msg.id, m[0], now_ + 6));
  EXPECT_EQ(must(store().get_message(msg.id)).delivered_count, 1);
  must(store().mark_conversation_read(msg.conversation, m[1], msg.seq, now_ + 7));
  EXPECT_EQ(must(store().get_message(msg.id)).delivered_count, 2);
  for (const RecipientStatus& s : must(store().recipient_statuses(msg.id))) {
    const std::optional<Timestamp> expected = s.user == m[0]   ? std::optional<Timestamp>(now_ + 5)
                                              : s.user == m[1] ? std::optional<Timestamp>(now_ + 7)
                                                               : std::nullopt;
    EXPECT_EQ(s.delivered_at, expected) << s.handle;
  }
}

TEST_P(StoreConformance, ReadHistoryCountsEachReaderOnceByBucket) {
  User ada = user("ada");
  std::vector<UserId> m = users("m", 4);
  Message msg = send_to_ops_and_first_member(ada.id, m);  // m0 has two records
  must(store().mark_message_read(msg.id, m[0], now_ + 5));
  must(store().mark_message_read(msg.id, m[1], now_ + 8));
  must(store().mark_message_read(msg.id, m[2], now_ + 25));

  const auto history = must(
      store().read_history(ReadHistoryQuery{.message = msg.id, .origin = now_, .bucket_ms = 10}));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].readers, 2);  // m0 once, m1
  EXPECT_EQ(history[0].last_read_at, now_ + 8);
  EXPECT_EQ(history[1].readers, 1);
  EXPECT_EQ(history[1].last_read_at, now_ + 25);
  EXPECT_EQ(status(store().read_history(ReadHistoryQuery{.message = MessageId(999)})), "not_found");
}

TEST_P(StoreConformance, ListUsersByPrefixOfHandleOrName) {
  must(store().create_user(NewUser{"ada", "Ada", "Lovelace", "h", {}, false, now_}));
  must(store().create_user(NewUser{"bob", "Robert", "Kahn", "h", {}, false, now_}));
  must(store().create_user(NewUser{"a_b", "X", "Y", "h", {}, false, now_}));
  const auto handles = [&](std::string prefix) {
    std::string out;
    UserQuery query{UserId(), 10, false};
    query.prefix = std::move(prefix);
    for (const User& u : must(store().list_users(query))) out += u.handle + " ";
    return out;
  };
  EXPECT_EQ(handles("A"), "ada a_b ");
  EXPECT_EQ(handles("lov"), "ada ");
  EXPECT_EQ(handles("ROB"), "bob ");
  EXPECT_EQ(handles("a_"), "a_b ");
  EXPECT_EQ(handles("%"), "");
  EXPECT_EQ(handles("\\"), "");
  EXPECT_EQ(handles(""), "ada bob a_b ");
}

TEST_P(StoreConformance, RecipientStatusesTellWhoIsActiveNow) {
  User ada = user("ada");
  User bob = user("bob");
  User cyd = user("cyd");
  NewMessage nm = direct(ada.id, bob.id);
  nm.conversation.kind = ConversationKind::multi;
  nm.recipients.push_back(RecipientRef{cyd.id, GroupId()});
  Message m = send(nm);
  must(store().set_user_active(cyd.id, false));
  for (const RecipientStatus& s : must(store().recipient_statuses(m.id))) {
    EXPECT_EQ(s.user_is_active, s.user == bob.id) << s.handle;
  }
}

TEST_P(StoreConformance, WatermarkCrossesOnlyAContiguousReadPrefix) {
  User ada = user("ada");
  User bob = user("bob");
  Message m1 = send(direct(ada.id, bob.id));
  Message m2 = send(direct(ada.id, bob.id));
  Message m3 = send(direct(ada.id, bob.id));

  EXPECT_EQ(must(store().mark_message_read(m2.id, bob.id, now_)).read_seq, 0);
  ConversationSummary c = must(store().conversation(m1.conversation, bob.id, now_));
  // The watermark stays below the unread m1, yet m2 is no longer counted: the summary agrees
  // with the inbox's unread filter.
  EXPECT_EQ(c.unread, 2);
  EXPECT_EQ(must(store().inbox(InboxQuery{.user = bob.id, .unread_only = true, .now = now_})).size(), 2u);
  EXPECT_EQ(must(store().mark_message_read(m1.id, bob.id, now_)).read_seq, 2);
  EXPECT_EQ(must(store().conversation(m1.conversation, bob.id, now_)).unread, 1);
  EXPECT_EQ(must(store().mark_message_read(m3.id, bob.id, now_)).read_seq, 3);
  EXPECT_EQ(must(store().conversation(m1.conversation, bob.id, now_)).unread, 0);
}

TEST_P(StoreConformance, ExpiredMessagesAreNotCountedUnread) {
  User ada = user("ada");
  User bob = user("bob");
  NewMessage expiring = direct(ada.id, bob.id);
  expiring.expiry_date = now_ + 1000;
  Message m1 = send(expiring);
  send(direct(ada.id, bob.id));
  EXPECT_EQ(must(store().conversation(m1.conversation, bob.id, now_)).unread, 2);
  EXPECT_EQ(must(store().conversation(m1.conversation, bob.id, now_ + 1000)).unread, 1);
  EXPECT_EQ(must(store().conversations(bob.id, now_ + 1000)).at(0).unread, 1);
}

TEST_P(StoreConformance, OwnMessagesAreNeverUnread) {
  User ada = user("ada");
  User bob = user("bob");
  Message a1 = send(direct(ada.id, bob.id));
  Message a2 = send(direct(ada.id, bob.id));
  ConversationSummary mine = must(store().conversation(a1.conversation, ada.id, now_));
  EXPECT_EQ(mine.read_seq, 2);
  EXPECT_EQ(mine.unread, 0);
  EXPECT_EQ(must(store().conversation(a1.conversation, bob.id, now_)).unread, 2);

  // Replying moves bob's watermark to his reply, and marks what it covers read: the inbox
  // and the read-% agree with the unread count.
  Message b1 = send(direct(bob.id, ada.id));  // seq 3
  ConversationSummary bobs = must(store().conversation(a1.conversation, bob.id, now_));
  EXPECT_EQ(bobs.read_seq, 3);
  EXPECT_EQ(bobs.unread, 0);
  EXPECT_TRUE(must(store().get_inbox_item(a1.id, bob.id)).is_read);
  EXPECT_EQ(must(store().get_message(a2.id)).read_count, 1);
  EXPECT_EQ(must(store().conversation(a1.conversation, ada.id, now_)).unread, 1);

  Message a3 = send(direct(ada.id, bob.id));  // seq 4
  ConversationSummary after = must(store().conversation(a1.conversation, ada.id, now_));
  EXPECT_EQ(after.read_seq, 4);
  EXPECT_EQ(after.unread, 0);
  EXPECT_TRUE(must(store().get_inbox_item(b1.id, ada.id)).is_read);
  EXPECT_EQ(must(store().conversation(a1.conversation, bob.id, now_)).unread, 1);
  EXPECT_EQ(must(store().mark_message_read(a3.id, bob.id, now_)).read_seq, 4);
}

TEST_P(StoreConformance, ConversationWatermarkNeverLowers) {
  User ada = user("ada");
  User bob = user("bob");
  User cy = user("cy");
  Message first;
  for (int i = 0; i < 5; ++i) {
    Message m = send(direct(ada.id, bob.id));
    if (i == 0) first = m;
  }
  ConversationId conv = first.conversation;
  ReadOutcome r = must(store().mark_conversation_read(conv, bob.id, 3, now_));
  EXPECT_EQ(r.read_seq, 3);
  EXPECT_EQ(r.messages_marked, 3);
  r = must(store().mark_conversation_read(conv, bob.id, 1, now_));  // a late, older read
  EXPECT_EQ(r.read_seq, 3);
  EXPECT_EQ(r.messages_marked, 0);
  r = must(store().mark_conversation_read(conv, bob.id, 99, now_));  // past the end: clamped
  EXPECT_EQ(r.read_seq, 5);
  EXPECT_EQ(r.messages_marked, 2);
  r = must(store().mark_conversation_read(conv, bob.id, 99, now_));
  EXPECT_EQ(r.messages_marked, 0);

  for (const InboxItem& item : must(store().inbox(InboxQuery{bob.id, {}, 50}))) {
    EXPECT_TRUE(item.is_read);
    EXPECT_EQ(item.message.read_count, 1);
  }
  EXPECT_EQ(must(store().conversation(conv, bob.id, now_)).unread, 0);
  EXPECT_EQ(status(store().mark_conversation_read(conv, cy.id, 5, now_)), "not_found");
  EXPECT_EQ(status(store().mark_conversation_read(ConversationId(999), bob.id, 5, now_)),
            "not_found");
}

TEST_P(StoreConformance, ConversationReadUpdatesGroupCounters) {
  User ada = user("ada");
  std::vector<UserId> m = users("m", 4);
  Group g = group("Ops", ada.id, m);
  Message g1 = send(to_group(ada.id, g.id, m));
  Message g2 = send(to_group(ada.id, g.id, m));
  must(store().mark_message_read(g1.id, m[0], now_));
  ReadOutcome r = must(store().mark_conversation_read(g1.conversation, m[0], 2, now_));
  EXPECT_EQ(r.messages_marked, 1);  // g1 was already read
  must(store().mark_conversation_read(g1.conversation, m[1], 2, now_));
  EXPECT_EQ(must(store().get_message(g1.id)).read_count, 2);
  EXPECT_EQ(must(store().get_message(g2.id)).read_count, 2);
  EXPECT_EQ(must(store().read_stats(g2.id)).at(0).reads, 2);
  EXPECT_EQ(must(store().read_stats(g1.id)).at(0).reads, 2);
}

TEST_P(StoreConformance, ConversationsListUnreadByLastActivity) {
  User me = user("me");
  User ada = user("ada");
  User bob = user("bob");
  NewMessage older = direct(ada.id, me.id);
  older.create_date = now_;
  Message a1 = send(older);
  older.create_date = now_ + 10;
  send(older);
  NewMessage newer = direct(bob.id, me.id);
  newer.create_date = now_ + 20;
  Message b1 = send(newer);

  std::vector<ConversationSummary> list = must(store().conversations(me.id, now_));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, b1.conversation);
  EXPECT_EQ(list[0].kind, ConversationKind::direct);
  EXPECT_EQ(list[0].unread, 1);
  EXPECT_EQ(list[0].last_message, std::optional<MessageId>(b1.id));
  EXPECT_EQ(list[0].last_activity, now_ + 20);
  EXPECT_EQ(list[1].id, a1.conversation);
  EXPECT_EQ(list[1].unread, 2);
  EXPECT_EQ(list[1].max_seq, 2);
  EXPECT_EQ(list[1].read_seq, 0);

  NewMessage reply = direct(me.id, ada.id);
  reply.create_date = now_ + 30;
  send(reply);
  list = must(store().conversations(me.id, now_));
  EXPECT_EQ(list[0].id, a1.conversation);
  EXPECT_EQ(list[0].unread, 0);  // replying read the conversation
  EXPECT_EQ(status(store().conversation(a1.conversation, bob.id, now_)), "not_found");
  EXPECT_TRUE(must(store().conversations(UserId(999), now_)).empty());
}

TEST_P(StoreConformance, MembersSeeOnlyTheirJoinLeaveWindow) {
  User ada = user("ada");
  User bob = user("bob");
  User cy = user("cy");
  User dee = user("dee");
  Group g = group("Ops", ada.id, {bob.id, cy.id, dee.id});
  Message m1 = send(to_group(ada.id, g.id, {bob.id, cy.id}));  // seq 1
  ConversationId conv = m1.conversation;
  EXPECT_EQ(status(store().conversation(conv, dee.id, now_)), "not_found");

  // cy drops out of the audience: she leaves after seq 1; dee joins at seq 2.
  send(to_group(ada.id, g.id, {bob.id, dee.id}));  // seq 2
  send(to_group(ada.id, g.id, {bob.id, dee.id}));  // seq 3
  ConversationSummary cy_view = must(store().conversation(conv, cy.id, now_));
  EXPECT_EQ(cy_view.max_seq, 1);
  EXPECT_EQ(cy_view.unread, 1);
  EXPECT_EQ(cy_view.last_message, std::optional<MessageId>(m1.id));
  ConversationSummary dee_view = must(store().conversation(conv, dee.id, now_));
  EXPECT_EQ(dee_view.max_seq, 3);
  EXPECT_EQ(dee_view.unread, 2);
  EXPECT_EQ(must(store().conversation(conv, bob.id, now_)).unread, 3);

  // The read-% denominator stays the audience at send time.
  EXPECT_EQ(must(store().get_message(m1.id)).recipient_count, 2);
  EXPECT_EQ(must(store().read_stats(m1.id)).at(0).recipients, 2);

  // A member who left can read only up to where she left.
  ReadOutcome r = must(store().mark_conversation_read(conv, cy.id, 99, now_));
  EXPECT_EQ(r.read_seq, 1);
  EXPECT_EQ(must(store().conversation(conv, cy.id, now_)).unread, 0);

  // cy comes back at seq 4 and sees it onward, not the messages she missed.
  send(to_group(ada.id, g.id, {bob.id, cy.id, dee.id}));  // seq 4
  cy_view = must(store().conversation(conv, cy.id, now_));
  EXPECT_EQ(cy_view.max_seq, 4);
  EXPECT_EQ(cy_view.unread, 1);
  r = must(store().mark_conversation_read(conv, cy.id, 99, now_));
  EXPECT_EQ(r.read_seq, 4);
  EXPECT_EQ(r.messages_marked, 1);
}

TEST_P(StoreConformance, DashboardListsSentMessagesAndRecipients) {
  User ada = user("ada");
  User zed = user("zed");
  User bob = user("bob");
  Group g = group("Ops", ada.id, {zed.id, bob.id});
  std::vector<MessageId> sent;
  for (int i = 0; i < 5; ++i) sent.push_back(send(direct(ada.id, bob.id)).id);
  send(direct(bob.id, ada.id));  // not ada's

  DashboardQuery q{ada.id, {}, 2};
  std::vector<MessageId> seen;
  for (;;) {
    std::vector<Message> page = must(store().sent_messages(q));
    if (page.empty()) break;
    for (const Message& m : page) {
      EXPECT_EQ(m.creator, ada.id);
      seen.push_back(m.id);
    }
    q.before = page.back().id;
  }
  EXPECT_EQ(seen, (std::vector<MessageId>(sent.rbegin(), sent.rend())));

  NewMessage mixed = to_group(ada.id, g.id, {zed.id, bob.id});
  mixed.conversation.kind = ConversationKind::multi;
  mixed.recipients.push_back(RecipientRef{bob.id, GroupId()});
  Message m = send(mixed);
  must(store().mark_message_read(m.id, zed.id, now_ + 1));
  std::vector<RecipientStatus> rows = must(store().recipient_statuses(m.id));
  ASSERT_EQ(rows.size(), 3u);
  // Ordered by group (direct first), then handle.
  EXPECT_EQ(rows[0].handle, "bob");
  EXPECT_FALSE(rows[0].group.valid());
  EXPECT_EQ(rows[0].group_name, "");
  EXPECT_EQ(rows[1].handle, "bob");
  EXPECT_EQ(rows[1].group, g.id);
  EXPECT_EQ(rows[1].group_name, "Ops");
  EXPECT_EQ(rows[2].handle, "zed");
  EXPECT_EQ(rows[2].full_name, "Firstzed Lastzed");
  EXPECT_TRUE(rows[2].is_read);
  EXPECT_EQ(rows[2].read_at, std::optional<Timestamp>(now_ + 1));
  EXPECT_FALSE(rows[1].is_read);

  std::vector<GroupReadStat> stats = must(store().read_stats(m.id));
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].recipients, 1);
  EXPECT_EQ(stats[0].reads, 0);
  EXPECT_EQ(stats[1].group_name, "Ops");
  EXPECT_EQ(stats[1].recipients, 2);
  EXPECT_EQ(stats[1].reads, 1);
  EXPECT_EQ(status(store().read_stats(MessageId(999))), "not_found");
  EXPECT_EQ(status(store().recipient_statuses(MessageId(999))), "not_found");
}

}  // namespace
}  // namespace missive::testing
