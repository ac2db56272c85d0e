#include "server/api.h"

#include <exception>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "server/routes.h"
#include "server/server.h"
#include "server/web_session.h"

namespace missive::server {
namespace {

// The one route table: the router is built from it and registered_routes() reports it.
const std::vector<RouteDef>& route_table() {
  static const std::vector<RouteDef> table = [] {
    std::vector<RouteDef> all;
    for (auto part :
         {session_routes(), user_routes(), group_routes(), message_routes(), reading_routes(),
          search_routes(), dashboard_routes(), reminder_routes(), sync_routes(), policy_routes(),
          media_routes(), notification_routes()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    return all;
  }();
  return table;
}

}  // namespace

std::vector<RouteInfo> registered_routes() {
  std::vector<RouteInfo> routes;
  for (const auto& route : route_table()) routes.push_back({route.method, route.path});
  return routes;
}

std::string_view bearer_token(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = header[i];
    if ((c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != kScheme[i]) return {};
  }
  auto token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid: return 400;
    case ErrorCode::unauthenticated: return 401;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::conflict: return 409;
    case ErrorCode::too_large: return 413;
    case ErrorCode::unprocessable: return 422;
    case ErrorCode::rate_limited: return 429;
    case ErrorCode::unavailable: return 503;
    case ErrorCode::internal: return 500;
  }
  return 500;
}

HttpResponse error_response(const Error& error) {
  auto response = json_response(http_status(error.code), error_body(error));
  if (error.code == ErrorCode::unauthenticated) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  if (error.retry_after_seconds > 0) {
    response.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds));
  }
  return response;
}

Result<std::string> HandlerContext::path_text(std::string_view name, std::string_view what) const {
  for (const auto& [key, value] : params) {
    if (key == name) return percent_decode(value, what);
  }
  return fail(ErrorCode::internal, fmt::format("route has no parameter {}", name));
}

Api::Api(Engine& engine, RateLimits limits, std::shared_ptr<const WebAssets> web,
         MediaService* media, NotificationService* notifications)
    : engine_(engine),
      web_(std::move(web)),
      media_(media),
      notifications_(notifications),
      sends_(limits.send),
      uploads_(limits.upload),
      uploads_per_minute_(static_cast<std::int64_t>(limits.upload.per_second * 60)),
      logins_(limits.login) {
  const auto& table = route_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (!router_.add(table[i].method, table[i].path, i)) {
      spdlog::error("route {} {} is malformed or registered twice", table[i].method,
                    table[i].path);
    }
  }
}

HttpResponse Api::handle(const HttpRequest& request) const {
  try {
    return dispatch(request);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: unhandled exception: {}", request.method,
                  loggable_target(request.target), e.what());
  } catch (...) {
    spdlog::error("{} {}: unhandled exception", request.method, loggable_target(request.target));
  }
  return error_response(Error{ErrorCode::internal, "internal error"});
}

HttpResponse Api::dispatch(const HttpRequest& request) const {
  const std::string_view target = request.target;
  const auto question = target.find('?');
  const auto path = target.substr(0, question);
  const auto query_text =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

  const auto outcome = router_.match(request.method, path);
  if (std::holds_alternative<Router::NoRoute>(outcome) && web_ && request.method == "GET") {
    if (auto page = serve_web_file(*web_, request, path)) return std::move(*page);
  }
  if (std::holds_alternative<Router::NoRoute>(outcome)) {
    return error_response(Error{ErrorCode::not_found,
                                fmt::format("no route for {} {}", request.method, path)});
  }
  if (const auto* wrong = std::get_if<Router::MethodNotAllowed>(&outcome)) {
    const auto allow = fmt::format("{}", fmt::join(wrong->allow, ", "));
    HttpResponse response = json_response(
        405, error_body("method_not_allowed",
                        fmt::format("{} is not allowed here; allowed: {}", request.method, allow)));
    response.headers.emplace_back("Allow", allow);
    return response;
  }
  const auto& match = std::get<Router::Match>(outcome);
  const auto& route = route_table()[match.route_id];

  auto query = parse_query(query_text);
  if (!query) return error_response(query.error());

  const auto [token, from_cookie] = request_credentials(request);
  if (changes_state(request.method)) {
    if (auto allowed = check_origin(request, from_cookie); !allowed) {
      return error_response(allowed.error());
    }
  }
  Caller caller;
  if (route.auth == Auth::required) {
    if (token.empty()) {
      return error_response(Error{ErrorCode::unauthenticated,
                                  "missing credentials: send Authorization: Bearer <token>"});
    }
    auto authenticated = engine_.authenticate(std::string(token));
    if (!authenticated) return error_response(authenticated.error());
    caller = *authenticated;
  }

  if (route.quota == Quota::send) {
    if (const auto wait = sends_.acquire(caller.id.value, engine_.clock().now()); wait > 0) {
      return error_response(sends_.refusal(wait));
    }
  }
  if (route.quota == Quota::upload) {
    if (const auto wait = uploads_.acquire(caller.id.value, engine_.clock().now()); wait > 0) {
      Error refusal = uploads_.refusal(wait);
      refusal.message = fmt::format("too many uploads: at most {} a minute; retry in {} s",
                                    uploads_per_minute_, refusal.retry_after_seconds);
      return error_response(refusal);
    }
  }

  const HandlerContext context{engine_, request, match.params, *query,
                               caller,  token,   logins_,      media_,
                               uploads_per_minute_, notifications_};
  auto response = route.handler(context);
  HttpResponse answer = response ? std::move(*response) : error_response(response.error());
  answer.user = caller.id.value;
  return answer;
}

namespace {

// The route of a request, judged by its method and path alone.
const RouteDef* route_of(const Router& router, const HttpRequest& head) {
  const std::string_view target = head.target;
  const auto match = router.match(head.method, target.substr(0, target.find('?')));
  const auto* found = std::get_if<Router::Match>(&match);
  return found ? &route_table()[found->route_id] : nullptr;
}

}  // namespace

bool Api::takes_file_body(const HttpRequest& head) const {
  const RouteDef* route = route_of(router_, head);
  return route && route->body == Body::file;
}

Status Api::admit_file_body(const HttpRequest& head, std::int64_t length) const {
  if (media_ == nullptr) {
    return fail(ErrorCode::unavailable, "attachments are not enabled on this server");
  }
  const auto [token, from_cookie] = request_credentials(head);
  MISSIVE_TRY_STATUS(check_origin(head, from_cookie));
  if (token.empty()) {
    return fail(ErrorCode::unauthenticated,
                "missing credentials: send Authorization: Bearer <token>");
  }
  MISSIVE_TRY(Caller caller, engine_.authenticate(std::string(token)));
  if (head.method == "POST") return media_->admit(caller, length);  // a new upload
  if (length > media_->options().upload_limit) return media_->admit(caller, length);
  return {};
}

std::string Api::file_body_dir() const {
  return media_ ? media_->temp_dir().string() : std::string();
}

std::int64_t Api::file_body_limit() const {
  return media_ ? media_->options().upload_limit : 0;
}

}  // namespace missive::server
