#include "core/notification.h"

#include <array>
#include <utility>

namespace missive {
namespace {

constexpr std::array<std::pair<NotificationEvent, std::string_view>, 7> kEvents{{
    {NotificationEvent::message_sent, "message.sent"},
    {NotificationEvent::message_read, "message.read"},
    {NotificationEvent::reminder, "reminder.sent"},
    {NotificationEvent::final_reminder, "reminder.final"},
    {NotificationEvent::user_deactivated, "user.deactivated"},
    {NotificationEvent::digest, "digest"},
    {NotificationEvent::email_confirmation, "email.confirmation"},
}};

constexpr std::array<std::pair<NotificationState, std::string_view>, 4> kStates{{
    {NotificationState::queued, "queued"},
    {NotificationState::sent, "sent"},
    {NotificationState::failed, "failed"},
    {NotificationState::cancelled, "cancelled"},
}};

template <class Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "unknown";
}

template <class Enum, std::size_t N>
std::optional<Enum> parse(const std::array<std::pair<Enum, std::string_view>, N>& table,
                          std::string_view name) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view event_name(NotificationEvent event) { return name_of(kEvents, event); }
std::optional<NotificationEvent> parse_event(std::string_view name) { return parse(kEvents, name); }

std::string_view channel_name(NotificationChannel channel) {
  return channel == NotificationChannel::email ? "email" : "webhook";
}

std::string_view state_name(NotificationState state) { return name_of(kStates, state); }
std::optional<NotificationState> parse_state(std::string_view name) { return parse(kStates, name); }

std::string_view email_kind_name(EmailKind kind) {
  return kind == EmailKind::reminders ? "reminders" : "digest";
}

std::optional<EmailKind> parse_email_kind(std::string_view name) {
  if (name == "reminders") return EmailKind::reminders;
  if (name == "digest") return EmailKind::digest;
  return std::nullopt;
}

}  // namespace missive
