// Users: create, list, look up, update, (de)activate.
#include <fmt/format.h>

#include "server/routes.h"

namespace missive::server {
namespace {

constexpr int kDefaultUserPage = 100;
constexpr std::size_t kPrefixLimit = 200;  // q: what someone types into an autocomplete

// {"name": value, ...}; with `allow_null`, null values are kept as "remove this attribute".
Result<std::map<std::string, std::optional<AttributeValue>>> parse_attributes(
    const rapidjson::Value& value, bool allow_null) {
  if (!value.IsObject()) return fail(ErrorCode::invalid, "attributes must be an object");
  std::map<std::string, std::optional<AttributeValue>> out;
  for (const auto& member : value.GetObject()) {
    std::string name(member.name.GetString(), member.name.GetStringLength());
    const auto field = fmt::format("attributes.{}", name);
    if (member.value.IsNull()) {
      if (!allow_null) {
        return fail(ErrorCode::invalid,
                    fmt::format("{} must be a string, a number or a boolean", field));
      }
      out[name] = std::nullopt;
      continue;
    }
    MISSIVE_TRY(auto v, attribute_value(member.value, field));
    out[name] = std::move(v);
  }
  return out;
}

// ["create_rule_groups", ...]: the whole set; null or absent: none given.
Result<std::optional<Permissions>> parse_permissions(const JsonFields& fields) {
  const auto* value = fields.find("permissions");
  if (value == nullptr || value->IsNull()) return std::optional<Permissions>();
  if (!value->IsArray()) {
    return fail(ErrorCode::invalid, "permissions must be an array of permission names");
  }
  Permissions permissions;
  for (rapidjson::SizeType i = 0; i < value->Size(); ++i) {
    const auto& item = (*value)[i];
    if (!item.IsString()) {
      return fail(ErrorCode::invalid, fmt::format("permissions[{}] must be a string", i));
    }
    auto permission = parse_permission(std::string_view(item.GetString(), item.GetStringLength()));
    if (!permission) {
      return fail(ErrorCode::invalid,
                  fmt::format("permissions[{}]: {}", i, permission.error().message));
    }
    permissions.push_back(*permission);
  }
  return std::optional<Permissions>(normalized(std::move(permissions)));
}

HttpResponse user_response(int status, const User& user) {
  return json_ok(status, [&](JsonWriter& w) { write_user(w, user); });
}

Result<HttpResponse> create_user(const HandlerContext& ctx) {
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  CreateUserRequest request;
  MISSIVE_TRY(request.handle, fields.required_string("handle"));
  MISSIVE_TRY(request.first_name, fields.required_string("first_name"));
  MISSIVE_TRY(request.last_name, fields.required_string("last_name"));
  MISSIVE_TRY(request.password, fields.required_string("password"));
  MISSIVE_TRY(auto is_admin, fields.optional_bool("is_admin"));
  request.is_admin = is_admin.value_or(false);
  MISSIVE_TRY(auto permissions, parse_permissions(fields));
  request.permissions = permissions.value_or(Permissions{});
  if (const auto* attributes = fields.find("attributes"); attributes && !attributes->IsNull()) {
    MISSIVE_TRY(auto parsed, parse_attributes(*attributes, false));
    for (auto& [name, value] : parsed) request.attributes.emplace(name, std::move(*value));
  }
  MISSIVE_TRY(auto user, ctx.engine.create_user(ctx.caller, request));
  return user_response(201, user);
}

Result<HttpResponse> list_users(const HandlerContext& ctx) {
  UserQuery query;
  MISSIVE_TRY(auto after, query_id(ctx.query, "after"));
  if (after) query.after = UserId(*after);
  MISSIVE_TRY(query.limit, query_limit(ctx.query, kDefaultUserPage));
  MISSIVE_TRY(query.include_inactive, query_bool(ctx.query, "include_inactive", false));
  if (const auto* q = find_param(ctx.query, "q")) {
    if (q->size() > kPrefixLimit) {
      return fail(ErrorCode::invalid, fmt::format("q must be at most {} bytes", kPrefixLimit));
    }
    query.prefix = *q;
  }
  MISSIVE_TRY(auto users, ctx.engine.list_users(ctx.caller, query));
  const bool full_page = static_cast<int>(users.size()) >= query.limit && !users.empty();
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("users");
    w.StartArray();
    for (const auto& user : users) write_user(w, user);
    w.EndArray();
    w.Key("next");
    if (full_page) {
      w.Int64(users.back().id.value);
    } else {
      w.Null();
    }
    w.EndObject();
  });
}

Result<HttpResponse> get_user(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<UserId>("id", "user id"));
  MISSIVE_TRY(auto user, ctx.engine.get_user(ctx.caller, id));
  return user_response(200, user);
}

Result<HttpResponse> get_user_by_handle(const HandlerContext& ctx) {
  MISSIVE_TRY(auto handle, ctx.path_text("handle", "handle"));
  MISSIVE_TRY(auto user, ctx.engine.get_user_by_handle(ctx.caller, handle));
  return user_response(200, user);
}

Result<HttpResponse> update_user(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<UserId>("id", "user id"));
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  UpdateUserRequest request;
  MISSIVE_TRY(request.first_name, fields.optional_string("first_name"));
  MISSIVE_TRY(request.last_name, fields.optional_string("last_name"));
  MISSIVE_TRY(request.password, fields.optional_string("password"));
  MISSIVE_TRY(request.is_admin, fields.optional_bool("is_admin"));
  MISSIVE_TRY(request.permissions, parse_permissions(fields));
  if (const auto* attributes = fields.find("attributes"); attributes && !attributes->IsNull()) {
    MISSIVE_TRY(request.attributes, parse_attributes(*attributes, true));
  }
  MISSIVE_TRY(auto user, ctx.engine.update_user(ctx.caller, id, request));
  return user_response(200, user);
}

Result<HttpResponse> set_active(const HandlerContext& ctx, bool active) {
  MISSIVE_TRY(auto id, ctx.path_id<UserId>("id", "user id"));
  MISSIVE_TRY(auto user, ctx.engine.set_user_active(ctx.caller, id, active));
  return user_response(200, user);
}

Result<HttpResponse> deactivate_user(const HandlerContext& ctx) { return set_active(ctx, false); }
Result<HttpResponse> activate_user(const HandlerContext& ctx) { return set_active(ctx, true); }

}  // namespace

std::vector<RouteDef> user_routes() {
  return {
      {"POST", "/v1/users", Auth::required, create_user},
      {"GET", "/v1/users", Auth::required, list_users},
      {"GET", "/v1/users/{id}", Auth::required, get_user},
      {"GET", "/v1/users/by-handle/{handle}", Auth::required, get_user_by_handle},
      {"PATCH", "/v1/users/{id}", Auth::required, update_user},
      {"POST", "/v1/users/{id}/deactivate", Auth::required, deactivate_user},
      {"POST", "/v1/users/{id}/activate", Auth::required, activate_user},
  };
}

}  // namespace missive::server
