#pragma once
// The HTTP API without the network: routes a request to its handler, authenticates it, and
// turns every failure into an HTTP error response. This is the one place where an Error becomes
// an HTTP status and body. server.cpp feeds it requests; tests may call it directly.
//
// Thread-safety: handle() is const and may run on many worker threads at once.

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "engine/engine.h"
#include "server/http_types.h"
#include "server/rate_limit.h"
#include "server/router.h"
#include "server/web_assets.h"

namespace missive::server {

// invalid 400, unauthenticated 401, forbidden 403, not_found 404, conflict 409, too_large 413,
// unprocessable 422, rate_limited 429, unavailable 503, internal 500.
int http_status(ErrorCode code);

// "Bearer <token>" (scheme case-insensitive, RFC 7235) -> token; empty when absent or malformed.
std::string_view bearer_token(std::string_view header);

// The JSON error response for `error`: {"error":{"code":"...","message":"..."}}; with
// error.retry_after_seconds also "retry_after" in the error object and a Retry-After header.
HttpResponse error_response(const Error& error);

class Api {
 public:
  // The limits measure time with engine.clock(). With `web`, GET / and /assets/* serve the
  // web page.
  explicit Api(Engine& engine, RateLimits limits = {},
               std::shared_ptr<const WebAssets> web = nullptr);

  // Never throws: an exception escaping a handler answers 500 internal.
  HttpResponse handle(const HttpRequest& request) const;

 private:
  HttpResponse dispatch(const HttpRequest& request) const;

  Engine& engine_;
  Router router_;
  const std::shared_ptr<const WebAssets> web_;
  // Thread-safe themselves; mutable because handle() is const.
  mutable SendLimiter sends_;
  mutable LoginThrottle logins_;
};

}  // namespace missive::server
