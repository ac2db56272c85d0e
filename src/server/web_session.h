#pragma once
// The web page's session: a cookie instead of a bearer header, and the Origin checks that keep
// another site from using it (docs/security.md, "The web page").
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "server/http_types.h"

namespace missive::server {

// The cookie that carries a web page's session token (HttpOnly: the page's script never sees it).
inline constexpr std::string_view kSessionCookie = "missive_session";

// The value of cookie `name` in a Cookie header ("a=1; missive_session=xyz"); empty when absent.
std::string_view cookie_value(std::string_view header, std::string_view name);

// True when `origin` ("http://host:port") names the host the request was sent to (its Host
// header), whatever the scheme: a TLS-terminating proxy in front changes the scheme only.
bool same_origin(std::string_view origin, std::string_view host);

// Set-Cookie values: the session for max_age_seconds, and its removal (logout).
std::string session_cookie(std::string_view token, std::int64_t max_age_seconds, bool secure);
std::string expired_session_cookie(bool secure);

// A request's session token: the bearer header's, else the session cookie's.
struct Credentials {
  std::string_view token;  // empty: none
  bool from_cookie = false;
};
Credentials request_credentials(const HttpRequest& request);

// Anything but GET and HEAD.
bool changes_state(std::string_view method);

// For a state-changing request (and a WebSocket upgrade, which can send messages): refuses
// (forbidden) what another site could make a user's browser send, a request whose Origin is
// another site's, or one that carries the session cookie without an Origin.
Status check_origin(const HttpRequest& request, bool from_cookie);

}  // namespace missive::server
