// `missive user create|list|get|update|deactivate|activate`.

#include <fmt/format.h>

#include <algorithm>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/output.h"
#include "cli/prompt.h"
#include "cli/table.h"

namespace missive::cli {
namespace {

struct UserOptions {
  std::string user;  // HANDLE on create; HANDLE or ID otherwise
  std::string first, last;
  std::string password;
  bool ask_password = false;  // update: --password given without a value
  std::vector<std::string> attrs;
  std::vector<std::string> unset;
  bool admin = false;
  std::string set_admin;  // update: "true" / "false"
  std::vector<std::string> grant;   // create: the permissions; update: added
  std::vector<std::string> revoke;  // update: removed
  bool include_inactive = false;
  int limit = 100;
  std::int64_t after = 0;
};

// Writes "attributes": {...} from key=value pairs and keys to remove.
Status write_attributes(JsonWriter& w, const std::vector<std::string>& pairs,
                        const std::vector<std::string>& unset) {
  if (pairs.empty() && unset.empty()) return {};
  write_key(w, "attributes");
  w.StartObject();
  for (const auto& pair : pairs) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(ErrorCode::invalid, fmt::format("--attr \"{}\": expected key=value", pair));
    }
    write_key(w, std::string_view(pair).substr(0, eq));
    write_attribute_value(w, std::string_view(pair).substr(eq + 1));
  }
  for (const auto& key : unset) {
    write_key(w, key);
    w.Null();
  }
  w.EndObject();
  return {};
}

void write_permissions(JsonWriter& w, const std::vector<std::string>& names) {
  write_key(w, "permissions");
  w.StartArray();
  for (const auto& name : names) write_string(w, name);
  w.EndArray();
}

// The user's permissions now, with `grant` added and `revoke` removed (the API replaces the
// whole set).
Result<std::vector<std::string>> changed_permissions(Api& api, std::int64_t id,
                                                     const UserOptions& o) {
  MISSIVE_TRY(const auto current, api.get(fmt::format("/v1/users/{}", id)));
  std::vector<std::string> names;
  if (const JsonValue* held = member(current.json, "permissions"); held && held->IsArray()) {
    for (const auto& name : held->GetArray()) {
      if (name.IsString()) names.emplace_back(name.GetString());
    }
  }
  for (const auto& name : o.grant) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  std::erase_if(names, [&](const std::string& name) {
    return std::find(o.revoke.begin(), o.revoke.end(), name) != o.revoke.end();
  });
  return names;
}

Status show_user(const Context& context, const Response& response) {
  if (!print_raw(context, response)) print_user(response.json);
  return {};
}

Status create_user(const Context& context, const UserOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  std::string password = o.password;
  if (password.empty()) {
    MISSIVE_TRY(password, read_password(fmt::format("Password for {}: ", o.user)));
  }
  rapidjson::StringBuffer body;
  JsonWriter w(body);
  w.StartObject();
  write_key(w, "handle");
  write_string(w, o.user);
  write_key(w, "first_name");
  write_string(w, o.first);
  write_key(w, "last_name");
  write_string(w, o.last);
  write_key(w, "password");
  write_string(w, password);
  write_key(w, "is_admin");
  w.Bool(o.admin);
  if (!o.grant.empty()) write_permissions(w, o.grant);
  MISSIVE_TRY_STATUS(write_attributes(w, o.attrs, {}));
  w.EndObject();
  MISSIVE_TRY(const auto response, api->post("/v1/users", body.GetString()));
  return show_user(context, response);
}

Status list_users(const Context& context, const UserOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  std::string target = fmt::format("/v1/users?limit={}", o.limit);
  if (o.after > 0) target += fmt::format("&after={}", o.after);
  if (o.include_inactive) target += "&include_inactive=true";
  MISSIVE_TRY(const auto response, api->get(target));
  if (print_raw(context, response)) return {};
  Table table({"ID", "HANDLE", "NAME", "ADMIN", "ACTIVE", "ATTRIBUTES"});
  table.align_right(0);
  if (const JsonValue* users = member(response.json, "users"); users && users->IsArray()) {
    for (const auto& u : users->GetArray()) {
      const JsonValue* attributes = member(u, "attributes");
      table.add_row({std::to_string(get_int(u, "id")), get_string(u, "handle"),
                     get_string(u, "full_name"), get_bool(u, "is_admin") ? "yes" : "",
                     get_bool(u, "is_active", true) ? "yes" : "no",
                     attributes ? shorten(format_attributes(*attributes), 60) : ""});
    }
  }
  fmt::print("{}", table.render());
  if (const auto next = get_optional_int(response.json, "next")) {
    fmt::print("(more: --after {})\n", *next);
  }
  return {};
}

Status get_user(const Context& context, const UserOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, parse_id(o.user)
                                       ? api->get(fmt::format("/v1/users/{}", *parse_id(o.user)))
                                       : api->get("/v1/users/by-handle/" + url_encode(o.user)));
  return show_user(context, response);
}

Status update_user(const Context& context, const UserOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto id, api->user_id(o.user));
  std::string password = o.password;
  if (o.ask_password && password.empty()) {
    MISSIVE_TRY(password, read_password(fmt::format("New password for {}: ", o.user)));
  }
  std::optional<std::vector<std::string>> permissions;
  if (!o.grant.empty() || !o.revoke.empty()) {
    MISSIVE_TRY(permissions, changed_permissions(*api, id, o));
  }
  rapidjson::StringBuffer body;
  JsonWriter w(body);
  w.StartObject();
  write_field_if_set(w, "first_name", o.first);
  write_field_if_set(w, "last_name", o.last);
  write_field_if_set(w, "password", password);
  if (!o.set_admin.empty()) {
    write_key(w, "is_admin");
    w.Bool(o.set_admin == "true");
  }
  if (permissions) write_permissions(w, *permissions);
  MISSIVE_TRY_STATUS(write_attributes(w, o.attrs, o.unset));
  w.EndObject();
  MISSIVE_TRY(const auto response, api->patch(fmt::format("/v1/users/{}", id), body.GetString()));
  return show_user(context, response);
}

Status set_active(const Context& context, const UserOptions& o, bool active) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto id, api->user_id(o.user));
  MISSIVE_TRY(const auto response,
              api->post(fmt::format("/v1/users/{}/{}", id, active ? "activate" : "deactivate")));
  if (print_raw(context, response)) return {};
  fmt::print("{} {}\n", active ? "activated" : "deactivated", get_string(response.json, "handle"));
  return {};
}

}  // namespace

void register_user_commands(CLI::App& app, Context& context) {
  CLI::App* user = app.add_subcommand("user", "manage users")->require_subcommand(1);
  auto o = std::make_shared<UserOptions>();

  CLI::App* create = command(*user, context, o, "create", "create a user (admins)", create_user);
  create->add_option("handle", o->user, "the new handle: a-z 0-9 _ . -")->required();
  create->add_option("--first", o->first, "first name")->required();
  create->add_option("--last", o->last, "last name")->required();
  create->add_option("--password", o->password, "password (default: asked)");
  create->add_option("--attr", o->attrs, "attribute key=value (numbers and true/false are typed)");
  create->add_flag("--admin", o->admin, "make the user an administrator");
  const std::vector<std::string> permission_names = {"create_groups", "create_rule_groups",
                                                     "send_to_large_audiences", "see_attributes"};
  create->add_option("--grant", o->grant, "grant a permission (repeatable)")
      ->check(CLI::IsMember(permission_names));

  CLI::App* list = command(*user, context, o, "list", "list users", list_users);
  list->add_flag("--inactive", o->include_inactive, "include deactivated users");
  list->add_option("--limit", o->limit, "page size")->check(CLI::Range(1, 1000));
  list->add_option("--after", o->after, "continue after this user id");

  command(*user, context, o, "get", "show a user", get_user)
      ->add_option("user", o->user, "HANDLE or ID")
      ->required();

  CLI::App* update = command(*user, context, o, "update", "change a user", update_user);
  update->add_option("user", o->user, "HANDLE or ID")->required();
  update->add_option("--first", o->first, "new first name");
  update->add_option("--last", o->last, "new last name");
  update->add_option("--attr", o->attrs, "set attribute key=value");
  update->add_option("--unset", o->unset, "remove an attribute");
  update->add_option("--admin", o->set_admin, "true or false")
      ->check(CLI::IsMember({"true", "false"}));
  update->add_option("--grant", o->grant, "grant a permission (admins; repeatable)")
      ->check(CLI::IsMember(permission_names));
  update->add_option("--revoke", o->revoke, "revoke a permission (admins; repeatable)")
      ->check(CLI::IsMember(permission_names));
  CLI::Option* password =
      update->add_option("--password", o->password, "new password (no value: asked)")
          ->expected(0, 1);
  update->callback([&context, o, password] {
    o->ask_password = password->count() > 0;
    context.action = [&context, o] { return update_user(context, *o); };
  });

  command(*user, context, o, "deactivate", "deactivate a user (admins)",
          [](const Context& c, const UserOptions& u) { return set_active(c, u, false); })
      ->add_option("user", o->user, "HANDLE or ID")
      ->required();
  command(*user, context, o, "activate", "reactivate a user (admins)",
          [](const Context& c, const UserOptions& u) { return set_active(c, u, true); })
      ->add_option("user", o->user, "HANDLE or ID")
      ->required();
}

}  // namespace missive::cli
