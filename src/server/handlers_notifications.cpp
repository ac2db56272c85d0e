// Notifications that leave the server (docs/notifications.md): a user's email address and
// preferences, confirmation and one-click unsubscribe links, webhook endpoints and the
// outbox (admins).
#include "engine/notification_service.h"
#include "server/routes.h"

namespace missive::server {
namespace {

Result<NotificationService*> service(const HandlerContext& ctx) {
  if (ctx.notifications == nullptr) {
    return fail(ErrorCode::unavailable, "notifications are not enabled on this server");
  }
  return ctx.notifications;
}

// A valid id, or null.
template <class IdT>
std::optional<std::int64_t> id_or_null(IdT id) {
  return id.valid() ? std::optional<std::int64_t>(id.value) : std::nullopt;
}

HttpResponse settings_response(int status, const EmailSettings& s) {
  return json_ok(status, [&](JsonWriter& w) {
    w.StartObject();
    put_optional_string(w, "address", s.address);
    put_optional_string(w, "pending", s.pending);
    put_bool(w, "reminders", s.reminders);
    put_bool(w, "digest", s.digest);
    w.EndObject();
  });
}

void write_events(JsonWriter& w, std::uint32_t events) {
  w.Key("events");
  w.StartArray();
  for (auto event : {NotificationEvent::message_sent, NotificationEvent::message_read,
                     NotificationEvent::reminder, NotificationEvent::final_reminder,
                     NotificationEvent::user_deactivated}) {
    if ((events & event_bit(event)) != 0) {
      const auto name = event_name(event);
      w.String(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    }
  }
  w.EndArray();
}

void write_webhook(JsonWriter& w, const WebhookEndpoint& e) {
  w.StartObject();
  put_int(w, "id", e.id.value);
  put_string(w, "url", e.url);
  // Admins only reach this: the secret is what their receiver verifies signatures with.
  put_string(w, "secret", e.secret);
  write_events(w, e.events);
  put_string(w, "description", e.description);
  put_bool(w, "enabled", e.enabled);
  put_optional_string(w, "disabled_reason", e.disabled_reason);
  put_time(w, "failing_since", e.failing_since);
  put_time(w, "created_at", e.created_at);
  w.EndObject();
}

void write_notification(JsonWriter& w, const Notification& n) {
  w.StartObject();
  put_int(w, "id", n.id.value);
  put_string(w, "channel", channel_name(n.channel));
  put_string(w, "event", event_name(n.event));
  put_string(w, "state", state_name(n.state));
  put_optional_int(w, "user_id", id_or_null(n.user));
  put_optional_int(w, "message_id", id_or_null(n.message));
  put_optional_int(w, "webhook_id", id_or_null(n.endpoint));
  if (n.number > 0) put_int(w, "round", n.number);
  put_optional_string(w, "destination", n.destination);
  put_int(w, "attempts", n.attempts);
  put_time(w, "created_at", n.created_at);
  put_time(w, "next_attempt_at",
           n.state == NotificationState::queued ? std::optional<Timestamp>(n.next_attempt_at)
                                                : std::nullopt);
  put_time(w, "sent_at", n.sent_at);
  put_optional_string(w, "last_error", n.last_error);
  w.EndObject();
}

HttpResponse notifications_response(const std::vector<Notification>& rows, int limit) {
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("notifications");
    w.StartArray();
    for (const auto& row : rows) write_notification(w, row);
    w.EndArray();
    const bool full = static_cast<int>(rows.size()) == limit && !rows.empty();
    put_optional_int(w, "next_before",
                     full ? std::optional<std::int64_t>(rows.back().id.value) : std::nullopt);
    w.EndObject();
  });
}

// --- a user's email ---

Result<HttpResponse> get_email(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto user, ctx.path_id<UserId>("id", "user id"));
  MISSIVE_TRY(auto settings, notifications->email_settings(ctx.caller, user));
  return settings_response(200, settings);
}

// {"address": "..."}: asks for the address; it is used once confirmed (202: not yet done).
Result<HttpResponse> put_email(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto user, ctx.path_id<UserId>("id", "user id"));
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  MISSIVE_TRY(auto address, fields.required_string("address"));
  MISSIVE_TRY(auto settings, notifications->change_email(ctx.caller, user, address));
  return settings_response(202, settings);
}

Result<HttpResponse> delete_email(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto user, ctx.path_id<UserId>("id", "user id"));
  MISSIVE_TRY(auto settings, notifications->remove_email(ctx.caller, user));
  return settings_response(200, settings);
}

// {"reminders": bool, "digest": bool}: absent fields keep their value.
Result<HttpResponse> patch_email(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto user, ctx.path_id<UserId>("id", "user id"));
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  EmailPreferences preferences;
  MISSIVE_TRY(preferences.reminders, fields.optional_bool("reminders"));
  MISSIVE_TRY(preferences.digest, fields.optional_bool("digest"));
  MISSIVE_TRY(auto settings, notifications->set_email_preferences(ctx.caller, user, preferences));
  return settings_response(200, settings);
}

// {"token": "..."} from the confirmation link: no login needed, the token is the proof.
Result<HttpResponse> confirm_email(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  MISSIVE_TRY(auto token, fields.required_string("token"));
  MISSIVE_TRY(UserId user, notifications->confirm_email(token));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    put_int(w, "user_id", user.value);
    w.EndObject();
  });
}

HttpResponse html_page(const std::string& title, const std::string& body) {
  HttpResponse response;
  response.status = 200;
  response.body = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + title +
                  "</title></head><body style=\"font-family:sans-serif;max-width:36em;margin:3em "
                  "auto\">" + body + "</body></html>";
  response.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
  response.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

Result<std::string> unsubscribe_token(const HandlerContext& ctx) {
  const std::string* token = find_param(ctx.query, "token");
  if (token == nullptr || token->empty()) return fail(ErrorCode::invalid, "token is required");
  return *token;
}

// GET: a page with a button, so that mail scanners following links unsubscribe no one.
Result<HttpResponse> unsubscribe_page(const HandlerContext& ctx) {
  MISSIVE_TRY(auto token, unsubscribe_token(ctx));
  std::string escaped;
  for (char c : token) {
    // The token is [0-9a-z.]; anything else cannot verify, so it is dropped, not escaped.
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '.') escaped += c;
  }
  return html_page("Unsubscribe",
                   "<h1>Unsubscribe</h1><p>Stop these emails from Missive?</p>"
                   "<form method=\"post\" action=\"/v1/unsubscribe?token=" + escaped +
                       "\"><button type=\"submit\">Unsubscribe</button></form>");
}

// POST: RFC 8058 one-click (the body "List-Unsubscribe=One-Click" is not needed to act).
Result<HttpResponse> unsubscribe(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto token, unsubscribe_token(ctx));
  MISSIVE_TRY(EmailKind kind, notifications->unsubscribe(token));
  return html_page("Unsubscribed",
                   std::string("<h1>Unsubscribed</h1><p>You will get no more ") +
                       (kind == EmailKind::reminders ? "reminder" : "digest") +
                       " emails. Turn them back on in the web page's settings.</p>");
}

// --- webhooks ---

Result<WebhookRequest> webhook_request(const HandlerContext& ctx) {
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  WebhookRequest request;
  MISSIVE_TRY(request.url, fields.optional_string("url"));
  MISSIVE_TRY(request.events, fields.optional_strings("events"));
  MISSIVE_TRY(request.description, fields.optional_string("description"));
  MISSIVE_TRY(request.enabled, fields.optional_bool("enabled"));
  MISSIVE_TRY(auto rotate, fields.optional_bool("new_secret"));
  request.new_secret = rotate.value_or(false);
  return request;
}

HttpResponse webhook_response(int status, const WebhookEndpoint& endpoint) {
  return json_ok(status, [&](JsonWriter& w) { write_webhook(w, endpoint); });
}

Result<HttpResponse> create_webhook(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto request, webhook_request(ctx));
  MISSIVE_TRY(auto endpoint, notifications->create_webhook(ctx.caller, request));
  return webhook_response(201, endpoint);
}

Result<HttpResponse> list_webhooks(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto endpoints, notifications->list_webhooks(ctx.caller));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("webhooks");
    w.StartArray();
    for (const auto& endpoint : endpoints) write_webhook(w, endpoint);
    w.EndArray();
    w.EndObject();
  });
}

Result<HttpResponse> get_webhook(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto id, ctx.path_id<WebhookId>("id", "webhook id"));
  MISSIVE_TRY(auto endpoint, notifications->get_webhook(ctx.caller, id));
  return webhook_response(200, endpoint);
}

Result<HttpResponse> patch_webhook(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto id, ctx.path_id<WebhookId>("id", "webhook id"));
  MISSIVE_TRY(auto request, webhook_request(ctx));
  MISSIVE_TRY(auto endpoint, notifications->update_webhook(ctx.caller, id, request));
  return webhook_response(200, endpoint);
}

Result<HttpResponse> delete_webhook(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto id, ctx.path_id<WebhookId>("id", "webhook id"));
  MISSIVE_TRY_STATUS(notifications->delete_webhook(ctx.caller, id));
  return HttpResponse{204, "", {}};
}

// --- the outbox ---

Result<NotificationQuery> outbox_query(const HandlerContext& ctx) {
  NotificationQuery query;
  MISSIVE_TRY(query.limit, query_limit(ctx.query, 50));
  MISSIVE_TRY(auto before, query_id(ctx.query, "before"));
  if (before) query.before = NotificationId(*before);
  MISSIVE_TRY(auto user, query_id(ctx.query, "user"));
  if (user) query.user = UserId(*user);
  MISSIVE_TRY(auto webhook, query_id(ctx.query, "webhook"));
  if (webhook) query.endpoint = WebhookId(*webhook);
  if (const auto* state = find_param(ctx.query, "state")) {
    query.state = parse_state(*state);
    if (!query.state) {
      return fail(ErrorCode::invalid, "state must be one of queued, sent, failed, cancelled");
    }
  }
  if (const auto* channel = find_param(ctx.query, "channel")) {
    if (*channel == "email") {
      query.channel = NotificationChannel::email;
    } else if (*channel == "webhook") {
      query.channel = NotificationChannel::webhook;
    } else {
      return fail(ErrorCode::invalid, "channel must be email or webhook");
    }
  }
  return query;
}

Result<HttpResponse> list_notifications(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto query, outbox_query(ctx));
  MISSIVE_TRY(auto rows, notifications->notifications(ctx.caller, query));
  return notifications_response(rows, query.limit);
}

Result<HttpResponse> webhook_deliveries(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto id, ctx.path_id<WebhookId>("id", "webhook id"));
  MISSIVE_TRY(auto query, outbox_query(ctx));
  MISSIVE_TRY_STATUS(notifications->get_webhook(ctx.caller, id));
  query.endpoint = id;
  MISSIVE_TRY(auto rows, notifications->notifications(ctx.caller, query));
  return notifications_response(rows, query.limit);
}

Result<HttpResponse> get_notification(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto id, ctx.path_id<NotificationId>("id", "notification id"));
  MISSIVE_TRY(auto row, notifications->notification(ctx.caller, id));
  return json_ok(200, [&](JsonWriter& w) { write_notification(w, row); });
}

Result<HttpResponse> replay_notification(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto id, ctx.path_id<NotificationId>("id", "notification id"));
  MISSIVE_TRY(auto row, notifications->replay(ctx.caller, id));
  return json_ok(202, [&](JsonWriter& w) { write_notification(w, row); });
}

Result<HttpResponse> outbox_summary(const HandlerContext& ctx) {
  MISSIVE_TRY(auto* notifications, service(ctx));
  MISSIVE_TRY(auto counts, notifications->outbox_counts(ctx.caller));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    put_int(w, "queued", counts.queued);
    put_int(w, "sent", counts.sent);
    put_int(w, "failed", counts.failed);
    put_int(w, "cancelled", counts.cancelled);
    put_time(w, "oldest_queued_at", counts.oldest_queued_at);
    w.EndObject();
  });
}

}  // namespace

std::vector<RouteDef> notification_routes() {
  return {
      {"GET", "/v1/users/{id}/email", Auth::required, get_email},
      {"PUT", "/v1/users/{id}/email", Auth::required, put_email},
      {"PATCH", "/v1/users/{id}/email", Auth::required, patch_email},
      {"DELETE", "/v1/users/{id}/email", Auth::required, delete_email},
      {"POST", "/v1/email/confirm", Auth::none, confirm_email},
      {"GET", "/v1/unsubscribe", Auth::none, unsubscribe_page},
      {"POST", "/v1/unsubscribe", Auth::none, unsubscribe},
      {"GET", "/v1/webhooks", Auth::required, list_webhooks},
      {"POST", "/v1/webhooks", Auth::required, create_webhook},
      {"GET", "/v1/webhooks/{id}", Auth::required, get_webhook},
      {"PATCH", "/v1/webhooks/{id}", Auth::required, patch_webhook},
      {"DELETE", "/v1/webhooks/{id}", Auth::required, delete_webhook},
      {"GET", "/v1/webhooks/{id}/deliveries", Auth::required, webhook_deliveries},
      {"GET", "/v1/notifications", Auth::required, list_notifications},
      {"GET", "/v1/notifications/summary", Auth::required, outbox_summary},
      {"GET", "/v1/notifications/{id}", Auth::required, get_notification},
      {"POST", "/v1/notifications/{id}/replay", Auth::required, replay_notification},
  };
}

}  // namespace missive::server
