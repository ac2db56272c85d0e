#include "engine/engine.h"

#include <cmath>

#include "core/validate.h"
#include "engine/password.h"

namespace missive {

double read_percent(std::int64_t reads, std::int64_t recipients) {
  if (recipients <= 0) return 0.0;
  const double percent = 100.0 * static_cast<double>(reads) / static_cast<double>(recipients);
  return std::round(percent * 10.0) / 10.0;
}

Engine::Engine(Store& store, const Clock& clock, EngineOptions options)
    : store_(store), clock_(clock), options_(options) {}

Status Engine::health() {
  MISSIVE_TRY_STATUS(store_.count_users());
  return {};
}

Result<std::optional<std::string>> Engine::bootstrap_admin(const std::string& password) {
  MISSIVE_TRY(const auto users, store_.count_users());
  if (users > 0) return std::optional<std::string>{};
  const std::string chosen = password.empty() ? new_password() : password;
  if (auto valid = validate_password(chosen); !valid) {
    return fail(ErrorCode::unprocessable, "admin password: " + valid.error().message);
  }
  MISSIVE_TRY(auto hash, hash_password(chosen, options_.password_cost));
  NewUser admin{.handle = "admin",
                .first_name = "Missive",
                .last_name = "Admin",
                .password_hash = std::move(hash),
                .attributes = {},
                .is_admin = true,
                .created_at = clock_.now()};
  MISSIVE_TRY_STATUS(store_.create_user(admin));
  return std::optional<std::string>(chosen);
}

Result<LoginResult> Engine::login(const std::string& handle, const std::string& password) {
  auto credentials = store_.get_credentials(handle);
  if (!credentials) {
    if (credentials.error().code == ErrorCode::not_found) {
      (void)verify_password(password, decoy_hash());
      return fail(ErrorCode::unauthenticated, "wrong handle or password");
    }
    return std::unexpected(credentials.error());
  }
  // A deactivated account answers as a wrong password would: the answer must not confirm a
  // password to whoever tries one.
  if (!verify_password(password, credentials->password_hash) || !credentials->is_active) {
    return fail(ErrorCode::unauthenticated, "wrong handle or password");
  }
  const Timestamp now = clock_.now();
  LoginResult result{.token = new_token(), .user = {}, .expires_at = now + options_.session_ttl_ms};
  const Session session{.user = credentials->user, .created_at = now, .expires_at = result.expires_at};
  MISSIVE_TRY_STATUS(store_.create_session(token_hash(result.token), session));
  MISSIVE_TRY(result.user, store_.get_user(credentials->user));
  return result;
}

Result<Caller> Engine::authenticate(const std::string& token) {
  if (token.empty()) return fail(ErrorCode::unauthenticated, "a bearer token is required");
  auto session = store_.find_session(token_hash(token), clock_.now());
  if (!session) {
    if (session.error().code == ErrorCode::not_found) {
      return fail(ErrorCode::unauthenticated, "the token is invalid, expired or revoked");
    }
    return std::unexpected(session.error());
  }
  MISSIVE_TRY(const User user, store_.get_user(session->user));
  if (!user.is_active) return fail(ErrorCode::unauthenticated, "this account is deactivated");
  return Caller{.id = user.id, .is_admin = user.is_admin};
}

const std::string& Engine::decoy_hash() {
  std::call_once(decoy_once_, [this] {
    auto hash = hash_password(new_password(), options_.password_cost);
    // Out of memory: an empty hash fails verification at once; the login still fails.
    if (hash) decoy_hash_ = std::move(*hash);
  });
  return decoy_hash_;
}

Status Engine::logout(const std::string& token) {
  return store_.revoke_session(token_hash(token));
}

}  // namespace missive
