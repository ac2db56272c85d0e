// `missive serve --bus redis://...` against the test run's private redis-server: a device's
// connection subscribes the node to its user's channel, a message sent over HTTP comes back
// as a push through Redis, and pushes resume when Redis is restarted mid-test.
#include <thread>

#include "fixture.h"
#include "test_redis.h"
#include "ws_test_client.h"

namespace missive::itest {
namespace {

using namespace std::chrono_literals;
using test_support::TestRedis;

class RedisServeTest : public IntegrationTest {
 protected:
  void SetUp() override {
    redis_ = TestRedis::from_env();
    if (!redis_) GTEST_SKIP() << "needs the CTest fixture \"redis\" (run through ctest)";
    server_.set_extra_args({"--bus", redis_->url()});
    IntegrationTest::SetUp();
  }

  // Subscribers of the user's channel on Redis (the node subscribes while a device is here).
  int subscribers(std::int64_t user) {
    const std::string out = redis_->cli("PUBSUB NUMSUB missive:user:" + std::to_string(user));
    const auto newline = out.find('\n');
    if (newline == std::string::npos) return -1;
    return std::atoi(out.c_str() + newline + 1);
  }

  bool wait_subscribers(std::int64_t user, int count) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (subscribers(user) == count) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  // Reads pushes until a message entry with `subject`; returns the subjects pushed until then.
  std::vector<std::string> await_message(WsTestClient& client, const std::string& subject) {
    std::vector<std::string> subjects;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto frame = client.receive(1s);
      if (!frame) continue;
      rapidjson::Document doc;
      doc.Parse(frame->c_str());
      if (!doc.IsObject() || std::string(doc["type"].GetString()) != "push") continue;
      for (const auto& entry : doc["entries"].GetArray()) {
        if (std::string(entry["kind"].GetString()) != "message" || !entry.HasMember("message")) {
          continue;
        }
        subjects.push_back(entry["message"]["subject"].GetString());
        if (subjects.back() == subject) return subjects;
      }
    }
    ADD_FAILURE() << "no push of \"" << subject << "\"";
    return subjects;
  }

  std::optional<TestRedis> redis_;
};

TEST_F(RedisServeTest, APushMakesTheRoundTripThroughRedisAndResumesAfterARestart) {
  auto alice = person("alice");
  auto bob = person("bob");
  EXPECT_EQ(subscribers(bob.id), 0);
  WsTestClient phone;
  ASSERT_EQ(phone.connect(server_.port(), bob.api->token()), 101) << phone.refusal_body();
  // The node subscribed to bob's channel for his device: with Redis up, that is the only way
  // a notice reaches it.
  ASSERT_TRUE(wait_subscribers(bob.id, 1));

  ASSERT_EQ(alice.api->send_to_users({bob.id}, "one").status, 201);
  EXPECT_EQ(await_message(phone, "one"), std::vector<std::string>{"one"});

  // Outage: sending still works (the store is the truth).
  redis_->stop();
  ASSERT_EQ(alice.api->send_to_users({bob.id}, "two").status, 201);
  redis_->start();
  // The node reconnects with backoff and subscribes again; its catch-up notice pushes
  // whatever the device has not seen.
  ASSERT_TRUE(wait_subscribers(bob.id, 1));
  ASSERT_EQ(alice.api->send_to_users({bob.id}, "three").status, 201);
  const auto after = await_message(phone, "three");
  EXPECT_EQ(after, (std::vector<std::string>{"two", "three"}));
}

TEST_F(RedisServeTest, TheNodeStaysSubscribedUntilTheLastDeviceOfAUserLeaves) {
  auto alice = person("alice");
  auto bob = person("bob");
  auto phone = std::make_unique<WsTestClient>();
  auto laptop = std::make_unique<WsTestClient>();
  ASSERT_EQ(phone->connect(server_.port(), bob.api->token()), 101);
  ASSERT_EQ(laptop->connect(server_.port(), bob.api->token()), 101);
  ASSERT_TRUE(wait_subscribers(bob.id, 1));

  laptop.reset();
  // Time for the server to see the laptop go (were it to unsubscribe then, the push below
  // would not come).
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(alice.api->send_to_users({bob.id}, "still here").status, 201);
  EXPECT_EQ(await_message(*phone, "still here"), std::vector<std::string>{"still here"});
  EXPECT_EQ(subscribers(bob.id), 1);

  phone.reset();
  EXPECT_TRUE(wait_subscribers(bob.id, 0));
}

TEST(RedisServeFlagTest, AMistypedBusIsRefusedAtStart) {
  ServerProcess server;
  server.set_extra_args({"--bus", "redis:/127.0.0.1"});
  EXPECT_THROW(server.start(), std::runtime_error);
}

}  // namespace
}  // namespace missive::itest
