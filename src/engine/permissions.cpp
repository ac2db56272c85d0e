// Who may see and reach whom: permission checks shared by the feature files, what a caller
// sees of other users, and the organisation's policy (docs/security.md, "Permissions").
#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/engine_internal.h"

namespace missive {
namespace engine_detail {

Result<bool> holds_permission(Store& store, const Caller& caller, Permission permission) {
  if (caller.is_admin) return true;
  MISSIVE_TRY(const User user, store.get_user(caller.id));
  return user.is_admin || holds(user.permissions, permission);
}

Status require_grant(Store& store, const Caller& caller, Grant grant, Permission permission,
                     std::string_view action) {
  if (grant == Grant::everyone) return {};
  MISSIVE_TRY(const bool held, holds_permission(store, caller, permission));
  if (held) return {};
  return fail(ErrorCode::forbidden, fmt::format("{} needs the {} permission; an admin grants it",
                                                action, permission_name(permission)));
}

Result<UserViewer> viewer_of(Store& store, const Caller& caller) {
  UserViewer viewer{.id = caller.id, .is_admin = caller.is_admin, .sees_attributes = true};
  if (caller.is_admin) return viewer;
  MISSIVE_TRY(const OrgPolicy policy, store.get_policy());
  switch (policy.see_attributes) {
    case AttributeVisibility::everyone:
      break;
    case AttributeVisibility::admins:
      viewer.sees_attributes = false;
      break;
    case AttributeVisibility::granted: {
      MISSIVE_TRY(viewer.sees_attributes,
                  holds_permission(store, caller, Permission::see_attributes));
      break;
    }
  }
  return viewer;
}

User shown_to(const UserViewer& viewer, User user) {
  const bool self = user.id == viewer.id;
  if (!viewer.is_admin && !self) {
    user.permissions_shown = false;
    user.permissions.clear();
    if (!viewer.sees_attributes) {
      user.attributes_shown = false;
      user.attributes.clear();
    }
  }
  return user;
}

Result<User> shown_to(const UserViewer& viewer, Result<User> user) {
  if (!user) return user;
  return shown_to(viewer, std::move(*user));
}

std::vector<User> shown_to(const UserViewer& viewer, std::vector<User> users) {
  for (User& user : users) user = shown_to(viewer, std::move(user));
  return users;
}

}  // namespace engine_detail

Result<OrgPolicy> Engine::policy(const Caller& caller) {
  MISSIVE_TRY_STATUS(engine_detail::require_admin(caller, "read the policy"));
  return store_.get_policy();
}

Result<OrgPolicy> Engine::set_policy(const Caller& caller, const OrgPolicy& policy) {
  MISSIVE_TRY_STATUS(engine_detail::require_admin(caller, "change the policy"));
  MISSIVE_TRY_STATUS(validate_policy(policy));
  return store_.set_policy(policy);
}

}  // namespace missive
