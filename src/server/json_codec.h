#pragma once
// JSON forms of the domain types, as documented in docs/api.md. Every response body the API
// sends is written here, so one field has one spelling everywhere.
//
// Thread-safety: free functions over caller-owned writers; no shared state.

#include <optional>
#include <string>
#include <utility>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/error.h"
#include "core/sync.h"
#include "core/types.h"
#include "engine/engine.h"

namespace missive::server {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Runs `write(writer)` on a fresh writer and returns the text it produced.
template <class F>
std::string write_json(F&& write) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  std::forward<F>(write)(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

void write_string(JsonWriter& w, std::string_view text);
void write_time(JsonWriter& w, std::optional<Timestamp> t);  // RFC 3339 or null

// One object member, key and value in a single call.
inline void put_int(JsonWriter& w, const char* key, std::int64_t value) {
  w.Key(key);
  w.Int64(value);
}
inline void put_bool(JsonWriter& w, const char* key, bool value) {
  w.Key(key);
  w.Bool(value);
}
inline void put_string(JsonWriter& w, const char* key, std::string_view value) {
  w.Key(key);
  write_string(w, value);
}
inline void put_time(JsonWriter& w, const char* key, std::optional<Timestamp> value) {
  w.Key(key);
  write_time(w, value);
}
// The value, or null when absent.
inline void put_optional_string(JsonWriter& w, const char* key,
                                const std::optional<std::string>& value) {
  w.Key(key);
  if (value) {
    write_string(w, *value);
  } else {
    w.Null();
  }
}
inline void put_optional_int(JsonWriter& w, const char* key, std::optional<std::int64_t> value) {
  w.Key(key);
  if (value) {
    w.Int64(*value);
  } else {
    w.Null();
  }
}

void write_attributes(JsonWriter& w, const Attributes& attributes);
void write_user(JsonWriter& w, const User& user);
// Signed URLs of an upload for its viewer (docs/attachments.md); empty: left out.
struct UploadUrls {
  std::string file;
  std::string thumbnail;
};
void write_upload(JsonWriter& w, const Upload& upload, const UploadUrls& urls);
void write_group(JsonWriter& w, const Group& group);

// A message as the caller sees it; `now` decides "active". The creator's view adds
// recipient_count, read_count and read_percent.
void write_message(JsonWriter& w, const MessageView& view, Timestamp now);
// A message returned to its creator (send, withdraw, set expiry): is_read true, counters shown.
void write_creator_message(JsonWriter& w, const Message& message, Timestamp now,
                           const std::optional<ReminderSchedule>& reminders = std::nullopt);
// {message, replies:[node]}
void write_thread_node(JsonWriter& w, const ThreadNode& node, Timestamp now);

void write_conversation(JsonWriter& w, const ConversationSummary& conversation);
void write_read_outcome(JsonWriter& w, const ReadOutcome& outcome);
// {id, subject, sent_to, create_date, expiry_date, active, recipients, read_count, read_percent}
// (+ reminders: null or the schedule)
void write_dashboard_row(JsonWriter& w, const Message& message, Timestamp now,
                         const ReminderSchedule* reminders = nullptr);
void write_read_report(JsonWriter& w, const ReadReport& report, Timestamp now);

// {frequency, period_days, expiry_day, deactivate_non_responders, next_remind_date,
//  last_remind_date, reminders_sent, final_sent, status}, or null.
void write_reminder_schedule(JsonWriter& w, const ReminderSchedule* schedule);
// {id, message_id, subject, creator_id, number, is_final, sent_at, expiry_date}
void write_received_reminder(JsonWriter& w, const ReceivedReminder& reminder);
// {message_id, subject, creator_id, action, due_at, unread, reminders:{...}}
void write_due_reminder(JsonWriter& w, const DueReminder& due);

// One timeline entry as `viewer` sees it (docs/protocol.md): {seq, kind, conversation, ...}
// with the members of its kind. A message entry carries the message while it is active (the
// creator's object for the viewer's own messages, the recipient's otherwise) or
// "placeholder": true.
void write_sync_entry(JsonWriter& w, const SyncEntry& entry, UserId viewer, Timestamp now);
// {seq, message} or {seq, placeholder: true}.
void write_message_slot(JsonWriter& w, const MessageSlot& slot, UserId viewer, Timestamp now);

// {"error":{"code":"<code name>","message":"..."}}, with "retry_after" (seconds) and
// "position" (of a rule error) when they are positive.
std::string error_body(std::string_view code, std::string_view message,
                       std::int64_t retry_after_seconds = 0, std::int64_t position = 0);
inline std::string error_body(const Error& error) {
  return error_body(error_code_name(error.code), error.message, error.retry_after_seconds,
                    error.position);
}

}  // namespace missive::server
