// Conformance: users, sessions, groups and explicit membership.

#include "store_test_support.h"

namespace missive::testing {
namespace {

TEST_P(StoreConformance, CreateUserRoundTripsEveryField) {
  NewUser nu{"ada", "Ada", "Lovelace", "argon-hash",
             Attributes{{"role", std::string("dba")}, {"level", 3.0}, {"contractor", true}},
             true, now_};
  User created = must(store().create_user(nu));
  EXPECT_TRUE(created.id.valid());
  for (const User& u : {must(store().get_user(created.id)),
                        must(store().get_user_by_handle("ada"))}) {
    EXPECT_EQ(u.id, created.id);
    EXPECT_EQ(u.handle, "ada");
    EXPECT_EQ(u.full_name(), "Ada Lovelace");
    EXPECT_EQ(u.attributes, nu.attributes);
    EXPECT_TRUE(u.is_admin);
    EXPECT_TRUE(u.is_active);
    EXPECT_EQ(u.created_at, now_);
  }
  Credentials c = must(store().get_credentials("ada"));
  EXPECT_EQ(c.user, created.id);
  EXPECT_EQ(c.password_hash, "argon-hash");
  EXPECT_TRUE(c.is_active);
}

TEST_P(StoreConformance, DuplicateHandleIsAConflict) {
  user("ada");
  NewUser again{"ada", "Other", "Person", "h", {}, false, now_};
  EXPECT_EQ(status(store().create_user(again)), "conflict");
  EXPECT_EQ(must(store().count_users()), 1);
}

TEST_P(StoreConformance, UnknownUserIsNotFound) {
  UserId ghost(4242);
  EXPECT_EQ(status(store().get_user(ghost)), "not_found");
  EXPECT_EQ(status(store().get_user_by_handle("ghost")), "not_found");
  EXPECT_EQ(status(store().get_credentials("ghost")), "not_found");
  EXPECT_EQ(status(store().update_user(ghost, UserUpdate{})), "not_found");
  EXPECT_EQ(status(store().set_user_active(ghost, false)), "not_found");
}

TEST_P(StoreConformance, ListUsersPagesByIdAndHidesInactive) {
  std::vector<UserId> ids = users("u", 5);
  must(store().set_user_active(ids[1], false));

  std::vector<User> page = must(store().list_users(UserQuery{UserId(), 2, false}));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, ids[0]);
  EXPECT_EQ(page[1].id, ids[2]);  // ids[1] is inactive
  page = must(store().list_users(UserQuery{page.back().id, 10, false}));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, ids[3]);
  EXPECT_EQ(must(store().list_users(UserQuery{UserId(), 10, true})).size(), 5u);
  EXPECT_EQ(must(store().list_active_users()).size(), 4u);
  EXPECT_EQ(must(store().count_users()), 5);
}

TEST_P(StoreConformance, UpdateUserChangesOnlyGivenFields) {
  User ada = user("ada", {{"role", std::string("dev")}});
  UserUpdate update;
  update.last_name = "King";
  update.attributes = Attributes{{"team", std::string("ops")}};
  update.password_hash = "new-hash";
  update.is_admin = true;
  User updated = must(store().update_user(ada.id, update));
  EXPECT_EQ(updated.first_name, ada.first_name);
  EXPECT_EQ(updated.last_name, "King");
  EXPECT_EQ(updated.attributes, (Attributes{{"team", std::string("ops")}}));
  EXPECT_TRUE(updated.is_admin);
  EXPECT_EQ(must(store().get_credentials("ada")).password_hash, "new-hash");
  EXPECT_EQ(must(store().get_user(ada.id)).last_name, "King");
}

TEST_P(StoreConformance, SessionsExpireAndRevoke) {
  User ada = user("ada");
  must(store().create_session("t1", Session{ada.id, now_, now_ + 1000}));
  Session s = must(store().find_session("t1", now_ + 999));
  EXPECT_EQ(s.user, ada.id);
  EXPECT_EQ(s.created_at, now_);
  EXPECT_EQ(s.expires_at, now_ + 1000);
  EXPECT_EQ(status(store().find_session("t1", now_ + 1000)), "not_found");  // expired
  EXPECT_EQ(status(store().find_session("nope", now_)), "not_found");

  must(store().revoke_session("t1"));
  EXPECT_EQ(status(store().find_session("t1", now_)), "not_found");
  EXPECT_EQ(status(store().revoke_session("nope")), "not_found");
  EXPECT_EQ(status(store().create_session("t1", Session{ada.id, now_, now_ + 1000})),
            "conflict");
  EXPECT_EQ(status(store().create_session("t2", Session{UserId(999), now_, now_ + 1000})),
            "not_found");
}

TEST_P(StoreConformance, DeactivatingAUserRevokesTheirSessions) {
  User ada = user("ada");
  User bob = user("bob");
  must(store().create_session("a1", Session{ada.id, now_, now_ + 1000}));
  must(store().create_session("a2", Session{ada.id, now_, now_ + 1000}));
  must(store().create_session("b1", Session{bob.id, now_, now_ + 1000}));
  User off = must(store().set_user_active(ada.id, false));
  EXPECT_FALSE(off.is_active);
  EXPECT_FALSE(must(store().get_credentials("ada")).is_active);
  EXPECT_EQ(status(store().find_session("a1", now_)), "not_found");
  EXPECT_EQ(status(store().find_session("a2", now_)), "not_found");
  EXPECT_EQ(status(store().find_session("b1", now_)), "ok");
  // Re-activation does not bring the old sessions back.
  EXPECT_TRUE(must(store().set_user_active(ada.id, true)).is_active);
  EXPECT_EQ(status(store().find_session("a1", now_)), "not_found");
}

TEST_P(StoreConformance, GroupsCreateUpdateAndList) {
  User owner = user("owner");
  Group ops = must(store().create_group(NewGroup{"Ops", std::nullopt, owner.id, now_}));
  Group dbas = must(store().create_group(NewGroup{"DBAs", "role == \"dba\"", owner.id, now_}));
  EXPECT_EQ(status(store().create_group(NewGroup{"Ops", std::nullopt, owner.id, now_})),
            "conflict");
  EXPECT_EQ(status(store().create_group(NewGroup{"X", std::nullopt, UserId(999), now_})),
            "not_found");

  Group got = must(store().get_group(dbas.id));
  EXPECT_EQ(got.name, "DBAs");
  EXPECT_EQ(got.rule, std::optional<std::string>("role == \"dba\""));
  EXPECT_EQ(got.owner, owner.id);
  EXPECT_TRUE(got.is_active);
  EXPECT_EQ(got.created_at, now_);
  EXPECT_EQ(got.member_count, 0);

  GroupUpdate clear_rule;
  clear_rule.rule = std::optional<std::string>();
  clear_rule.name = "Database admins";
  got = must(store().update_group(dbas.id, clear_rule));
  EXPECT_EQ(got.rule, std::nullopt);
  EXPECT_EQ(got.name, "Database admins");

  GroupUpdate rename_to_taken;
  rename_to_taken.name = "Ops";
  EXPECT_EQ(status(store().update_group(dbas.id, rename_to_taken)), "conflict");
  EXPECT_EQ(status(store().update_group(GroupId(999), GroupUpdate{})), "not_found");
  EXPECT_EQ(status(store().get_group(GroupId(999))), "not_found");

  GroupUpdate deactivate;
  deactivate.is_active = false;
  EXPECT_FALSE(must(store().update_group(ops.id, deactivate)).is_active);
  EXPECT_EQ(must(store().list_groups(false)).size(), 1u);
  std::vector<Group> all = must(store().list_groups(true));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, ops.id);
  EXPECT_EQ(all[1].name, "Database admins");
}

// Permissions, group senders and the policy (docs/security.md, "Permissions").
TEST_P(StoreConformance, PermissionsRoundTripAndReplaceTheWholeSet) {
  NewUser nu{
      "ada",
      "Ada",
      "Lovelace",
      "h",
      {},
      false,
      now_,
      {Permission::see_attributes, Permission::create_rule_groups, Permission::see_attributes}};
  const User created = must(store().create_user(nu));
  const Permissions both{Permission::create_rule_groups, Permission::see_attributes};
  EXPECT_EQ(created.permissions, both);
  EXPECT_EQ(must(store().get_user(created.id)).permissions, both);
  EXPECT_TRUE(user("bob").permissions.empty());

  UserUpdate names;
  names.first_name = "Augusta";
  EXPECT_EQ(must(store().update_user(created.id, names)).permissions, both);  // unchanged
  UserUpdate grant;
  grant.permissions = Permissions{Permission::send_to_large_audiences};
  EXPECT_EQ(must(store().update_user(created.id, grant)).permissions,
            Permissions{Permission::send_to_large_audiences});
  grant.permissions = Permissions{};
  must(store().update_user(created.id, grant));
  EXPECT_TRUE(must(store().get_user_by_handle("ada")).permissions.empty());
  EXPECT_TRUE(must(store().list_active_users()).front().permissions.empty());
}

TEST_P(StoreConformance, GroupSendersRoundTrip) {
  const User owner = user("owner");
  const User herald = user("herald");
  const User crier = user("crier");
  const Group plain = must(store().create_group(NewGroup{"Ops", std::nullopt, owner.id, now_}));
  EXPECT_EQ(plain.senders, GroupSenders::members);
  EXPECT_TRUE(must(store().get_group(plain.id)).sender_ids.empty());

  NewGroup announce{"Announce", std::nullopt,        owner.id,
                    now_,       GroupSenders::named, {crier.id, herald.id}};
  const Group created = must(store().create_group(announce));
  for (const Group& g :
       {created, must(store().get_group(created.id)), must(store().list_groups(false)).back()}) {
    EXPECT_EQ(g.senders, GroupSenders::named);
    EXPECT_EQ(g.sender_ids, (std::vector<UserId>{crier.id, herald.id}));
  }

  GroupUpdate rename;
  rename.name = "News";
  EXPECT_EQ(must(store().update_group(created.id, rename)).sender_ids.size(), 2u);
  GroupUpdate open;
  open.senders = GroupSenders::everyone;
  open.sender_ids = std::vector<UserId>{};
  const Group opened = must(store().update_group(created.id, open));
  EXPECT_EQ(opened.senders, GroupSenders::everyone);
  EXPECT_TRUE(opened.sender_ids.empty());
}

TEST_P(StoreConformance, PolicyHasDefaultsUntilSet) {
  const OrgPolicy defaults = must(store().get_policy());
  EXPECT_EQ(defaults.create_groups, Grant::everyone);
  EXPECT_EQ(defaults.create_rule_groups, Grant::granted);
  EXPECT_EQ(defaults.large_audience, 100);
  EXPECT_EQ(defaults.see_attributes, AttributeVisibility::granted);

  const OrgPolicy set{.create_groups = Grant::granted,
                      .create_rule_groups = Grant::everyone,
                      .large_audience = 5000,
                      .see_attributes = AttributeVisibility::admins};
  must(store().set_policy(set));
  for (int round = 0; round < 2; ++round) {  // the second time replaces the row
    const OrgPolicy got = must(store().get_policy());
    EXPECT_EQ(got.create_groups, Grant::granted);
    EXPECT_EQ(got.create_rule_groups, Grant::everyone);
    EXPECT_EQ(got.large_audience, 5000);
    EXPECT_EQ(got.see_attributes, AttributeVisibility::admins);
    must(store().set_policy(set));
  }
}

TEST_P(StoreConformance, MembershipAddRemoveAndReactivate) {
  User owner = user("owner");
  std::vector<UserId> m = users("m", 3);
  Group g = group("Ops", owner.id, m);
  EXPECT_EQ(g.member_count, 3);
  EXPECT_TRUE(must(store().is_member(g.id, m[0])));
  EXPECT_FALSE(must(store().is_member(g.id, owner.id)));

  must(store().remove_member(g.id, m[0]));
  EXPECT_FALSE(must(store().is_member(g.id, m[0])));
  EXPECT_EQ(status(store().remove_member(g.id, m[0])), "not_found");
  EXPECT_EQ(status(store().remove_member(g.id, owner.id)), "not_found");
  EXPECT_EQ(must(store().get_group(g.id)).member_count, 2);

  must(store().add_member(g.id, m[0]));  // re-activates
  must(store().add_member(g.id, m[0]));  // and again: still one membership
  EXPECT_TRUE(must(store().is_member(g.id, m[0])));
  EXPECT_EQ(must(store().get_group(g.id)).member_count, 3);

  // An inactive user is not an active member.
  must(store().set_user_active(m[1], false));
  EXPECT_FALSE(must(store().is_member(g.id, m[1])));
  std::vector<User> members = must(store().list_members(g.id));
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].id, m[0]);
  EXPECT_EQ(members[1].id, m[2]);
  EXPECT_EQ(must(store().member_ids(g.id)), (std::vector<UserId>{m[0], m[2]}));
  EXPECT_EQ(must(store().get_group(g.id)).member_count, 2);

  // Reactivating the user counts the membership again; a removed member of a deactivated user
  // is not counted back when the user returns.
  must(store().set_user_active(m[1], true));
  EXPECT_EQ(must(store().get_group(g.id)).member_count, 3);
  must(store().set_user_active(m[2], false));
  must(store().remove_member(g.id, m[2]));
  must(store().set_user_active(m[2], true));
  EXPECT_EQ(must(store().get_group(g.id)).member_count, 2);
  EXPECT_EQ(must(store().member_ids(g.id)).size(), 2u);
  // Counted per group: a second group of the same users is independent.
  Group other = group("Dev", owner.id, {m[0]});
  EXPECT_EQ(other.member_count, 1);
  must(store().set_user_active(m[0], false));
  EXPECT_EQ(must(store().get_group(other.id)).member_count, 0);
  EXPECT_EQ(must(store().get_group(g.id)).member_count, 1);

  EXPECT_EQ(status(store().add_member(GroupId(999), m[0])), "not_found");
  EXPECT_EQ(status(store().add_member(g.id, UserId(999))), "not_found");
  EXPECT_EQ(status(store().list_members(GroupId(999))), "not_found");
  EXPECT_EQ(status(store().member_ids(GroupId(999))), "not_found");
}

}  // namespace
}  // namespace missive::testing
