// Groups: anyone may create one; its owner or an admin changes it.
#include "core/group_rule.h"
#include "core/validate.h"
#include "engine/engine.h"
#include "engine/engine_internal.h"

namespace missive {
using engine_detail::can_manage;

namespace {

Status check_rule(const std::optional<std::string>& rule) {
  if (!rule) return {};
  MISSIVE_TRY_STATUS(GroupRule::parse(*rule));
  return {};
}

std::unexpected<Error> not_owner(const Group& group) {
  return fail(ErrorCode::forbidden,
              "only the owner of group '" + group.name + "' or an admin can change it");
}

}  // namespace

Result<Group> Engine::create_group(const Caller& caller, const CreateGroupRequest& request) {
  MISSIVE_TRY_STATUS(validate_name("name", request.name));
  MISSIVE_TRY_STATUS(check_rule(request.rule));
  return store_.create_group(NewGroup{
      .name = request.name, .rule = request.rule, .owner = caller.id, .created_at = clock_.now()});
}

Result<Group> Engine::get_group(const Caller&, GroupId id) { return store_.get_group(id); }

Result<std::vector<Group>> Engine::list_groups(const Caller&, bool include_inactive) {
  return store_.list_groups(include_inactive);
}

Result<Group> Engine::update_group(const Caller& caller, GroupId id,
                                   const UpdateGroupRequest& request) {
  MISSIVE_TRY(const Group group, store_.get_group(id));
  if (!can_manage(caller, group)) return not_owner(group);
  if (request.name) MISSIVE_TRY_STATUS(validate_name("name", *request.name));
  if (request.rule) MISSIVE_TRY_STATUS(check_rule(*request.rule));
  return store_.update_group(id, GroupUpdate{.name = request.name, .rule = request.rule, .is_active = {}});
}

Result<Group> Engine::set_group_active(const Caller& caller, GroupId id, bool active) {
  MISSIVE_TRY(const Group group, store_.get_group(id));
  if (!can_manage(caller, group)) return not_owner(group);
  return store_.update_group(id, GroupUpdate{.name = {}, .rule = {}, .is_active = active});
}

Status Engine::add_member(const Caller& caller, GroupId group_id, UserId user) {
  MISSIVE_TRY(const Group group, store_.get_group(group_id));
  if (!can_manage(caller, group)) return not_owner(group);
  if (group.rule) {
    return fail(ErrorCode::unprocessable,
                "group '" + group.name + "' is defined by a rule; it has no explicit members");
  }
  if (!group.is_active) {
    return fail(ErrorCode::unprocessable, "group '" + group.name + "' is deactivated");
  }
  MISSIVE_TRY(const User member, store_.get_user(user));
  if (!member.is_active) {
    return fail(ErrorCode::unprocessable, "user '" + member.handle + "' is deactivated");
  }
  return store_.add_member(group_id, user);
}

Status Engine::remove_member(const Caller& caller, GroupId group_id, UserId user) {
  MISSIVE_TRY(const Group group, store_.get_group(group_id));
  if (!can_manage(caller, group)) return not_owner(group);
  return store_.remove_member(group_id, user);
}

Result<std::vector<User>> Engine::list_members(const Caller&, GroupId group_id) {
  MISSIVE_TRY(const Group group, store_.get_group(group_id));
  if (!group.rule) return store_.list_members(group_id);
  MISSIVE_TRY(const GroupRule rule, GroupRule::parse(*group.rule));
  MISSIVE_TRY(auto users, store_.list_active_users());
  std::erase_if(users, [&](const User& user) { return !rule.matches(user); });
  return users;
}

Result<RulePreview> Engine::preview_rule(const Caller&, const std::string& rule_text, int limit) {
  MISSIVE_TRY_STATUS(engine_detail::validate_limit(limit));
  MISSIVE_TRY(const GroupRule rule, GroupRule::parse(rule_text));
  MISSIVE_TRY(auto users, store_.list_active_users());
  std::erase_if(users, [&](const User& user) { return !rule.matches(user); });
  RulePreview preview{.count = static_cast<std::int64_t>(users.size()), .users = {}};
  if (users.size() > static_cast<std::size_t>(limit)) users.resize(limit);
  preview.users = std::move(users);
  return preview;
}

}  // namespace missive
