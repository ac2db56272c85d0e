// Users: creation, attributes and permissions are admin work; a user may change their own
// names and password. Non-admins see active users only, and attributes per the policy.
#include "core/validate.h"
#include "engine/engine.h"
#include "engine/engine_internal.h"
#include "engine/password.h"

namespace missive {
using engine_detail::require_admin;
using engine_detail::shown_to;
using engine_detail::viewer_of;

namespace {

// Inactive accounts are visible to admins and to themselves only.
Result<User> visible_user(const Caller& caller, Result<User> user) {
  if (!user) return user;
  if (!user->is_active && !caller.is_admin && caller.id != user->id) {
    return fail(ErrorCode::not_found, "user not found");
  }
  return user;
}

}  // namespace

Result<User> Engine::create_user(const Caller& caller, const CreateUserRequest& request) {
  MISSIVE_TRY_STATUS(require_admin(caller, "create users"));
  MISSIVE_TRY_STATUS(validate_handle(request.handle));
  MISSIVE_TRY_STATUS(validate_name("first_name", request.first_name));
  MISSIVE_TRY_STATUS(validate_name("last_name", request.last_name));
  MISSIVE_TRY_STATUS(validate_password(request.password));
  MISSIVE_TRY_STATUS(validate_attributes(request.attributes));
  MISSIVE_TRY(auto hash, hash_password(request.password, options_.password_cost));
  return store_.create_user(NewUser{.handle = request.handle,
                                    .first_name = request.first_name,
                                    .last_name = request.last_name,
                                    .password_hash = std::move(hash),
                                    .attributes = request.attributes,
                                    .is_admin = request.is_admin,
                                    .created_at = clock_.now(),
                                    .permissions = request.permissions});
}

Result<User> Engine::get_user(const Caller& caller, UserId id) {
  MISSIVE_TRY(const auto viewer, viewer_of(store_, caller));
  return shown_to(viewer, visible_user(caller, store_.get_user(id)));
}

Result<User> Engine::get_user_by_handle(const Caller& caller, const std::string& handle) {
  MISSIVE_TRY(const auto viewer, viewer_of(store_, caller));
  return shown_to(viewer, visible_user(caller, store_.get_user_by_handle(handle)));
}

Result<std::vector<User>> Engine::list_users(const Caller& caller, const UserQuery& query) {
  MISSIVE_TRY_STATUS(engine_detail::validate_limit(query.limit));
  MISSIVE_TRY(const auto viewer, viewer_of(store_, caller));
  UserQuery allowed = query;
  allowed.include_inactive = query.include_inactive && caller.is_admin;
  MISSIVE_TRY(auto users, store_.list_users(allowed));
  return shown_to(viewer, std::move(users));
}

Result<User> Engine::update_user(const Caller& caller, UserId id,
                                 const UpdateUserRequest& request) {
  if (caller.id != id) MISSIVE_TRY_STATUS(require_admin(caller, "change another user"));
  if (!request.attributes.empty()) MISSIVE_TRY_STATUS(require_admin(caller, "change attributes"));
  if (request.is_admin) MISSIVE_TRY_STATUS(require_admin(caller, "grant or revoke admin"));
  if (request.permissions) {
    MISSIVE_TRY_STATUS(require_admin(caller, "grant or revoke permissions"));
  }
  MISSIVE_TRY(const User current, visible_user(caller, store_.get_user(id)));

  UserUpdate update;
  if (request.first_name) {
    MISSIVE_TRY_STATUS(validate_name("first_name", *request.first_name));
    update.first_name = request.first_name;
  }
  if (request.last_name) {
    MISSIVE_TRY_STATUS(validate_name("last_name", *request.last_name));
    update.last_name = request.last_name;
  }
  if (!request.attributes.empty()) {
    Attributes merged = current.attributes;
    for (const auto& [name, value] : request.attributes) {
      if (value) {
        merged[name] = *value;
      } else {
        merged.erase(name);
      }
    }
    MISSIVE_TRY_STATUS(validate_attributes(merged));
    update.attributes = std::move(merged);
  }
  if (request.password) {
    MISSIVE_TRY_STATUS(validate_password(*request.password));
    MISSIVE_TRY(update.password_hash, hash_password(*request.password, options_.password_cost));
  }
  if (request.is_admin) {
    if (caller.id == id && !*request.is_admin) {
      return fail(ErrorCode::unprocessable, "you cannot revoke your own admin rights");
    }
    update.is_admin = request.is_admin;
  }
  update.permissions = request.permissions;
  return store_.update_user(id, update);
}

Result<User> Engine::set_user_active(const Caller& caller, UserId id, bool active) {
  MISSIVE_TRY_STATUS(require_admin(caller, active ? "activate users" : "deactivate users"));
  if (caller.id == id && !active) {
    return fail(ErrorCode::unprocessable, "you cannot deactivate your own account");
  }
  return store_.set_user_active(id, active);
}

}  // namespace missive
