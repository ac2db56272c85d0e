#include "core/permissions.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace missive {
namespace {

template <class Enum, std::size_t N>
Result<Enum> parse_name(std::string_view name, std::string_view field,
                        const std::pair<Enum, std::string_view> (&names)[N]) {
  std::string known;
  for (const auto& [value, text] : names) {
    if (text == name) return value;
    if (!known.empty()) known += ", ";
    known += fmt::format("\"{}\"", text);
  }
  return fail(ErrorCode::invalid,
              fmt::format("{} must be one of {}, not \"{}\"", field, known, name));
}

constexpr std::pair<Permission, std::string_view> kPermissionNames[] = {
    {Permission::create_groups, "create_groups"},
    {Permission::create_rule_groups, "create_rule_groups"},
    {Permission::send_to_large_audiences, "send_to_large_audiences"},
    {Permission::see_attributes, "see_attributes"},
};

constexpr std::pair<Grant, std::string_view> kGrantNames[] = {
    {Grant::everyone, "everyone"},
    {Grant::granted, "granted"},
};

constexpr std::pair<AttributeVisibility, std::string_view> kVisibilityNames[] = {
    {AttributeVisibility::admins, "admins"},
    {AttributeVisibility::granted, "granted"},
    {AttributeVisibility::everyone, "everyone"},
};

constexpr std::pair<GroupSenders, std::string_view> kSendersNames[] = {
    {GroupSenders::members, "members"},
    {GroupSenders::everyone, "everyone"},
    {GroupSenders::named, "named"},
};

template <class Enum, std::size_t N>
std::string_view name_of(Enum value, const std::pair<Enum, std::string_view> (&names)[N]) {
  for (const auto& [candidate, text] : names) {
    if (candidate == value) return text;
  }
  return names[0].second;
}

// The stores' list form: items separated by commas, none empty.
template <class Item, class Text>
std::string join_with_commas(const std::vector<Item>& items, Text&& text) {
  std::string joined;
  for (const Item& item : items) {
    if (!joined.empty()) joined += ',';
    joined += text(item);
  }
  return joined;
}

// "a,,b" and "a," name an empty item: `parse` refuses it.
template <class Item, class Parse>
Result<std::vector<Item>> split_at_commas(std::string_view text, Parse&& parse) {
  std::vector<Item> items;
  if (text.empty()) return items;
  for (;;) {
    const std::size_t comma = text.find(',');
    MISSIVE_TRY(Item item, parse(text.substr(0, comma)));
    items.push_back(item);
    if (comma == std::string_view::npos) return items;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace

std::string_view permission_name(Permission permission) {
  return name_of(permission, kPermissionNames);
}

Result<Permission> parse_permission(std::string_view name) {
  return parse_name(name, "a permission", kPermissionNames);
}

Permissions normalized(Permissions permissions) {
  std::sort(permissions.begin(), permissions.end());
  permissions.erase(std::unique(permissions.begin(), permissions.end()), permissions.end());
  return permissions;
}

bool holds(const Permissions& permissions, Permission permission) {
  return std::find(permissions.begin(), permissions.end(), permission) != permissions.end();
}

std::string permissions_to_text(const Permissions& permissions) {
  return join_with_commas(permissions, permission_name);
}

Result<Permissions> permissions_from_text(std::string_view text) {
  MISSIVE_TRY(Permissions permissions, split_at_commas<Permission>(text, parse_permission));
  return normalized(std::move(permissions));
}

std::string_view grant_name(Grant grant) { return name_of(grant, kGrantNames); }

Result<Grant> parse_grant(std::string_view name, std::string_view field) {
  return parse_name(name, field, kGrantNames);
}

std::string_view visibility_name(AttributeVisibility visibility) {
  return name_of(visibility, kVisibilityNames);
}

Result<AttributeVisibility> parse_visibility(std::string_view name, std::string_view field) {
  return parse_name(name, field, kVisibilityNames);
}

Status validate_policy(const OrgPolicy& policy) {
  if (policy.large_audience < 1 || policy.large_audience > kLargeAudienceMax) {
    return fail(ErrorCode::invalid,
                fmt::format("large_audience must be between 1 and {}", kLargeAudienceMax));
  }
  return {};
}

Result<OrgPolicy> policy_from_text(std::string_view create_groups,
                                   std::string_view create_rule_groups, std::int64_t large_audience,
                                   std::string_view see_attributes) {
  OrgPolicy policy;
  auto groups = parse_grant(create_groups, "create_groups");
  auto rule_groups = parse_grant(create_rule_groups, "create_rule_groups");
  auto visibility = parse_visibility(see_attributes, "see_attributes");
  for (const Error* error :
       {groups ? nullptr : &groups.error(), rule_groups ? nullptr : &rule_groups.error(),
        visibility ? nullptr : &visibility.error()}) {
    if (error != nullptr) {
      return fail(ErrorCode::unavailable,
                  "database error: the stored policy is corrupt: " + error->message);
    }
  }
  policy.create_groups = *groups;
  policy.create_rule_groups = *rule_groups;
  policy.large_audience = large_audience;
  policy.see_attributes = *visibility;
  return policy;
}

std::string_view senders_name(GroupSenders senders) { return name_of(senders, kSendersNames); }

Result<GroupSenders> parse_senders(std::string_view name) {
  return parse_name(name, "senders", kSendersNames);
}

std::string user_ids_to_text(const std::vector<UserId>& ids) {
  return join_with_commas(ids, [](UserId id) { return std::to_string(id.value); });
}

Result<std::vector<UserId>> user_ids_from_text(std::string_view text) {
  return split_at_commas<UserId>(text, [](std::string_view part) -> Result<UserId> {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (error != std::errc{} || end != part.data() + part.size() || value <= 0) {
      return fail(ErrorCode::invalid, fmt::format("\"{}\" is not a user id", part));
    }
    return UserId(value);
  });
}

}  // namespace missive
