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

// Read % over time: cumulative first reads per bucket, and the reminder rounds.
Result<HttpResponse> read_history(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<MessageId>("message_id", "message id"));
  MISSIVE_TRY(auto history, ctx.engine.read_history(ctx.caller, id));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    put_int(w, "message_id", history.message.id.value);
    put_int(w, "recipients", history.message.recipient_count);
    put_time(w, "create_date", history.message.create_date);
    w.Key("reads");
    w.StartArray();
    std::int64_t readers = 0;
    for (const auto& bucket : history.reads) {
      readers += bucket.readers;
      w.StartObject();
      put_time(w, "at", bucket.last_read_at);
      put_int(w, "read_count", readers);
      w.EndObject();
    }
    w.EndArray();
    w.Key("rounds");
    w.StartArray();
    for (const auto& round : history.rounds) {
      w.StartObject();
      put_int(w, "number", round.number);
      put_time(w, "at", round.sent_at);
      put_bool(w, "final", round.is_final);
      put_int(w, "reminded", round.reminded);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace

std::vector<RouteDef> dashboard_routes() {
  return {
      {"GET", "/v1/dashboard", Auth::required, dashboard},
      {"GET", "/v1/dashboard/{message_id}", Auth::required, read_report},
      {"GET", "/v1/dashboard/{message_id}/history", Auth::required, read_history},
  };
}

}  // namespace missive::server
