// Engine sync: the timeline a device pulls, resets, delivery by pull and by ack, history and
// range pulls, and deferred fan-out for large audiences.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/delivery_marker.h"
#include "tests/unit/engine/engine_fixture.h"

namespace missive::testing {
namespace {

class SyncTest : public EngineTest {
 protected:
  // Every entry of the caller's timeline after `since`, pulling page by page.
  std::vector<SyncEntry> pull_all(const Caller& caller, SyncSeq since = 0, int limit = 100) {
    std::vector<SyncEntry> entries;
    for (;;) {
      auto page = engine_->sync(caller, SyncRequest{.since = since, .limit = limit,
                                                    .mark_delivered = false});
      EXPECT_TRUE(page) << page.error().message;
      if (!page) return entries;
      EXPECT_FALSE(page->reset);
      for (SyncEntry& e : page->entries) entries.push_back(std::move(e));
      since = page->next;
      if (!page->has_more) return entries;
    }
  }

  static std::vector<EntryKind> kinds(const std::vector<SyncEntry>& entries) {
    std::vector<EntryKind> out;
    for (const SyncEntry& e : entries) out.push_back(e.kind);
    return out;
  }
};

TEST_F(SyncTest, SenderAndRecipientBothGetTheMessageEntry) {
  Caller ada = user("ada"), bob = user("bob");
  Message m = sent(ada, Addresses{.users = {bob.id}}, "Lunch?");
  for (const Caller& who : {ada, bob}) {
    auto entries = pull_all(who);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].seq, 1);
    EXPECT_EQ(entries[0].kind, EntryKind::message);
    EXPECT_EQ(entries[0].message, m.id);
    EXPECT_EQ(entries[0].conversation, m.conversation);
    EXPECT_EQ(entries[0].conv_seq, m.seq);
    ASSERT_TRUE(entries[0].content);
    EXPECT_EQ(entries[0].content->subject, "Lunch?");
  }
}

TEST_F(SyncTest, PagesAreContiguousAndEndWithHasMoreFalse) {
  Caller ada = user("ada"), bob = user("bob");
  for (int i = 0; i < 25; ++i) sent(ada, Addresses{.users = {bob.id}});
  auto entries = pull_all(bob, 0, 7);
  ASSERT_EQ(entries.size(), 25u);
  EXPECT_EQ(engine_->newest_entry(bob), 25);
  EXPECT_EQ(engine_->newest_entry(user("cyd")), 0);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].seq, static_cast<SyncSeq>(i + 1));
    EXPECT_EQ(entries[i].conv_seq, static_cast<Seq>(i + 1));
  }
}

TEST_F(SyncTest, ReadOnOneDeviceIsAnEntryForAllAndAReceiptForTheSender) {
  Caller ada = user("ada"), bob = user("bob");
  Message m = sent(ada, Addresses{.users = {bob.id}});
  ASSERT_TRUE(engine_->mark_read(bob, m.id));
  auto bobs = pull_all(bob);
  ASSERT_EQ(kinds(bobs), (std::vector{EntryKind::message, EntryKind::read}));
  EXPECT_EQ(bobs[1].conversation, m.conversation);
  EXPECT_EQ(bobs[1].conv_seq, m.seq);  // the new watermark
  auto adas = pull_all(ada);
  ASSERT_EQ(kinds(adas), (std::vector{EntryKind::message, EntryKind::status}));
  EXPECT_EQ(adas[1].status, DeliveryStatus::read);
  EXPECT_EQ(adas[1].user, bob.id);
  EXPECT_EQ(adas[1].message, m.id);
  // Reading again changes nothing and adds nothing.
  ASSERT_TRUE(engine_->mark_read(bob, m.id));
  EXPECT_EQ(pull_all(bob).size(), 2u);
}

TEST_F(SyncTest, PullingMarksDeliveredOnceAndTellsTheSender) {
  Caller ada = user("ada"), bob = user("bob");
  Message m = sent(ada, Addresses{.users = {bob.id}});
  for (int i = 0; i < 2; ++i) {
    auto page = engine_->sync(bob, SyncRequest{});
    ASSERT_TRUE(page) << page.error().message;
  }
  auto report = engine_->read_report(ada, m.id);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->message.delivered_count, 1);
  ASSERT_EQ(report->recipients.size(), 1u);
  EXPECT_EQ(report->recipients[0].delivered_at, kStart);
  auto adas = pull_all(ada);
  ASSERT_EQ(kinds(adas), (std::vector{EntryKind::message, EntryKind::status}));
  EXPECT_EQ(adas[1].status, DeliveryStatus::delivered);
  EXPECT_EQ(adas[1].user, bob.id);
}

// The server hands the marks of pulls to a DeliveryMarker: a pull writes nothing before it
// answers, and the marker writes the marks of many pages (one per user, the highest) together.
TEST_F(SyncTest, WithADeliveryMarkerPullsAnswerFirstAndTheirMarksAreWrittenTogether) {
  Caller ada = user("ada"), bob = user("bob");
  std::vector<MessageId> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(sent(ada, Addresses{.users = {bob.id}}).id);
  const auto delivered_count = [&](MessageId id) {
    auto report = engine_->read_report(ada, id);
    EXPECT_TRUE(report) << report.error().message;
    return report ? report->message.delivered_count : -1;
  };
  const auto pull_pages = [&] {
    SyncSeq since = 0;
    for (;;) {
      auto page = engine_->sync(bob, SyncRequest{.since = since, .limit = 2});
      ASSERT_TRUE(page) << page.error().message;
      since = page->next;
      if (!page->has_more) return;
    }
  };

  std::vector<std::pair<UserId, SyncSeq>> noted;
  engine_->set_delivery_sink([&](UserId user, SyncSeq up_to) { noted.emplace_back(user, up_to); });
  pull_pages();
  EXPECT_EQ(noted, (std::vector<std::pair<UserId, SyncSeq>>{{bob.id, 2}, {bob.id, 4}, {bob.id, 5}}));
  for (MessageId id : ids) EXPECT_EQ(delivered_count(id), 0) << "a pull with a sink writes nothing";

  std::vector<Error> errors;
  DeliveryMarker marker(*engine_, [&](const Error& error) { errors.push_back(error); });
  engine_->set_delivery_sink([&](UserId user, SyncSeq up_to) { marker.note(user, up_to); });
  marker.start();
  pull_pages();
  marker.stop();  // writes what was noted before it returns
  EXPECT_TRUE(errors.empty());
  for (MessageId id : ids) EXPECT_EQ(delivered_count(id), 1);
  const auto adas = pull_all(ada);
  EXPECT_EQ(std::count_if(adas.begin(), adas.end(),
                          [](const SyncEntry& e) { return e.kind == EntryKind::status; }),
            5);
}

TEST_F(SyncTest, AcknowledgeMarksDeliveredAndRejectsACursorPastTheEnd) {
  Caller ada = user("ada"), bob = user("bob");
  Message m = sent(ada, Addresses{.users = {bob.id}});
  auto past = engine_->acknowledge(bob, 2);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, ErrorCode::invalid);
  EXPECT_FALSE(engine_->acknowledge(bob, -1));
  ASSERT_TRUE(engine_->acknowledge(bob, 1));
  ASSERT_TRUE(engine_->acknowledge(bob, 1));
  auto report = engine_->read_report(ada, m.id);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->message.delivered_count, 1);
}

TEST_F(SyncTest, TheSendersOwnMessageIsNeverDeliveredToThem) {
  Caller ada = user("ada"), bob = user("bob");
  Message m = sent(ada, Addresses{.users = {bob.id}});
  ASSERT_TRUE(engine_->sync(ada, SyncRequest{}));
  ASSERT_TRUE(engine_->acknowledge(ada, 1));
  auto report = engine_->read_report(ada, m.id);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->message.delivered_count, 0);
}

TEST_F(SyncTest, CursorAheadOfTheServerIsReset) {
  Caller ada = user("ada"), bob = user("bob");
  sent(ada, Addresses{.users = {bob.id}});
  auto page = engine_->sync(bob, SyncRequest{.since = 5});
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->reset);
  EXPECT_TRUE(page->entries.empty());
  EXPECT_EQ(page->next, 1);
}

TEST_F(SyncTest, CursorBelowWhatIsKeptIsReset) {
  Caller ada = user("ada"), bob = user("bob");
  sent(ada, Addresses{.users = {bob.id}});
  sent(ada, Addresses{.users = {bob.id}});
  clock_.advance(31 * kDay);
  sent(ada, Addresses{.users = {bob.id}});
  auto pruned = engine_->prune_timeline();
  ASSERT_TRUE(pruned) << pruned.error().message;
  EXPECT_EQ(*pruned, 4);  // two entries each for ada and bob
  auto page = engine_->sync(bob, SyncRequest{.since = 1});
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->reset);
  EXPECT_EQ(page->next, 3);
  // From the floor on, pulling works again.
  auto from_floor = engine_->sync(bob, SyncRequest{.since = 2});
  ASSERT_TRUE(from_floor);
  EXPECT_FALSE(from_floor->reset);
  ASSERT_EQ(from_floor->entries.size(), 1u);
  EXPECT_EQ(from_floor->entries[0].seq, 3);
}

TEST_F(SyncTest, BadRequestsAreInvalid) {
  Caller ada = user("ada");
  for (SyncRequest bad : {SyncRequest{.since = -1}, SyncRequest{.limit = 0},
                          SyncRequest{.limit = 101}}) {
    auto page = engine_->sync(ada, bad);
    ASSERT_FALSE(page);
    EXPECT_EQ(page.error().code, ErrorCode::invalid);
  }
}

TEST_F(SyncTest, WithdrawalReachesTheOfflineRecipientAndLeavesAPlaceholder) {
  Caller ada = user("ada"), bob = user("bob");
  Message m = sent(ada, Addresses{.users = {bob.id}});
  clock_.advance(1000);
  ASSERT_TRUE(engine_->withdraw(ada, m.id));
  auto entries = pull_all(bob);
  ASSERT_EQ(kinds(entries), (std::vector{EntryKind::message, EntryKind::expiry}));
  EXPECT_FALSE(entries[0].content) << "a withdrawn message is a placeholder";
  EXPECT_EQ(entries[1].message, m.id);
  EXPECT_EQ(entries[1].expiry, kStart + 1000);
}

TEST_F(SyncTest, HistoryPagesBackwardsAndRangePullsForwards) {
  Caller ada = user("ada"), bob = user("bob");
  std::vector<Message> sent_messages;
  for (int i = 0; i < 5; ++i) {
    sent_messages.push_back(sent(ada, Addresses{.users = {bob.id}}, "m" + std::to_string(i)));
  }
  const ConversationId conv = sent_messages[0].conversation;
  auto newest = engine_->history(bob, HistoryRequest{.conversation = conv, .limit = 2});
  ASSERT_TRUE(newest) << newest.error().message;
  ASSERT_EQ(newest->slots.size(), 2u);
  EXPECT_EQ(newest->slots[0].seq, 5);
  EXPECT_EQ(newest->slots[1].seq, 4);
  ASSERT_EQ(newest->next, 4);
  auto older = engine_->history(bob, HistoryRequest{.conversation = conv, .before = 4,
                                                    .limit = 10});
  ASSERT_TRUE(older);
  ASSERT_EQ(older->slots.size(), 3u);
  EXPECT_EQ(older->slots[2].seq, 1);
  EXPECT_FALSE(older->next);

  auto range = engine_->history(bob, HistoryRequest{.conversation = conv, .after = 2,
                                                    .limit = 2});
  ASSERT_TRUE(range);
  ASSERT_EQ(range->slots.size(), 2u);
  EXPECT_EQ(range->slots[0].seq, 3);
  ASSERT_TRUE(range->slots[0].message);
  EXPECT_EQ(range->slots[0].message->subject, "m2");
  EXPECT_EQ(range->next, 4);
}

TEST_F(SyncTest, HistoryOfAConversationOfOthersIsNotFound) {
  Caller ada = user("ada"), bob = user("bob"), eve = user("eve");
  Message m = sent(ada, Addresses{.users = {bob.id}});
  auto page = engine_->history(eve, HistoryRequest{.conversation = m.conversation});
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, ErrorCode::not_found);
}

class DeferredFanoutTest : public SyncTest {
 protected:
  void SetUp() override {
    SyncTest::SetUp();
    engine_ = std::make_unique<Engine>(
        *store_, clock_,
        EngineOptions{.password_cost = PasswordCost::minimal, .diffusion_limit = 3});
    engine_->set_fanout_signal([this] { ++signals_; });
  }
  int signals_ = 0;
};

TEST_F(DeferredFanoutTest, LargeAudienceIsWrittenAfterTheSendAndEndsTheSame) {
  Caller ada = user("ada");
  std::vector<Caller> members;
  for (int i = 0; i < 5; ++i) members.push_back(user("member" + std::to_string(i)));
  GroupId everyone = group(ada, "everyone", members);
  Message m = sent(ada, Addresses{.groups = {everyone}});
  EXPECT_EQ(signals_, 1);
  EXPECT_EQ(m.recipient_count, 5);
  EXPECT_TRUE(pull_all(members[0]).empty()) << "fanned out only after the send";
  EXPECT_EQ(pull_all(ada).size(), 1u) << "the sender's entry is in the send";

  auto chunks = engine_->run_fanout();
  ASSERT_TRUE(chunks) << chunks.error().message;
  EXPECT_GE(*chunks, 1);
  for (const Caller& member : members) {
    auto entries = pull_all(member);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].message, m.id);
    auto inbox = engine_->inbox(member, InboxRequest{});
    ASSERT_TRUE(inbox);
    ASSERT_EQ(inbox->items.size(), 1u);
  }
  auto report = engine_->read_report(ada, m.id);
  ASSERT_TRUE(report);
  ASSERT_EQ(report->groups.size(), 1u);
  EXPECT_EQ(report->groups[0].recipients, 5);
  auto again = engine_->run_fanout();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
}

// --diffusion-limit is a threshold, not a refusal: an audience of exactly the limit is written
// in the send; one more is accepted and fanned out after it (docs/security.md).
TEST_F(DeferredFanoutTest, TheLimitItselfIsWrittenInTheSendOneMoreIsDeferred) {
  Caller ada = user("ada");
  std::vector<Caller> members;
  for (int i = 0; i < 4; ++i) members.push_back(user("member" + std::to_string(i)));
  sent(ada, Addresses{.users = {members[0].id, members[1].id, members[2].id}});
  EXPECT_EQ(signals_, 0);
  EXPECT_EQ(pull_all(members[0]).size(), 1u);
  Message four = sent(ada, Addresses{.users = {members[0].id, members[1].id, members[2].id,
                                               members[3].id}});
  EXPECT_EQ(signals_, 1);
  EXPECT_EQ(four.recipient_count, 4);
  EXPECT_TRUE(pull_all(members[3]).empty());
  ASSERT_TRUE(engine_->run_fanout());
  EXPECT_EQ(pull_all(members[3]).size(), 1u);
}

TEST_F(DeferredFanoutTest, SmallAudienceIsNotDeferred) {
  Caller ada = user("ada"), bob = user("bob");
  sent(ada, Addresses{.users = {bob.id}});
  EXPECT_EQ(signals_, 0);
  EXPECT_EQ(pull_all(bob).size(), 1u);
}

}  // namespace
}  // namespace missive::testing
