#include "server/json_codec.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "core/time_format.h"
#include "core/validate.h"

namespace missive::server {
namespace {

// Replaces every byte that does not start a well-formed UTF-8 sequence with U+FFFD, so a
// response stays valid JSON even when an error message quotes bad input.
std::string repair_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (i + length <= text.size() && is_valid_utf8(text.substr(i, length))) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

void write_number(JsonWriter& w, double value) {
  if (!std::isfinite(value)) value = 0;
  // Integral values print as integers ("3", not "3.0") so attributes round-trip as written.
  if (std::trunc(value) == value && std::fabs(value) < 9.0e15) {
    w.Int64(static_cast<std::int64_t>(value));
  } else {
    w.Double(value);
  }
}

template <class Tag>
void write_optional_id(JsonWriter& w, Id<Tag> id) {
  if (id.valid()) {
    w.Int64(id.value);
  } else {
    w.Null();
  }
}

void write_message_fields(JsonWriter& w, const Message& m, Timestamp now) {
  w.Key("id");
  w.Int64(m.id.value);
  w.Key("conversation_id");
  w.Int64(m.conversation.value);
  w.Key("seq");
  w.Int64(m.seq);
  w.Key("creator_id");
  w.Int64(m.creator.value);
  w.Key("client_msg_id");
  if (m.client_msg_id) {
    write_string(w, *m.client_msg_id);
  } else {
    w.Null();
  }
  w.Key("subject");
  write_string(w, m.subject);
  w.Key("body");
  write_string(w, m.body);
  w.Key("parent_id");
  if (m.parent) {
    w.Int64(m.parent->value);
  } else {
    w.Null();
  }
  w.Key("root_id");
  w.Int64(m.root.value);
  w.Key("create_date");
  write_time(w, m.create_date);
  w.Key("expiry_date");
  write_time(w, m.expiry_date);
  w.Key("active");
  w.Bool(m.is_active(now));
  w.Key("metadata");
  // Stored verbatim as the JSON object the sender gave; validated when it was accepted.
  if (m.metadata_json.empty()) {
    w.StartObject();
    w.EndObject();
  } else {
    w.RawValue(m.metadata_json.data(), m.metadata_json.size(), rapidjson::kObjectType);
  }
  w.Key("flags");
  w.StartArray();
  for (const auto& flag : m.flags) write_string(w, flag);
  w.EndArray();
  w.Key("sent_to");
  write_string(w, m.sent_to);
}

void write_counters(JsonWriter& w, const Message& m) {
  w.Key("read_count");
  w.Int64(m.read_count);
  w.Key("read_percent");
  write_number(w, read_percent(m));
}

}  // namespace

void write_string(JsonWriter& w, std::string_view text) {
  if (is_valid_utf8(text)) {
    w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  } else {
    const auto repaired = repair_utf8(text);
    w.String(repaired.data(), static_cast<rapidjson::SizeType>(repaired.size()));
  }
}

void write_time(JsonWriter& w, std::optional<Timestamp> t) {
  if (t) {
    write_string(w, format_time(*t));
  } else {
    w.Null();
  }
}

void write_attributes(JsonWriter& w, const Attributes& attributes) {
  w.StartObject();
  for (const auto& [name, value] : attributes) {
    write_string(w, name);
    if (const auto* s = std::get_if<std::string>(&value)) {
      write_string(w, *s);
    } else if (const auto* d = std::get_if<double>(&value)) {
      write_number(w, *d);
    } else {
      w.Bool(std::get<bool>(value));
    }
  }
  w.EndObject();
}

void write_user(JsonWriter& w, const User& user) {
  w.StartObject();
  w.Key("id");
  w.Int64(user.id.value);
  w.Key("handle");
  write_string(w, user.handle);
  w.Key("first_name");
  write_string(w, user.first_name);
  w.Key("last_name");
  write_string(w, user.last_name);
  w.Key("full_name");
  write_string(w, user.full_name());
  w.Key("attributes");
  write_attributes(w, user.attributes);
  w.Key("is_admin");
  w.Bool(user.is_admin);
  w.Key("is_active");
  w.Bool(user.is_active);
  w.Key("created_at");
  write_time(w, user.created_at);
  w.EndObject();
}

void write_group(JsonWriter& w, const Group& group) {
  w.StartObject();
  w.Key("id");
  w.Int64(group.id.value);
  w.Key("name");
  write_string(w, group.name);
  w.Key("rule");
  if (group.rule) {
    write_string(w, *group.rule);
  } else {
    w.Null();
  }
  w.Key("owner_id");
  w.Int64(group.owner.value);
  w.Key("is_active");
  w.Bool(group.is_active);
  w.Key("created_at");
  write_time(w, group.created_at);
  w.Key("member_count");
  w.Int64(group.member_count);
  w.EndObject();
}

void write_message(JsonWriter& w, const MessageView& view, Timestamp now) {
  const auto& item = view.item;
  w.StartObject();
  write_message_fields(w, item.message, now);
  w.Key("is_read");
  w.Bool(view.caller_is_creator || item.is_read);
  w.Key("read_at");
  write_time(w, item.read_at);
  w.Key("via_groups");
  w.StartArray();
  for (const auto group : item.via_groups) w.Int64(group.value);
  w.EndArray();
  w.Key("reminder_count");
  w.Int64(item.reminder_count);
  w.Key("last_reminded_at");
  write_time(w, item.last_reminded_at);
  w.Key("final_reminder");
  w.Bool(item.final_reminder);
  if (view.caller_is_creator) {
    w.Key("recipient_count");
    w.Int64(item.message.recipient_count);
    write_counters(w, item.message);
    w.Key("reminders");
    write_reminder_schedule(w, view.reminders ? &*view.reminders : nullptr);
  }
  w.EndObject();
}

void write_creator_message(JsonWriter& w, const Message& message, Timestamp now,
                           const std::optional<ReminderSchedule>& reminders) {
  MessageView view{InboxItem{message, true, std::nullopt, {}}, true, reminders};
  write_message(w, view, now);
}

void write_thread_node(JsonWriter& w, const ThreadNode& node, Timestamp now) {
  w.StartObject();
  w.Key("message");
  write_message(w, node.view, now);
  w.Key("replies");
  w.StartArray();
  for (const auto& reply : node.replies) write_thread_node(w, reply, now);
  w.EndArray();
  w.EndObject();
}

void write_conversation(JsonWriter& w, const ConversationSummary& c) {
  w.StartObject();
  w.Key("id");
  w.Int64(c.id.value);
  w.Key("kind");
  switch (c.kind) {
    case ConversationKind::direct: w.String("direct"); break;
    case ConversationKind::group: w.String("group"); break;
    case ConversationKind::multi: w.String("multi"); break;
  }
  w.Key("group_id");
  write_optional_id(w, c.group);
  w.Key("max_seq");
  w.Int64(c.max_seq);
  w.Key("read_seq");
  w.Int64(c.read_seq);
  w.Key("unread");
  w.Int64(c.unread);
  w.Key("last_message_id");
  if (c.last_message) {
    w.Int64(c.last_message->value);
  } else {
    w.Null();
  }
  w.Key("last_activity");
  write_time(w, c.last_activity);
  w.EndObject();
}

void write_read_outcome(JsonWriter& w, const ReadOutcome& outcome) {
  w.StartObject();
  w.Key("messages_marked");
  w.Int64(outcome.messages_marked);
  w.Key("read_seq");
  w.Int64(outcome.read_seq);
  w.EndObject();
}

void write_dashboard_row(JsonWriter& w, const Message& m, Timestamp now,
                         const ReminderSchedule* reminders) {
  w.StartObject();
  w.Key("id");
  w.Int64(m.id.value);
  w.Key("subject");
  write_string(w, m.subject);
  w.Key("sent_to");
  write_string(w, m.sent_to);
  w.Key("create_date");
  write_time(w, m.create_date);
  w.Key("expiry_date");
  write_time(w, m.expiry_date);
  w.Key("active");
  w.Bool(m.is_active(now));
  w.Key("recipients");
  w.Int64(m.recipient_count);
  write_counters(w, m);
  w.Key("reminders");
  write_reminder_schedule(w, reminders);
  w.EndObject();
}

void write_read_report(JsonWriter& w, const ReadReport& report, Timestamp now) {
  w.StartObject();
  w.Key("message");
  write_dashboard_row(w, report.message, now,
                      report.reminders ? &*report.reminders : nullptr);
  w.Key("groups");
  w.StartArray();
  for (const auto& g : report.groups) {
    w.StartObject();
    w.Key("group_id");
    write_optional_id(w, g.group);
    w.Key("group_name");
    write_string(w, g.group_name);
    w.Key("recipients");
    w.Int64(g.recipients);
    w.Key("reads");
    w.Int64(g.reads);
    w.Key("read_percent");
    write_number(w, read_percent(g.reads, g.recipients));
    w.EndObject();
  }
  w.EndArray();
  w.Key("recipients");
  w.StartArray();
  for (const auto& r : report.recipients) {
    w.StartObject();
    w.Key("user_id");
    w.Int64(r.user.value);
    w.Key("handle");
    write_string(w, r.handle);
    w.Key("full_name");
    write_string(w, r.full_name);
    w.Key("group_id");
    write_optional_id(w, r.group);
    w.Key("group_name");
    write_string(w, r.group_name);
    w.Key("is_read");
    w.Bool(r.is_read);
    w.Key("read_at");
    write_time(w, r.read_at);
    if (!report.reminders) {
      w.EndObject();
      continue;
    }
    const auto found = std::lower_bound(
        report.recipient_reminders.begin(), report.recipient_reminders.end(), r.user,
        [](const RecipientReminders& x, UserId user) { return x.user < user; });
    const bool has = found != report.recipient_reminders.end() && found->user == r.user;
    w.Key("reminders");
    w.Int64(has ? found->reminders : 0);
    w.Key("last_reminded_at");
    write_time(w, has ? found->last_reminded_at : std::nullopt);
    w.Key("deactivated");
    w.Bool(has && found->deactivated_at);
    w.Key("deactivated_at");
    write_time(w, has ? found->deactivated_at : std::nullopt);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void write_reminder_schedule(JsonWriter& w, const ReminderSchedule* s) {
  if (s == nullptr) {
    w.Null();
    return;
  }
  w.StartObject();
  w.Key("frequency");
  write_string(w, frequency_name(s->period_days));
  w.Key("period_days");
  w.Int(s->period_days);
  w.Key("expiry_day");
  write_string(w, format_day(s->expiry_day));
  w.Key("deactivate_non_responders");
  w.Bool(s->deactivate_non_responders);
  w.Key("next_remind_date");
  write_time(w, s->next_remind_at);
  w.Key("last_remind_date");
  write_time(w, s->last_remind_at);
  w.Key("reminders_sent");
  w.Int64(s->rounds_sent);
  w.Key("final_sent");
  w.Bool(s->final_sent);
  w.Key("status");
  w.String(s->stopped_at ? "stopped" : s->closed_at ? "expired" : "active");
  w.EndObject();
}

void write_received_reminder(JsonWriter& w, const ReceivedReminder& r) {
  w.StartObject();
  w.Key("id");
  w.Int64(r.id);
  w.Key("message_id");
  w.Int64(r.message.value);
  w.Key("subject");
  write_string(w, r.subject);
  w.Key("creator_id");
  w.Int64(r.creator.value);
  w.Key("number");
  w.Int64(r.number);
  w.Key("is_final");
  w.Bool(r.is_final);
  w.Key("sent_at");
  write_time(w, r.sent_at);
  w.Key("expiry_date");
  write_time(w, r.expiry_date);
  w.EndObject();
}

void write_due_reminder(JsonWriter& w, const DueReminder& due) {
  w.StartObject();
  w.Key("message_id");
  w.Int64(due.message.id.value);
  w.Key("subject");
  write_string(w, due.message.subject);
  w.Key("creator_id");
  w.Int64(due.message.creator.value);
  w.Key("action");
  switch (due.action) {
    case ReminderAction::remind: w.String("remind"); break;
    case ReminderAction::final: w.String("final"); break;
    case ReminderAction::expire: w.String("expire"); break;
    case ReminderAction::reschedule: w.String("reschedule"); break;
  }
  w.Key("due_at");
  write_time(w, due.schedule.due_at);
  w.Key("unread");
  w.Int64(due.message.recipient_count - due.message.read_count);
  w.Key("reminders");
  write_reminder_schedule(w, &due.schedule);
  w.EndObject();
}

std::string error_body(std::string_view code, std::string_view message) {
  return write_json([&](JsonWriter& w) {
    w.StartObject();
    w.Key("error");
    w.StartObject();
    w.Key("code");
    write_string(w, code);
    w.Key("message");
    write_string(w, message);
    w.EndObject();
    w.EndObject();
  });
}

}  // namespace missive::server
