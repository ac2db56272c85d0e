// The organisation's policy: who may create groups and rule groups, the large-audience
// threshold, who sees attributes (admins only; docs/security.md, "Permissions").
#include "server/routes.h"

namespace missive::server {
namespace {

HttpResponse policy_response(const OrgPolicy& policy) {
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    put_string(w, "create_groups", grant_name(policy.create_groups));
    put_string(w, "create_rule_groups", grant_name(policy.create_rule_groups));
    put_int(w, "large_audience", policy.large_audience);
    put_string(w, "see_attributes", visibility_name(policy.see_attributes));
    w.EndObject();
  });
}

Result<HttpResponse> get_policy(const HandlerContext& ctx) {
  MISSIVE_TRY(auto policy, ctx.engine.policy(ctx.caller));
  return policy_response(policy);
}

// Fields absent (or null) keep their current value.
Result<HttpResponse> put_policy(const HandlerContext& ctx) {
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  MISSIVE_TRY(OrgPolicy policy, ctx.engine.policy(ctx.caller));
  MISSIVE_TRY(auto create_groups, fields.optional_string("create_groups"));
  if (create_groups) {
    MISSIVE_TRY(policy.create_groups, parse_grant(*create_groups, "create_groups"));
  }
  MISSIVE_TRY(auto create_rule_groups, fields.optional_string("create_rule_groups"));
  if (create_rule_groups) {
    MISSIVE_TRY(policy.create_rule_groups, parse_grant(*create_rule_groups, "create_rule_groups"));
  }
  MISSIVE_TRY(auto large_audience, fields.optional_int("large_audience"));
  if (large_audience) policy.large_audience = *large_audience;
  MISSIVE_TRY(auto see_attributes, fields.optional_string("see_attributes"));
  if (see_attributes) {
    MISSIVE_TRY(policy.see_attributes, parse_visibility(*see_attributes, "see_attributes"));
  }
  MISSIVE_TRY(auto stored, ctx.engine.set_policy(ctx.caller, policy));
  return policy_response(stored);
}

}  // namespace

std::vector<RouteDef> policy_routes() {
  return {
      {"GET", "/v1/policy", Auth::required, get_policy},
      {"PUT", "/v1/policy", Auth::required, put_policy},
  };
}

}  // namespace missive::server
