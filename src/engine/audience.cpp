#include "engine/audience.h"

#include <algorithm>

#include "core/validate.h"

namespace missive {
std::string sent_to_text(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 10;
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  if (names.size() > kShown) out += " and " + std::to_string(names.size() - kShown) + " more";
  return out;
}

Result<Audience> AudienceResolver::resolve(const Addresses& to) {
  const std::size_t count =
      to.users.size() + to.handles.size() + to.groups.size() + to.group_names.size();
  if (count == 0) return fail(ErrorCode::unprocessable, "a message needs at least one recipient");
  if (count > Limits::kAddressesMax) {
    return fail(ErrorCode::unprocessable, "a message may name at most " +
                                              std::to_string(Limits::kAddressesMax) +
                                              " users and groups");
  }
  for (const UserId id : to.users) {
    auto user = store_.get_user(id);
    if (!user && user.error().code == ErrorCode::not_found) {
      return fail(ErrorCode::not_found, "recipient user " + std::to_string(id.value) + " does not exist");
    }
    if (!user) return std::unexpected(user.error());
    MISSIVE_TRY_STATUS(add_user(*user));
  }
  for (const std::string& handle : to.handles) {
    auto user = store_.get_user_by_handle(handle);
    if (!user && user.error().code == ErrorCode::not_found) {
      return fail(ErrorCode::not_found, "no user has the handle '" + handle + "'");
    }
    if (!user) return std::unexpected(user.error());
    MISSIVE_TRY_STATUS(add_user(*user));
  }
  for (const GroupId id : to.groups) {
    auto group = store_.get_group(id);
    if (!group && group.error().code == ErrorCode::not_found) {
      return fail(ErrorCode::not_found, "group " + std::to_string(id.value) + " does not exist");
    }
    if (!group) return std::unexpected(group.error());
    MISSIVE_TRY_STATUS(add_group(*group));
  }
  for (const std::string& name : to.group_names) {
    MISSIVE_TRY(const Group group, group_named(name));
    MISSIVE_TRY_STATUS(add_group(group));
  }

  std::sort(recipients_.begin(), recipients_.end());
  recipients_.erase(std::unique(recipients_.begin(), recipients_.end()), recipients_.end());
  if (recipients_.empty()) {
    return fail(ErrorCode::unprocessable,
                "the message has no active recipients (deactivated users and the sender are "
                "skipped)");
  }

  Audience audience;
  audience.recipients = std::move(recipients_);
  audience.sent_to = sent_to_text(names_);
  if (groups_.empty() && direct_users_.size() == 1) {
    const UserId other = direct_users_.front();
    audience.conversation.kind = ConversationKind::direct;
    audience.conversation.low = std::min(caller_.id, other);
    audience.conversation.high = std::max(caller_.id, other);
  } else if (direct_users_.empty() && groups_.size() == 1) {
    audience.conversation.kind = ConversationKind::group;
    audience.conversation.group = groups_.front();
  } else {
    audience.conversation.kind = ConversationKind::multi;
  }
  return audience;
}

Result<Group> AudienceResolver::group_named(const std::string& name) {
  if (!all_groups_) {
    MISSIVE_TRY(auto groups, store_.list_groups(/*include_inactive=*/true));
    all_groups_ = std::move(groups);
  }
  for (const Group& group : *all_groups_) {
    if (group.name == name) return group;
  }
  return fail(ErrorCode::not_found, "no group is named '" + name + "'");
}

// Deactivated users are skipped, not refused: an address book may hold old entries.
Status AudienceResolver::add_user(const User& user) {
  if (!user.is_active || user.id == caller_.id) return {};
  push_unique(direct_users_, user.id);
  push_unique(names_, user.full_name());
  recipients_.push_back(RecipientRef{.user = user.id, .group = GroupId{}});
  return {};
}

Status AudienceResolver::add_group(const Group& group) {
  if (!group.is_active) {
    return fail(ErrorCode::unprocessable, "group '" + group.name + "' is deactivated");
  }
  std::optional<GroupRule> rule;
  if (group.rule) {
    MISSIVE_TRY(rule, GroupRule::parse(*group.rule));
  }
  MISSIVE_TRY_STATUS(require_sender(store_, caller_, group, rule));
  push_unique(groups_, group.id);
  push_unique(names_, group.name);
  if (rule) {
    MISSIVE_TRY(const std::vector<User>* users, active_users());
    for (const User& user : *users) {
      if (user.id != caller_.id && rule->matches(user)) {
        recipients_.push_back(RecipientRef{.user = user.id, .group = group.id});
      }
    }
    return {};
  }
  MISSIVE_TRY(const auto members, store_.member_ids(group.id));
  recipients_.reserve(recipients_.size() + members.size());
  for (const UserId member : members) {
    if (member != caller_.id) recipients_.push_back(RecipientRef{.user = member, .group = group.id});
  }
  return {};
}

Status require_sender(Store& store, const Caller& caller, const Group& group,
                      const std::optional<GroupRule>& rule) {
  if (caller.is_admin || group.owner == caller.id) return {};
  const std::string refused = "you cannot send to group '" + group.name + "': ";
  switch (group.senders) {
    case GroupSenders::everyone:
      return {};
    case GroupSenders::named:
      if (std::find(group.sender_ids.begin(), group.sender_ids.end(), caller.id) !=
          group.sender_ids.end()) {
        return {};
      }
      return fail(ErrorCode::forbidden,
                  refused + "only its named senders, its owner and admins may send to it");
    case GroupSenders::members:
      break;
  }
  bool member = false;
  if (!rule) {
    MISSIVE_TRY(member, store.is_member(group.id, caller.id));
  } else {
    MISSIVE_TRY(const User me, store.get_user(caller.id));
    member = rule->matches(me);
  }
  if (member) return {};
  return fail(ErrorCode::forbidden,
              refused +
                  "only its members, its owner and admins may send to it, and you are "
                  "not a member");
}

Result<const std::vector<User>*> AudienceResolver::active_users() {
  if (!active_users_) {
    MISSIVE_TRY(auto users, store_.list_active_users());
    active_users_ = std::move(users);
  }
  return &*active_users_;
}

}  // namespace missive
