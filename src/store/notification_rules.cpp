#include "store/notification_rules.h"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace missive {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::unexpected<Error> corrupt(std::string_view what, std::string_view name) {
  return fail(ErrorCode::unavailable,
              fmt::format("database error: stored notification {} '{}' is unknown", what, name));
}

}  // namespace

std::string confirmation_payload(std::string_view address, std::string_view token) {
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  w.Key("address");
  write_string(w, address);
  w.Key("token");
  write_string(w, token);
  w.EndObject();
  return {out.GetString(), out.GetSize()};
}

std::string digest_payload(const std::vector<MessageId>& newest_first, std::int64_t count) {
  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  w.Key("messages");
  w.StartArray();
  for (MessageId id : newest_first) w.Int64(id.value);
  w.EndArray();
  w.Key("count");
  w.Int64(count);
  w.EndObject();
  return {out.GetString(), out.GetSize()};
}

Result<NotificationChannel> stored_channel(std::string_view name) {
  if (name == channel_name(NotificationChannel::email)) return NotificationChannel::email;
  if (name == channel_name(NotificationChannel::webhook)) return NotificationChannel::webhook;
  return corrupt("channel", name);
}

Result<NotificationEvent> stored_event(std::string_view name) {
  if (auto event = parse_event(name)) return *event;
  return corrupt("event", name);
}

Result<NotificationState> stored_state(std::string_view name) {
  if (auto state = parse_state(name)) return *state;
  return corrupt("state", name);
}

std::string endpoint_disabled_error(std::string_view reason) {
  if (reason.empty()) return "endpoint disabled";
  return fmt::format("endpoint disabled: {}", reason);
}

std::unexpected<Error> no_user(UserId id) {
  return fail(ErrorCode::not_found, fmt::format("no user {}", id.value));
}

std::unexpected<Error> no_webhook(WebhookId id) {
  return fail(ErrorCode::not_found, fmt::format("no webhook {}", id.value));
}

std::unexpected<Error> no_notification(NotificationId id) {
  return fail(ErrorCode::not_found, fmt::format("no notification {}", id.value));
}

std::unexpected<Error> no_email_token() {
  return fail(ErrorCode::not_found,
              "this confirmation link is unknown, already used or expired; ask for a new one");
}

std::unexpected<Error> claim_lost(NotificationId id, std::string_view holder) {
  return fail(ErrorCode::conflict,
              fmt::format("notification {} is no longer claimed by {}", id.value, holder));
}

}  // namespace missive
