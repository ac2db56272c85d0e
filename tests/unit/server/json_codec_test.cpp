#include "server/json_codec.h"

#include "core/time_format.h"

#include <gtest/gtest.h>

namespace missive::server {
namespace {

constexpr Timestamp kT = 1'790'000'000'123;  // 2026-09-21T14:13:20.123Z
constexpr Timestamp kLater = kT + 1000;

Message sample_message() {
  Message m;
  m.id = MessageId(7);
  m.conversation = ConversationId(3);
  m.seq = 2;
  m.creator = UserId(1);
  m.subject = "Hi";
  m.body = "Body";
  m.root = MessageId(7);
  m.create_date = kT;
  m.metadata_json = R"({"k":[1,2]})";
  m.flags = {"urgent"};
  m.sent_to = "Ops";
  m.recipient_count = 10;
  m.read_count = 3;
  return m;
}

TEST(JsonCodec, User) {
  User u{UserId(5), "ada", "Ada", "Lovelace", {{"role", std::string("dba")}, {"level", 3.0},
                                               {"ratio", 0.5}, {"x", true}},
         false, true, kT};
  EXPECT_EQ(
      write_json([&](JsonWriter& w) { write_user(w, u); }),
      R"({"id":5,"handle":"ada","first_name":"Ada","last_name":"Lovelace",)"
      R"("full_name":"Ada Lovelace","attributes":{"level":3,"ratio":0.5,"role":"dba",)"
      R"("x":true},"is_admin":false,"is_active":true,"created_at":"2026-09-21T14:13:20.123Z",)"
      R"("permissions":[]})");
  // What the caller may not see is left out, not sent empty.
  u.permissions = {Permission::create_rule_groups, Permission::see_attributes};
  EXPECT_NE(write_json([&](JsonWriter& w) {
              write_user(w, u);
            }).find(R"("permissions":["create_rule_groups","see_attributes"])"),
            std::string::npos);
  u.attributes_shown = false;
  u.permissions_shown = false;
  EXPECT_EQ(write_json([&](JsonWriter& w) { write_user(w, u); }),
            R"({"id":5,"handle":"ada","first_name":"Ada","last_name":"Lovelace",)"
            R"("full_name":"Ada Lovelace","is_admin":false,"is_active":true,)"
            R"("created_at":"2026-09-21T14:13:20.123Z"})");
}

TEST(JsonCodec, Group) {
  Group g{GroupId(2), "Ops", std::nullopt, UserId(1), true, kT, 4};
  EXPECT_EQ(write_json([&](JsonWriter& w) { write_group(w, g); }),
            R"({"id":2,"name":"Ops","rule":null,"owner_id":1,"is_active":true,)"
            R"("created_at":"2026-09-21T14:13:20.123Z","member_count":4,"senders":"members",)"
            R"("sender_ids":[]})");
  g.senders = GroupSenders::named;
  g.sender_ids = {UserId(3), UserId(7)};
  EXPECT_NE(write_json([&](JsonWriter& w) {
              write_group(w, g);
            }).find(R"("senders":"named","sender_ids":[3,7])"),
            std::string::npos);
  g.rule = "role = \"dba\"";
  EXPECT_NE(write_json([&](JsonWriter& w) { write_group(w, g); }).find(R"("rule":"role = \"dba\"")"),
            std::string::npos);
}

TEST(JsonCodec, CreatorViewHasCounters) {
  const auto json = write_json([&](JsonWriter& w) { write_creator_message(w, sample_message(), kLater); });
  EXPECT_EQ(json,
            R"({"id":7,"conversation_id":3,"seq":2,"creator_id":1,"client_msg_id":null,)"
            R"("subject":"Hi","body":"Body","parent_id":null,"root_id":7,)"
            R"("create_date":"2026-09-21T14:13:20.123Z","expiry_date":null,"active":true,)"
            R"("metadata":{"k":[1,2]},"flags":["urgent"],"sent_to":"Ops","attachments":[],"is_read":true,)"
            R"("read_at":null,"via_groups":[],"reminder_count":0,"last_reminded_at":null,)"
            R"("final_reminder":false,"recipient_count":10,"delivered_count":0,"read_count":3,)"
            R"("read_percent":30,)"
            R"("reminders":null})");
}

TEST(JsonCodec, RecipientViewHidesCounters) {
  auto m = sample_message();
  m.expiry_date = kT + 500;  // expired at kLater
  m.parent = MessageId(6);
  m.client_msg_id = "c-1";
  MessageView view{InboxItem{m, true, kT + 1, {GroupId(2)}}, false};
  const auto json = write_json([&](JsonWriter& w) { write_message(w, view, kLater); });
  EXPECT_NE(json.find(R"("active":false)"), std::string::npos);
  EXPECT_NE(json.find(R"("parent_id":6)"), std::string::npos);
  EXPECT_NE(json.find(R"("client_msg_id":"c-1")"), std::string::npos);
  EXPECT_NE(json.find(R"("via_groups":[2])"), std::string::npos);
  EXPECT_NE(json.find(R"("read_at":"2026-09-21T14:13:20.124Z")"), std::string::npos);
  EXPECT_EQ(json.find("recipient_count"), std::string::npos);
  EXPECT_EQ(json.find("read_percent"), std::string::npos);
}

TEST(JsonCodec, ThreadNodesNest) {
  ThreadNode root{MessageView{InboxItem{sample_message(), false, {}, {}}, false}, {}};
  root.replies.push_back(root);
  const auto json = write_json([&](JsonWriter& w) { write_thread_node(w, root, kLater); });
  EXPECT_EQ(json.find(R"({"message":{"id":7)"), 0u);
  EXPECT_NE(json.find(R"("replies":[{"message":{"id":7)"), std::string::npos);
  EXPECT_NE(json.find(R"("replies":[]}]})"), std::string::npos);
}

TEST(JsonCodec, DashboardRowAndReport) {
  ReadReport report{sample_message(),
                    {GroupReadStat{GroupId(2), "Ops", 10, 3}, GroupReadStat{GroupId(), "", 0, 0}},
                    {RecipientStatus{UserId(4), "bob", "Bob B", GroupId(2), "Ops", true, kT},
                     RecipientStatus{UserId(5), "eve", "Eve E", GroupId(), "", false, {}}}};
  EXPECT_EQ(write_json([&](JsonWriter& w) { write_read_report(w, report, kLater); }),
            R"({"message":{"id":7,"subject":"Hi","sent_to":"Ops",)"
            R"("create_date":"2026-09-21T14:13:20.123Z","expiry_date":null,"active":true,)"
            R"("recipients":10,"delivered_count":0,"read_count":3,"read_percent":30,"reminders":null},)"
            R"("groups":[{"group_id":2,"group_name":"Ops","recipients":10,"reads":3,"read_percent":30},)"
            R"({"group_id":null,"group_name":"","recipients":0,"reads":0,"read_percent":0}],)"
            R"("recipients":[{"user_id":4,"handle":"bob","full_name":"Bob B","group_id":2,)"
            R"("group_name":"Ops","delivered_at":null,"is_read":true,"read_at":"2026-09-21T14:13:20.123Z"},)"
            R"({"user_id":5,"handle":"eve","full_name":"Eve E","group_id":null,"group_name":"",)"
            R"("delivered_at":null,"is_read":false,"read_at":null}]})");
}

TEST(JsonCodec, NonIntegralPercent) {
  auto m = sample_message();
  m.recipient_count = 3;
  m.read_count = 1;
  const auto json = write_json([&](JsonWriter& w) { write_dashboard_row(w, m, kLater); });
  EXPECT_NE(json.find(R"("read_percent":33.3)"), std::string::npos) << json;
}

TEST(JsonCodec, Conversation) {
  ConversationSummary c{ConversationId(3), ConversationKind::group, GroupId(2), 5, 4, 1,
                        MessageId(9), kT};
  EXPECT_EQ(write_json([&](JsonWriter& w) { write_conversation(w, c); }),
            R"({"id":3,"kind":"group","group_id":2,"max_seq":5,"read_seq":4,"unread":1,)"
            R"("last_message_id":9,"last_activity":"2026-09-21T14:13:20.123Z"})");
  c.kind = ConversationKind::direct;
  c.group = GroupId();
  c.last_message.reset();
  const auto json = write_json([&](JsonWriter& w) { write_conversation(w, c); });
  EXPECT_NE(json.find(R"("kind":"direct","group_id":null)"), std::string::npos);
  EXPECT_NE(json.find(R"("last_message_id":null)"), std::string::npos);
}

TEST(JsonCodec, ErrorBodyStaysValidUtf8) {
  EXPECT_EQ(error_body(Error{ErrorCode::not_found, "no user \"x\""}),
            R"({"error":{"code":"not_found","message":"no user \"x\""}})");
  EXPECT_EQ(error_body("invalid", "bad \xff byte"),
            "{\"error\":{\"code\":\"invalid\",\"message\":\"bad \xef\xbf\xbd byte\"}}");
}

}  // namespace
}  // namespace missive::server

namespace missive::server {
namespace {

TEST(JsonCodec, ReminderScheduleAndRecipientReminders) {
  ReminderSchedule s;
  s.message = MessageId(7);
  s.period_days = 7;
  s.expiry_day = utc_day(*parse_time("2026-10-05"));
  s.next_remind_at = *parse_time("2026-09-28T09:00:00Z");
  s.last_remind_at = *parse_time("2026-09-21T09:00:00Z");
  s.rounds_sent = 1;
  EXPECT_EQ(write_json([&](JsonWriter& w) { write_reminder_schedule(w, &s); }),
            R"({"frequency":"weekly","period_days":7,"expiry_day":"2026-10-05",)"
            R"("deactivate_non_responders":false,"next_remind_date":"2026-09-28T09:00:00.000Z",)"
            R"("last_remind_date":"2026-09-21T09:00:00.000Z","reminders_sent":1,)"
            R"("final_sent":false,"status":"active"})");
  ReadReport report;
  report.reminders = s;
  report.recipients.push_back(RecipientStatus{.user = UserId(4), .handle = "bob"});
  report.recipient_reminders.push_back(RecipientReminders{
      .user = UserId(4), .reminders = 1, .last_reminded_at = s.last_remind_at,
      .deactivated_at = *parse_time("2026-10-06T00:00:00Z")});
  const auto json = write_json([&](JsonWriter& w) { write_read_report(w, report, 0); });
  EXPECT_NE(json.find(R"("reminders":1,"last_reminded_at":"2026-09-21T09:00:00.000Z",)"
                      R"("deactivated":true,"deactivated_at":"2026-10-06T00:00:00.000Z")"),
            std::string::npos)
      << json;
}


// --- sync timeline (docs/protocol.md) ---

std::string entry_json(const SyncEntry& e, UserId viewer) {
  return write_json([&](JsonWriter& w) { write_sync_entry(w, e, viewer, kLater); });
}

TEST(JsonCodec, MessageEntryCarriesTheCreatorsObjectForTheCreator) {
  SyncEntry e{.seq = 12, .kind = EntryKind::message, .conversation = ConversationId(3),
              .conv_seq = 2, .message = MessageId(7), .at = kT, .content = sample_message()};
  const auto text = entry_json(e, UserId(1));
  EXPECT_TRUE(text.starts_with(R"({"seq":12,"kind":"message","conversation":3,"conv_seq":2,)"
                               R"("message_id":7,"message":{"id":7,)"))
      << text;
  EXPECT_NE(text.find(R"("recipient_count":10,"delivered_count":0,"read_count":3)"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with(R"(},"at":"2026-09-21T14:13:20.123Z"})")) << text;
}

TEST(JsonCodec, MessageEntryForARecipientHasNoCounters) {
  SyncEntry e{.seq = 4, .kind = EntryKind::message, .conversation = ConversationId(3),
              .conv_seq = 2, .message = MessageId(7), .at = kT, .content = sample_message()};
  const auto text = entry_json(e, UserId(2));
  EXPECT_EQ(text.find("recipient_count"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("is_read":false)"), std::string::npos) << text;
}

TEST(JsonCodec, WithdrawnMessageEntryIsAPlaceholder) {
  SyncEntry e{.seq = 5, .kind = EntryKind::message, .conversation = ConversationId(3),
              .conv_seq = 2, .message = MessageId(7), .at = kT};
  EXPECT_EQ(entry_json(e, UserId(2)),
            R"({"seq":5,"kind":"message","conversation":3,"conv_seq":2,"message_id":7,)"
            R"("placeholder":true,"at":"2026-09-21T14:13:20.123Z"})");
}

TEST(JsonCodec, ReadStatusExpiryAndReminderEntries) {
  EXPECT_EQ(entry_json(SyncEntry{.seq = 6, .kind = EntryKind::read,
                                 .conversation = ConversationId(3), .conv_seq = 9, .at = kT},
                       UserId(1)),
            R"({"seq":6,"kind":"read","conversation":3,"read_seq":9,)"
            R"("at":"2026-09-21T14:13:20.123Z"})");
  EXPECT_EQ(entry_json(SyncEntry{.seq = 6, .kind = EntryKind::read,
                                 .conversation = ConversationId(3), .conv_seq = 1,
                                 .message = MessageId(7), .at = kT},
                       UserId(1)),
            R"({"seq":6,"kind":"read","conversation":3,"read_seq":1,"message_id":7,)"
            R"("at":"2026-09-21T14:13:20.123Z"})");
  EXPECT_EQ(entry_json(SyncEntry{.seq = 7, .kind = EntryKind::status,
                                 .conversation = ConversationId(3), .conv_seq = 2,
                                 .message = MessageId(7), .user = UserId(2),
                                 .status = DeliveryStatus::delivered, .at = kT},
                       UserId(1)),
            R"({"seq":7,"kind":"status","conversation":3,"conv_seq":2,"message_id":7,)"
            R"("user":2,"status":"delivered","at":"2026-09-21T14:13:20.123Z"})");
  EXPECT_EQ(entry_json(SyncEntry{.seq = 8, .kind = EntryKind::expiry,
                                 .conversation = ConversationId(3), .conv_seq = 2,
                                 .message = MessageId(7), .expiry = kT, .at = kT},
                       UserId(1)),
            R"({"seq":8,"kind":"expiry","conversation":3,"conv_seq":2,"message_id":7,)"
            R"("expiry_date":"2026-09-21T14:13:20.123Z","at":"2026-09-21T14:13:20.123Z"})");
  EXPECT_EQ(entry_json(SyncEntry{.seq = 9, .kind = EntryKind::expiry,
                                 .conversation = ConversationId(3), .conv_seq = 2,
                                 .message = MessageId(7), .at = kT},
                       UserId(1)),
            R"({"seq":9,"kind":"expiry","conversation":3,"conv_seq":2,"message_id":7,)"
            R"("expiry_date":null,"at":"2026-09-21T14:13:20.123Z"})");
  EXPECT_EQ(entry_json(SyncEntry{.seq = 10, .kind = EntryKind::reminder,
                                 .conversation = ConversationId(3), .conv_seq = 2,
                                 .message = MessageId(7), .number = 2, .is_final = true,
                                 .at = kT},
                       UserId(2)),
            R"({"seq":10,"kind":"reminder","conversation":3,"conv_seq":2,"message_id":7,)"
            R"("number":2,"final":true,"at":"2026-09-21T14:13:20.123Z"})");
}

TEST(JsonCodec, MessageSlots) {
  EXPECT_EQ(write_json([](JsonWriter& w) {
              write_message_slot(w, MessageSlot{.seq = 4}, UserId(1), kLater);
            }),
            R"({"seq":4,"placeholder":true})");
  const auto text = write_json([](JsonWriter& w) {
    write_message_slot(w, MessageSlot{.seq = 2, .message = sample_message()}, UserId(2), kLater);
  });
  EXPECT_TRUE(text.starts_with(R"({"seq":2,"message":{"id":7,)")) << text;
}

}  // namespace
}  // namespace missive::server
