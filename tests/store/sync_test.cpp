// Conformance: the sync timeline (docs/protocol.md) — which event writes which entries for
// whom, per-user seqs, pulling, delivery marks, range pulls, pruning and deferred fan-out.

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "store_test_support.h"

namespace missive::testing {
namespace {

// One entry as a line: "message c1:2 m5", "read c1:2", "status m5 u3 read", "expiry m5 T",
// "reminder m5 #1 final", "attachment m5 a2". Message entries pulled without content end in " placeholder".
std::string describe(const SyncEntry& e) {
  const std::int64_t message = e.message ? e.message->value : 0;
  switch (e.kind) {
    case EntryKind::message:
      return fmt::format("message c{}:{} m{}{}", e.conversation.value, e.conv_seq, message,
                         e.content ? "" : " placeholder");
    case EntryKind::read:
      return fmt::format("read c{}:{}", e.conversation.value, e.conv_seq);
    case EntryKind::status:
      return fmt::format("status m{} u{} {}", message, e.user ? e.user->value : 0,
                         delivery_status_name(e.status));
    case EntryKind::expiry:
      return fmt::format("expiry m{} {}", message,
                         e.expiry ? std::to_string(*e.expiry) : std::string("none"));
    case EntryKind::reminder:
      return fmt::format("reminder m{} #{}{}", message, e.number, e.is_final ? " final" : "");
    case EntryKind::attachment:
      return fmt::format("attachment m{} a{}", message, e.attachment ? e.attachment->value : 0);
  }
  return "?";
}

class SyncTimeline {
 public:
  explicit SyncTimeline(Store& store) : store_(store) {}

  // Every entry of `user` after `since`, described, pulled page by page.
  std::vector<std::string> after(UserId user, SyncSeq since, Timestamp now) {
    std::vector<std::string> out;
    for (;;) {
      SyncPage page = must(store_.sync(SyncQuery{user, since, 3, now}));
      for (const SyncEntry& e : page.entries) {
        EXPECT_EQ(e.seq, since + 1) << "seqs are gap-free and ascending";
        since = e.seq;
        out.push_back(describe(e));
      }
      if (page.entries.empty()) {
        EXPECT_EQ(since, page.state.last);
        return out;
      }
    }
  }

 private:
  Store& store_;
};

std::vector<std::string> lines(std::initializer_list<std::string> l) { return l; }

TEST_P(StoreConformance, SendWritesOneMessageEntryPerUserAndNoReadForTheSender) {
  User ada = user("ada");
  std::vector<UserId> m = users("m", 3);
  Group g = group("Ops", ada.id, m);
  NewMessage nm = to_group(ada.id, g.id, m);
  nm.conversation.kind = ConversationKind::multi;
  nm.recipients.push_back(RecipientRef{m[0], GroupId()});  // m0 directly and through Ops
  Message msg = send(nm);
  SyncTimeline t(store());
  const std::string entry = fmt::format("message c{}:1 m{}", msg.conversation.value, msg.id.value);
  // The sender's watermark moves too, but their own message entry says so (no read entry).
  EXPECT_EQ(t.after(ada.id, 0, now_), lines({entry}));
  for (UserId u : m) EXPECT_EQ(t.after(u, 0, now_), lines({entry})) << u.value;

  SyncPage page = must(store().sync(SyncQuery{m[0], 0, 10, now_}));
  ASSERT_EQ(page.entries.size(), 1u);
  const SyncEntry& e = page.entries[0];
  EXPECT_EQ(e.seq, 1);
  EXPECT_EQ(e.kind, EntryKind::message);
  EXPECT_EQ(e.message, std::optional<MessageId>(msg.id));
  EXPECT_EQ(e.at, nm.create_date);
  ASSERT_TRUE(e.content);
  EXPECT_EQ(e.content->body, msg.body);
  EXPECT_EQ(e.content->recipient_count, 3);
  EXPECT_EQ(page.state.last, 1);
  EXPECT_EQ(page.state.floor, 0);
  EXPECT_EQ(page.state.delivered, 0);
  // A duplicate send writes nothing.
  nm.client_msg_id = "once";
  send(nm);
  SyncSeq before = must(store().sync_state(m[1])).last;
  EXPECT_TRUE(must(store().send_message(nm)).duplicate);
  EXPECT_EQ(must(store().sync_state(m[1])).last, before);
}

TEST_P(StoreConformance, EveryUsersSeqsAreGapFreeAcrossEvents) {
  User ada = user("ada"), bob = user("bob"), cyd = user("cyd");
  for (int i = 0; i < 4; ++i) {
    send(direct(ada.id, bob.id));
    send(direct(bob.id, cyd.id));
    Message m = send(direct(cyd.id, ada.id));
    must(store().mark_message_read(m.id, ada.id, now_));
  }
  SyncTimeline t(store());
  for (UserId u : {ada.id, bob.id, cyd.id}) {
    std::vector<std::string> all = t.after(u, 0, now_);  // checks 1, 2, 3, ... itself
    EXPECT_EQ(static_cast<SyncSeq>(all.size()), must(store().sync_state(u)).last);
    EXPECT_FALSE(all.empty());
  }
  EXPECT_EQ(must(store().sync_state(user("dan").id)).last, 0);  // no entries yet
}

TEST_P(StoreConformance, SyncPagesByLimitAfterTheCursor) {
  User ada = user("ada"), bob = user("bob");
  for (int i = 0; i < 5; ++i) send(direct(ada.id, bob.id));
  SyncPage first = must(store().sync(SyncQuery{bob.id, 0, 2, now_}));
  ASSERT_EQ(first.entries.size(), 2u);
  EXPECT_EQ(first.entries[0].seq, 1);
  EXPECT_EQ(first.entries[1].seq, 2);
  EXPECT_EQ(first.state.last, 5);
  SyncPage rest = must(store().sync(SyncQuery{bob.id, 2, 100, now_}));
  ASSERT_EQ(rest.entries.size(), 3u);
  EXPECT_EQ(rest.entries[0].seq, 3);
  EXPECT_EQ(rest.entries[0].conv_seq, 3);
  EXPECT_TRUE(must(store().sync(SyncQuery{bob.id, 5, 100, now_})).entries.empty());
  EXPECT_TRUE(must(store().sync(SyncQuery{bob.id, 0, 0, now_})).entries.empty());
}

TEST_P(StoreConformance, WithdrawalWritesExpiryEntriesAndMakesPlaceholders) {
  User ada = user("ada");
  std::vector<UserId> m = users("m", 2);
  Group g = group("Ops", ada.id, m);
  NewMessage nm = to_group(ada.id, g.id, m);
  nm.recipients.push_back(RecipientRef{m[0], GroupId()});
  Message msg = send(nm);
  const SyncSeq ada_before = must(store().sync_state(ada.id)).last;
  must(store().set_expiry(msg.id, now_ + 10, now_));
  SyncTimeline t(store());
  const std::string expiry = fmt::format("expiry m{} {}", msg.id.value, now_ + 10);
  EXPECT_EQ(t.after(ada.id, ada_before, now_), lines({expiry}));
  EXPECT_EQ(t.after(m[0], 1, now_), lines({expiry}));  // once, though reached twice
  EXPECT_EQ(t.after(m[1], 1, now_), lines({expiry}));
  // Before the expiry the entry carries the message; from it on, a placeholder.
  const std::string entry = fmt::format("message c{}:1 m{}", msg.conversation.value, msg.id.value);
  EXPECT_EQ(t.after(m[1], 0, now_ + 9)[0], entry);
  EXPECT_EQ(t.after(m[1], 0, now_ + 10)[0], entry + " placeholder");
  must(store().set_expiry(msg.id, std::nullopt, now_));
  EXPECT_EQ(t.after(m[1], 2, now_), lines({fmt::format("expiry m{} none", msg.id.value)}));
}

// A retried withdrawal (its first answer lost after the commit) changes nothing: no second
// expiry entry, the same message back.
TEST_P(StoreConformance, AnUnchangedExpiryWritesNoEntry) {
  User ada = user("ada"), bob = user("bob");
  Message msg = send(direct(ada.id, bob.id));
  must(store().set_expiry(msg.id, now_, now_));
  const SyncSeq bob_before = must(store().sync_state(bob.id)).last;
  const Message again = must(store().set_expiry(msg.id, now_, now_ + 5));
  EXPECT_EQ(again.expiry_date, std::optional<Timestamp>(now_));
  EXPECT_EQ(must(store().sync_state(bob.id)).last, bob_before);
  must(store().set_expiry(msg.id, std::nullopt, now_));
  must(store().set_expiry(msg.id, std::nullopt, now_));
  EXPECT_EQ(must(store().sync_state(bob.id)).last, bob_before + 1);
}

TEST_P(StoreConformance, ReadEntriesOnlyWhenTheWatermarkRisesAndStatusToTheCreator) {
  User ada = user("ada"), bob = user("bob");
  Message m1 = send(direct(ada.id, bob.id));
  Message m2 = send(direct(ada.id, bob.id));
  const ConversationId c = m1.conversation;
  SyncTimeline t(store());
  const SyncSeq ada0 = must(store().sync_state(ada.id)).last;
  const SyncSeq bob0 = must(store().sync_state(bob.id)).last;

  // m2 read first: the watermark stays below the unread m1; the read entry names m2.
  must(store().mark_message_read(m2.id, bob.id, now_));
  EXPECT_EQ(t.after(bob.id, bob0, now_), lines({fmt::format("read c{}:0", c.value)}));
  EXPECT_EQ(must(store().sync(SyncQuery{bob.id, bob0, 1, now_})).entries[0].message, m2.id);
  EXPECT_EQ(t.after(ada.id, ada0, now_),
            lines({fmt::format("status m{} u{} read", m2.id.value, bob.id.value)}));
  // m1 read: the watermark crosses both.
  must(store().mark_message_read(m1.id, bob.id, now_));
  EXPECT_EQ(t.after(bob.id, bob0 + 1, now_), lines({fmt::format("read c{}:2", c.value)}));
  EXPECT_EQ(t.after(ada.id, ada0 + 1, now_),
            lines({fmt::format("status m{} u{} read", m1.id.value, bob.id.value)}));
  // Reading again, or an older mark, writes nothing.
  must(store().mark_message_read(m1.id, bob.id, now_));
  must(store().mark_conversation_read(c, bob.id, 1, now_));
  EXPECT_EQ(must(store().sync_state(bob.id)).last, bob0 + 2);
  EXPECT_EQ(must(store().sync_state(ada.id)).last, ada0 + 2);

  // A conversation read: one read entry, one status per message newly read.
  Message m3 = send(direct(ada.id, bob.id));
  Message m4 = send(direct(ada.id, bob.id));
  const SyncSeq ada1 = must(store().sync_state(ada.id)).last;
  const SyncSeq bob1 = must(store().sync_state(bob.id)).last;
  must(store().mark_conversation_read(c, bob.id, 100, now_));
  EXPECT_EQ(t.after(bob.id, bob1, now_), lines({fmt::format("read c{}:4", c.value)}));
  EXPECT_EQ(t.after(ada.id, ada1, now_),
            lines({fmt::format("status m{} u{} read", m3.id.value, bob.id.value),
                   fmt::format("status m{} u{} read", m4.id.value, bob.id.value)}));

  // Bob replying moves his watermark over ada's unread m5: his read, her status.
  Message m5 = send(direct(ada.id, bob.id));
  const SyncSeq ada2 = must(store().sync_state(ada.id)).last;
  Message m6 = send(direct(bob.id, ada.id));
  EXPECT_EQ(t.after(ada.id, ada2, now_),
            lines({fmt::format("message c{}:6 m{}", c.value, m6.id.value),
                   fmt::format("status m{} u{} read", m5.id.value, bob.id.value)}));
  EXPECT_EQ(t.after(bob.id, must(store().sync_state(bob.id)).last - 1, now_),
            lines({fmt::format("message c{}:6 m{}", c.value, m6.id.value)}));
}

TEST_P(StoreConformance, MarkDeliveredIsIdempotentAndCountsOncePerUser) {
  User ada = user("ada"), bob = user("bob"), cyd = user("cyd");
  Group g = group("Ops", ada.id, {bob.id, cyd.id});
  NewMessage nm = to_group(ada.id, g.id, {bob.id, cyd.id});
  nm.recipients.push_back(RecipientRef{bob.id, GroupId()});  // two records for bob
  Message m1 = send(nm);
  Message m2 = send(direct(bob.id, ada.id));  // bob's own: nothing to deliver
  SyncTimeline t(store());
  const SyncSeq ada0 = must(store().sync_state(ada.id)).last;

  const SyncSeq bob_last = must(store().sync_state(bob.id)).last;
  EXPECT_EQ(must(store().mark_delivered(bob.id, 1, now_ + 7)), 1);
  EXPECT_EQ(must(store().mark_delivered(bob.id, 1, now_ + 8)), 0);
  EXPECT_EQ(must(store().mark_delivered(bob.id, bob_last + 50, now_ + 9)), 0);
  EXPECT_EQ(must(store().sync_state(bob.id)).delivered, bob_last);  // clamped to the newest
  EXPECT_EQ(must(store().get_message(m1.id)).delivered_count, 1);
  EXPECT_EQ(must(store().get_message(m2.id)).delivered_count, 0);
  for (const RecipientStatus& s : must(store().recipient_statuses(m1.id))) {
    EXPECT_EQ(s.delivered_at,
              s.user == bob.id ? std::optional<Timestamp>(now_ + 7) : std::nullopt)
        << s.handle;
  }
  EXPECT_EQ(t.after(ada.id, ada0, now_),
            lines({fmt::format("status m{} u{} delivered", m1.id.value, bob.id.value)}));

  EXPECT_EQ(must(store().mark_delivered(cyd.id, 1, now_)), 1);
  EXPECT_EQ(must(store().get_message(m1.id)).delivered_count, 2);
  // Ada's entries: her own m1 (nothing to deliver) and bob's m2.
  EXPECT_EQ(must(store().mark_delivered(ada.id, 100, now_)), 1);
  EXPECT_EQ(must(store().get_message(m1.id)).delivered_count, 2);
  EXPECT_EQ(must(store().get_message(m2.id)).delivered_count, 1);
  EXPECT_EQ(must(store().mark_delivered(user("dan").id, 5, now_)), 0);
}

// The delivery marks of many users' pulls in one call (the server's DeliveryMarker): each
// user's as if marked alone, and a user with nothing new counts nothing.
TEST_P(StoreConformance, MarkDeliveredOfManyUsersAtOnce) {
  User ada = user("ada"), bob = user("bob"), cyd = user("cyd"), dan = user("dan");
  Group g = group("Ops", ada.id, {bob.id, cyd.id});
  Message m1 = send(to_group(ada.id, g.id, {bob.id, cyd.id}));
  Message m2 = send(direct(ada.id, bob.id));
  const SyncSeq ada0 = must(store().sync_state(ada.id)).last;

  EXPECT_EQ(must(store().mark_delivered(std::vector<DeliveryMark>{}, now_)), 0);
  EXPECT_EQ(must(store().mark_delivered(std::vector<DeliveryMark>{{.user = bob.id, .up_to = 100},
                                                                   {.user = cyd.id, .up_to = 1},
                                                                   {.user = dan.id, .up_to = 3}},
                                        now_ + 5)),
            3);
  EXPECT_EQ(must(store().get_message(m1.id)).delivered_count, 2);
  EXPECT_EQ(must(store().get_message(m2.id)).delivered_count, 1);
  EXPECT_EQ(must(store().sync_state(bob.id)).delivered, must(store().sync_state(bob.id)).last);
  for (const RecipientStatus& s : must(store().recipient_statuses(m2.id))) {
    EXPECT_EQ(s.delivered_at, std::optional<Timestamp>(now_ + 5)) << s.handle;
  }
  // The creator heard of each delivery once.
  SyncTimeline t(store());
  EXPECT_EQ(t.after(ada.id, ada0, now_),
            lines({fmt::format("status m{} u{} delivered", m1.id.value, bob.id.value),
                   fmt::format("status m{} u{} delivered", m2.id.value, bob.id.value),
                   fmt::format("status m{} u{} delivered", m1.id.value, cyd.id.value)}));
  EXPECT_EQ(must(store().mark_delivered(std::vector<DeliveryMark>{{.user = bob.id, .up_to = 100}}, now_)), 0);
}

TEST_P(StoreConformance, ReminderRoundsWriteAnEntryPerRemindedUser) {
  User ada = user("ada");
  std::vector<UserId> m = users("m", 3);
  Group g = group("team", ada.id, m);
  NewMessage nm = to_group(ada.id, g.id, m);
  ReminderSchedule s;
  s.period_days = 1;
  s.anchor_day = utc_day(now_) + 1;
  s.expiry_day = utc_day(now_) + 10;
  s.next_remind_at = now_;
  s.due_at = now_;
  nm.reminders = s;
  Message msg = send(nm);
  must(store().mark_message_read(msg.id, m[0], now_));
  ReminderWrite w{.schedule = must(store().reminder_schedules({msg.id}))[0], .round = 1,
                  .is_final = true, .now = now_ + 5};
  EXPECT_EQ(must(store().write_reminders(w)).reminded, 2);
  SyncTimeline t(store());
  const std::string entry = fmt::format("reminder m{} #1 final", msg.id.value);
  EXPECT_EQ(t.after(m[0], 2, now_), lines({}));  // m0: its message and read entries only
  EXPECT_EQ(t.after(m[1], 1, now_), lines({entry}));
  EXPECT_EQ(t.after(m[2], 1, now_), lines({entry}));
  SyncPage page = must(store().sync(SyncQuery{m[2], 1, 10, now_}));
  EXPECT_EQ(page.entries.at(0).at, now_ + 5);
  EXPECT_EQ(page.entries.at(0).conv_seq, msg.seq);
}

TEST_P(StoreConformance, ConversationMessagesRangesBothWaysWithPlaceholders) {
  User ada = user("ada"), bob = user("bob"), cyd = user("cyd");
  Group g = group("Ops", ada.id, {bob.id});
  std::vector<Message> sent;
  for (int i = 0; i < 3; ++i) sent.push_back(send(to_group(ada.id, g.id, {bob.id})));
  must(store().add_member(g.id, cyd.id));
  for (int i = 0; i < 3; ++i) sent.push_back(send(to_group(ada.id, g.id, {bob.id, cyd.id})));
  NewMessage expiring = to_group(ada.id, g.id, {bob.id, cyd.id});
  expiring.expiry_date = now_;
  sent.push_back(send(expiring));  // seq 7, expired at now_
  const ConversationId c = sent[0].conversation;

  auto seqs = [&](const MessageRange& r) {
    std::string out;
    for (const MessageSlot& s : must(store().conversation_messages(r))) {
      out += fmt::format("{}{} ", s.seq, s.message ? "" : "_");
    }
    return out;
  };
  MessageRange r{.conversation = c, .user = cyd.id, .now = now_};
  EXPECT_EQ(seqs(r), "1_ 2_ 3_ 4 5 6 7_ ");  // cyd joined at 4; 7 has expired
  r.after = 2;
  r.limit = 3;
  EXPECT_EQ(seqs(r), "3_ 4 5 ");
  r.newest_first = true;
  r.after = 0;
  r.before = 6;
  EXPECT_EQ(seqs(r), "5 4 3_ ");
  r.before = 2;
  EXPECT_EQ(seqs(r), "1_ ");
  r.before = std::nullopt;
  r.limit = 100;
  r.user = bob.id;
  EXPECT_EQ(seqs(r), "7_ 6 5 4 3 2 1 ");
  r.user = ada.id;
  r.now = now_ - 1;
  EXPECT_EQ(seqs(r), "7 6 5 4 3 2 1 ");  // the creator sees her own; not expired yet
  auto slots = must(store().conversation_messages(
      MessageRange{.conversation = c, .user = bob.id, .after = 3, .limit = 1, .now = now_}));
  ASSERT_EQ(slots.size(), 1u);
  ASSERT_TRUE(slots[0].message);
  EXPECT_EQ(slots[0].message->id, sent[3].id);

  // A member who left sees nothing after leaving.
  must(store().remove_member(g.id, cyd.id));
  send(to_group(ada.id, g.id, {bob.id}));  // seq 8
  EXPECT_EQ(seqs(MessageRange{.conversation = c, .user = cyd.id, .after = 3, .now = now_}),
            "4 5 6 7_ ");
  EXPECT_EQ(status(store().conversation_messages(
                MessageRange{.conversation = c, .user = user("dan").id, .now = now_})),
            "not_found");
  EXPECT_EQ(status(store().conversation_messages(
                MessageRange{.conversation = ConversationId(999), .user = ada.id, .now = now_})),
            "not_found");
}

TEST_P(StoreConformance, PruneDeletesOldEntriesAndRaisesTheFloor) {
  User ada = user("ada"), bob = user("bob"), cyd = user("cyd");
  NewMessage old = direct(ada.id, bob.id);
  old.create_date = now_ - 1000;
  send(old);
  send(old);
  NewMessage fresh = direct(ada.id, bob.id);
  fresh.create_date = now_;
  send(fresh);
  send(direct(ada.id, cyd.id));  // at now_
  EXPECT_EQ(must(store().prune_timeline(now_ - 500)), 2 + 2);  // bob 2, ada 2
  SyncState b = must(store().sync_state(bob.id));
  EXPECT_EQ(b.floor, 2);
  EXPECT_EQ(b.last, 3);
  SyncPage page = must(store().sync(SyncQuery{bob.id, 0, 10, now_}));
  ASSERT_EQ(page.entries.size(), 1u);
  EXPECT_EQ(page.entries[0].seq, 3);
  EXPECT_EQ(must(store().sync_state(ada.id)).floor, 2);
  EXPECT_EQ(must(store().sync_state(cyd.id)).floor, 0);
  EXPECT_EQ(must(store().prune_timeline(now_ - 500)), 0);
  // New entries continue after the kept ones.
  send(direct(ada.id, bob.id));
  EXPECT_EQ(must(store().sync_state(bob.id)).last, 4);
}

// The state a send left, described so that two sends to different users compare: the message
// counters, per-group stats, records, each audience member's view and timeline.
std::vector<std::string> send_state(Store& store, const Message& m,
                                    const std::vector<UserId>& members, Timestamp now) {
  std::vector<std::string> out;
  Message stored = must(store.get_message(m.id));
  out.push_back(fmt::format("recipients {} read {}", stored.recipient_count, stored.read_count));
  for (const GroupReadStat& s : must(store.read_stats(m.id))) {
    out.push_back(fmt::format("stat {} {}/{}", s.group.valid() ? "group" : "direct", s.reads,
                              s.recipients));
  }
  std::map<std::int64_t, int> index;  // user id -> position in members
  for (std::size_t i = 0; i < members.size(); ++i) index[members[i].value] = static_cast<int>(i);
  std::vector<std::string> records;
  for (const RecipientStatus& s : must(store.recipient_statuses(m.id))) {
    records.push_back(fmt::format("record {} {} {}", index[s.user.value],
                                  s.group.valid() ? "group" : "direct", s.is_read));
  }
  std::sort(records.begin(), records.end());
  out.insert(out.end(), records.begin(), records.end());
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto c = store.conversation(m.conversation, members[i], now);
    out.push_back(c ? fmt::format("member {} max {} read {} unread {}", i, c->max_seq,
                                  c->read_seq, c->unread)
                    : fmt::format("member {} none", i));
    SyncPage page = must(store.sync(SyncQuery{members[i], 0, 1000, now}));
    for (const SyncEntry& e : page.entries) {
      if (e.kind == EntryKind::status) continue;  // compared separately
      out.push_back(fmt::format("entry {} {} {} {}", i, entry_kind_name(e.kind), e.conv_seq,
                                e.message == std::optional<MessageId>(m.id)));
    }
  }
  return out;
}

TEST_P(StoreConformance, DeferredFanOutEndsAsASendWouldAndResumes) {
  User ada = user("ada");
  auto build = [&](const std::string& prefix) {
    std::vector<UserId> u = users(prefix, 5);  // u4 receives the first message only
    Group g = group(prefix + "-group", ada.id, u);
    send(to_group(ada.id, g.id, u));
    must(store().remove_member(g.id, u[4]));
    NewMessage nm = to_group(ada.id, g.id, {u[0], u[1], u[2], u[3]});
    nm.recipients.push_back(RecipientRef{u[1], GroupId()});  // u1 also directly
    return std::pair{u, nm};
  };
  auto [plain_users, plain_nm] = build("p");
  auto [deferred_users, deferred_nm] = build("d");

  Message plain = send(plain_nm);
  deferred_nm.defer_fanout = true;
  Message deferred = send(deferred_nm);
  EXPECT_EQ(deferred.recipient_count, 4);
  EXPECT_EQ(must(store().get_message(deferred.id)).recipient_count, 4);
  EXPECT_TRUE(must(store().recipient_statuses(deferred.id)).empty());
  EXPECT_EQ(must(store().sync_state(deferred_users[0])).last, 1);  // nothing new yet

  // Chunks of one record; u1's two records stay together.
  auto first = must(store().fan_out_next(1, now_));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->message, deferred.id);
  EXPECT_EQ(first->recipients, 1);  // u0
  EXPECT_FALSE(first->done);
  EXPECT_EQ(must(store().sync_state(deferred_users[0])).last, 2);
  EXPECT_EQ(must(store().sync_state(deferred_users[1])).last, 1);
  auto second = must(store().fan_out_next(1, now_));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->recipients, 2);  // u1 twice
  EXPECT_FALSE(second->done);
  // A reader between chunks, in both worlds, and a restart.
  must(store().mark_message_read(plain.id, plain_users[1], now_));
  must(store().mark_message_read(deferred.id, deferred_users[1], now_));
  reopen();
  std::int64_t records = first->recipients + second->recipients;
  int steps = 2;
  for (;;) {
    auto step = must(store().fan_out_next(1, now_));
    ASSERT_TRUE(step);
    records += step->recipients;
    ++steps;
    if (step->done) break;
    ASSERT_LT(steps, 10);
  }
  EXPECT_EQ(records, 5);
  EXPECT_EQ(steps, 4);
  EXPECT_FALSE(must(store().fan_out_next(1, now_)));

  EXPECT_EQ(send_state(store(), deferred, deferred_users, now_),
            send_state(store(), plain, plain_users, now_));
  // The creator hears of each read of the plain send, never of the deferred one's.
  auto statuses = [&](MessageId id) {
    int n = 0;
    for (const SyncEntry& e : must(store().sync(SyncQuery{ada.id, 0, 1000, now_})).entries) {
      n += e.kind == EntryKind::status && e.message == std::optional<MessageId>(id);
    }
    return n;
  };
  EXPECT_EQ(statuses(plain.id), 1);
  EXPECT_EQ(statuses(deferred.id), 0);
}

TEST_P(StoreConformance, TheListenerHearsOfEachCommitsUsersOnce) {
  std::mutex mutex;
  std::vector<std::vector<UserId>> calls;
  User ada = user("ada"), bob = user("bob"), cyd = user("cyd");
  store().set_timeline_listener([&](const std::vector<UserId>& users) {
    std::lock_guard lock(mutex);
    calls.push_back(users);
  });
  auto taken = [&] {
    std::lock_guard lock(mutex);
    return std::exchange(calls, {});
  };
  Message m = send(direct(ada.id, bob.id));
  EXPECT_EQ(taken(), (std::vector<std::vector<UserId>>{{std::min(ada.id, bob.id),
                                                         std::max(ada.id, bob.id)}}));
  NewMessage orphan = direct(cyd.id, bob.id);
  orphan.parent = MessageId(999);  // fails: nothing committed, nothing told
  EXPECT_EQ(status(store().send_message(orphan)), "not_found");
  NewMessage bad = direct(cyd.id, bob.id);
  bad.reminders = ReminderSchedule{};
  bad.reminders->period_days = 0;  // fails the schedule's CHECK, after the entries were queued
  EXPECT_NE(status(store().send_message(bad)), "ok");
  EXPECT_TRUE(taken().empty());
  EXPECT_EQ(must(store().sync_state(cyd.id)).last, 0);
  EXPECT_EQ(must(store().mark_delivered(bob.id, 0, now_)), 0);
  must(store().create_user(NewUser{"dan", "F", "L", "x", {}, false, now_}));
  EXPECT_TRUE(taken().empty());  // writes without entries tell nobody
  // Delivery first: a read also marks its message delivered, leaving nothing to tell after it.
  must(store().mark_delivered(bob.id, 1, now_));
  EXPECT_EQ(taken(), (std::vector<std::vector<UserId>>{{ada.id}}));
  must(store().mark_message_read(m.id, bob.id, now_));
  EXPECT_EQ(
      taken(),
      (std::vector<std::vector<UserId>>{{std::min(ada.id, bob.id), std::max(ada.id, bob.id)}}));
  // After the failures, seqs carry on without a gap.
  send(direct(cyd.id, bob.id));
  EXPECT_EQ(must(store().sync_state(cyd.id)).last, 1);
}

}  // namespace
}  // namespace missive::testing
