// Groups: create, list, look up, rename / change rule or senders, (de)activate, explicit
// members.
#include <fmt/format.h>

#include "server/routes.h"

namespace missive::server {
namespace {

// "senders": "members" | "everyone" | "named"; absent or null: nullopt.
Result<std::optional<GroupSenders>> parse_group_senders(const JsonFields& fields) {
  MISSIVE_TRY(auto text, fields.optional_string("senders"));
  if (!text) return std::optional<GroupSenders>();
  auto senders = parse_senders(*text);
  if (!senders) return std::unexpected(senders.error());
  return std::optional<GroupSenders>(*senders);
}

// "sender_ids": [user id, ...]; absent or null: nullopt.
Result<std::optional<std::vector<UserId>>> parse_sender_ids(const JsonFields& fields) {
  const auto* value = fields.find("sender_ids");
  if (value == nullptr || value->IsNull()) return std::optional<std::vector<UserId>>();
  if (!value->IsArray()) return fail(ErrorCode::invalid, "sender_ids must be an array of user ids");
  std::vector<UserId> ids;
  for (rapidjson::SizeType i = 0; i < value->Size(); ++i) {
    const auto& item = (*value)[i];
    if (!item.IsInt64() || item.GetInt64() <= 0) {
      return fail(ErrorCode::invalid,
                  fmt::format("sender_ids[{}] must be a user id (a positive integer)", i));
    }
    ids.emplace_back(item.GetInt64());
  }
  return std::optional<std::vector<UserId>>(std::move(ids));
}

HttpResponse group_response(int status, const Group& group) {
  return json_ok(status, [&](JsonWriter& w) { write_group(w, group); });
}

Result<HttpResponse> create_group(const HandlerContext& ctx) {
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  CreateGroupRequest request;
  MISSIVE_TRY(request.name, fields.required_string("name"));
  MISSIVE_TRY(request.rule, fields.optional_string("rule"));
  MISSIVE_TRY(auto senders, parse_group_senders(fields));
  request.senders = senders.value_or(GroupSenders::members);
  MISSIVE_TRY(auto sender_ids, parse_sender_ids(fields));
  request.sender_ids = sender_ids.value_or(std::vector<UserId>{});
  MISSIVE_TRY(auto group, ctx.engine.create_group(ctx.caller, request));
  return group_response(201, group);
}

Result<HttpResponse> list_groups(const HandlerContext& ctx) {
  MISSIVE_TRY(auto include_inactive, query_bool(ctx.query, "include_inactive", false));
  MISSIVE_TRY(auto groups, ctx.engine.list_groups(ctx.caller, include_inactive));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("groups");
    w.StartArray();
    for (const auto& group : groups) write_group(w, group);
    w.EndArray();
    w.EndObject();
  });
}

Result<HttpResponse> get_group(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<GroupId>("id", "group id"));
  MISSIVE_TRY(auto group, ctx.engine.get_group(ctx.caller, id));
  return group_response(200, group);
}

Result<HttpResponse> update_group(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<GroupId>("id", "group id"));
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  UpdateGroupRequest request;
  MISSIVE_TRY(request.name, fields.optional_string("name"));
  // "rule": null turns a rule group back into an explicit-member group; absent leaves it.
  if (fields.find("rule") != nullptr) {
    MISSIVE_TRY(auto rule, fields.optional_string("rule"));
    request.rule = std::move(rule);
  }
  MISSIVE_TRY(request.senders, parse_group_senders(fields));
  MISSIVE_TRY(request.sender_ids, parse_sender_ids(fields));
  MISSIVE_TRY(auto group, ctx.engine.update_group(ctx.caller, id, request));
  return group_response(200, group);
}

Result<HttpResponse> set_active(const HandlerContext& ctx, bool active) {
  MISSIVE_TRY(auto id, ctx.path_id<GroupId>("id", "group id"));
  MISSIVE_TRY(auto group, ctx.engine.set_group_active(ctx.caller, id, active));
  return group_response(200, group);
}

Result<HttpResponse> deactivate_group(const HandlerContext& ctx) { return set_active(ctx, false); }
Result<HttpResponse> activate_group(const HandlerContext& ctx) { return set_active(ctx, true); }

Result<HttpResponse> list_members(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<GroupId>("id", "group id"));
  MISSIVE_TRY(auto members, ctx.engine.list_members(ctx.caller, id));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("members");
    w.StartArray();
    for (const auto& user : members) write_user(w, user);
    w.EndArray();
    w.EndObject();
  });
}

Result<HttpResponse> add_member(const HandlerContext& ctx) {
  MISSIVE_TRY(auto group, ctx.path_id<GroupId>("id", "group id"));
  MISSIVE_TRY(auto user, ctx.path_id<UserId>("user_id", "user id"));
  MISSIVE_TRY_STATUS(ctx.engine.add_member(ctx.caller, group, user));
  return no_content();
}

Result<HttpResponse> remove_member(const HandlerContext& ctx) {
  MISSIVE_TRY(auto group, ctx.path_id<GroupId>("id", "group id"));
  MISSIVE_TRY(auto user, ctx.path_id<UserId>("user_id", "user id"));
  MISSIVE_TRY_STATUS(ctx.engine.remove_member(ctx.caller, group, user));
  return no_content();
}

// The users a rule would match now, while an admin types it: {count, users}, or the rule's
// error with its position.
Result<HttpResponse> preview_rule(const HandlerContext& ctx) {
  constexpr int kPreviewUsers = 50;
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  MISSIVE_TRY(auto rule, fields.required_string("rule"));
  MISSIVE_TRY(auto preview, ctx.engine.preview_rule(ctx.caller, rule, kPreviewUsers));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    put_int(w, "count", preview.count);
    w.Key("users");
    w.StartArray();
    for (const auto& user : preview.users) write_user(w, user);
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace

std::vector<RouteDef> group_routes() {
  return {
      {"POST", "/v1/groups", Auth::required, create_group},
      {"GET", "/v1/groups", Auth::required, list_groups},
      {"POST", "/v1/groups/preview", Auth::required, preview_rule},
      {"GET", "/v1/groups/{id}", Auth::required, get_group},
      {"PATCH", "/v1/groups/{id}", Auth::required, update_group},
      {"POST", "/v1/groups/{id}/deactivate", Auth::required, deactivate_group},
      {"POST", "/v1/groups/{id}/activate", Auth::required, activate_group},
      {"GET", "/v1/groups/{id}/members", Auth::required, list_members},
      {"PUT", "/v1/groups/{id}/members/{user_id}", Auth::required, add_member},
      {"DELETE", "/v1/groups/{id}/members/{user_id}", Auth::required, remove_member},
  };
}

}  // namespace missive::server
