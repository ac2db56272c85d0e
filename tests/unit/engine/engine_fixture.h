#pragma once
// An Engine on a fresh SQLite store in a temporary directory, with a hand-moved clock.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "core/clock.h"
#include "core/time_format.h"
#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"

namespace missive::testing {

inline constexpr Timestamp kStart = 1'790'000'000'000;  // 2026-09-21
inline constexpr Timestamp kDay = 24LL * 3600 * 1000;

// "2026-09-14T10:00:00Z" (or a date) as a Timestamp, for the hand-moved clock.
inline Timestamp at(const char* text) {
  auto t = parse_time(text);
  EXPECT_TRUE(t) << text;
  return t ? *t : 0;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("missive-engine-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    auto store = open_sqlite_store(SqliteOptions{.path = (dir_ / "missive.db").string()});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    engine_ = std::make_unique<Engine>(*store_, clock_,
                                       EngineOptions{.password_cost = PasswordCost::minimal});
    auto password = engine_->bootstrap_admin("admin-password");
    ASSERT_TRUE(password && *password);
    auto login = engine_->login("admin", "admin-password");
    ASSERT_TRUE(login) << login.error().message;
    admin_ = Caller{.id = login->user.id, .is_admin = true};
  }

  void TearDown() override {
    engine_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A new active user; the returned Caller acts as them.
  Caller user(const std::string& handle, Attributes attributes = {}) {
    auto created = engine_->create_user(admin_, CreateUserRequest{.handle = handle,
                                                                  .first_name = "First",
                                                                  .last_name = handle,
                                                                  .password = "password-" + handle,
                                                                  .attributes = attributes});
    EXPECT_TRUE(created) << created.error().message;
    return Caller{.id = created ? created->id : UserId{}, .is_admin = false};
  }

  // An admin grants `permissions` to the user (the whole set).
  void grant(const Caller& who, Permissions permissions) {
    auto updated = engine_->update_user(admin_, who.id,
                                        UpdateUserRequest{.permissions = std::move(permissions)});
    EXPECT_TRUE(updated) << updated.error().message;
  }

  GroupId group(const Caller& owner, const std::string& name, std::vector<Caller> members) {
    auto created = engine_->create_group(owner, CreateGroupRequest{.name = name});
    EXPECT_TRUE(created) << created.error().message;
    for (const Caller& member : members) {
      auto added = engine_->add_member(owner, created->id, member.id);
      EXPECT_TRUE(added) << added.error().message;
    }
    return created->id;
  }

  Result<SendResult> send(const Caller& from, Addresses to, const std::string& subject = "Hello") {
    return engine_->send(from, SendRequest{.to = std::move(to), .subject = subject, .body = "Body"});
  }

  Message sent(const Caller& from, Addresses to, const std::string& subject = "Hello") {
    auto result = send(from, std::move(to), subject);
    EXPECT_TRUE(result) << result.error().message;
    return result ? result->message : Message{};
  }

  std::filesystem::path dir_;
  ManualClock clock_{kStart};
  std::unique_ptr<Store> store_;
  std::unique_ptr<Engine> engine_;
  Caller admin_;
};

}  // namespace missive::testing
