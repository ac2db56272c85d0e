#pragma once
// Base fixture of the integration tests: a fresh `missive serve` per test, an admin client, and
// helpers to create logged-in users.

#include "test_api.h"  // first: it configures RapidJSON's assertions

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "server_harness.h"

namespace missive::itest {

// A user created by the admin, with a client logged in as them.
struct Person {
  std::int64_t id = 0;
  std::string handle;
  std::unique_ptr<TestApi> api;
};

class IntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    admin_ = std::make_unique<TestApi>(server_.port());
    admin_->login("admin", kAdminPassword);
  }

  TestApi& admin() { return *admin_; }

  Person person(const std::string& handle, const std::string& attributes = "{}") {
    Person p{admin().create_user(handle, attributes), handle,
             std::make_unique<TestApi>(server_.port())};
    p.api->login(handle, "password-" + handle);
    return p;
  }

  // A new client on the current server that uses `token` (e.g. after a restart).
  std::unique_ptr<TestApi> client_with(const std::string& token) {
    auto api = std::make_unique<TestApi>(server_.port());
    api->set_token(token);
    return api;
  }

  // Restarts the server on the same data directory (it gets a new port): every client is
  // rebuilt with its token.
  void restart(std::vector<Person*> people = {}) {
    server_.restart();
    admin_ = client_with(admin_->token());
    for (auto* p : people) p->api = client_with(p->api->token());
  }

  ServerProcess server_;
  std::unique_ptr<TestApi> admin_;
};

}  // namespace missive::itest
