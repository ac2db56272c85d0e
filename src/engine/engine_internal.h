#pragma once
// Helpers shared by the engine's feature files. Not part of the public API.

#include <string_view>

#include "engine/engine.h"

namespace missive::engine_detail {

inline Status require_admin(const Caller& caller, std::string_view action) {
  if (caller.is_admin) return {};
  return fail(ErrorCode::forbidden, "only an admin can " + std::string(action));
}

inline bool can_manage(const Caller& caller, const Group& group) {
  return caller.is_admin || group.owner == caller.id;
}

// Whether the caller holds `permission` now (admins hold every one), read from the store so
// a grant or a revocation applies to the next request.
Result<bool> holds_permission(Store& store, const Caller& caller, Permission permission);

// Success when `grant` is everyone or the caller holds `permission`; forbidden otherwise,
// naming the permission: "<action> needs the <permission> permission; an admin grants it".
Status require_grant(Store& store, const Caller& caller, Grant grant, Permission permission,
                     std::string_view action);

// What one caller may see of other users (Engine's user answers).
struct UserViewer {
  UserId id;
  bool is_admin = false;
  bool sees_attributes = false;  // of every user; everyone sees their own
};
Result<UserViewer> viewer_of(Store& store, const Caller& caller);
// `user` with what the viewer may not see marked hidden (and emptied).
User shown_to(const UserViewer& viewer, User user);
Result<User> shown_to(const UserViewer& viewer, Result<User> user);
std::vector<User> shown_to(const UserViewer& viewer, std::vector<User> users);

// Page sizes accepted by every listing.
inline Status validate_limit(int limit) {
  if (limit >= 1 && limit <= 200) return {};
  return fail(ErrorCode::invalid, "limit must be between 1 and 200");
}

inline std::unexpected<Error> message_not_found(MessageId id) {
  return fail(ErrorCode::not_found, "message " + std::to_string(id.value) + " not found");
}

}  // namespace missive::engine_detail
