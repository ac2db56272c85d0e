// `missive group create|list|show|rename|rule|senders|deactivate|activate|add|remove|members`.

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/output.h"
#include "cli/table.h"

namespace missive::cli {
namespace {

struct GroupOptions {
  std::string group;
  std::string name;  // create: the name; rename: the new name
  std::string rule;
  bool clear_rule = false;
  bool include_inactive = false;
  std::vector<std::string> users;
  std::string senders;              // members, everyone or named
  std::vector<std::string> sender;  // USER: id or handle (named senders)
};

// "senders": ..., "sender_ids": [...]; --sender without --senders means named.
Status write_senders(Api& api, JsonWriter& w, const GroupOptions& o) {
  if (o.senders.empty() && o.sender.empty()) return {};
  write_key(w, "senders");
  write_string(w, o.senders.empty() ? "named" : o.senders);
  if (o.sender.empty()) return {};
  write_key(w, "sender_ids");
  w.StartArray();
  for (const auto& user : o.sender) {
    MISSIVE_TRY(const auto id, api.user_id(user));
    w.Int64(id);
  }
  w.EndArray();
  return {};
}

Status show_group(const Context& context, const Response& response) {
  if (!print_raw(context, response)) print_group(response.json);
  return {};
}

std::string name_body(std::string_view key, std::string_view value) {
  rapidjson::StringBuffer body;
  JsonWriter w(body);
  w.StartObject();
  write_key(w, key);
  write_string(w, value);
  w.EndObject();
  return body.GetString();
}

Status create_group(const Context& context, const GroupOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  rapidjson::StringBuffer body;
  JsonWriter w(body);
  w.StartObject();
  write_key(w, "name");
  write_string(w, o.name);
  if (!o.rule.empty()) {
    write_key(w, "rule");
    write_string(w, o.rule);
  }
  MISSIVE_TRY_STATUS(write_senders(*api, w, o));
  w.EndObject();
  MISSIVE_TRY(const auto response, api->post("/v1/groups", body.GetString()));
  return show_group(context, response);
}

Status list_groups(const Context& context, const GroupOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response,
              api->get(o.include_inactive ? "/v1/groups?include_inactive=true" : "/v1/groups"));
  if (print_raw(context, response)) return {};
  Table table({"ID", "NAME", "MEMBERS", "RULE", "ACTIVE"});
  table.align_right(0);
  table.align_right(2);
  if (const JsonValue* groups = member(response.json, "groups"); groups && groups->IsArray()) {
    for (const auto& g : groups->GetArray()) {
      const std::string rule = get_string(g, "rule");
      table.add_row({std::to_string(get_int(g, "id")), get_string(g, "name"),
                     rule.empty() ? std::to_string(get_int(g, "member_count")) : "rule",
                     shorten(rule, 60), get_bool(g, "is_active", true) ? "yes" : "no"});
    }
  }
  fmt::print("{}", table.render());
  return {};
}

Status get_group(const Context& context, const GroupOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto id, api->group_id(o.group));
  MISSIVE_TRY(const auto response, api->get(fmt::format("/v1/groups/{}", id)));
  return show_group(context, response);
}

Status rename_group(const Context& context, const GroupOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto id, api->group_id(o.group));
  MISSIVE_TRY(const auto response,
              api->patch(fmt::format("/v1/groups/{}", id), name_body("name", o.name)));
  return show_group(context, response);
}

Status set_rule(const Context& context, const GroupOptions& o) {
  if (o.clear_rule == !o.rule.empty()) {
    return fail(ErrorCode::invalid, "give either a RULE or --clear");
  }
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto id, api->group_id(o.group));
  const std::string body = o.clear_rule ? R"({"rule":null})" : name_body("rule", o.rule);
  MISSIVE_TRY(const auto response, api->patch(fmt::format("/v1/groups/{}", id), body));
  return show_group(context, response);
}

Status set_senders(const Context& context, const GroupOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto id, api->group_id(o.group));
  rapidjson::StringBuffer body;
  JsonWriter w(body);
  w.StartObject();
  MISSIVE_TRY_STATUS(write_senders(*api, w, o));
  if (o.senders == "named" && o.sender.empty()) {  // no one named: owner and admins only
    write_key(w, "sender_ids");
    w.StartArray();
    w.EndArray();
  }
  w.EndObject();
  MISSIVE_TRY(const auto response, api->patch(fmt::format("/v1/groups/{}", id), body.GetString()));
  return show_group(context, response);
}

Status set_active(const Context& context, const GroupOptions& o, bool active) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto id, api->group_id(o.group));
  MISSIVE_TRY(const auto response,
              api->post(fmt::format("/v1/groups/{}/{}", id, active ? "activate" : "deactivate")));
  if (print_raw(context, response)) return {};
  fmt::print("{} group {}\n", active ? "activated" : "deactivated",
             get_string(response.json, "name"));
  return {};
}

Status change_members(const Context& context, const GroupOptions& o, bool add) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto id, api->group_id(o.group));
  for (const auto& user : o.users) {
    MISSIVE_TRY(const auto user_id, api->user_id(user));
    MISSIVE_TRY(
        const auto response,
        api->request(add ? "PUT" : "DELETE", fmt::format("/v1/groups/{}/members/{}", id, user_id)));
    if (!print_raw(context, response)) {  // 204: nothing to print with --json
      fmt::print("{} {} {} {}\n", add ? "added" : "removed", user, add ? "to" : "from", o.group);
    }
  }
  return {};
}

Status list_members(const Context& context, const GroupOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto id, api->group_id(o.group));
  MISSIVE_TRY(const auto response, api->get(fmt::format("/v1/groups/{}/members", id)));
  if (print_raw(context, response)) return {};
  Table table({"ID", "HANDLE", "NAME", "ACTIVE"});
  table.align_right(0);
  if (const JsonValue* members = member(response.json, "members"); members && members->IsArray()) {
    for (const auto& u : members->GetArray()) {
      table.add_row({std::to_string(get_int(u, "id")), get_string(u, "handle"),
                     get_string(u, "full_name"), get_bool(u, "is_active", true) ? "yes" : "no"});
    }
  }
  fmt::print("{}", table.render());
  return {};
}

}  // namespace

void register_group_commands(CLI::App& app, Context& context) {
  CLI::App* group = app.add_subcommand("group", "manage groups")->require_subcommand(1);
  auto o = std::make_shared<GroupOptions>();
  const std::string group_help = "GROUP: its id or name";

  CLI::App* create = command(*group, context, o, "create", "create a group", create_group);
  create->add_option("name", o->name, "the group's name")->required();
  create->add_option("--rule", o->rule,
                     "audience rule over user attributes, e.g. 'role = \"dba\" and region in "
                     "(\"EU\", \"US\")'");
  create
      ->add_option("--senders", o->senders,
                   "who may send to it besides its owner and admins (default: members)")
      ->check(CLI::IsMember({"members", "everyone", "named"}));
  create->add_option("--sender", o->sender, "a named sender, USER: id or handle (repeatable)");

  command(*group, context, o, "list", "list groups", list_groups)
      ->add_flag("--inactive", o->include_inactive, "include deactivated groups");
  command(*group, context, o, "show", "show a group", get_group)
      ->add_option("group", o->group, group_help)
      ->required();

  CLI::App* rename = command(*group, context, o, "rename", "rename a group", rename_group);
  rename->add_option("group", o->group, group_help)->required();
  rename->add_option("name", o->name, "the new name")->required();

  CLI::App* rule = command(*group, context, o, "rule", "set or clear a group's rule", set_rule);
  rule->add_option("group", o->group, group_help)->required();
  rule->add_option("rule", o->rule, "the new rule");
  rule->add_flag("--clear", o->clear_rule, "back to explicit members");

  CLI::App* senders =
      command(*group, context, o, "senders",
              "set who may send to a group besides its owner and admins", set_senders);
  senders->add_option("group", o->group, group_help)->required();
  senders->add_option("senders", o->senders, "members, everyone or named")
      ->required()
      ->check(CLI::IsMember({"members", "everyone", "named"}));
  senders->add_option("users", o->sender, "with named: the senders, USER: id or handle");

  command(*group, context, o, "deactivate", "deactivate a group",
          [](const Context& c, const GroupOptions& g) { return set_active(c, g, false); })
      ->add_option("group", o->group, group_help)
      ->required();
  command(*group, context, o, "activate", "reactivate a group",
          [](const Context& c, const GroupOptions& g) { return set_active(c, g, true); })
      ->add_option("group", o->group, group_help)
      ->required();

  for (const bool add : {true, false}) {
    CLI::App* cmd = command(
        *group, context, o, add ? "add" : "remove", add ? "add members" : "remove members",
        [add](const Context& c, const GroupOptions& g) { return change_members(c, g, add); });
    cmd->add_option("group", o->group, group_help)->required();
    cmd->add_option("users", o->users, "USER: id or handle")->required();
  }

  command(*group, context, o, "members", "list a group's members", list_members)
      ->add_option("group", o->group, group_help)
      ->required();
}

}  // namespace missive::cli
