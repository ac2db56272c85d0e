// Who may see and reach whom (docs/security.md, "Permissions"): the policy's defaults, group
// and rule-group creation, group senders, the large-audience threshold, and what non-admins
// see of other users. Every refusal is forbidden, names what is missing, and changes nothing.
#include <algorithm>

#include "engine_fixture.h"

namespace missive::testing {
namespace {

class PermissionsTest : public EngineTest {
 protected:
  void set_threshold(std::int64_t large_audience) {
    OrgPolicy policy = *engine_->policy(admin_);
    policy.large_audience = large_audience;
    ASSERT_TRUE(engine_->set_policy(admin_, policy));
  }

  std::int64_t sent_count(const Caller& who) {
    auto page = engine_->dashboard(who, DashboardRequest{});
    EXPECT_TRUE(page) << page.error().message;
    return page ? static_cast<std::int64_t>(page->messages.size()) : -1;
  }

  static void expect_forbidden(const Error& error, const std::string& says) {
    EXPECT_EQ(error.code, ErrorCode::forbidden) << error.message;
    EXPECT_NE(error.message.find(says), std::string::npos) << error.message;
  }
};

TEST_F(PermissionsTest, ANewServerHasTheSafeDefaults) {
  auto policy = engine_->policy(admin_);
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_EQ(policy->create_groups, Grant::everyone);
  EXPECT_EQ(policy->create_rule_groups, Grant::granted);
  EXPECT_EQ(policy->large_audience, 100);
  EXPECT_EQ(policy->see_attributes, AttributeVisibility::granted);
}

TEST_F(PermissionsTest, OnlyAdminsReadAndChangeThePolicy) {
  const Caller ada = user("ada");
  expect_forbidden(engine_->policy(ada).error(), "only an admin can read the policy");
  expect_forbidden(engine_->set_policy(ada, OrgPolicy{}).error(),
                   "only an admin can change the policy");
  OrgPolicy open{.create_groups = Grant::granted,
                 .create_rule_groups = Grant::everyone,
                 .large_audience = 5000,
                 .see_attributes = AttributeVisibility::everyone};
  ASSERT_TRUE(engine_->set_policy(admin_, open));
  auto stored = engine_->policy(admin_);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->create_groups, Grant::granted);
  EXPECT_EQ(stored->create_rule_groups, Grant::everyone);
  EXPECT_EQ(stored->large_audience, 5000);
  EXPECT_EQ(stored->see_attributes, AttributeVisibility::everyone);
  open.large_audience = -1;
  EXPECT_EQ(engine_->set_policy(admin_, open).error().code, ErrorCode::invalid);
}

TEST_F(PermissionsTest, RuleGroupsNeedThePermissionByDefault) {
  const Caller ada = user("ada");
  auto refused =
      engine_->create_group(ada, CreateGroupRequest{.name = "everyone", .rule = "handle != \"\""});
  ASSERT_FALSE(refused);
  expect_forbidden(refused.error(),
                   "creating a rule group needs the create_rule_groups permission");
  EXPECT_TRUE(engine_->list_groups(admin_, true)->empty());  // nothing created
  expect_forbidden(engine_->preview_rule(ada, "handle != \"\"", 10).error(),
                   "previewing a rule needs the create_rule_groups permission");

  // An explicit group of hers cannot be given a rule either.
  const GroupId own = group(ada, "own", {});
  auto patched = engine_->update_group(
      ada, own, UpdateGroupRequest{.rule = std::optional<std::string>("handle != \"\"")});
  ASSERT_FALSE(patched);
  expect_forbidden(patched.error(), "giving a group a rule needs the create_rule_groups");
  EXPECT_FALSE(engine_->get_group(ada, own)->rule);

  grant(ada, {Permission::create_rule_groups});
  EXPECT_TRUE(engine_->preview_rule(ada, "handle != \"\"", 10));
  EXPECT_TRUE(
      engine_->create_group(ada, CreateGroupRequest{.name = "everyone", .rule = "handle != \"\""}));
  // Admins always may.
  EXPECT_TRUE(
      engine_->create_group(admin_, CreateGroupRequest{.name = "dbas", .rule = "role = \"dba\""}));
}

TEST_F(PermissionsTest, ThePolicyMayOpenRuleGroupsOrCloseExplicitGroups) {
  const Caller ada = user("ada");
  ASSERT_TRUE(engine_->set_policy(
      admin_, OrgPolicy{.create_groups = Grant::granted, .create_rule_groups = Grant::everyone}));
  EXPECT_TRUE(engine_->create_group(ada, CreateGroupRequest{.name = "r", .rule = "role = \"x\""}));
  auto refused = engine_->create_group(ada, CreateGroupRequest{.name = "team"});
  ASSERT_FALSE(refused);
  expect_forbidden(refused.error(), "creating a group needs the create_groups permission");
  grant(ada, {Permission::create_groups});
  EXPECT_TRUE(engine_->create_group(ada, CreateGroupRequest{.name = "team"}));
}

TEST_F(PermissionsTest, SendsOverTheThresholdNeedThePermission) {
  set_threshold(2);
  const Caller boss = user("boss");
  const Caller ada = user("ada");
  const GroupId team = group(boss, "team", {ada, user("bob"), user("cyd")});
  auto refused = send(boss, Addresses{.groups = {team}});
  ASSERT_FALSE(refused);
  expect_forbidden(refused.error(),
                   "the message would reach 3 recipients; reaching more than 2 needs the "
                   "send_to_large_audiences permission");
  EXPECT_EQ(sent_count(boss), 0);
  EXPECT_TRUE(engine_->inbox(ada, InboxRequest{})->items.empty());

  // Up to the threshold needs nothing; admins and granted users go over it.
  EXPECT_TRUE(send(boss, Addresses{.users = {ada.id}, .handles = {"bob"}}));
  EXPECT_TRUE(send(admin_, Addresses{.groups = {team}}));
  grant(boss, {Permission::send_to_large_audiences});
  EXPECT_TRUE(send(boss, Addresses{.groups = {team}}));
}

// The broadcast the issue describes: a rule matching everyone, at the default threshold.
TEST_F(PermissionsTest, ABroadcastToTheWholeOrganisationNeedsBothPermissions) {
  const Caller boss = user("boss");
  for (int i = 0; i < 101; ++i) user("user" + std::to_string(i));
  grant(boss, {Permission::create_rule_groups});
  auto everyone =
      engine_->create_group(boss, CreateGroupRequest{.name = "all", .rule = "handle != \"\""});
  ASSERT_TRUE(everyone) << everyone.error().message;
  auto refused = send(boss, Addresses{.groups = {everyone->id}});
  ASSERT_FALSE(refused);
  expect_forbidden(refused.error(), "would reach 102 recipients; reaching more than 100");
  grant(boss, {Permission::create_rule_groups, Permission::send_to_large_audiences});
  EXPECT_TRUE(send(boss, Addresses{.groups = {everyone->id}}));
}

TEST_F(PermissionsTest, RepliesToEveryoneCountTheirAudienceToo) {
  set_threshold(2);
  const Caller ada = user("ada");
  const GroupId team = group(admin_, "team", {ada, user("bob"), user("cyd")});
  const Message message = sent(admin_, Addresses{.groups = {team}});
  auto refused =
      engine_->reply(ada, ReplyRequest{.parent = message.id, .reply_all = true, .body = "r"});
  ASSERT_FALSE(refused);
  expect_forbidden(refused.error(), "the message would reach 3 recipients");
  EXPECT_TRUE(engine_->reply(ada, ReplyRequest{.parent = message.id, .body = "to the sender"}));
}

TEST_F(PermissionsTest, GroupSendersAreMembersByDefault) {
  const Caller boss = user("boss");
  const Caller ada = user("ada");
  const Caller outsider = user("outsider");
  const GroupId team = group(boss, "team", {ada, user("bob")});
  EXPECT_EQ(engine_->get_group(boss, team)->senders, GroupSenders::members);
  EXPECT_TRUE(send(ada, Addresses{.groups = {team}}));
  auto refused = send(outsider, Addresses{.groups = {team}});
  ASSERT_FALSE(refused);
  expect_forbidden(refused.error(),
                   "you cannot send to group 'team': only its members, its owner and admins");

  ASSERT_TRUE(
      engine_->update_group(boss, team, UpdateGroupRequest{.senders = GroupSenders::everyone}));
  EXPECT_TRUE(send(outsider, Addresses{.groups = {team}}));
}

TEST_F(PermissionsTest, NamedSendersAloneSendToAnAnnouncementGroup) {
  const Caller boss = user("boss");
  const Caller ada = user("ada");
  const Caller herald = user("herald");
  auto announce = engine_->create_group(
      boss, CreateGroupRequest{
                .name = "announce", .senders = GroupSenders::named, .sender_ids = {herald.id}});
  ASSERT_TRUE(announce) << announce.error().message;
  ASSERT_TRUE(engine_->add_member(boss, announce->id, ada.id));
  ASSERT_TRUE(engine_->add_member(boss, announce->id, user("bob").id));
  EXPECT_EQ(announce->sender_ids, std::vector<UserId>{herald.id});

  const Message news = sent(herald, Addresses{.groups = {announce->id}});
  EXPECT_TRUE(send(boss, Addresses{.groups = {announce->id}}));    // the owner
  EXPECT_TRUE(send(admin_, Addresses{.groups = {announce->id}}));  // an admin
  auto member = send(ada, Addresses{.groups = {announce->id}});
  ASSERT_FALSE(member);
  expect_forbidden(member.error(), "only its named senders, its owner and admins");
  // Nor around it by replying to everyone; replying to the sender stays open.
  auto reply_all =
      engine_->reply(ada, ReplyRequest{.parent = news.id, .reply_all = true, .body = "r"});
  ASSERT_FALSE(reply_all);
  expect_forbidden(reply_all.error(), "you cannot send to group 'announce'");
  EXPECT_TRUE(engine_->reply(ada, ReplyRequest{.parent = news.id, .body = "thanks"}));

  // Only its owner or an admin changes the senders; leaving "named" clears the list.
  EXPECT_EQ(
      engine_
          ->update_group(ada, announce->id, UpdateGroupRequest{.senders = GroupSenders::everyone})
          .error()
          .code,
      ErrorCode::forbidden);
  auto members = engine_->update_group(boss, announce->id,
                                       UpdateGroupRequest{.senders = GroupSenders::members});
  ASSERT_TRUE(members);
  EXPECT_TRUE(members->sender_ids.empty());
}

TEST_F(PermissionsTest, SenderListsAreChecked) {
  const Caller boss = user("boss");
  EXPECT_EQ(engine_->create_group(boss, CreateGroupRequest{.name = "a", .sender_ids = {boss.id}})
                .error()
                .code,
            ErrorCode::unprocessable);  // a list needs senders "named"
  EXPECT_EQ(engine_
                ->create_group(boss, CreateGroupRequest{.name = "b",
                                                        .senders = GroupSenders::named,
                                                        .sender_ids = {UserId(9999)}})
                .error()
                .code,
            ErrorCode::not_found);
  EXPECT_EQ(engine_
                ->create_group(boss, CreateGroupRequest{.name = "c",
                                                        .senders = GroupSenders::named,
                                                        .sender_ids = {boss.id, boss.id}})
                .error()
                .code,
            ErrorCode::invalid);
  EXPECT_TRUE(engine_->list_groups(admin_, true)->empty());
}

TEST_F(PermissionsTest, OnlyAdminsGrantPermissions) {
  const Caller ada = user("ada");
  auto self = engine_->update_user(
      ada, ada.id,
      UpdateUserRequest{.permissions = Permissions{Permission::send_to_large_audiences}});
  ASSERT_FALSE(self);
  expect_forbidden(self.error(), "only an admin can grant or revoke permissions");
  EXPECT_TRUE(engine_->get_user(ada, ada.id)->permissions.empty());
  grant(ada, {Permission::see_attributes, Permission::create_rule_groups});
  EXPECT_EQ(engine_->get_user(ada, ada.id)->permissions,
            (Permissions{Permission::create_rule_groups, Permission::see_attributes}));
}

TEST_F(PermissionsTest, NonAdminsSeeNamesNotAttributesOrPermissions) {
  const Caller ada = user("ada", {{"role", "dba"}});
  const Caller bob = user("bob", {{"clearance", AttributeValue{3.0}}});
  grant(bob, {Permission::send_to_large_audiences});

  auto seen = engine_->get_user(ada, bob.id);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->handle, "bob");
  EXPECT_FALSE(seen->attributes_shown);
  EXPECT_TRUE(seen->attributes.empty());
  EXPECT_FALSE(seen->permissions_shown);
  EXPECT_TRUE(seen->permissions.empty());
  const auto listed = engine_->list_users(ada, UserQuery{});
  ASSERT_TRUE(listed);
  for (const User& user : *listed) {
    EXPECT_EQ(user.attributes_shown, user.id == ada.id) << user.handle;
    EXPECT_EQ(user.permissions_shown, user.id == ada.id) << user.handle;
  }
  // Themselves: everything; admins: everything.
  EXPECT_EQ(engine_->get_user(bob, bob.id)->attributes.size(), 1u);
  EXPECT_EQ(engine_->get_user(bob, bob.id)->permissions.size(), 1u);
  EXPECT_EQ(engine_->get_user(admin_, bob.id)->attributes.size(), 1u);

  // see_attributes shows attributes (never permissions) while the policy says "granted".
  grant(ada, {Permission::see_attributes});
  auto granted = engine_->get_user(ada, bob.id);
  EXPECT_TRUE(granted->attributes_shown);
  EXPECT_EQ(granted->attributes.size(), 1u);
  EXPECT_FALSE(granted->permissions_shown);
  ASSERT_TRUE(
      engine_->set_policy(admin_, OrgPolicy{.see_attributes = AttributeVisibility::admins}));
  EXPECT_FALSE(engine_->get_user(ada, bob.id)->attributes_shown);
  ASSERT_TRUE(
      engine_->set_policy(admin_, OrgPolicy{.see_attributes = AttributeVisibility::everyone}));
  EXPECT_TRUE(engine_->get_user(user("cyd"), bob.id)->attributes_shown);
}

TEST_F(PermissionsTest, MembersAndPreviewsHideAttributesToo) {
  const Caller boss = user("boss");
  user("ada", {{"role", "dba"}});
  grant(boss, {Permission::create_rule_groups});
  auto dbas =
      engine_->create_group(boss, CreateGroupRequest{.name = "dbas", .rule = "role = \"dba\""});
  ASSERT_TRUE(dbas);
  auto members = engine_->list_members(boss, dbas->id);
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 1u);
  EXPECT_FALSE(members->front().attributes_shown);
  auto preview = engine_->preview_rule(boss, "role = \"dba\"", 10);
  ASSERT_TRUE(preview);
  ASSERT_EQ(preview->users.size(), 1u);
  EXPECT_FALSE(preview->users.front().attributes_shown);
  EXPECT_TRUE(engine_->list_members(admin_, dbas->id)->front().attributes_shown);
}

TEST_F(PermissionsTest, NonAdminsNeverSeeInactiveUsers) {
  const Caller ada = user("ada");
  const Caller gone = user("gone");
  ASSERT_TRUE(engine_->set_user_active(admin_, gone.id, false));
  EXPECT_EQ(engine_->get_user(ada, gone.id).error().code, ErrorCode::not_found);
  EXPECT_EQ(engine_->get_user_by_handle(ada, "gone").error().code, ErrorCode::not_found);
  const auto seen = engine_->list_users(ada, UserQuery{.include_inactive = true});
  ASSERT_TRUE(seen);
  for (const User& user : *seen) EXPECT_NE(user.id, gone.id);
  const auto all = engine_->list_users(admin_, UserQuery{.include_inactive = true});
  ASSERT_TRUE(all);
  EXPECT_TRUE(
      std::any_of(all->begin(), all->end(), [&](const User& u) { return u.id == gone.id; }));
}

}  // namespace
}  // namespace missive::testing
