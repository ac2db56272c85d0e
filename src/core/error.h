#pragma once
// Error and Result<T>: how every layer reports failure. Exceptions never cross a layer.

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace missive {

enum class ErrorCode {
  invalid,          // malformed input: bad JSON, wrong type, missing field (HTTP 400)
  unauthenticated,  // no token, bad token, bad password (401)
  forbidden,        // authenticated but not allowed (403)
  not_found,        // unknown id, or not visible to the caller (404)
  conflict,         // uniqueness violated, e.g. a handle already taken (409)
  too_large,        // request body over the limit (413)
  unprocessable,    // well-formed but semantically wrong: no recipients, bad rule (422)
  rate_limited,     // too many sends, failed logins or connections; retry later (429)
  unavailable,      // the database or disk failed; retry later (503)
  internal,         // a bug (500)
};

// Stable lowercase name of a code, used in the JSON error body.
std::string_view error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  // rate_limited: whole seconds to wait before trying again (0: not known).
  std::int64_t retry_after_seconds = 0;
  // A rule or query error: the 1-based character position it names (0: none), so a client can
  // point at it while the user types.
  std::int64_t position = 0;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

// A rule or query error naming a 1-based character `position` (also in its message), which a
// client can point at while the user types.
inline std::unexpected<Error> fail_at(ErrorCode code, std::string message, std::size_t position) {
  Error error{code, std::move(message)};
  error.position = static_cast<std::int64_t>(position);
  return std::unexpected<Error>(std::move(error));
}

}  // namespace missive

// Early return on failure: MISSIVE_TRY(auto x, expr) or MISSIVE_TRY_STATUS(expr).
#define MISSIVE_CONCAT_INNER(a, b) a##b
#define MISSIVE_CONCAT(a, b) MISSIVE_CONCAT_INNER(a, b)
#define MISSIVE_TRY_IMPL(tmp, decl, expr)                   \
  auto tmp = (expr);                                        \
  if (!tmp) return std::unexpected<::missive::Error>(std::move(tmp).error()); \
  decl = std::move(*tmp)
#define MISSIVE_TRY(decl, expr) MISSIVE_TRY_IMPL(MISSIVE_CONCAT(try_tmp_, __LINE__), decl, expr)
#define MISSIVE_TRY_STATUS(expr)                                                   \
  do {                                                                             \
    auto try_status_ = (expr);                                                     \
    if (!try_status_) return std::unexpected<::missive::Error>(std::move(try_status_).error()); \
  } while (0)
