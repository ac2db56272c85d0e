#pragma once
// Notifications that leave the server (docs/notifications.md): email to users, webhooks to the
// organisation's endpoints, and the durable outbox that carries both. Plain values.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace missive {

// What happened. Emails: reminder, final_reminder, digest, email_confirmation. Webhooks:
// message_sent, message_read, reminder, final_reminder, user_deactivated.
enum class NotificationEvent {
  message_sent,
  message_read,
  reminder,
  final_reminder,
  user_deactivated,
  digest,
  email_confirmation,
};

// Wire names ("message.sent", "reminder.final", ...); nullopt for an unknown name.
std::string_view event_name(NotificationEvent event);
std::optional<NotificationEvent> parse_event(std::string_view name);

// The events a webhook endpoint may subscribe to, as bits of WebhookEndpoint::events.
constexpr std::uint32_t event_bit(NotificationEvent event) { return 1u << static_cast<int>(event); }
constexpr std::uint32_t kWebhookEvents =
    event_bit(NotificationEvent::message_sent) | event_bit(NotificationEvent::message_read) |
    event_bit(NotificationEvent::reminder) | event_bit(NotificationEvent::final_reminder) |
    event_bit(NotificationEvent::user_deactivated);

enum class NotificationChannel { email, webhook };

// queued: waiting for (another) attempt. sent: the remote side accepted it. failed: given up
// (a day of failures, the address gone, the endpoint disabled). cancelled: no longer wanted
// (the user unsubscribed or read the message before it went out).
enum class NotificationState { queued, sent, failed, cancelled };

std::string_view channel_name(NotificationChannel channel);
std::string_view state_name(NotificationState state);
std::optional<NotificationState> parse_state(std::string_view name);

// A user's email address and what they want by email (shown to the user and admins only).
struct EmailSettings {
  std::optional<std::string> address;  // confirmed: what email is sent to
  std::optional<std::string> pending;  // waiting for its confirmation link
  bool reminders = true;               // reminder rounds by email
  bool digest = true;                  // a digest of messages left unseen while offline
};

// The kinds of email a user can turn off (preferences, List-Unsubscribe).
enum class EmailKind { reminders, digest };
std::string_view email_kind_name(EmailKind kind);
std::optional<EmailKind> parse_email_kind(std::string_view name);

struct WebhookEndpoint {
  WebhookId id;
  std::string url;
  std::string secret;  // "whsec_" + base64 of the key (Standard Webhooks)
  std::uint32_t events = 0;  // event_bit()s
  std::string description;
  bool enabled = true;
  std::optional<std::string> disabled_reason;  // set when disabled after a day of failures
  std::optional<Timestamp> failing_since;      // first failure since the last success
  Timestamp created_at = 0;
};

// One row of the outbox: one email to one user, or one webhook delivery to one endpoint.
struct Notification {
  NotificationId id;
  NotificationChannel channel = NotificationChannel::email;
  NotificationEvent event = NotificationEvent::reminder;
  UserId user;              // email: the addressee; webhook: whom the event is about (or invalid)
  MessageId message;        // the message it is about (invalid for none)
  std::int64_t number = 0;  // reminder: the round
  WebhookId endpoint;       // webhook only
  std::string payload = "{}";  // JSON facts the rows above cannot give later (digest, confirmation)
  NotificationState state = NotificationState::queued;
  std::int64_t attempts = 0;
  Timestamp created_at = 0;
  Timestamp next_attempt_at = 0;
  // When retrying stops being worth it: a day after it was queued, or after its last replay.
  Timestamp deadline = 0;
  std::optional<Timestamp> sent_at;
  std::optional<std::string> last_error;
  std::optional<std::string> destination;  // email address or endpoint URL, when known
};

}  // namespace missive
