// Multi-device sync over HTTP: the timeline pull, the delivery ack, and a conversation's
// history and range pulls (docs/protocol.md). The WebSocket requests of the same names are
// answered by these handlers too (ws_protocol.cpp).
#include "server/routes.h"

namespace missive::server {
namespace {

constexpr int kSyncPage = 100;
constexpr int kHistoryPage = 50;

Result<HttpResponse> sync(const HandlerContext& ctx) {
  SyncRequest request;
  MISSIVE_TRY(auto since, query_count(ctx.query, "since"));
  request.since = since.value_or(0);
  MISSIVE_TRY(request.limit, query_limit(ctx.query, kSyncPage, kSyncPage));
  MISSIVE_TRY(auto page, ctx.engine.sync(ctx.caller, request));
  const auto now = ctx.now();
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    put_bool(w, "reset", page.reset);
    w.Key("entries");
    w.StartArray();
    for (const auto& entry : page.entries) write_sync_entry(w, entry, ctx.caller.id, now);
    w.EndArray();
    put_int(w, "next", page.next);
    put_bool(w, "has_more", page.has_more);
    w.EndObject();
  });
}

Result<HttpResponse> acknowledge(const HandlerContext& ctx) {
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  MISSIVE_TRY(auto up_to, fields.optional_int("up_to"));
  if (!up_to) return fail(ErrorCode::invalid, "up_to is required (the seq of the last entry received)");
  if (*up_to < 0) return fail(ErrorCode::invalid, "up_to must not be negative");
  MISSIVE_TRY_STATUS(ctx.engine.acknowledge(ctx.caller, *up_to));
  return no_content();
}

Result<HttpResponse> messages(const HandlerContext& ctx) {
  HistoryRequest request;
  MISSIVE_TRY(request.conversation, ctx.path_id<ConversationId>("id", "conversation id"));
  MISSIVE_TRY(request.after, query_count(ctx.query, "after"));
  MISSIVE_TRY(request.before, query_id(ctx.query, "before"));
  MISSIVE_TRY(request.limit, query_limit(ctx.query, kHistoryPage));
  MISSIVE_TRY(auto page, ctx.engine.history(ctx.caller, request));
  const auto now = ctx.now();
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("slots");
    w.StartArray();
    for (const auto& slot : page.slots) write_message_slot(w, slot, ctx.caller.id, now);
    w.EndArray();
    w.Key("next");
    if (page.next) {
      w.Int64(*page.next);
    } else {
      w.Null();
    }
    w.EndObject();
  });
}

}  // namespace

std::vector<RouteDef> sync_routes() {
  return {
      {"GET", "/v1/sync", Auth::required, sync},
      {"POST", "/v1/sync/ack", Auth::required, acknowledge},
      {"GET", "/v1/conversations/{id}/messages", Auth::required, messages},
  };
}

}  // namespace missive::server
