#pragma once
// Resolves the addresses of a send (users, handles, groups, group names, rules) into the
// recipient records and the conversation the message belongs to. Reads only.
// Thread-safety: one AudienceResolver per call; not shared.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/group_rule.h"
#include "engine/engine.h"

namespace missive {

struct Audience {
  std::vector<RecipientRef> recipients;  // distinct, sorted; the sender excluded
  ConversationKey conversation;
  std::string sent_to;                   // "Ops, Ada Lovelace"
};

// Appends `value` unless `values` already holds it (names and ids keep their first order).
template <class T>
void push_unique(std::vector<T>& values, const T& value) {
  if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
}

// Success when the caller may send to `group` (its owner and admins always may; then as the
// group's senders say: its members, everyone, or the named senders); forbidden otherwise,
// saying who may. `rule` is the group's parsed rule, if it has one.
Status require_sender(Store& store, const Caller& caller, const Group& group,
                      const std::optional<GroupRule>& rule);

// The dashboard's "sent to" of these group and user names: every name up to a point, then a
// count ("Ops, Ada Lovelace and 3 more").
std::string sent_to_text(const std::vector<std::string>& names);

class AudienceResolver {
 public:
  AudienceResolver(Store& store, const Caller& caller) : store_(store), caller_(caller) {}

  // not_found for an unknown user or group; unprocessable for a deactivated group;
  // forbidden for a group the caller may not send to; unprocessable when no active recipient
  // remains.
  Result<Audience> resolve(const Addresses& to);

 private:
  Result<Group> group_named(const std::string& name);
  Status add_user(const User& user);
  Status add_group(const Group& group);
  Result<const std::vector<User>*> active_users();

  Store& store_;
  const Caller& caller_;
  std::vector<RecipientRef> recipients_;
  std::vector<UserId> direct_users_;
  std::vector<GroupId> groups_;
  std::vector<std::string> names_;
  std::optional<std::vector<Group>> all_groups_;
  std::optional<std::vector<User>> active_users_;
};

}  // namespace missive
