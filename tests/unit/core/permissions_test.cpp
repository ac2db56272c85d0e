// The text forms of permissions, policy values and sender lists (core/permissions.h): what the
// API accepts and the stores keep.
#include "core/permissions.h"

#include <gtest/gtest.h>

namespace missive {
namespace {

TEST(Permissions, NamesRoundTripAndUnknownOnesAreRefusedWithTheKnownOnes) {
  for (const Permission permission : kAllPermissions) {
    EXPECT_EQ(*parse_permission(permission_name(permission)), permission);
  }
  auto unknown = parse_permission("send_to_everyone");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::invalid);
  EXPECT_EQ(unknown.error().message,
            "a permission must be one of \"create_groups\", \"create_rule_groups\", "
            "\"send_to_large_audiences\", \"see_attributes\", not \"send_to_everyone\"");
}

TEST(Permissions, TextFormIsSortedAndEachOnce) {
  const Permissions held = normalized(
      {Permission::see_attributes, Permission::create_groups, Permission::see_attributes});
  EXPECT_EQ(permissions_to_text(held), "create_groups,see_attributes");
  EXPECT_EQ(*permissions_from_text("see_attributes,create_groups"), held);
  EXPECT_TRUE(permissions_from_text("")->empty());
  EXPECT_FALSE(permissions_from_text("create_groups,,see_attributes"));
  EXPECT_TRUE(holds(held, Permission::create_groups));
  EXPECT_FALSE(holds(held, Permission::create_rule_groups));
}

TEST(Permissions, PolicyValuesAndLimits) {
  EXPECT_EQ(*parse_grant("granted", "create_groups"), Grant::granted);
  EXPECT_EQ(parse_grant("admins", "create_groups").error().message,
            "create_groups must be one of \"everyone\", \"granted\", not \"admins\"");
  EXPECT_EQ(*parse_visibility("admins", "see_attributes"), AttributeVisibility::admins);
  EXPECT_TRUE(validate_policy(OrgPolicy{}));
  EXPECT_FALSE(validate_policy(OrgPolicy{.large_audience = 0}));
  EXPECT_TRUE(validate_policy(OrgPolicy{.large_audience = 1}));
  EXPECT_FALSE(validate_policy(OrgPolicy{.large_audience = kLargeAudienceMax + 1}));
  auto damaged = policy_from_text("everyone", "sometimes", 100, "granted");
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code, ErrorCode::unavailable);
}

TEST(Permissions, SenderListsAreIdsSeparatedByCommas) {
  const std::vector<UserId> ids{UserId(3), UserId(15)};
  EXPECT_EQ(user_ids_to_text(ids), "3,15");
  EXPECT_EQ(*user_ids_from_text("3,15"), ids);
  EXPECT_TRUE(user_ids_from_text("")->empty());
  for (const char* bad : {"3,", "x", "0", "-2", "3;4", "1 "}) {
    EXPECT_FALSE(user_ids_from_text(bad)) << bad;
  }
  EXPECT_EQ(*parse_senders("named"), GroupSenders::named);
  EXPECT_EQ(senders_name(GroupSenders::everyone), "everyone");
  EXPECT_FALSE(parse_senders("owners"));
}

}  // namespace
}  // namespace missive
