// The device's in-order rule (src/client/sync_timeline.cpp): pushes that continue the cursor
// are applied, a hole applies nothing, pages must continue the cursor, and two devices that
// saw the same timeline by different routes describe the same state.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/sync_timeline.h"

namespace missive::client {
namespace {

std::string message_json(SyncSeq seq, std::int64_t conv, std::int64_t conv_seq, std::int64_t id) {
  return "{\"seq\":" + std::to_string(seq) + ",\"kind\":\"message\",\"conversation\":" +
         std::to_string(conv) + ",\"conv_seq\":" + std::to_string(conv_seq) +
         ",\"message_id\":" + std::to_string(id) +
         ",\"at\":\"2026-11-21T13:56:35.952Z\",\"message\":{\"id\":" + std::to_string(id) +
         ",\"creator_id\":2,\"subject\":\"Hello\"}}";
}

Entry message(SyncSeq seq, std::int64_t conv = 1, std::int64_t conv_seq = 0) {
  auto entry = parse_entry(message_json(seq, conv, conv_seq == 0 ? seq : conv_seq, 100 + seq));
  EXPECT_TRUE(entry.has_value());
  return *entry;
}

std::vector<Entry> run(SyncSeq from, SyncSeq to) {
  std::vector<Entry> out;
  for (SyncSeq s = from; s <= to; ++s) out.push_back(message(s));
  return out;
}

std::string seqs(const Timeline& timeline) {
  std::string out;
  for (const auto& e : timeline.entries()) out += (out.empty() ? "" : ",") + std::to_string(e.seq);
  return out;
}

TEST(SyncEntryTest, ParsesEachKind) {
  const auto m = parse_entry(message_json(12, 3, 7, 45));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->seq, 12);
  EXPECT_EQ(m->kind, "message");
  EXPECT_EQ(m->conversation, 3);
  EXPECT_EQ(m->conv_seq, 7);
  EXPECT_EQ(m->message_id, 45);
  EXPECT_EQ(m->creator_id, 2);
  EXPECT_EQ(m->subject, "Hello");
  EXPECT_FALSE(m->placeholder);

  const auto p = parse_entry(
      R"({"seq":13,"kind":"message","conversation":3,"conv_seq":8,"message_id":46,"at":"T","placeholder":true})");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->placeholder);
  EXPECT_EQ(p->subject, "");

  const auto r = parse_entry(R"({"seq":14,"kind":"read","conversation":3,"read_seq":7,"at":"T"})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->read_seq, 7);
  EXPECT_FALSE(r->message_id.has_value());

  const auto s = parse_entry(
      R"({"seq":15,"kind":"status","conversation":3,"conv_seq":7,"message_id":45,"user":9,"status":"delivered","at":"T"})");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->user, 9);
  EXPECT_EQ(s->status, "delivered");

  const auto x = parse_entry(
      R"({"seq":16,"kind":"expiry","conversation":3,"conv_seq":7,"message_id":45,"expiry_date":null,"at":"T"})");
  ASSERT_TRUE(x.has_value());
  EXPECT_FALSE(x->expiry_date.has_value());

  const auto n = parse_entry(
      R"({"seq":17,"kind":"reminder","conversation":3,"conv_seq":7,"message_id":45,"number":2,"final":true,"at":"T"})");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->number, 2);
  EXPECT_TRUE(n->is_final);
}

TEST(SyncEntryTest, RefusesEntriesWithoutSeqOrKind) {
  EXPECT_EQ(parse_entry(R"({"kind":"read"})").error().code, ErrorCode::invalid);
  EXPECT_EQ(parse_entry(R"({"seq":1})").error().code, ErrorCode::invalid);
  EXPECT_EQ(parse_entry("[1]").error().code, ErrorCode::invalid);
  EXPECT_EQ(parse_push(R"({"type":"push","entries":[{"seq":1}]})").error().code,
            ErrorCode::invalid);
}

TEST(SyncEntryTest, FramesAndErrorAnswers) {
  const auto frame = parse_frame(R"({"id":7,"type":"pong"})");
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->type, "pong");
  EXPECT_EQ(frame->id, "7");
  EXPECT_EQ(parse_frame(R"({"id":"a","type":"x"})")->id, "\"a\"");
  EXPECT_FALSE(parse_frame(R"({"type":"push","entries":[]})")->id.has_value());

  EXPECT_TRUE(error_of_answer(R"({"id":1,"type":"ack"})").has_value());
  const auto error = error_of_answer(
      R"({"id":1,"type":"error","status":404,"error":{"code":"not_found","message":"no such message"}})");
  ASSERT_FALSE(error.has_value());
  EXPECT_EQ(error.error().code, ErrorCode::not_found);
  EXPECT_EQ(error.error().message, "no such message");
}

TEST(SyncPageTest, ParsesAPage) {
  const auto page = parse_sync_page(
      "{\"reset\":false,\"entries\":[" + message_json(1, 1, 1, 5) + "],\"next\":1,\"has_more\":true}");
  ASSERT_TRUE(page.has_value());
  EXPECT_FALSE(page->reset);
  EXPECT_EQ(page->next, 1);
  EXPECT_TRUE(page->has_more);
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(parse_sync_page(R"({"reset":false,"entries":[]})").error().code, ErrorCode::invalid);
}

TEST(TimelineTest, AppliesPushesThatContinueTheCursor) {
  Timeline timeline(0);
  std::vector<SyncSeq> seen;
  timeline.set_on_apply([&](const Entry& e) { seen.push_back(e.seq); });
  EXPECT_EQ(timeline.offer_push(run(1, 2)), Timeline::Offer::applied);
  EXPECT_EQ(timeline.offer_push(run(3, 3)), Timeline::Offer::applied);
  EXPECT_EQ(timeline.cursor(), 3);
  EXPECT_EQ(seqs(timeline), "1,2,3");
  EXPECT_EQ(seen, (std::vector<SyncSeq>{1, 2, 3}));
}

TEST(TimelineTest, AHoleAppliesNothing) {
  Timeline timeline(3);
  EXPECT_EQ(timeline.offer_push(run(5, 6)), Timeline::Offer::hole);
  EXPECT_EQ(timeline.cursor(), 3);
  EXPECT_EQ(seqs(timeline), "");
  // A gap inside a push is a hole too, even when it starts right.
  std::vector<Entry> gap = {message(4), message(6)};
  EXPECT_EQ(timeline.offer_push(gap), Timeline::Offer::hole);
  EXPECT_EQ(timeline.cursor(), 3);
}

TEST(TimelineTest, SkipsWhatWasAlreadyApplied) {
  Timeline timeline(4);
  EXPECT_EQ(timeline.offer_push(run(2, 4)), Timeline::Offer::stale);
  EXPECT_EQ(timeline.offer_push({}), Timeline::Offer::stale);
  // Pulled up to 4 while a push of 3..6 was held: 5 and 6 still apply.
  EXPECT_EQ(timeline.offer_push(run(3, 6)), Timeline::Offer::applied);
  EXPECT_EQ(seqs(timeline), "5,6");
}

TEST(TimelineTest, FromNowTheFirstPushSetsTheCursor) {
  Timeline timeline(std::nullopt);
  EXPECT_FALSE(timeline.has_cursor());
  EXPECT_EQ(timeline.offer_push(run(41, 42)), Timeline::Offer::applied);
  EXPECT_TRUE(timeline.has_cursor());
  EXPECT_EQ(timeline.cursor(), 42);
  EXPECT_EQ(timeline.offer_push(run(44, 44)), Timeline::Offer::hole);
}

TEST(TimelineTest, PagesMustContinueTheCursor) {
  Timeline timeline(2);
  EXPECT_TRUE(timeline.apply_page({.entries = run(3, 5), .next = 5, .has_more = true}));
  EXPECT_TRUE(timeline.apply_page({.entries = {}, .next = 5}));
  EXPECT_EQ(timeline.cursor(), 5);

  // A page starting elsewhere, with a gap, or whose next disagrees: a server bug, nothing
  // applied.
  EXPECT_EQ(timeline.apply_page({.entries = run(7, 8), .next = 8}).error().code,
            ErrorCode::internal);
  std::vector<Entry> gap = {message(6), message(8)};
  EXPECT_EQ(timeline.apply_page({.entries = gap, .next = 8}).error().code, ErrorCode::internal);
  EXPECT_EQ(timeline.apply_page({.entries = run(6, 7), .next = 9}).error().code,
            ErrorCode::internal);
  EXPECT_EQ(timeline.apply_page({.entries = {}, .next = 9}).error().code, ErrorCode::internal);
  EXPECT_EQ(timeline.apply_page({.reset = true, .next = 9}).error().code, ErrorCode::invalid);
  EXPECT_EQ(timeline.cursor(), 5);
  EXPECT_EQ(seqs(timeline), "3,4,5");

  timeline.reset(20);
  EXPECT_EQ(timeline.cursor(), 20);
  EXPECT_TRUE(timeline.apply_page({.entries = run(21, 21), .next = 21}));
}

TEST(TimelineTest, KeepEntriesOffStillCallsBack) {
  Timeline timeline(0);
  timeline.set_keep_entries(false);
  int calls = 0;
  timeline.set_on_apply([&](const Entry&) { ++calls; });
  EXPECT_EQ(timeline.offer_push(run(1, 3)), Timeline::Offer::applied);
  EXPECT_EQ(calls, 3);
  EXPECT_TRUE(timeline.entries().empty());
}

TEST(DeviceStateTest, PushedOrPulledTheSameTimelineDescribesTheSame) {
  std::vector<Entry> all = {
      message(1, 3, 1),
      message(2, 3, 2),
      *parse_entry(R"({"seq":3,"kind":"read","conversation":3,"read_seq":2,"at":"T"})"),
      *parse_entry(
          R"({"seq":4,"kind":"status","conversation":3,"conv_seq":1,"message_id":101,"user":9,"status":"read","at":"T"})"),
      *parse_entry(
          R"({"seq":5,"kind":"status","conversation":3,"conv_seq":1,"message_id":101,"user":9,"status":"delivered","at":"T"})"),
      *parse_entry(
          R"({"seq":6,"kind":"expiry","conversation":3,"conv_seq":2,"message_id":102,"expiry_date":"2026-12-01T00:00:00Z","at":"T"})"),
      *parse_entry(
          R"({"seq":7,"kind":"reminder","conversation":3,"conv_seq":2,"message_id":102,"number":1,"final":false,"at":"T"})"),
  };
  Timeline pushed(0);
  for (const auto& e : all) EXPECT_EQ(pushed.offer_push({&e, 1}), Timeline::Offer::applied);
  Timeline pulled(0);
  EXPECT_TRUE(pulled.apply_page({.entries = all, .next = 7}));
  EXPECT_EQ(pushed.state().describe(), pulled.state().describe());
  EXPECT_EQ(pushed.state().describe(),
            "conversation 3 read_seq 2 max_seq 2: 1=101 2=102\n"
            "status message 101 user 9 read\n"
            "expiry message 102 2026-12-01T00:00:00Z\n"
            "reminder message 102 number 1\n");
}

TEST(DeviceStateTest, BootstrapSetsWatermarks) {
  DeviceState state;
  ASSERT_TRUE(state.bootstrap(
      R"({"conversations":[{"id":1,"kind":"group","max_seq":5,"read_seq":3,"unread":2}]})"));
  EXPECT_EQ(state.describe(), "conversation 1 read_seq 3 max_seq 5:\n");
  EXPECT_EQ(state.bootstrap("{}").error().code, ErrorCode::invalid);
}

}  // namespace
}  // namespace missive::client
