// GET /ws against the real server (docs/protocol.md): authentication, pushes to every device,
// pipelined requests, and the closes that end only the offending connection.
#include "fixture.h"
#include "ws_test_client.h"

#include <map>
#include <set>

namespace missive::itest {
namespace {

using namespace std::chrono_literals;

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

class WsTest : public IntegrationTest {
 protected:
  std::unique_ptr<WsTestClient> device(const Person& p, WsConnectOptions options = {}) {
    auto client = std::make_unique<WsTestClient>();
    const int status = client->connect(server_.port(), p.api->token(), options);
    EXPECT_EQ(status, 101) << client->refusal_body();
    return client;
  }

  // Reads frames until a push whose entries reach a message entry with `subject`; returns the
  // entries pushed up to there (every push must start right after the previous one).
  std::vector<std::string> await_message(WsTestClient& client, const std::string& subject,
                                         std::int64_t* last_seq = nullptr) {
    std::vector<std::string> subjects;
    std::int64_t previous = -1;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto frame = client.receive(1s);
      if (!frame) continue;
      auto doc = parse(*frame);
      if (!doc.IsObject() || std::string(doc["type"].GetString()) != "push") continue;
      for (const auto& entry : doc["entries"].GetArray()) {
        const auto seq = entry["seq"].GetInt64();
        if (previous >= 0) {
          EXPECT_EQ(seq, previous + 1) << *frame;
        }
        previous = seq;
        if (last_seq != nullptr) *last_seq = seq;
        if (std::string(entry["kind"].GetString()) == "message" && entry.HasMember("message")) {
          subjects.push_back(entry["message"]["subject"].GetString());
          if (subjects.back() == subject) return subjects;
        }
      }
    }
    ADD_FAILURE() << "no push of \"" << subject << "\"";
    return subjects;
  }
};

TEST_F(WsTest, UpgradeNeedsAValidToken) {
  auto alice = person("alice");
  WsTestClient none;
  EXPECT_EQ(none.connect(server_.port(), ""), 401);
  EXPECT_NE(none.refusal_body().find("\"unauthenticated\""), std::string::npos)
      << none.refusal_body();
  WsTestClient bad;
  EXPECT_EQ(bad.connect(server_.port(), "not-a-token"), 401);

  WsTestClient by_query;
  EXPECT_EQ(by_query.connect(server_.port(), "",
                             WsConnectOptions{.target = "/ws?token=" + alice.api->token()}),
            101);
  ASSERT_TRUE(by_query.send(R"({"id":1,"type":"ping"})"));
  EXPECT_EQ(by_query.receive(5s).value_or(""), R"({"id":1,"type":"pong"})");

  alice.api->call("DELETE", "/v1/sessions/current");
  WsTestClient after_logout;
  EXPECT_EQ(after_logout.connect(server_.port(), alice.api->token()), 401);
}

TEST_F(WsTest, ARequestAfterLogoutIsRefusedAndCloses1008) {
  auto alice = person("alice");
  auto phone = device(alice);
  ASSERT_EQ(alice.api->call("DELETE", "/v1/sessions/current").status, 204);
  ASSERT_TRUE(phone->send(R"({"id":1,"type":"sync"})"));
  const auto answer = phone->receive(5s).value_or("");
  EXPECT_TRUE(answer.starts_with(R"({"id":1,"type":"error","status":401,"error":{"code":"unauthenticated")"))
      << answer;
  EXPECT_EQ(phone->wait_closed(5s), 1008);
}

TEST_F(WsTest, SendIsPushedToEveryDeviceOfTheRecipientAndTheSender) {
  auto alice = person("alice");
  auto bob = person("bob");
  auto bob_phone = device(bob);
  auto bob_laptop = device(bob);
  auto alice_phone = device(alice);
  // Let the connections learn their starting point before the send.
  for (auto* d : {bob_phone.get(), bob_laptop.get(), alice_phone.get()}) {
    ASSERT_TRUE(d->send(R"({"id":0,"type":"ping"})"));
    ASSERT_TRUE(d->receive(5s).has_value());
  }
  ASSERT_EQ(alice.api->send_to_users({bob.id}, "lunch?").status, 201);

  EXPECT_EQ(await_message(*bob_phone, "lunch?"), std::vector<std::string>{"lunch?"});
  EXPECT_EQ(await_message(*bob_laptop, "lunch?"), std::vector<std::string>{"lunch?"});
  std::int64_t alice_seq = 0;
  EXPECT_EQ(await_message(*alice_phone, "lunch?", &alice_seq), std::vector<std::string>{"lunch?"});

  // A pull agrees with the push, and an ack answers.
  ASSERT_TRUE(alice_phone->send(R"({"id":"s","type":"sync","since":0})"));
  std::string pulled;
  for (int i = 0; i < 5 && pulled.empty(); ++i) {
    auto frame = alice_phone->receive(5s);
    ASSERT_TRUE(frame);
    if (frame->starts_with(R"({"id":"s")")) pulled = *frame;
  }
  auto doc = parse(pulled);
  ASSERT_TRUE(doc.IsObject()) << pulled;
  ASSERT_GE(doc["entries"].Size(), static_cast<rapidjson::SizeType>(alice_seq)) << pulled;
  const auto& entry = doc["entries"][static_cast<rapidjson::SizeType>(alice_seq - 1)];
  EXPECT_EQ(entry["seq"].GetInt64(), alice_seq);
  EXPECT_STREQ(entry["message"]["subject"].GetString(), "lunch?");
  ASSERT_TRUE(bob_phone->send(R"({"id":9,"type":"ack","up_to":1})"));
  std::string ack;
  for (int i = 0; i < 5 && ack.empty(); ++i) {
    auto frame = bob_phone->receive(5s);
    ASSERT_TRUE(frame);
    if (frame->find("\"id\":9") != std::string::npos) ack = *frame;
  }
  EXPECT_EQ(ack, R"({"id":9,"type":"ack"})");
}

TEST_F(WsTest, PipelinedSendsAreAnsweredById) {
  auto alice = person("alice");
  auto bob = person("bob");
  auto phone = device(alice);
  constexpr int kSends = 20;
  for (int i = 1; i <= kSends; ++i) {
    ASSERT_TRUE(phone->send(R"({"id":)" + std::to_string(i) +
                            R"(,"type":"send","to":{"users":[)" + std::to_string(bob.id) +
                            R"(]},"subject":"s)" + std::to_string(i) +
                            R"(","body":"b","client_msg_id":"c)" + std::to_string(i) + R"("})"));
  }
  // A bad request in the middle of the pipeline is answered with an error; nothing closes.
  ASSERT_TRUE(phone->send(R"({"id":"bad","type":"send","subject":"no recipients","body":"b"})"));
  ASSERT_TRUE(phone->send(R"({"id":21,"type":"send","to":{"users":[)" + std::to_string(bob.id) +
                          R"(]},"subject":"s1","body":"b","client_msg_id":"c1"})"));
  std::set<std::int64_t> answered;
  std::string error;
  // Pipelined sends commit in any order: of 1 and 21 (both c1), whichever commits first is
  // the original (201) and the other gets it back (200).
  std::map<std::int64_t, std::pair<int, std::int64_t>> c1;  // request id -> (status, message)
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while ((answered.size() < kSends || error.empty() || !c1.contains(21)) &&
         std::chrono::steady_clock::now() < deadline) {
    auto frame = phone->receive(1s);
    if (!frame) continue;
    auto doc = parse(*frame);
    const std::string type = doc["type"].GetString();
    if (type == "push") continue;
    if (type == "error") {
      error = *frame;
      continue;
    }
    ASSERT_EQ(type, "send") << *frame;
    const auto id = doc["id"].GetInt64();
    EXPECT_EQ(doc["message"]["subject"].GetString(), "s" + std::to_string(id == 21 ? 1 : id));
    if (id == 1 || id == 21) {
      c1[id] = {doc["status"].GetInt(), doc["message"]["id"].GetInt64()};
      if (id == 21) continue;
    } else {
      EXPECT_EQ(doc["status"].GetInt(), 201) << *frame;
    }
    answered.insert(id);
  }
  EXPECT_EQ(answered.size(), static_cast<std::size_t>(kSends));
  EXPECT_TRUE(error.starts_with(R"({"id":"bad","type":"error","status":400,"error":{"code":"invalid")"))
      << error;
  ASSERT_EQ(c1.size(), 2u);
  EXPECT_EQ(std::set<int>({c1[1].first, c1[21].first}), std::set<int>({200, 201}));
  EXPECT_EQ(c1[1].second, c1[21].second);  // the retried client_msg_id gets the original
}

TEST_F(WsTest, OversizeFrameClosesOnlyThatConnection) {
  auto alice = person("alice");
  auto bob = person("bob");
  auto big = device(bob);
  auto other = device(bob);
  big->send(R"({"id":1,"type":"ping","pad":")" + std::string(70 * 1024, 'x') + "\"}");
  EXPECT_EQ(big->wait_closed(10s), 1009);
  ASSERT_TRUE(other->send(R"({"id":2,"type":"ping"})"));
  EXPECT_EQ(other->receive(5s).value_or(""), R"({"id":2,"type":"pong"})");
  ASSERT_EQ(alice.api->send_to_users({bob.id}, "still here").status, 201);
  await_message(*other, "still here");
}

TEST_F(WsTest, MalformedFramesClose1007) {
  auto alice = person("alice");
  auto not_json = device(alice);
  not_json->send("hello");
  EXPECT_EQ(not_json->wait_closed(10s), 1007);
  auto array = device(alice);
  array->send("[1,2]");
  EXPECT_EQ(array->wait_closed(10s), 1007);
  auto binary = device(alice);
  binary->send(R"({"id":1,"type":"ping"})", true);
  EXPECT_EQ(binary->wait_closed(10s), 1007);
  auto bad_utf8 = device(alice);
  bad_utf8->send("{\"id\":1,\"type\":\"\xff\"}");
  EXPECT_EQ(bad_utf8->wait_closed(10s), 1007);
}

TEST_F(WsTest, ASlowConsumerIsClosedWhileAFastOneKeepsReceiving) {
  server_.stop();
  server_.set_extra_args({"--ws-queue-bytes", "262144", "--ws-queue-frames", "64"});
  server_.start();
  admin_ = client_with(admin_->token());
  auto alice = person("alice");
  auto bob = person("bob");
  auto slow = device(bob, WsConnectOptions{.read = false, .receive_buffer = 4096});
  auto fast = device(bob);
  ASSERT_TRUE(fast->send(R"({"id":0,"type":"ping"})"));
  ASSERT_TRUE(fast->receive(5s).has_value());

  // About 6 MB of pushes: more than the kernel buffers between the server and a client that
  // does not read can hold.
  const std::string body(32 * 1024, 'z');
  constexpr int kMessages = 200;
  for (int i = 1; i <= kMessages; ++i) {
    const auto reply = alice.api->post(
        "/v1/messages", R"({"to":{"users":[)" + std::to_string(bob.id) + R"(]},"subject":"m)" +
                            std::to_string(i) + R"(","body":")" + body + R"("})");
    ASSERT_EQ(reply.status, 201) << reply.body;
  }
  const auto received = await_message(*fast, "m" + std::to_string(kMessages));
  EXPECT_EQ(received.size(), static_cast<std::size_t>(kMessages));
  EXPECT_EQ(fast->wait_closed(0ms), 0);

  slow->start_reading();
  EXPECT_EQ(slow->wait_closed(20s), 4000);
}

TEST_F(WsTest, AClientThatAnswersNoPingIsDroppedAndALiveOneStays) {
  server_.stop();
  server_.set_extra_args({"--ws-idle", "2"});
  server_.start();
  admin_ = client_with(admin_->token());
  auto bob = person("bob");
  // Frames left unread: the server's pings go unanswered.
  auto silent = device(bob, WsConnectOptions{.read = false});
  auto live = device(bob);
  // Reading answers the server's pings, so the live connection stays past the idle limit.
  const auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until) live->receive(200ms);
  silent->start_reading();
  EXPECT_EQ(silent->wait_closed(10s), 1006);
  ASSERT_TRUE(live->send(R"({"id":1,"type":"ping"})"));
  EXPECT_EQ(live->receive(5s).value_or(""), R"({"id":1,"type":"pong"})");
}

TEST_F(WsTest, ServerShutdownCloses1001) {
  auto alice = person("alice");
  auto phone = device(alice);
  ASSERT_TRUE(phone->send(R"({"id":0,"type":"ping"})"));
  ASSERT_TRUE(phone->receive(5s).has_value());
  server_.stop();
  EXPECT_EQ(phone->wait_closed(10s), 1001);
}

}  // namespace
}  // namespace missive::itest
