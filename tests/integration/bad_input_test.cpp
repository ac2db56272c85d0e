// Every kind of bad input gets its exact status and error code, and changes nothing.
#include "fixture.h"

namespace missive::itest {
namespace {

class BadInputTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    ada_ = person("ada");
    bob_ = person("bob");
  }

  // POSTs `body` to /v1/messages as ada; expects `outcome`, and that nothing was sent.
  void expect_refused_send(const std::string& body, const std::string& outcome) {
    const auto reply = ada_.api->post("/v1/messages", body);
    EXPECT_EQ(reply.outcome(), outcome) << body.substr(0, 200) << "\n" << reply.body;
    EXPECT_TRUE(bob_.api->inbox_ids().empty());
    EXPECT_TRUE(ada_.api->get("/v1/dashboard").json["messages"].Empty());
  }
  std::string to_bob() const { return R"({"to":{"users":[)" + std::to_string(bob_.id) + "]},"; }

  Person ada_, bob_;
};

TEST_F(BadInputTest, MalformedJson) {
  const auto reply = ada_.api->post("/v1/messages", R"({"to": {"users": [1]}, "subject": )");
  EXPECT_EQ(reply.outcome(), "400 invalid");
  EXPECT_NE(reply.error_message().find("malformed JSON at offset"), std::string::npos);
  expect_refused_send(R"({"subject": "x",})", "400 invalid");
  expect_refused_send("not json", "400 invalid");
  expect_refused_send("", "400 invalid");
}

TEST_F(BadInputTest, BodyNotAnObject) {
  expect_refused_send("[1,2]", "400 invalid");
  expect_refused_send("\"text\"", "400 invalid");
  expect_refused_send("null", "400 invalid");
}

TEST_F(BadInputTest, WrongFieldTypes) {
  const auto reply = ada_.api->post("/v1/messages", to_bob() + R"("subject":5,"body":"b"})");
  EXPECT_EQ(reply.outcome(), "400 invalid");
  EXPECT_EQ(reply.error_message(), "subject must be a string, not a number");
  expect_refused_send(to_bob() + R"("subject":"s","body":["b"]})", "400 invalid");
  expect_refused_send(R"({"to":{"users":"bob"},"subject":"s","body":"b"})", "400 invalid");
  expect_refused_send(R"({"to":["bob"],"subject":"s","body":"b"})", "400 invalid");
  expect_refused_send(R"({"to":{"users":[true]},"subject":"s","body":"b"})", "400 invalid");
  expect_refused_send(to_bob() + R"("subject":"s","body":"b","flags":"x"})", "400 invalid");
  expect_refused_send(to_bob() + R"("subject":"s","body":"b","metadata":"x"})", "400 invalid");
  expect_refused_send(to_bob() + R"("subject":"s","body":"b","client_msg_id":7})", "400 invalid");
  expect_refused_send(to_bob() + R"("subject":"s","body":"b","expiry_date":12})", "400 invalid");
  expect_refused_send(to_bob() + R"("subject":"s","body":"b","expiry_date":"next week"})",
                      "400 invalid");
}

TEST_F(BadInputTest, MissingFields) {
  const auto reply = ada_.api->post("/v1/messages", to_bob() + R"("body":"b"})");
  EXPECT_EQ(reply.error_message(), "subject is required");
  expect_refused_send(to_bob() + R"("body":"b"})", "400 invalid");
  expect_refused_send(to_bob() + R"("subject":"s"})", "400 invalid");
  expect_refused_send(R"({"subject":"s","body":"b"})", "400 invalid");
  EXPECT_EQ(admin().post("/v1/users", R"({"handle":"x1","first_name":"A","password":"password-x"})")
                .outcome(),
            "400 invalid");
  EXPECT_EQ(admin().post("/v1/groups", "{}").outcome(), "400 invalid");
  EXPECT_EQ(admin().get("/v1/users/by-handle/x1").outcome(), "404 not_found");
}

TEST_F(BadInputTest, UnknownFieldsAreIgnored) {
  const auto reply = ada_.api->post("/v1/messages", to_bob() + R"("subject":"s","body":"b","colour":"red"})");
  EXPECT_EQ(reply.outcome(), "201");
}

TEST_F(BadInputTest, UnknownRecipients) {
  expect_refused_send(R"({"to":{"users":[99999]},"subject":"s","body":"b"})", "404 not_found");
  expect_refused_send(R"({"to":{"users":["nobody"]},"subject":"s","body":"b"})", "404 not_found");
  expect_refused_send(R"({"to":{"groups":[99999]},"subject":"s","body":"b"})", "404 not_found");
  expect_refused_send(R"({"to":{"users":["bob"],"groups":["Nope"]},"subject":"s","body":"b"})",
                      "404 not_found");
}

TEST_F(BadInputTest, NoRecipients) {
  expect_refused_send(R"({"to":{},"subject":"s","body":"b"})", "422 unprocessable");
  expect_refused_send(R"({"to":{"users":[],"groups":[]},"subject":"s","body":"b"})",
                      "422 unprocessable");
  expect_refused_send(R"({"to":{"users":["ada"]},"subject":"s","body":"b"})", "422 unprocessable");
}

TEST_F(BadInputTest, InvalidUtf8) {
  expect_refused_send(to_bob() + "\"subject\":\"caf\xc3\",\"body\":\"b\"}", "400 invalid");
  expect_refused_send(to_bob() + "\"subject\":\"s\",\"body\":\"\xff\xfe\"}", "400 invalid");
  expect_refused_send(to_bob() + "\"subject\":\"\xed\xa0\x80\",\"body\":\"b\"}", "400 invalid");
  expect_refused_send(to_bob() + R"("subject":"\ud800","body":"b"})", "400 invalid");
  expect_refused_send(to_bob() + "\"subject\":\"s\",\"body\":\"b\",\"metadata\":{\"k\xff\":1}}",
                      "400 invalid");
  EXPECT_EQ(admin().get("/v1/users/by-handle/%FF%FE").outcome(), "400 invalid");
  // Valid multi-byte text is fine.
  const auto ok = ada_.api->post("/v1/messages", to_bob() + "\"subject\":\"caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd\",\"body\":\"\xf0\x9f\x98\x80\"}");
  ASSERT_EQ(ok.outcome(), "201");
  EXPECT_STREQ(ok.json["subject"].GetString(), "caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd");
}

TEST_F(BadInputTest, OversizedRequestBodyIs413) {
  const std::string body = to_bob() + R"("subject":"s","body":")" + std::string(1100 * 1024, 'x') + "\"}";
  expect_refused_send(body, "413 too_large");
}

TEST_F(BadInputTest, FieldsOverTheirLimitsAre422) {
  const auto subject = ada_.api->post("/v1/messages", to_bob() + R"("subject":")" +
                                                          std::string(1001, 's') + R"(","body":"b"})");
  EXPECT_EQ(subject.outcome(), "422 unprocessable");
  expect_refused_send(to_bob() + R"("subject":")" + std::string(1001, 's') + R"(","body":"b"})",
                      "422 unprocessable");
  expect_refused_send(to_bob() + R"("subject":"s","body":")" + std::string(64 * 1024 + 1, 'b') + "\"}",
                      "422 unprocessable");
  // Exactly at the limits is accepted.
  EXPECT_EQ(ada_.api->post("/v1/messages", to_bob() + R"("subject":")" + std::string(1000, 's') +
                                               R"(","body":")" + std::string(64 * 1024, 'b') + "\"}")
                .outcome(),
            "201");
}

TEST_F(BadInputTest, ExpiryInThePastIs422) {
  expect_refused_send(to_bob() + R"("subject":"s","body":"b","expiry_date":"2000-01-01T00:00:00Z"})",
                      "422 unprocessable");
}

TEST_F(BadInputTest, ReplyToAnInvisibleMessageIs404) {
  auto eve = person("eve");
  const auto id = ada_.api->send_to_users({bob_.id}).id();
  const auto reply = eve.api->post("/v1/messages/" + std::to_string(id) + "/replies", R"({"body":"me too"})");
  EXPECT_EQ(reply.outcome(), "404 not_found");
  EXPECT_EQ(ada_.api->post("/v1/messages/99999/replies", R"({"body":"x"})").outcome(), "404 not_found");
  EXPECT_TRUE(ada_.api->inbox_ids().empty());
  EXPECT_TRUE(eve.api->get("/v1/dashboard").json["messages"].Empty());
  const auto thread = ada_.api->get("/v1/messages/" + std::to_string(id) + "/thread");
  EXPECT_EQ(thread.json["root"]["replies"].Size(), 0u);
}

TEST_F(BadInputTest, BadPathIds) {
  const auto reply = admin().get("/v1/users/abc");
  EXPECT_EQ(reply.outcome(), "400 invalid");
  EXPECT_EQ(reply.error_message(), "user id must be a positive integer");
  EXPECT_EQ(admin().get("/v1/users/0").outcome(), "400 invalid");
  EXPECT_EQ(admin().get("/v1/messages/1.5").error_message(), "message id must be a positive integer");
  EXPECT_EQ(admin().get("/v1/groups/-1").error_message(), "group id must be a positive integer");
  EXPECT_EQ(admin().call("PUT", "/v1/groups/1/members/x").error_message(),
            "user id must be a positive integer");
  EXPECT_EQ(admin().post("/v1/conversations/x/read").error_message(),
            "conversation id must be a positive integer");
}

TEST_F(BadInputTest, BadQueryParameters) {
  EXPECT_EQ(ada_.api->get("/v1/inbox?limit=0").outcome(), "400 invalid");
  EXPECT_EQ(ada_.api->get("/v1/inbox?limit=201").outcome(), "400 invalid");
  EXPECT_EQ(ada_.api->get("/v1/inbox?limit=ten").outcome(), "400 invalid");
  EXPECT_EQ(ada_.api->get("/v1/inbox?unread=maybe").outcome(), "400 invalid");
  EXPECT_EQ(ada_.api->get("/v1/inbox?before=abc").outcome(), "400 invalid");
  EXPECT_EQ(ada_.api->get("/v1/dashboard?limit=-1").outcome(), "400 invalid");
  EXPECT_EQ(ada_.api->get("/v1/users?include_inactive=2").outcome(), "400 invalid");
  EXPECT_EQ(ada_.api->get("/v1/inbox?limit=200&unread=true").outcome(), "200");
}

TEST_F(BadInputTest, UnknownRoutesAndMethods) {
  EXPECT_EQ(ada_.api->get("/v1/nothing").outcome(), "404 not_found");
  EXPECT_EQ(ada_.api->get("/").outcome(), "200");  // the web page
  EXPECT_EQ(ada_.api->get("/index.php").outcome(), "404 not_found");
  EXPECT_EQ(ada_.api->call("DELETE", "/v1/messages").outcome(), "405 method_not_allowed");
  EXPECT_EQ(ada_.api->call("PUT", "/v1/inbox").outcome(), "405 method_not_allowed");
}

TEST_F(BadInputTest, BadUserFields) {
  EXPECT_EQ(admin().post("/v1/users", R"({"handle":"Bad Handle!","first_name":"A","last_name":"B","password":"password-x"})")
                .outcome(),
            "400 invalid");
  EXPECT_EQ(admin().post("/v1/users", R"({"handle":"ok1","first_name":"A","last_name":"B","password":"password-x","attributes":{"a":[1]}})")
                .outcome(),
            "400 invalid");
  EXPECT_EQ(admin().post("/v1/users", R"({"handle":"ok2","first_name":"A","last_name":"B","password":"password-x","is_admin":"yes"})")
                .outcome(),
            "400 invalid");
  EXPECT_EQ(admin().get("/v1/users?include_inactive=true").json["users"].Size(), 3u);
}

}  // namespace
}  // namespace missive::itest
