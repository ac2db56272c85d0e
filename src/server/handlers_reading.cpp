// The recipient's side: inbox, conversations, marking read.
#include "server/routes.h"

namespace missive::server {
namespace {

constexpr int kDefaultPage = 50;

void write_next(JsonWriter& w, const std::optional<MessageId>& next) {
  w.Key("next");
  if (next) {
    w.Int64(next->value);
  } else {
    w.Null();
  }
}

Result<HttpResponse> inbox(const HandlerContext& ctx) {
  InboxRequest request;
  MISSIVE_TRY(auto before, query_id(ctx.query, "before"));
  if (before) request.before = MessageId(*before);
  MISSIVE_TRY(request.limit, query_limit(ctx.query, kDefaultPage));
  MISSIVE_TRY(request.unread_only, query_bool(ctx.query, "unread", false));
  MISSIVE_TRY(auto sender, query_id(ctx.query, "sender"));
  if (sender) request.sender = UserId(*sender);
  MISSIVE_TRY(auto group, query_id(ctx.query, "group"));
  if (group) request.group = GroupId(*group);
  MISSIVE_TRY(auto page, ctx.engine.inbox(ctx.caller, request));
  const auto now = ctx.now();
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("messages");
    w.StartArray();
    for (const auto& item : page.items) {
      write_message(w, MessageView{item, item.message.creator == ctx.caller.id}, now);
    }
    w.EndArray();
    write_next(w, page.next);
    w.EndObject();
  });
}

Result<HttpResponse> mark_read(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<MessageId>("id", "message id"));
  MISSIVE_TRY(auto outcome, ctx.engine.mark_read(ctx.caller, id));
  return json_ok(200, [&](JsonWriter& w) { write_read_outcome(w, outcome); });
}

Result<HttpResponse> conversations(const HandlerContext& ctx) {
  MISSIVE_TRY(auto list, ctx.engine.conversations(ctx.caller));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("conversations");
    w.StartArray();
    for (const auto& conversation : list) write_conversation(w, conversation);
    w.EndArray();
    w.EndObject();
  });
}

Result<HttpResponse> mark_conversation_read(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<ConversationId>("id", "conversation id"));
  MISSIVE_TRY(auto doc, ctx.body_object(true));
  const JsonFields fields(doc);
  MISSIVE_TRY(auto up_to, fields.optional_int("up_to_seq"));
  if (up_to && *up_to < 0) return fail(ErrorCode::invalid, "up_to_seq must not be negative");
  MISSIVE_TRY(auto outcome, ctx.engine.mark_conversation_read(ctx.caller, id, up_to));
  return json_ok(200, [&](JsonWriter& w) { write_read_outcome(w, outcome); });
}

}  // namespace

std::vector<RouteDef> reading_routes() {
  return {
      {"POST", "/v1/messages/{id}/read", Auth::required, mark_read},
      {"GET", "/v1/inbox", Auth::required, inbox},
      {"GET", "/v1/conversations", Auth::required, conversations},
      {"POST", "/v1/conversations/{id}/read", Auth::required, mark_conversation_read},
  };
}

}  // namespace missive::server
