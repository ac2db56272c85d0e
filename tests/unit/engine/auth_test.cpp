#include <gtest/gtest.h>

#include "engine/password.h"
#include "tests/unit/engine/engine_fixture.h"

namespace missive::testing {
namespace {

// Passwords are hashed with Argon2id at libsodium's interactive limits (64 MiB, 2 passes),
// with a random salt: two hashes of one password differ, and both verify.
TEST(PasswordHash, IsArgon2idAtTheInteractiveLimits) {
  auto first = hash_password("correct horse", PasswordCost::interactive);
  auto second = hash_password("correct horse", PasswordCost::interactive);
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(first->starts_with("$argon2id$v=19$m=65536,t=2,p=1$")) << *first;
  EXPECT_NE(*first, *second);
  EXPECT_TRUE(verify_password("correct horse", *first));
  EXPECT_FALSE(verify_password("correct horsf", *first));
  EXPECT_FALSE(verify_password("correct horse", "not a hash"));
}

TEST_F(EngineTest, AnUnknownHandleAndAWrongPasswordAnswerAlike) {
  user("ada");
  auto unknown = engine_->login("nobody", "password-ada");
  auto wrong = engine_->login("ada", "password-bob");
  ASSERT_FALSE(unknown);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(unknown.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(unknown.error().message, wrong.error().message);
}

TEST_F(EngineTest, AdminIsCreatedOnlyOnTheFirstStart) {
  auto again = engine_->bootstrap_admin("another-password");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_FALSE(engine_->login("admin", "another-password"));
}

TEST_F(EngineTest, GeneratedAdminPasswordLogsIn) {
  auto store = open_sqlite_store(SqliteOptions{.path = (dir_ / "fresh" / "missive.db").string()});
  ASSERT_TRUE(store) << store.error().message;
  Engine engine(**store, clock_, EngineOptions{.password_cost = PasswordCost::minimal});
  auto password = engine.bootstrap_admin("");
  ASSERT_TRUE(password && *password);
  EXPECT_GE((*password)->size(), 16u);
  EXPECT_TRUE(engine.login("admin", **password));
}

TEST_F(EngineTest, LoginChecksThePassword) {
  user("ada");
  auto wrong = engine_->login("ada", "not-her-password");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::unauthenticated);
  auto unknown = engine_->login("nobody", "password-ada");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::unauthenticated);
  EXPECT_TRUE(engine_->login("ada", "password-ada"));
}

TEST_F(EngineTest, TokensAreStoredHashedAndLogoutRevokes) {
  user("ada");
  auto login = engine_->login("ada", "password-ada");
  ASSERT_TRUE(login);
  EXPECT_NE(token_hash(login->token), login->token);
  EXPECT_FALSE(store_->find_session(login->token, clock_.now()));  // the raw token is not a key
  ASSERT_TRUE(engine_->authenticate(login->token));
  ASSERT_TRUE(engine_->logout(login->token));
  auto after = engine_->authenticate(login->token);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, ErrorCode::unauthenticated);
}

TEST_F(EngineTest, SessionsExpire) {
  user("ada");
  auto login = engine_->login("ada", "password-ada");
  ASSERT_TRUE(login);
  clock_.advance(31 * kDay);
  EXPECT_FALSE(engine_->authenticate(login->token));
}

TEST_F(EngineTest, DeactivatedUserCannotLogInAndLosesSessions) {
  const Caller ada = user("ada");
  auto login = engine_->login("ada", "password-ada");
  ASSERT_TRUE(login);
  ASSERT_TRUE(engine_->set_user_active(admin_, ada.id, false));
  EXPECT_FALSE(engine_->authenticate(login->token));
  auto again = engine_->login("ada", "password-ada");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::unauthenticated);
  // The right password of a deactivated account is not confirmed: it answers as a wrong one.
  auto wrong = engine_->login("ada", "password-bob");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(again.error().message, wrong.error().message);
}

TEST_F(EngineTest, OnlyAdminsManageUsers) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  auto create = engine_->create_user(ada, CreateUserRequest{.handle = "eve",
                                                            .first_name = "Eve",
                                                            .last_name = "E",
                                                            .password = "password-eve"});
  ASSERT_FALSE(create);
  EXPECT_EQ(create.error().code, ErrorCode::forbidden);
  EXPECT_EQ(engine_->set_user_active(ada, bob.id, false).error().code, ErrorCode::forbidden);
  auto attributes = engine_->update_user(ada, ada.id, UpdateUserRequest{.attributes = {{"role", AttributeValue{"admin"}}}});
  ASSERT_FALSE(attributes);
  EXPECT_EQ(attributes.error().code, ErrorCode::forbidden);
  auto other = engine_->update_user(ada, bob.id, UpdateUserRequest{.first_name = "Robert"});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::forbidden);
}

TEST_F(EngineTest, UsersChangeTheirOwnNameAndPassword) {
  const Caller ada = user("ada");
  auto updated = engine_->update_user(
      ada, ada.id, UpdateUserRequest{.first_name = "Augusta", .password = "a-new-password"});
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->first_name, "Augusta");
  EXPECT_FALSE(engine_->login("ada", "password-ada"));
  EXPECT_TRUE(engine_->login("ada", "a-new-password"));
}

TEST_F(EngineTest, AttributeUpdatesMergeAndRemove) {
  const Caller ada = user("ada", {{"role", "dba"}, {"region", "EU"}});
  auto updated = engine_->update_user(
      admin_, ada.id,
      UpdateUserRequest{.attributes = {{"region", std::nullopt}, {"level", AttributeValue{3.0}}}});
  ASSERT_TRUE(updated) << updated.error().message;
  const Attributes expected{{"role", "dba"}, {"level", 3.0}};
  EXPECT_EQ(updated->attributes, expected);
}

TEST_F(EngineTest, DuplicateHandleIsAConflict) {
  user("ada");
  auto again = engine_->create_user(admin_, CreateUserRequest{.handle = "ada",
                                                              .first_name = "Ada",
                                                              .last_name = "Again",
                                                              .password = "password-ada"});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
}

TEST_F(EngineTest, InactiveUsersAreHiddenFromOthers) {
  const Caller ada = user("ada");
  const Caller bob = user("bob");
  ASSERT_TRUE(engine_->set_user_active(admin_, bob.id, false));
  EXPECT_EQ(engine_->get_user(ada, bob.id).error().code, ErrorCode::not_found);
  EXPECT_TRUE(engine_->get_user(admin_, bob.id));
  auto listed = engine_->list_users(ada, UserQuery{.include_inactive = true});
  ASSERT_TRUE(listed);
  for (const User& u : *listed) EXPECT_NE(u.id, bob.id);
}

}  // namespace
}  // namespace missive::testing
