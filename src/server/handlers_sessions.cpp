// Health, login, logout and "who am I".
#include <algorithm>

#include <fmt/format.h>

#include "server/routes.h"
#include "server/web_session.h"

namespace missive::server {
namespace {

Result<HttpResponse> healthz(const HandlerContext& ctx) {
  MISSIVE_TRY_STATUS(ctx.engine.health());
  return json_ok(200, [](JsonWriter& w) {
    w.StartObject();
    w.Key("status");
    w.String("ok");
    w.EndObject();
  });
}

Result<HttpResponse> login(const HandlerContext& ctx) {
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  MISSIVE_TRY(auto handle, fields.required_string("handle"));
  MISSIVE_TRY(auto password, fields.required_string("password"));
  MISSIVE_TRY(auto cookie, fields.optional_bool("cookie"));
  // Checked before the password, so a throttled guess costs no hashing and learns nothing.
  const auto& address = ctx.request.client_address;
  MISSIVE_TRY_STATUS(ctx.logins.check(handle, address, ctx.now()));
  auto session = ctx.engine.login(handle, password);
  if (!session) {
    if (session.error().code == ErrorCode::unauthenticated) {
      ctx.logins.failed(handle, address, ctx.now());
    }
    return std::unexpected(std::move(session).error());
  }
  ctx.logins.succeeded(handle);
  // The web page asks for a cookie: the token then never reaches its script (HttpOnly).
  auto response = json_ok(201, [&](JsonWriter& w) {
    w.StartObject();
    if (!cookie.value_or(false)) put_string(w, "token", session->token);
    put_time(w, "expires_at", session->expires_at);
    w.Key("user");
    write_user(w, session->user);
    w.EndObject();
  });
  if (cookie.value_or(false)) {
    const auto max_age = std::max<Timestamp>(0, (session->expires_at - ctx.now()) / 1000);
    response.headers.emplace_back("Set-Cookie",
                                  session_cookie(session->token, max_age, ctx.request.secure));
  }
  return response;
}

Result<HttpResponse> logout(const HandlerContext& ctx) {
  MISSIVE_TRY_STATUS(ctx.engine.logout(std::string(ctx.token)));
  auto response = no_content();
  response.headers.emplace_back("Set-Cookie", expired_session_cookie(ctx.request.secure));
  return response;
}

Result<HttpResponse> me(const HandlerContext& ctx) {
  MISSIVE_TRY(auto user, ctx.engine.get_user(ctx.caller, ctx.caller.id));
  return json_ok(200, [&](JsonWriter& w) { write_user(w, user); });
}

}  // namespace

std::vector<RouteDef> session_routes() {
  return {
      {"GET", "/healthz", Auth::none, healthz},
      {"POST", "/v1/sessions", Auth::none, login},
      {"DELETE", "/v1/sessions/current", Auth::required, logout},
      {"GET", "/v1/me", Auth::required, me},
  };
}

}  // namespace missive::server
