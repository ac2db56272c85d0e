#pragma once
// Who may see and reach whom (docs/security.md, "Permissions"): the permissions an admin
// grants to users, the organisation's policy, and who may send to a group. Plain values and
// their text forms (as the API and the stores write them); no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/ids.h"

namespace missive {

// A permission an admin grants to a user. Admins hold every one implicitly.
enum class Permission {
  create_groups,            // create explicit-member groups when the policy says "granted"
  create_rule_groups,       // create rule groups, give a group a rule, preview rules
  send_to_large_audiences,  // sends and replies reaching more than the policy's threshold
  see_attributes,           // see other users' attributes when the policy says "granted"
};

inline constexpr Permission kAllPermissions[] = {
    Permission::create_groups, Permission::create_rule_groups, Permission::send_to_large_audiences,
    Permission::see_attributes};

std::string_view permission_name(Permission permission);
// invalid for an unknown name, listing the known ones.
Result<Permission> parse_permission(std::string_view name);

// A user's permissions: sorted, each once.
using Permissions = std::vector<Permission>;
Permissions normalized(Permissions permissions);
bool holds(const Permissions& permissions, Permission permission);

// The stores' text form: names separated by commas ("create_rule_groups,see_attributes").
std::string permissions_to_text(const Permissions& permissions);
// invalid for an unknown name.
Result<Permissions> permissions_from_text(std::string_view text);

// Who may do something the policy governs.
enum class Grant {
  everyone,  // every active user
  granted,   // admins and users holding the permission
};

// Who sees other users' attributes (a user always sees their own).
enum class AttributeVisibility {
  admins,    // admins only
  granted,   // admins and users holding see_attributes
  everyone,  // every user
};

std::string_view grant_name(Grant grant);
Result<Grant> parse_grant(std::string_view name, std::string_view field);
std::string_view visibility_name(AttributeVisibility visibility);
Result<AttributeVisibility> parse_visibility(std::string_view name, std::string_view field);

// The organisation's policy, set by admins. The defaults are what a new server starts with.
struct OrgPolicy {
  Grant create_groups = Grant::everyone;
  Grant create_rule_groups = Grant::granted;
  // A send or reply reaching more distinct recipients than this needs
  // send_to_large_audiences.
  std::int64_t large_audience = 100;
  AttributeVisibility see_attributes = AttributeVisibility::granted;
};

// invalid unless large_audience is 1..kLargeAudienceMax (a message to one person never needs a
// permission, so a send to one reads no policy).
inline constexpr std::int64_t kLargeAudienceMax = 1'000'000'000;
Status validate_policy(const OrgPolicy& policy);
// The policy from the stores' columns (the names above); unavailable if a stored name is
// unknown (the database is damaged).
Result<OrgPolicy> policy_from_text(std::string_view create_groups,
                                   std::string_view create_rule_groups, std::int64_t large_audience,
                                   std::string_view see_attributes);

// Who may send to a group, besides its owner and admins (who always may).
enum class GroupSenders {
  members,   // its members: explicit members, or the users its rule matches
  everyone,  // every active user
  named,     // only the users in the group's sender list
};

std::string_view senders_name(GroupSenders senders);
Result<GroupSenders> parse_senders(std::string_view name);

// The stores' text form of a sender list: ids separated by commas ("3,5").
std::string user_ids_to_text(const std::vector<UserId>& ids);
// invalid for anything but positive ids separated by commas.
Result<std::vector<UserId>> user_ids_from_text(std::string_view text);

}  // namespace missive
