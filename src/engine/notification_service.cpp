// NotificationService: users' email settings, webhook endpoints, the outbox, and the worker
// that delivers the outbox (docs/notifications.md).
#include "engine/notification_service.h"

#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/validate.h"
#include "engine/engine_internal.h"
#include "engine/password.h"
#include "notify/destination_limiter.h"
#include "notify/webhook.h"
#include "notify/webhook_url.h"

namespace missive {

using engine_detail::require_admin;

namespace {

// The user themselves or an admin.
Status require_self_or_admin(const Caller& caller, UserId user, std::string_view action) {
  if (caller.id == user || caller.is_admin) return {};
  return fail(ErrorCode::forbidden, fmt::format("only the user or an admin can {}", action));
}

Result<std::uint32_t> event_bits(const std::vector<std::string>& names) {
  if (names.empty()) return fail(ErrorCode::invalid, "events must name at least one event");
  std::uint32_t bits = 0;
  for (const auto& name : names) {
    const auto event = parse_event(name);
    if (!event || (event_bit(*event) & kWebhookEvents) == 0) {
      return fail(ErrorCode::invalid,
                  fmt::format("unknown webhook event \"{}\"; one of message.sent, message.read, "
                              "reminder.sent, reminder.final, user.deactivated",
                              name));
    }
    bits |= event_bit(*event);
  }
  return bits;
}

// The URL's form, and where its host resolves to now: an endpoint on a private address is
// refused when registered, not only when delivered to. A name that does not resolve at the
// moment is accepted (DNS may be down); every delivery checks again.
Status check_url(const std::string& url, bool allow_private) {
  auto checked = notify::check_webhook_url(url, allow_private);
  if (!checked) return fail(ErrorCode::unprocessable, checked.error().message);
  MISSIVE_TRY(const notify::WebhookUrl parts, notify::parse_webhook_url(url));
  if (parts.ip_literal) return {};
  auto resolved = notify::resolve_allowed(parts.host, parts.port, allow_private);
  if (!resolved && resolved.error().code == ErrorCode::forbidden) {
    return fail(ErrorCode::unprocessable,
                resolved.error().message + " (a server for tests may allow it with "
                                           "--allow-private-webhooks)");
  }
  return {};
}

// An unsubscribe token: "<user>.<kind>.<mac>"; the MAC makes it unforgeable, and it never
// expires (an old email's link still works).
std::string unsubscribe_message(UserId user, EmailKind kind) {
  return fmt::format("unsubscribe:{}:{}", user.value, email_kind_name(kind));
}

}  // namespace

NotificationService::NotificationService(Store& store, const Clock& clock,
                                         NotificationOptions options, notify::SmtpMailer* mailer,
                                         notify::WebhookSender& webhooks)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      mailer_(mailer),
      webhooks_(webhooks),
      limiter_(std::make_unique<notify::DestinationLimiter>(notify::DestinationLimits{})) {}

NotificationService::~NotificationService() { stop(); }

void NotificationService::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

std::string NotificationService::sign(const std::string& message) const {
  return hmac_sha256_hex(options_.link_key, message);
}

std::string NotificationService::link(const std::string& path) const {
  std::string base = options_.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + path;
}

// --- email settings ---

Result<EmailSettings> NotificationService::email_settings(const Caller& caller, UserId user) {
  MISSIVE_TRY_STATUS(require_self_or_admin(caller, user, "see a user's email settings"));
  return store_.email_settings(user);
}

Result<EmailSettings> NotificationService::change_email(const Caller& caller, UserId user,
                                                        const std::string& address) {
  MISSIVE_TRY_STATUS(require_self_or_admin(caller, user, "change a user's email"));
  MISSIVE_TRY_STATUS(validate_email_address(address));
  if (!options_.email_configured) {
    return fail(ErrorCode::unprocessable,
                "this server sends no email: its operator starts it with --smtp-url");
  }
  EmailChange change;
  change.user = user;
  change.address = address;
  change.token = new_token();
  change.token_hash = token_hash(change.token);
  change.now = clock_.now();
  change.expires_at = change.now + options_.confirm_ttl_ms;
  auto settings = store_.request_email_change(change);
  if (settings) poke();
  return settings;
}

Result<EmailSettings> NotificationService::remove_email(const Caller& caller, UserId user) {
  MISSIVE_TRY_STATUS(require_self_or_admin(caller, user, "remove a user's email"));
  return store_.clear_email(user);
}

Result<EmailSettings> NotificationService::set_email_preferences(
    const Caller& caller, UserId user, const EmailPreferences& preferences) {
  MISSIVE_TRY_STATUS(require_self_or_admin(caller, user, "change a user's email preferences"));
  return store_.set_email_preferences(user, preferences);
}

Result<UserId> NotificationService::confirm_email(const std::string& token) {
  if (token.empty() || token.size() > 128) {
    return fail(ErrorCode::not_found, "this confirmation link is unknown, used or expired");
  }
  auto user = store_.confirm_email(token_hash(token), clock_.now());
  if (!user && user.error().code == ErrorCode::not_found) {
    return fail(ErrorCode::not_found, "this confirmation link is unknown, used or expired");
  }
  return user;
}

std::string NotificationService::unsubscribe_url(UserId user, EmailKind kind) const {
  return link(fmt::format("/v1/unsubscribe?token={}.{}.{}", user.value, email_kind_name(kind),
                          sign(unsubscribe_message(user, kind))));
}

Result<EmailKind> NotificationService::unsubscribe(const std::string& token) {
  const auto bad = [] { return fail(ErrorCode::not_found, "this unsubscribe link is not valid"); };
  const auto first = token.find('.');
  const auto second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos) return bad();
  std::int64_t id = 0;
  const auto parsed = std::from_chars(token.data(), token.data() + first, id);
  if (parsed.ec != std::errc() || parsed.ptr != token.data() + first || id <= 0) return bad();
  const auto kind = parse_email_kind(std::string_view(token).substr(first + 1, second - first - 1));
  if (!kind) return bad();
  const UserId user(id);
  if (!equal_in_constant_time(token.substr(second + 1), sign(unsubscribe_message(user, *kind)))) {
    return bad();
  }
  EmailPreferences off;
  (*kind == EmailKind::reminders ? off.reminders : off.digest) = false;
  MISSIVE_TRY_STATUS(store_.set_email_preferences(user, off));
  return *kind;
}

// --- webhooks ---

Result<WebhookEndpoint> NotificationService::create_webhook(const Caller& caller,
                                                           const WebhookRequest& request) {
  MISSIVE_TRY_STATUS(require_admin(caller, "manage webhooks"));
  if (!request.url) return fail(ErrorCode::invalid, "url is required");
  if (!request.events) return fail(ErrorCode::invalid, "events is required");
  MISSIVE_TRY_STATUS(check_url(*request.url, options_.allow_private_webhooks));
  NewWebhook webhook;
  webhook.url = *request.url;
  MISSIVE_TRY(webhook.events, event_bits(*request.events));
  webhook.description = request.description.value_or("");
  if (webhook.description.size() > 1000) {
    return fail(ErrorCode::invalid, "description is longer than 1000 bytes");
  }
  webhook.secret = notify::make_webhook_secret();
  webhook.created_at = clock_.now();
  return store_.create_webhook(webhook);
}

Result<std::vector<WebhookEndpoint>> NotificationService::list_webhooks(const Caller& caller) {
  MISSIVE_TRY_STATUS(require_admin(caller, "manage webhooks"));
  return store_.list_webhooks();
}

Result<WebhookEndpoint> NotificationService::get_webhook(const Caller& caller, WebhookId id) {
  MISSIVE_TRY_STATUS(require_admin(caller, "manage webhooks"));
  return store_.get_webhook(id);
}

Result<WebhookEndpoint> NotificationService::update_webhook(const Caller& caller, WebhookId id,
                                                           const WebhookRequest& request) {
  MISSIVE_TRY_STATUS(require_admin(caller, "manage webhooks"));
  WebhookUpdate update;
  if (request.url) {
    MISSIVE_TRY_STATUS(check_url(*request.url, options_.allow_private_webhooks));
    update.url = request.url;
  }
  if (request.events) {
    MISSIVE_TRY(std::uint32_t bits, event_bits(*request.events));
    update.events = bits;
  }
  if (request.description) {
    if (request.description->size() > 1000) {
      return fail(ErrorCode::invalid, "description is longer than 1000 bytes");
    }
    update.description = request.description;
  }
  update.enabled = request.enabled;
  if (request.new_secret) update.secret = notify::make_webhook_secret();
  return store_.update_webhook(id, update);
}

Status NotificationService::delete_webhook(const Caller& caller, WebhookId id) {
  MISSIVE_TRY_STATUS(require_admin(caller, "manage webhooks"));
  return store_.delete_webhook(id);
}

// --- the outbox ---

Result<std::vector<Notification>> NotificationService::notifications(const Caller& caller,
                                                                     const NotificationQuery& query) {
  MISSIVE_TRY_STATUS(require_admin(caller, "read the notification outbox"));
  MISSIVE_TRY_STATUS(engine_detail::validate_limit(query.limit));
  return store_.list_notifications(query);
}

Result<Notification> NotificationService::notification(const Caller& caller, NotificationId id) {
  MISSIVE_TRY_STATUS(require_admin(caller, "read the notification outbox"));
  return store_.get_notification(id);
}

Result<Notification> NotificationService::replay(const Caller& caller, NotificationId id) {
  MISSIVE_TRY_STATUS(require_admin(caller, "replay a notification"));
  auto replayed = store_.replay_notification(id, clock_.now());
  if (replayed) poke();
  return replayed;
}

Result<OutboxCounts> NotificationService::outbox_counts(const Caller& caller) {
  MISSIVE_TRY_STATUS(require_admin(caller, "read the notification outbox"));
  return store_.outbox_counts();
}

}  // namespace missive
