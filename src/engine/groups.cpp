// Groups: who may create one is the policy's (explicit and rule groups apart); its owner or an
// admin changes it, including who may send to it.
#include <fmt/format.h>

#include <algorithm>

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

constexpr std::size_t kSendersMax = 10'000;

// A sender list names existing users, each once, and only goes with senders "named".
Status check_senders(Store& store, GroupSenders senders, const std::vector<UserId>& ids) {
  if (!ids.empty() && senders != GroupSenders::named) {
    return fail(ErrorCode::unprocessable,
                "sender_ids apply only to a group whose senders are \"named\"");
  }
  if (ids.size() > kSendersMax) {
    return fail(ErrorCode::unprocessable,
                fmt::format("a group may name at most {} senders", kSendersMax));
  }
  // Sorted, a repeated id is next to itself (up to 10,000 ids: no pairwise search).
  std::vector<UserId> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  if (const auto twice = std::adjacent_find(sorted.begin(), sorted.end()); twice != sorted.end()) {
    return fail(ErrorCode::invalid, fmt::format("sender_ids names user {} twice", twice->value));
  }
  for (const UserId id : ids) {
    auto user = store.get_user(id);
    if (!user && user.error().code == ErrorCode::not_found) {
      return fail(ErrorCode::not_found, fmt::format("sender user {} does not exist", id.value));
    }
    if (!user) return std::unexpected(user.error());
  }
  return {};
}

}  // namespace

Status Engine::require_group_creation(const Caller& caller, bool rule, std::string_view action) {
  MISSIVE_TRY(const OrgPolicy policy, store_.get_policy());
  if (rule) {
    return engine_detail::require_grant(store_, caller, policy.create_rule_groups,
                                        Permission::create_rule_groups, action);
  }
  return engine_detail::require_grant(store_, caller, policy.create_groups,
                                      Permission::create_groups, action);
}

Result<Group> Engine::create_group(const Caller& caller, const CreateGroupRequest& request) {
  MISSIVE_TRY_STATUS(
      require_group_creation(caller, request.rule.has_value(),
                             request.rule ? "creating a rule group" : "creating a group"));
  MISSIVE_TRY_STATUS(validate_name("name", request.name));
  MISSIVE_TRY_STATUS(check_rule(request.rule));
  MISSIVE_TRY_STATUS(check_senders(store_, request.senders, request.sender_ids));
  return store_.create_group(NewGroup{.name = request.name,
                                      .rule = request.rule,
                                      .owner = caller.id,
                                      .created_at = clock_.now(),
                                      .senders = request.senders,
                                      .sender_ids = request.sender_ids});
}

Result<Group> Engine::get_group(const Caller&, GroupId id) { return store_.get_group(id); }

Result<std::vector<Group>> Engine::list_groups(const Caller&, bool include_inactive) {
  return store_.list_groups(include_inactive);
}

Result<Group> Engine::update_group(const Caller& caller, GroupId id,
                                   const UpdateGroupRequest& request) {
  MISSIVE_TRY(const Group group, store_.get_group(id));
  if (!can_manage(caller, group)) return not_owner(group);
  // Giving a group a rule (or another rule) is creating a rule group.
  if (request.rule && *request.rule) {
    MISSIVE_TRY_STATUS(require_group_creation(caller, true, "giving a group a rule"));
  }
  if (request.name) MISSIVE_TRY_STATUS(validate_name("name", *request.name));
  if (request.rule) MISSIVE_TRY_STATUS(check_rule(*request.rule));
  GroupUpdate update{.name = request.name, .rule = request.rule, .is_active = {}};
  const GroupSenders senders = request.senders.value_or(group.senders);
  if (request.sender_ids) {
    MISSIVE_TRY_STATUS(check_senders(store_, senders, *request.sender_ids));
    update.sender_ids = request.sender_ids;
  } else if (senders != GroupSenders::named && !group.sender_ids.empty()) {
    update.sender_ids = std::vector<UserId>{};
  }
  update.senders = request.senders;
  return store_.update_group(id, update);
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

Result<std::vector<User>> Engine::list_members(const Caller& caller, GroupId group_id) {
  MISSIVE_TRY(const Group group, store_.get_group(group_id));
  MISSIVE_TRY(const auto viewer, engine_detail::viewer_of(store_, caller));
  if (!group.rule) {
    MISSIVE_TRY(auto members, store_.list_members(group_id));
    return engine_detail::shown_to(viewer, std::move(members));
  }
  MISSIVE_TRY(const GroupRule rule, GroupRule::parse(*group.rule));
  MISSIVE_TRY(auto users, store_.list_active_users());
  std::erase_if(users, [&](const User& user) { return !rule.matches(user); });
  return engine_detail::shown_to(viewer, std::move(users));
}

Result<RulePreview> Engine::preview_rule(const Caller& caller, const std::string& rule_text,
                                         int limit) {
  MISSIVE_TRY_STATUS(require_group_creation(caller, true, "previewing a rule"));
  MISSIVE_TRY_STATUS(engine_detail::validate_limit(limit));
  MISSIVE_TRY(const auto viewer, engine_detail::viewer_of(store_, caller));
  MISSIVE_TRY(const GroupRule rule, GroupRule::parse(rule_text));
  MISSIVE_TRY(auto users, store_.list_active_users());
  std::erase_if(users, [&](const User& user) { return !rule.matches(user); });
  RulePreview preview{.count = static_cast<std::int64_t>(users.size()), .users = {}};
  if (users.size() > static_cast<std::size_t>(limit)) users.resize(limit);
  preview.users = engine_detail::shown_to(viewer, std::move(users));
  return preview;
}

}  // namespace missive
