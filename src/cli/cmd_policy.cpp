// `missive policy show|set`: the organisation's policy (admins; docs/security.md, "Permissions").

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/output.h"

namespace missive::cli {
namespace {

struct PolicyOptions {
  std::string create_groups;       // everyone | granted
  std::string create_rule_groups;  // everyone | granted
  std::int64_t large_audience = -1;
  std::string see_attributes;  // admins | granted | everyone
};

Status show(const Context& context, const Response& response) {
  if (print_raw(context, response)) return {};
  const JsonValue& p = response.json;
  fmt::print("create groups:       {}\n", get_string(p, "create_groups"));
  fmt::print("create rule groups:  {}\n", get_string(p, "create_rule_groups"));
  fmt::print("large audience:      more than {} recipients need send_to_large_audiences\n",
             get_int(p, "large_audience"));
  fmt::print("see attributes:      {}\n", get_string(p, "see_attributes"));
  return {};
}

Status show_policy(const Context& context, const PolicyOptions&) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->get("/v1/policy"));
  return show(context, response);
}

Status set_policy(const Context& context, const PolicyOptions& o) {
  rapidjson::StringBuffer body;
  JsonWriter w(body);
  w.StartObject();
  write_field_if_set(w, "create_groups", o.create_groups);
  write_field_if_set(w, "create_rule_groups", o.create_rule_groups);
  write_field_if_set(w, "see_attributes", o.see_attributes);
  if (o.large_audience >= 0) {
    write_key(w, "large_audience");
    w.Int64(o.large_audience);
  }
  w.EndObject();
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->request("PUT", "/v1/policy", body.GetString()));
  return show(context, response);
}

}  // namespace

void register_policy_commands(CLI::App& app, Context& context) {
  CLI::App* policy =
      app.add_subcommand("policy", "who may see and reach whom (admins)")->require_subcommand(1);
  auto o = std::make_shared<PolicyOptions>();
  command(*policy, context, o, "show", "show the policy", show_policy);
  CLI::App* set = command(*policy, context, o, "set", "change the policy (what is not given stays)",
                          set_policy);
  set->add_option("--create-groups", o->create_groups, "who may create groups")
      ->check(CLI::IsMember({"everyone", "granted"}));
  set->add_option("--create-rule-groups", o->create_rule_groups, "who may create rule groups")
      ->check(CLI::IsMember({"everyone", "granted"}));
  set->add_option("--large-audience", o->large_audience,
                  "sends reaching more recipients need send_to_large_audiences")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1'000'000'000}));
  set->add_option("--see-attributes", o->see_attributes, "who sees other users' attributes")
      ->check(CLI::IsMember({"admins", "granted", "everyone"}));
}

}  // namespace missive::cli
