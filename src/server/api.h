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
#include "engine/media_service.h"

namespace missive {
class NotificationService;
}
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
               std::shared_ptr<const WebAssets> web = nullptr, MediaService* media = nullptr,
               NotificationService* notifications = nullptr);

  // Never throws: an exception escaping a handler answers 500 internal.
  HttpResponse handle(const HttpRequest& request) const;

  // Whether the request (its headers only) goes to a route that takes its body as a file.
  bool takes_file_body(const HttpRequest& head) const;
  // Before such a body is read: the caller must be authenticated and may send
  // `length` bytes (the upload limit; for a new upload the quota too). The error to answer
  // otherwise.
  Status admit_file_body(const HttpRequest& head, std::int64_t length) const;
  // Where such bodies are written (next to the blob store's files); empty without media.
  std::string file_body_dir() const;
  // The largest body such a route takes.
  std::int64_t file_body_limit() const;

 private:
  HttpResponse dispatch(const HttpRequest& request) const;

  Engine& engine_;
  Router router_;
  const std::shared_ptr<const WebAssets> web_;
  // Thread-safe themselves; mutable because handle() is const.
  MediaService* const media_;
  NotificationService* const notifications_;
  mutable SendLimiter sends_;
  mutable SendLimiter uploads_;
  const std::int64_t uploads_per_minute_;
  mutable LoginThrottle logins_;
};

}  // namespace missive::server
