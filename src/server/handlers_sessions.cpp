// Health, login, logout and "who am I".
#include <fmt/format.h>

#include "server/routes.h"

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
  MISSIVE_TRY(auto session, ctx.engine.login(handle, password));
  return json_ok(201, [&](JsonWriter& w) {
    w.StartObject();
    put_string(w, "token", session.token);
    put_time(w, "expires_at", session.expires_at);
    w.Key("user");
    write_user(w, session.user);
    w.EndObject();
  });
}

Result<HttpResponse> logout(const HandlerContext& ctx) {
  MISSIVE_TRY_STATUS(ctx.engine.logout(std::string(ctx.token)));
  return no_content();
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
