#include "server/router.h"

#include <gtest/gtest.h>

namespace missive::server {
namespace {

// "id=params" as one string so expectations read like the route they test.
std::string describe(const Router::Outcome& outcome) {
  if (std::holds_alternative<Router::NoRoute>(outcome)) return "404";
  if (const auto* wrong = std::get_if<Router::MethodNotAllowed>(&outcome)) {
    std::string out = "405";
    for (const auto& method : wrong->allow) out += " " + method;
    return out;
  }
  const auto& match = std::get<Router::Match>(outcome);
  std::string out = std::to_string(match.route_id);
  for (const auto& [name, value] : match.params) out += " " + name + "=" + value;
  return out;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(router_.add("GET", "/v1/users", 1));
    ASSERT_TRUE(router_.add("POST", "/v1/users", 2));
    ASSERT_TRUE(router_.add("GET", "/v1/users/{id}", 3));
    ASSERT_TRUE(router_.add("GET", "/v1/users/by-handle/{handle}", 4));
    ASSERT_TRUE(router_.add("PATCH", "/v1/users/{id}", 5));
    ASSERT_TRUE(router_.add("PUT", "/v1/groups/{id}/members/{user_id}", 6));
    ASSERT_TRUE(router_.add("GET", "/v1/users/{id}/x", 7));
    ASSERT_TRUE(router_.add("GET", "/v1/users/me/x", 8));
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralRoutes) {
  EXPECT_EQ(describe(router_.match("GET", "/v1/users")), "1");
  EXPECT_EQ(describe(router_.match("POST", "/v1/users")), "2");
}

TEST_F(RouterTest, CapturesParameters) {
  EXPECT_EQ(describe(router_.match("GET", "/v1/users/42")), "3 id=42");
  EXPECT_EQ(describe(router_.match("PUT", "/v1/groups/7/members/9")), "6 id=7 user_id=9");
  EXPECT_EQ(describe(router_.match("GET", "/v1/users/by-handle/ada%20l")),
            "4 handle=ada%20l");
}

TEST_F(RouterTest, LiteralBeatsParameter) {
  EXPECT_EQ(describe(router_.match("GET", "/v1/users/me/x")), "8");
  EXPECT_EQ(describe(router_.match("GET", "/v1/users/you/x")), "7 id=you");
}

TEST_F(RouterTest, UnknownPathIs404) {
  EXPECT_EQ(describe(router_.match("GET", "/v1/nothing")), "404");
  EXPECT_EQ(describe(router_.match("GET", "/v1/users/")), "404");  // empty parameter
  EXPECT_EQ(describe(router_.match("GET", "/v1/users/1/2/3/4")), "404");
  EXPECT_EQ(describe(router_.match("GET", "v1/users")), "404");
  EXPECT_EQ(describe(router_.match("GET", "")), "404");
}

TEST_F(RouterTest, KnownPathWrongMethodListsAllowed) {
  EXPECT_EQ(describe(router_.match("DELETE", "/v1/users")), "405 GET POST");
  EXPECT_EQ(describe(router_.match("POST", "/v1/users/3")), "405 GET PATCH");
}

TEST_F(RouterTest, RefusesDuplicatesAndMalformedPatterns) {
  EXPECT_FALSE(router_.add("GET", "/v1/users", 9));
  EXPECT_FALSE(router_.add("GET", "/v1/users/{other}", 9));  // same shape as {id}
  EXPECT_FALSE(router_.add("GET", "v1/x", 9));
  EXPECT_FALSE(router_.add("GET", "/v1//x", 9));
  EXPECT_FALSE(router_.add("GET", "/v1/{}", 9));
  EXPECT_FALSE(router_.add("GET", "/v1/a{b}", 9));
  EXPECT_FALSE(router_.add("", "/v1/y", 9));
  EXPECT_TRUE(router_.add("DELETE", "/v1/users", 9));
}

}  // namespace
}  // namespace missive::server
