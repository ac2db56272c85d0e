// The API dispatcher over a real engine: routing, authentication, and the mapping of every
// failure to its HTTP status and JSON error body.
#include "api_fixture.h"

namespace missive::testing {
namespace {

TEST_F(ApiTest, HealthNeedsNoToken) {
  auto response = call("GET", "/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"status":"ok"})");
}

TEST_F(ApiTest, UnknownRouteIs404AndWrongMethodIs405) {
  EXPECT_EQ(status_of(call("GET", "/v1/nothing")), "404 not_found");
  auto response = call("DELETE", "/v1/inbox");
  EXPECT_EQ(status_of(response), "405 method_not_allowed");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET");
  EXPECT_EQ(call("PUT", "/v1/users/1").headers[0].second, "GET, PATCH");
}

TEST_F(ApiTest, MissingOrBadTokenIs401) {
  auto response = call("GET", "/v1/me");
  EXPECT_EQ(status_of(response), "401 unauthenticated");
  EXPECT_EQ(response.headers.at(0).first, "WWW-Authenticate");
  EXPECT_EQ(status_of(call("GET", "/v1/me", {}, "not-a-token")), "401 unauthenticated");
  server::HttpRequest basic{"GET", "/v1/me", "Basic YWRtaW46eA==", {}};
  EXPECT_EQ(status_of(api_->handle(basic)), "401 unauthenticated");
  server::HttpRequest lower{"GET", "/v1/me", "bearer " + admin_token_, {}};
  EXPECT_EQ(api_->handle(lower).status, 200);
}

TEST_F(ApiTest, LoginAndLogout) {
  EXPECT_EQ(status_of(call("POST", "/v1/sessions", R"({"handle":"admin","password":"nope-nope"})")),
            "401 unauthenticated");
  const auto token = login("admin", "admin-password");
  auto me = call("GET", "/v1/me", {}, token);
  ASSERT_EQ(me.status, 200);
  EXPECT_STREQ(parse(me)["handle"].GetString(), "admin");
  EXPECT_EQ(call("DELETE", "/v1/sessions/current", {}, token).status, 204);
  EXPECT_EQ(status_of(call("GET", "/v1/me", {}, token)), "401 unauthenticated");
}

TEST_F(ApiTest, MalformedBodiesAre400WithPreciseMessages) {
  auto response = admin("POST", "/v1/messages", R"({"subject": )");
  EXPECT_EQ(status_of(response), "400 invalid");
  EXPECT_EQ(message_of(response).rfind("malformed JSON at offset 12", 0), 0u) << response.body;
  EXPECT_EQ(message_of(admin("POST", "/v1/messages", "[]")),
            "request body must be a JSON object, not an array");
  EXPECT_EQ(message_of(admin("POST", "/v1/messages", R"({"to":{"users":[1]},"subject":5,"body":"b"})")),
            "subject must be a string, not a number");
  EXPECT_EQ(message_of(admin("POST", "/v1/messages", R"({"to":{"users":[1]},"body":"b"})")),
            "subject is required");
  EXPECT_EQ(message_of(admin("POST", "/v1/messages", R"({"subject":"s","body":"b"})")),
            R"(to is required: {"users": [...], "groups": [...]})");
  EXPECT_EQ(message_of(admin("POST", "/v1/messages", R"({"to":{"users":[1.5]},"subject":"s","body":"b"})")),
            "to.users[0] must be a user id (positive integer) or a handle (string)");
  EXPECT_EQ(message_of(admin("POST", "/v1/messages", R"({"to":{"groups":{}},"subject":"s","body":"b"})")),
            "to.groups must be an array");
  EXPECT_EQ(message_of(admin("POST", "/v1/messages",
                             R"({"to":{"users":[1]},"subject":"s","body":"b","metadata":[]})")),
            "metadata must be an object");
  EXPECT_EQ(status_of(admin("POST", "/v1/messages", "{\"to\":{\"users\":[1]},\"subject\":\"\xff\",\"body\":\"b\"}")),
            "400 invalid");
}

TEST_F(ApiTest, BadPathAndQueryParametersAre400) {
  EXPECT_EQ(message_of(admin("GET", "/v1/users/abc")), "user id must be a positive integer");
  EXPECT_EQ(message_of(admin("GET", "/v1/users/0")), "user id must be a positive integer");
  EXPECT_EQ(message_of(admin("GET", "/v1/messages/-3")), "message id must be a positive integer");
  EXPECT_EQ(message_of(admin("PUT", "/v1/groups/1/members/x")), "user id must be a positive integer");
  EXPECT_EQ(message_of(admin("GET", "/v1/users/by-handle/%ff")), "handle is not valid UTF-8");
  EXPECT_EQ(message_of(admin("GET", "/v1/inbox?limit=0")), "limit must be an integer from 1 to 200");
  EXPECT_EQ(message_of(admin("GET", "/v1/inbox?limit=201")), "limit must be an integer from 1 to 200");
  EXPECT_EQ(message_of(admin("GET", "/v1/inbox?unread=maybe")), "unread must be true or false");
  EXPECT_EQ(message_of(admin("GET", "/v1/dashboard?before=x")), "before must be a positive integer");
  EXPECT_EQ(admin("GET", "/v1/inbox?limit=200&unread=false").status, 200);
}

TEST_F(ApiTest, SendIsIdempotentOnClientMsgId) {
  const auto bob = create_user("bob");
  const auto body = R"({"to":{"users":[)" + std::to_string(bob) +
                    R"(]},"subject":"s","body":"b","client_msg_id":"c1","metadata":{"a":[1,{"b":null}]}})";
  auto first = admin("POST", "/v1/messages", body);
  ASSERT_EQ(first.status, 201) << first.body;
  auto again = admin("POST", "/v1/messages", body);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(parse(first)["id"].GetInt64(), parse(again)["id"].GetInt64());
  EXPECT_TRUE(parse(first)["metadata"]["a"][1]["b"].IsNull());
  EXPECT_EQ(parse(first)["recipient_count"].GetInt64(), 1);
}

TEST_F(ApiTest, AddressesByHandle) {
  create_user("carol");
  auto sent = admin("POST", "/v1/messages", R"({"to":{"users":["carol"]},"subject":"s","body":"b"})");
  ASSERT_EQ(sent.status, 201) << sent.body;
  const auto token = login("carol", "password-carol");
  auto inbox = call("GET", "/v1/inbox", {}, token);
  ASSERT_EQ(inbox.status, 200);
  auto doc = parse(inbox);
  ASSERT_EQ(doc["messages"].Size(), 1u);
  EXPECT_FALSE(doc["messages"][0]["is_read"].GetBool());
  EXPECT_FALSE(doc["messages"][0].HasMember("read_percent"));
  EXPECT_TRUE(doc["next"].IsNull());
}

TEST_F(ApiTest, StoreFailureIs503AndExceptionIs500) {
  faulty_->set_fault(Fault::unavailable);
  EXPECT_EQ(status_of(call("GET", "/healthz")), "503 unavailable");
  EXPECT_EQ(status_of(admin("GET", "/v1/me")), "503 unavailable");
  faulty_->set_fault(Fault::exception);
  auto response = admin("GET", "/v1/me");
  EXPECT_EQ(status_of(response), "500 internal");
  EXPECT_EQ(message_of(response), "internal error");
  faulty_->set_fault(Fault::none);
  EXPECT_EQ(admin("GET", "/v1/me").status, 200);
}

TEST_F(ApiTest, UsersListPagesWithNext) {
  for (const auto* handle : {"u1", "u2", "u3"}) create_user(handle);
  auto page = parse(admin("GET", "/v1/users?limit=2"));
  ASSERT_EQ(page["users"].Size(), 2u);
  ASSERT_TRUE(page["next"].IsInt64());
  auto rest = parse(admin("GET", "/v1/users?limit=2&after=" + std::to_string(page["next"].GetInt64())));
  EXPECT_EQ(rest["users"].Size(), 2u);  // admin + 3 users = 4
  auto last = parse(admin("GET", "/v1/users?limit=2&after=" +
                               std::to_string(rest["users"][1]["id"].GetInt64())));
  EXPECT_EQ(last["users"].Size(), 0u);
  EXPECT_TRUE(last["next"].IsNull());
}

TEST_F(ApiTest, UserAttributesPatchAndNullRemoves) {
  const auto id = std::to_string(create_user("dave"));
  auto patched = admin("PATCH", "/v1/users/" + id, R"({"attributes":{"role":"dba","level":3}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_STREQ(parse(patched)["attributes"]["role"].GetString(), "dba");
  EXPECT_EQ(parse(patched)["attributes"]["level"].GetInt64(), 3);
  auto removed = admin("PATCH", "/v1/users/" + id, R"({"attributes":{"role":null}})");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_FALSE(parse(removed)["attributes"].HasMember("role"));
  EXPECT_EQ(message_of(admin("PATCH", "/v1/users/" + id, R"({"attributes":{"x":[1]}})")),
            "attributes.x must be a string, a number or a boolean, not an array");
}

// The send bucket runs on the engine's clock: moving the clock by hand refills it.
TEST_F(ApiTest, SendsOverTheRateAre429UntilTheClockRefillsTheBucket) {
  create_user("ada");
  const auto bob = create_user("bob");
  const auto token = login("ada", "password-ada");
  server::Api limited(*engine_, server::RateLimits{.send = {.per_second = 1, .burst = 2}, .login = {}});
  const auto send = [&] {
    return limited.handle(server::HttpRequest{
        "POST", "/v1/messages", "Bearer " + token,
        R"({"to":{"users":[)" + std::to_string(bob) + R"(]},"subject":"s","body":"b"})", {}});
  };
  EXPECT_EQ(send().status, 201);
  EXPECT_EQ(send().status, 201);
  const auto refused = send();
  EXPECT_EQ(status_of(refused), "429 rate_limited");
  EXPECT_EQ(refused.body,
            R"({"error":{"code":"rate_limited","message":"too many messages: at most 1 per second )"
            R"((bursts of 2); retry in 1 s","retry_after":1}})");
  ASSERT_EQ(refused.headers.size(), 1u);
  EXPECT_EQ(refused.headers[0].first, "Retry-After");
  EXPECT_EQ(refused.headers[0].second, "1");
  clock_.advance(1000);
  EXPECT_EQ(send().status, 201);
  EXPECT_EQ(send().status, 429);
}

// Login attempts are throttled per handle and per client address before the password is
// checked; the handle's count is cleared by a success.
TEST_F(ApiTest, FailedLoginsAre429UntilTheWindowPasses) {
  create_user("ada");
  server::Api limited(*engine_, server::RateLimits{
                                    .send = {},
                                    .login = {.account_failures = 2, .address_failures = 3,
                                              .window_ms = 10'000}});
  const auto attempt = [&](const std::string& handle, const std::string& password,
                           const std::string& address) {
    return status_of(limited.handle(server::HttpRequest{
        "POST", "/v1/sessions", "",
        R"({"handle":")" + handle + R"(","password":")" + password + R"("})", address}));
  };
  EXPECT_EQ(attempt("ada", "wrong-one", "10.0.0.1"), "401 unauthenticated");
  EXPECT_EQ(attempt("ada", "wrong-two", "10.0.0.2"), "401 unauthenticated");
  EXPECT_EQ(attempt("ada", "password-ada", "10.0.0.3"), "429 rate_limited");
  clock_.advance(10'000);
  EXPECT_EQ(attempt("ada", "password-ada", "10.0.0.3"), "201");
  // Per address: three failures on any handles, then everyone from there waits.
  EXPECT_EQ(attempt("x", "wrong-one", "10.0.0.9"), "401 unauthenticated");
  EXPECT_EQ(attempt("y", "wrong-one", "10.0.0.9"), "401 unauthenticated");
  EXPECT_EQ(attempt("z", "wrong-one", "10.0.0.9"), "401 unauthenticated");
  EXPECT_EQ(attempt("ada", "password-ada", "10.0.0.9"), "429 rate_limited");
  EXPECT_EQ(attempt("ada", "password-ada", "10.0.0.8"), "201");
}

}  // namespace
}  // namespace missive::testing
