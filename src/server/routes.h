#pragma once
// The route table's building blocks, shared by api.cpp (which dispatches) and the
// handlers_*.cpp files (one per feature, each contributing its routes).
//
// Thread-safety: a HandlerContext lives for one request on one worker thread; route tables
// are immutable after construction.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "engine/engine.h"
#include "engine/media_service.h"

namespace missive {
class NotificationService;
}
#include "server/http_types.h"
#include "server/json_codec.h"
#include "server/rate_limit.h"
#include "server/request_parsing.h"
#include "server/router.h"

namespace missive::server {

// Everything a handler needs for one request.
struct HandlerContext {
  Engine& engine;
  const HttpRequest& request;
  const PathParams& params;
  const QueryParams& query;
  Caller caller;           // the authenticated user (routes with Auth::required)
  std::string_view token;  // the bearer token, empty when none was sent
  LoginThrottle& logins;   // failed logins per account and address (the login route)
  MediaService* media = nullptr;  // uploads and attachments; null when not enabled
  std::int64_t uploads_per_minute = 0;
  NotificationService* notifications = nullptr;  // email and webhooks; null when not enabled

  Timestamp now() const { return engine.clock().now(); }

  // The decoded, UTF-8-checked path parameter `name`; `what` names it in errors.
  Result<std::string> path_text(std::string_view name, std::string_view what) const;

  // The path parameter `name` as a positive id: "<what> must be a positive integer".
  template <class IdT>
  Result<IdT> path_id(std::string_view name, std::string_view what) const {
    MISSIVE_TRY(auto text, path_text(name, what));
    MISSIVE_TRY(auto value, parse_positive_id(text, what));
    return IdT(value);
  }

  // The body as a JSON object (see parse_json_object).
  Result<rapidjson::Document> body_object(bool empty_is_object = false) const {
    return parse_json_object(request.body, empty_is_object);
  }
};

// A handler answers success as an HttpResponse; every failure is returned as an Error and turned
// into HTTP by api.cpp alone.
using Handler = Result<HttpResponse> (*)(const HandlerContext&);

enum class Auth { none, required };

// What a request of the route spends before its handler runs. send: a token of the caller's
// send bucket (--send-rate, --send-burst); without one it is answered 429 and not run.
// upload: a token of the caller's upload bucket (--upload-rate).
enum class Quota { none, send, upload };

// json: the body is read into memory (under --body-limit). file: it is streamed to a local
// file (under the upload limit), after the caller is authenticated and admitted.
enum class Body { json, file };

struct RouteDef {
  const char* method;
  const char* path;  // pattern, as documented in docs/openapi.yaml
  Auth auth;
  Handler handler;
  Quota quota = Quota::none;
  Body body = Body::json;
};

// Builds a JSON response body with a writer: json_ok(200, [&](JsonWriter& w) { ... }).
template <class F>
HttpResponse json_ok(int status, F&& write) {
  return json_response(status, write_json(std::forward<F>(write)));
}

// Each feature's routes, in documentation order.
std::vector<RouteDef> session_routes();    // handlers_sessions.cpp: healthz, login, me
std::vector<RouteDef> user_routes();       // handlers_users.cpp
std::vector<RouteDef> group_routes();      // handlers_groups.cpp
std::vector<RouteDef> message_routes();    // handlers_messages.cpp
std::vector<RouteDef> reading_routes();    // handlers_reading.cpp: inbox, read, conversations
std::vector<RouteDef> media_routes();      // handlers_media.cpp: uploads, tus, attachments
std::vector<RouteDef> search_routes();     // handlers_search.cpp
std::vector<RouteDef> dashboard_routes();  // handlers_dashboard.cpp
std::vector<RouteDef> reminder_routes();   // handlers_reminders.cpp
std::vector<RouteDef> sync_routes();       // handlers_sync.cpp: sync, ack, conversation messages
std::vector<RouteDef> policy_routes();     // handlers_policy.cpp: the organisation's policy
// handlers_notifications.cpp: email settings, confirmation, unsubscribe, webhooks, the outbox
std::vector<RouteDef> notification_routes();

// The "reminders" object of a send or reply (handlers_reminders.cpp); nullopt when absent.
Result<std::optional<ReminderSettings>> parse_reminder_settings(const JsonFields& body);

}  // namespace missive::server
