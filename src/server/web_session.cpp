#include "server/web_session.h"

#include <fmt/format.h>

#include "server/api.h"

namespace missive::server {

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto end = header.find(';');
    auto pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
      auto value = pair.substr(equals + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return value;
    }
  }
  return {};
}

bool same_origin(std::string_view origin, std::string_view host) {
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || host.empty()) return false;
  const auto scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  return origin.substr(scheme_end + 3) == host;
}

std::string session_cookie(std::string_view token, std::int64_t max_age_seconds, bool secure) {
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie,
                     token, max_age_seconds, secure ? "; Secure" : "");
}

std::string expired_session_cookie(bool secure) { return session_cookie("", 0, secure); }

bool changes_state(std::string_view method) { return method != "GET" && method != "HEAD"; }

Credentials request_credentials(const HttpRequest& request) {
  if (const auto token = bearer_token(request.authorization); !token.empty()) {
    return {token, false};
  }
  if (const auto token = cookie_value(request.cookie, kSessionCookie); !token.empty()) {
    return {token, true};
  }
  return {};
}

Status check_origin(const HttpRequest& request, bool from_cookie) {
  if (request.origin.empty()) {
    if (!from_cookie) return {};  // not a browser: API clients send no Origin
    return fail(ErrorCode::forbidden,
                "a request with the session cookie must carry the page's Origin header");
  }
  if (same_origin(request.origin, request.host)) return {};
  return fail(ErrorCode::forbidden,
              fmt::format("cross-site request refused: Origin {} is not this server ({})",
                          request.origin, request.host));
}

}  // namespace missive::server
