#pragma once
// What both stores decide about notifications without SQL (docs/notifications.md): the
// outbox rows' retry window, the JSON payloads they carry, reading their stored names back,
// and the errors the operations answer, so the two backends write and refuse the same things
// with the same words.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/ids.h"
#include "core/notification.h"

namespace missive {

// A new or replayed row is retried for a day; the engine gives up after its deadline.
inline constexpr Timestamp kNotificationRetryMs = 86'400'000;
constexpr Timestamp notification_deadline(Timestamp queued_at) {
  return queued_at + kNotificationRetryMs;
}

// {"address": ..., "token": ...}: what an email_confirmation row needs to be written later.
std::string confirmation_payload(std::string_view address, std::string_view token);
// {"messages": [ids as given, newest first], "count": count}.
std::string digest_payload(const std::vector<MessageId>& newest_first, std::int64_t count);

// The stored names back as values; unavailable (the row is damaged) for an unknown name.
Result<NotificationChannel> stored_channel(std::string_view name);
Result<NotificationEvent> stored_event(std::string_view name);
Result<NotificationState> stored_state(std::string_view name);

// last_error of the queued rows failed when their endpoint is disabled: "endpoint disabled"
// and the reason, if any.
std::string endpoint_disabled_error(std::string_view reason);

// not_found: "no user N", "no webhook N", "no notification N".
std::unexpected<Error> no_user(UserId id);
std::unexpected<Error> no_webhook(WebhookId id);
std::unexpected<Error> no_notification(NotificationId id);
// not_found for confirm_email: the same answer for a token unknown, used or expired.
std::unexpected<Error> no_email_token();
// conflict for finish_notification: `holder` no longer holds the claim on `id`.
std::unexpected<Error> claim_lost(NotificationId id, std::string_view holder);

}  // namespace missive
