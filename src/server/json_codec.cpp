#include "server/json_codec.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <rapidjson/document.h>

#include "core/attachment_json.h"
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

void put_number(JsonWriter& w, const char* key, double value) {
  w.Key(key);
  write_number(w, value);
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
  put_int(w, "id", m.id.value);
  put_int(w, "conversation_id", m.conversation.value);
  put_int(w, "seq", m.seq);
  put_int(w, "creator_id", m.creator.value);
  w.Key("client_msg_id");
  if (m.client_msg_id) {
    write_string(w, *m.client_msg_id);
  } else {
    w.Null();
  }
  put_string(w, "subject", m.subject);
  put_string(w, "body", m.body);
  w.Key("parent_id");
  if (m.parent) {
    w.Int64(m.parent->value);
  } else {
    w.Null();
  }
  put_int(w, "root_id", m.root.value);
  put_time(w, "create_date", m.create_date);
  put_time(w, "expiry_date", m.expiry_date);
  put_bool(w, "active", m.is_active(now));
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
  put_string(w, "sent_to", m.sent_to);
  w.Key("attachments");
  const std::string attachments = attachments_to_json(m.attachments);
  w.RawValue(attachments.data(), attachments.size(), rapidjson::kArrayType);
}

void write_counters(JsonWriter& w, const Message& m) {
  put_int(w, "delivered_count", m.delivered_count);
  put_int(w, "read_count", m.read_count);
  put_number(w, "read_percent", read_percent(m));
}

}  // namespace

void write_upload(JsonWriter& w, const Upload& upload, const UploadUrls& urls) {
  w.StartObject();
  put_int(w, "id", upload.id.value);
  put_string(w, "name", upload.name);
  put_string(w, "declared_type", upload.declared_type);
  if (upload.state == UploadState::complete) put_string(w, "type", upload.type);
  put_int(w, "size", upload.size);
  put_int(w, "offset", upload.offset);
  put_string(w, "state", upload.state == UploadState::complete ? "complete" : "receiving");
  if (upload.state == UploadState::complete) put_string(w, "sha256", upload.sha256);
  if (upload.client_upload_id) put_string(w, "client_upload_id", *upload.client_upload_id);
  put_time(w, "created_at", upload.created_at);
  if (upload.expires_at) put_time(w, "expires_at", upload.expires_at);
  // The media fields, as a message's attachment shows them.
  const std::string media = media_to_json(upload.media);
  rapidjson::Document doc;
  doc.Parse(media.data(), media.size());
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    w.Key(it->name.GetString(), it->name.GetStringLength());
    it->value.Accept(w);
  }
  if (!urls.file.empty()) put_string(w, "url", urls.file);
  if (!urls.thumbnail.empty()) put_string(w, "thumbnail_url", urls.thumbnail);
  w.EndObject();
}

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
  put_int(w, "id", user.id.value);
  put_string(w, "handle", user.handle);
  put_string(w, "first_name", user.first_name);
  put_string(w, "last_name", user.last_name);
  put_string(w, "full_name", user.full_name());
  if (user.attributes_shown) {
    w.Key("attributes");
    write_attributes(w, user.attributes);
  }
  put_bool(w, "is_admin", user.is_admin);
  put_bool(w, "is_active", user.is_active);
  put_time(w, "created_at", user.created_at);
  if (user.permissions_shown) {
    w.Key("permissions");
    w.StartArray();
    for (const Permission permission : user.permissions)
      write_string(w, permission_name(permission));
    w.EndArray();
  }
  w.EndObject();
}

void write_group(JsonWriter& w, const Group& group) {
  w.StartObject();
  put_int(w, "id", group.id.value);
  put_string(w, "name", group.name);
  w.Key("rule");
  if (group.rule) {
    write_string(w, *group.rule);
  } else {
    w.Null();
  }
  put_int(w, "owner_id", group.owner.value);
  put_bool(w, "is_active", group.is_active);
  put_time(w, "created_at", group.created_at);
  put_int(w, "member_count", group.member_count);
  put_string(w, "senders", senders_name(group.senders));
  w.Key("sender_ids");
  w.StartArray();
  for (const UserId id : group.sender_ids) w.Int64(id.value);
  w.EndArray();
  w.EndObject();
}

void write_message(JsonWriter& w, const MessageView& view, Timestamp now) {
  const auto& item = view.item;
  w.StartObject();
  write_message_fields(w, item.message, now);
  put_bool(w, "is_read", view.caller_is_creator || item.is_read);
  put_time(w, "read_at", item.read_at);
  w.Key("via_groups");
  w.StartArray();
  for (const auto group : item.via_groups) w.Int64(group.value);
  w.EndArray();
  put_int(w, "reminder_count", item.reminder_count);
  put_time(w, "last_reminded_at", item.last_reminded_at);
  put_bool(w, "final_reminder", item.final_reminder);
  if (view.caller_is_creator) {
    put_int(w, "recipient_count", item.message.recipient_count);
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
  put_int(w, "id", c.id.value);
  w.Key("kind");
  switch (c.kind) {
    case ConversationKind::direct: w.String("direct"); break;
    case ConversationKind::group: w.String("group"); break;
    case ConversationKind::multi: w.String("multi"); break;
  }
  w.Key("group_id");
  write_optional_id(w, c.group);
  put_int(w, "max_seq", c.max_seq);
  put_int(w, "read_seq", c.read_seq);
  put_int(w, "unread", c.unread);
  w.Key("last_message_id");
  if (c.last_message) {
    w.Int64(c.last_message->value);
  } else {
    w.Null();
  }
  put_time(w, "last_activity", c.last_activity);
  w.EndObject();
}

void write_read_outcome(JsonWriter& w, const ReadOutcome& outcome) {
  w.StartObject();
  put_int(w, "messages_marked", outcome.messages_marked);
  put_int(w, "read_seq", outcome.read_seq);
  w.EndObject();
}

void write_dashboard_row(JsonWriter& w, const Message& m, Timestamp now,
                         const ReminderSchedule* reminders) {
  w.StartObject();
  put_int(w, "id", m.id.value);
  put_string(w, "subject", m.subject);
  put_string(w, "sent_to", m.sent_to);
  put_time(w, "create_date", m.create_date);
  put_time(w, "expiry_date", m.expiry_date);
  put_bool(w, "active", m.is_active(now));
  put_int(w, "recipients", m.recipient_count);
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
    put_string(w, "group_name", g.group_name);
    put_int(w, "recipients", g.recipients);
    put_int(w, "reads", g.reads);
    put_number(w, "read_percent", read_percent(g.reads, g.recipients));
    w.EndObject();
  }
  w.EndArray();
  w.Key("recipients");
  w.StartArray();
  for (const auto& r : report.recipients) {
    w.StartObject();
    put_int(w, "user_id", r.user.value);
    put_string(w, "handle", r.handle);
    put_string(w, "full_name", r.full_name);
    w.Key("group_id");
    write_optional_id(w, r.group);
    put_string(w, "group_name", r.group_name);
    put_time(w, "delivered_at", r.delivered_at);
    put_bool(w, "is_read", r.is_read);
    put_time(w, "read_at", r.read_at);
    if (!report.reminders) {
      w.EndObject();
      continue;
    }
    const auto found = std::lower_bound(
        report.recipient_reminders.begin(), report.recipient_reminders.end(), r.user,
        [](const RecipientReminders& x, UserId user) { return x.user < user; });
    const bool has = found != report.recipient_reminders.end() && found->user == r.user;
    put_int(w, "reminders", has ? found->reminders : 0);
    put_time(w, "last_reminded_at", has ? found->last_reminded_at : std::nullopt);
    put_bool(w, "deactivated", has && found->deactivated_at);
    put_time(w, "deactivated_at", has ? found->deactivated_at : std::nullopt);
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
  put_string(w, "frequency", frequency_name(s->period_days));
  w.Key("period_days");
  w.Int(s->period_days);
  put_string(w, "expiry_day", format_day(s->expiry_day));
  put_bool(w, "deactivate_non_responders", s->deactivate_non_responders);
  put_time(w, "next_remind_date", s->next_remind_at);
  put_time(w, "last_remind_date", s->last_remind_at);
  put_int(w, "reminders_sent", s->rounds_sent);
  put_bool(w, "final_sent", s->final_sent);
  w.Key("status");
  w.String(s->stopped_at ? "stopped" : s->closed_at ? "expired" : "active");
  w.EndObject();
}

void write_received_reminder(JsonWriter& w, const ReceivedReminder& r) {
  w.StartObject();
  put_int(w, "id", r.id);
  put_int(w, "message_id", r.message.value);
  put_string(w, "subject", r.subject);
  put_int(w, "creator_id", r.creator.value);
  put_int(w, "number", r.number);
  put_bool(w, "is_final", r.is_final);
  put_time(w, "sent_at", r.sent_at);
  put_time(w, "expiry_date", r.expiry_date);
  w.EndObject();
}

void write_due_reminder(JsonWriter& w, const DueReminder& due) {
  w.StartObject();
  put_int(w, "message_id", due.message.id.value);
  put_string(w, "subject", due.message.subject);
  put_int(w, "creator_id", due.message.creator.value);
  w.Key("action");
  switch (due.action) {
    case ReminderAction::remind: w.String("remind"); break;
    case ReminderAction::final: w.String("final"); break;
    case ReminderAction::expire: w.String("expire"); break;
    case ReminderAction::reschedule: w.String("reschedule"); break;
  }
  put_time(w, "due_at", due.schedule.due_at);
  put_int(w, "unread", due.message.recipient_count - due.message.read_count);
  w.Key("reminders");
  write_reminder_schedule(w, &due.schedule);
  w.EndObject();
}

namespace {

// A message inside a sync entry or a slot. The recipient's form has no per-recipient state (it
// would cost a read per message): is_read is false there; read entries carry the watermark.
void write_timeline_message(JsonWriter& w, const Message& message, UserId viewer, Timestamp now) {
  if (message.creator == viewer) {
    write_creator_message(w, message, now);
  } else {
    write_message(w, MessageView{InboxItem{.message = message}, false, std::nullopt}, now);
  }
}

}  // namespace

void write_sync_entry(JsonWriter& w, const SyncEntry& e, UserId viewer, Timestamp now) {
  w.StartObject();
  put_int(w, "seq", e.seq);
  put_string(w, "kind", entry_kind_name(e.kind));
  put_int(w, "conversation", e.conversation.value);
  if (e.kind == EntryKind::read) {
    put_int(w, "read_seq", e.conv_seq);
    // A message above the watermark read on its own (the watermark may not have moved).
    if (e.message) put_int(w, "message_id", e.message->value);
  } else {
    put_int(w, "conv_seq", e.conv_seq);
    w.Key("message_id");
    if (e.message) {
      w.Int64(e.message->value);
    } else {
      w.Null();
    }
  }
  switch (e.kind) {
    case EntryKind::message:
      if (e.content) {
        w.Key("message");
        write_timeline_message(w, *e.content, viewer, now);
      } else {
        put_bool(w, "placeholder", true);
      }
      break;
    case EntryKind::status:
      w.Key("user");
      if (e.user) {
        w.Int64(e.user->value);
      } else {
        w.Null();
      }
      put_string(w, "status", delivery_status_name(e.status));
      break;
    case EntryKind::expiry:
      put_time(w, "expiry_date", e.expiry);
      break;
    case EntryKind::reminder:
      put_int(w, "number", e.number);
      put_bool(w, "final", e.is_final);
      break;
    case EntryKind::attachment:
      if (e.attachment) put_int(w, "attachment", e.attachment->value);
      break;
    case EntryKind::read:
      break;
  }
  put_time(w, "at", e.at);
  w.EndObject();
}

void write_message_slot(JsonWriter& w, const MessageSlot& slot, UserId viewer, Timestamp now) {
  w.StartObject();
  put_int(w, "seq", slot.seq);
  if (slot.message) {
    w.Key("message");
    write_timeline_message(w, *slot.message, viewer, now);
  } else {
    put_bool(w, "placeholder", true);
  }
  w.EndObject();
}

std::string error_body(std::string_view code, std::string_view message,
                       std::int64_t retry_after_seconds, std::int64_t position) {
  return write_json([&](JsonWriter& w) {
    w.StartObject();
    w.Key("error");
    w.StartObject();
    put_string(w, "code", code);
    put_string(w, "message", message);
    if (retry_after_seconds > 0) {
      w.Key("retry_after");
      w.Int64(retry_after_seconds);
    }
    if (position > 0) {
      w.Key("position");
      w.Int64(position);
    }
    w.EndObject();
    w.EndObject();
  });
}

}  // namespace missive::server
