// The sender's read-% dashboard.
#include <algorithm>

#include "server/routes.h"

namespace missive::server {
namespace {

constexpr int kDefaultPage = 50;

Result<HttpResponse> dashboard(const HandlerContext& ctx) {
  DashboardRequest request;
  MISSIVE_TRY(auto before, query_id(ctx.query, "before"));
  if (before) request.before = MessageId(*before);
  MISSIVE_TRY(request.limit, query_limit(ctx.query, kDefaultPage));
  MISSIVE_TRY(auto page, ctx.engine.dashboard(ctx.caller, request));
  const auto now = ctx.now();
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("messages");
    w.StartArray();
    for (const auto& message : page.messages) {
      const auto found = std::find_if(page.reminders.begin(), page.reminders.end(),
                                      [&](const auto& s) { return s.message == message.id; });
      write_dashboard_row(w, message, now, found == page.reminders.end() ? nullptr : &*found);
    }
    w.EndArray();
    w.Key("next");
    if (page.next) {
      w.Int64(page.next->value);
    } else {
      w.Null();
    }
    w.EndObject();
  });
}

Result<HttpResponse> read_report(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<MessageId>("message_id", "message id"));
  MISSIVE_TRY(auto report, ctx.engine.read_report(ctx.caller, id));
  return json_ok(200, [&](JsonWriter& w) { write_read_report(w, report, ctx.now()); });
}

}  // namespace

std::vector<RouteDef> dashboard_routes() {
  return {
      {"GET", "/v1/dashboard", Auth::required, dashboard},
      {"GET", "/v1/dashboard/{message_id}", Auth::required, read_report},
  };
}

}  // namespace missive::server
