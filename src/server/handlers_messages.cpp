// Messages: send, reply, fetch, thread, expiry and withdraw.
#include <fmt/format.h>

#include "server/routes.h"

namespace missive::server {
namespace {

// Reads the optional fields a send and a reply share into `request`.
template <class Request>
Status read_options(const JsonFields& fields, Request& request) {
  MISSIVE_TRY(request.expiry_date, fields.optional_time("expiry_date"));
  if (const auto* metadata = fields.find("metadata"); metadata && !metadata->IsNull()) {
    if (!metadata->IsObject()) return fail(ErrorCode::invalid, "metadata must be an object");
    request.metadata_json = json_text(*metadata);
  }
  MISSIVE_TRY(auto flags, fields.optional_strings("flags"));
  request.flags = std::move(flags).value_or(std::vector<std::string>{});
  MISSIVE_TRY(request.client_msg_id, fields.optional_string("client_msg_id"));
  MISSIVE_TRY(request.reminders, parse_reminder_settings(fields));
  if (const auto* list = fields.find("attachments"); list && !list->IsNull()) {
    if (!list->IsArray()) {
      return fail(ErrorCode::invalid, "attachments must be an array of upload ids");
    }
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      const auto& item = (*list)[i];
      if (!item.IsInt64() || item.GetInt64() <= 0) {
        return fail(ErrorCode::invalid,
                    fmt::format("attachments[{}] must be an upload id (positive integer)", i));
      }
      request.attachments.emplace_back(item.GetInt64());
    }
  }
  return {};
}

// to.users items are ids (integers) or handles (strings); to.groups ids or names.
Result<Addresses> parse_addresses(const JsonFields& body) {
  const auto* to = body.find("to");
  if (to == nullptr || to->IsNull()) {
    return fail(ErrorCode::invalid, "to is required: {\"users\": [...], \"groups\": [...]}");
  }
  if (!to->IsObject()) return fail(ErrorCode::invalid, "to must be an object");
  const JsonFields fields(*to, "to.");
  Addresses addresses;
  const auto collect = [&](std::string_view name, auto& ids, std::vector<std::string>& names,
                           const char* expected) -> Status {
    const auto* list = fields.find(name);
    if (list == nullptr || list->IsNull()) return {};
    if (!list->IsArray()) {
      return fail(ErrorCode::invalid, fmt::format("{} must be an array", fields.field(name)));
    }
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      const auto& item = (*list)[i];
      if (item.IsInt64() && item.GetInt64() > 0) {
        ids.emplace_back(item.GetInt64());
      } else if (item.IsString()) {
        names.emplace_back(item.GetString(), item.GetStringLength());
      } else {
        return fail(ErrorCode::invalid,
                    fmt::format("{}[{}] must be {}", fields.field(name), i, expected));
      }
    }
    return {};
  };
  MISSIVE_TRY_STATUS(collect("users", addresses.users, addresses.handles,
                             "a user id (positive integer) or a handle (string)"));
  MISSIVE_TRY_STATUS(collect("groups", addresses.groups, addresses.group_names,
                             "a group id (positive integer) or a group name (string)"));
  return addresses;
}

// 201 for a new message, 200 with the original for a retried client_msg_id.
HttpResponse sent_response(const SendResult& result, Timestamp now) {
  return json_ok(result.duplicate ? 200 : 201,
                 [&](JsonWriter& w) { write_creator_message(w, result.message, now, result.reminders); });
}

Result<HttpResponse> send(const HandlerContext& ctx) {
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  SendRequest request;
  MISSIVE_TRY(request.to, parse_addresses(fields));
  MISSIVE_TRY(request.subject, fields.required_string("subject"));
  MISSIVE_TRY(request.body, fields.required_string("body"));
  MISSIVE_TRY_STATUS(read_options(fields, request));
  MISSIVE_TRY(auto result, ctx.engine.send(ctx.caller, request));
  return sent_response(result, ctx.now());
}

Result<HttpResponse> reply(const HandlerContext& ctx) {
  ReplyRequest request;
  MISSIVE_TRY(request.parent, ctx.path_id<MessageId>("id", "message id"));
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  MISSIVE_TRY(auto reply_all, fields.optional_bool("reply_all"));
  request.reply_all = reply_all.value_or(false);
  MISSIVE_TRY(request.subject, fields.optional_string("subject"));
  MISSIVE_TRY(request.body, fields.required_string("body"));
  MISSIVE_TRY_STATUS(read_options(fields, request));
  MISSIVE_TRY(auto result, ctx.engine.reply(ctx.caller, request));
  return sent_response(result, ctx.now());
}

Result<HttpResponse> get_message(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<MessageId>("id", "message id"));
  MISSIVE_TRY(auto view, ctx.engine.get_message(ctx.caller, id));
  return json_ok(200, [&](JsonWriter& w) { write_message(w, view, ctx.now()); });
}

Result<HttpResponse> thread(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<MessageId>("id", "message id"));
  MISSIVE_TRY(auto root, ctx.engine.thread(ctx.caller, id));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("root");
    write_thread_node(w, root, ctx.now());
    w.EndObject();
  });
}

Result<HttpResponse> set_expiry(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<MessageId>("id", "message id"));
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  if (fields.find("expiry_date") == nullptr) {
    return fail(ErrorCode::invalid, "expiry_date is required (a date, or null for none)");
  }
  MISSIVE_TRY(auto expiry, fields.optional_time("expiry_date"));
  MISSIVE_TRY_STATUS(ctx.engine.set_expiry(ctx.caller, id, expiry));
  MISSIVE_TRY(auto view, ctx.engine.get_message(ctx.caller, id));
  return json_ok(200, [&](JsonWriter& w) { write_message(w, view, ctx.now()); });
}

Result<HttpResponse> withdraw(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<MessageId>("id", "message id"));
  MISSIVE_TRY_STATUS(ctx.engine.withdraw(ctx.caller, id));
  MISSIVE_TRY(auto view, ctx.engine.get_message(ctx.caller, id));
  return json_ok(200, [&](JsonWriter& w) { write_message(w, view, ctx.now()); });
}

}  // namespace

std::vector<RouteDef> message_routes() {
  return {
      {"POST", "/v1/messages", Auth::required, send, Quota::send},
      {"GET", "/v1/messages/{id}", Auth::required, get_message},
      {"PATCH", "/v1/messages/{id}", Auth::required, set_expiry},
      {"POST", "/v1/messages/{id}/withdraw", Auth::required, withdraw},
      {"POST", "/v1/messages/{id}/replies", Auth::required, reply, Quota::send},
      {"GET", "/v1/messages/{id}/thread", Auth::required, thread},
  };
}

}  // namespace missive::server
