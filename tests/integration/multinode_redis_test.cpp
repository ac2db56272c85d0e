// Two nodes on one PostgreSQL database, both started with `--bus redis://...` on the test run's
// private redis-server (the CTest fixtures "postgres" and "redis"; skipped outside CTest). A
// device connected by WebSocket to node A receives by push (it never pulls) what is sent, and
// read, through node B; and when Redis is stopped and started again mid-test, the messages
// sent through B meanwhile are acknowledged and all reach the device on A afterwards, once
// each, in a contiguous run of timeline entries.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "fixture.h"
#include "test_redis.h"
#include "ws_test_client.h"

namespace missive::itest {
namespace {

using namespace std::chrono_literals;
using test_support::TestRedis;

// Generous: two servers, PostgreSQL and Redis share a loaded 2-core machine.
constexpr auto kPatience = 20s;

// Every entry pushed to one WebSocket device, in order; checks as it reads that each push
// starts right after the previous one (docs/protocol.md, "Push").
class PushLog {
 public:
  explicit PushLog(WsTestClient& client) : client_(client) {}

  // Reads pushes until `done()` holds or `kPatience` passes; false on timeout.
  template <typename Done>
  bool read_until(Done done) {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (!done(*this)) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      const auto frame = client_.receive(500ms);
      if (!frame) continue;
      rapidjson::Document doc;
      doc.Parse(frame->c_str());
      if (!doc.IsObject() || !doc.HasMember("type") ||
          std::string(doc["type"].GetString()) != "push") {
        continue;
      }
      for (const auto& entry : doc["entries"].GetArray()) {
        const std::int64_t seq = entry["seq"].GetInt64();
        if (last_seq_ >= 0) {
          EXPECT_EQ(seq, last_seq_ + 1) << "a gap or repeat in " << *frame;
        }
        last_seq_ = seq;
        const std::string kind = entry["kind"].GetString();
        if (kind == "message") {
          message_ids_.push_back(entry["message_id"].GetInt64());
          conv_seqs_.push_back(entry["conv_seq"].GetInt64());
        } else if (kind == "read") {
          read_seq_ = std::max(read_seq_, entry["read_seq"].GetInt64());
        }
      }
    }
    return true;
  }

  bool has_message(std::int64_t id) const {
    return std::find(message_ids_.begin(), message_ids_.end(), id) != message_ids_.end();
  }
  const std::vector<std::int64_t>& message_ids() const { return message_ids_; }
  const std::vector<std::int64_t>& conv_seqs() const { return conv_seqs_; }
  std::int64_t read_seq() const { return read_seq_; }

 private:
  WsTestClient& client_;
  std::int64_t last_seq_ = -1;
  std::vector<std::int64_t> message_ids_;  // of the message entries, in push order
  std::vector<std::int64_t> conv_seqs_;    // their conversation seqs
  std::int64_t read_seq_ = 0;              // highest read watermark pushed
};

class MultiNodeRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = TestRedis::from_env();
    if (!redis_ || !on_postgres()) {
      GTEST_SKIP() << "needs the CTest fixtures \"postgres\" and \"redis\" (run through ctest)";
    }
    node_a_ = std::make_unique<ServerProcess>();
    node_a_->set_extra_args({"--bus", redis_->url()});
    node_a_->start();  // creates the schema
    node_b_ = std::make_unique<ServerProcess>(node_a_->store_url());
    node_b_->set_extra_args({"--bus", redis_->url()});
    node_b_->start();
    admin_ = std::make_unique<TestApi>(node_a_->port());
    admin_->login("admin", kAdminPassword);
  }

  // A user, and an HTTP client of theirs logged in on `node`.
  Person person(const std::string& handle, ServerProcess& node) {
    Person p{admin_->create_user(handle), handle, std::make_unique<TestApi>(node.port())};
    p.api->login(handle, "password-" + handle);
    return p;
  }

  // A WebSocket device of `p` on `node`, known to be established (it answered a ping), and
  // the node subscribed on Redis for p's channel.
  std::unique_ptr<WsTestClient> device(const Person& p, ServerProcess& node) {
    auto client = std::make_unique<WsTestClient>();
    EXPECT_EQ(client->connect(node.port(), p.api->token()), 101) << client->refusal_body();
    EXPECT_TRUE(client->send(R"({"id":"p","type":"ping"})"));
    EXPECT_TRUE(client->receive(kPatience).has_value());
    EXPECT_TRUE(wait_subscribers(p.id, 1)) << "no node subscribed for " << p.handle;
    return client;
  }

  // Subscribers of the user's channel on Redis (-1 when Redis does not answer).
  int subscribers(std::int64_t user) {
    const std::string out = redis_->cli("PUBSUB NUMSUB missive:user:" + std::to_string(user));
    const auto newline = out.find('\n');
    if (newline == std::string::npos) return -1;
    return std::atoi(out.c_str() + newline + 1);
  }
  bool wait_subscribers(std::int64_t user, int count) {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (std::chrono::steady_clock::now() < deadline) {
      if (subscribers(user) == count) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::optional<TestRedis> redis_;
  std::unique_ptr<ServerProcess> node_a_;  // declared first: destroyed last (owns the schema)
  std::unique_ptr<ServerProcess> node_b_;
  std::unique_ptr<TestApi> admin_;
};

// Each node has its own process: only Redis carries B's notice to A, so a push on A of what B
// committed is the cross-node path (the device never pulls).
TEST_F(MultiNodeRedisTest, ASendAndAReadThroughNodeBArePushedToADeviceOnNodeA) {
  Person ada = person("ada", *node_b_);
  Person bob = person("bob", *node_b_);  // bob's "laptop": HTTP on node B
  auto phone = device(bob, *node_a_);    // bob's phone: WebSocket on node A
  // Only node A watches bob: B has no device of his.
  ASSERT_EQ(subscribers(bob.id), 1);
  PushLog pushed(*phone);

  const Reply sent = ada.api->send_to_users({bob.id}, "via B");
  ASSERT_EQ(sent.status, 201) << sent.body;
  ASSERT_TRUE(pushed.read_until([&](const PushLog& log) { return log.has_message(sent.id()); }))
      << "the message sent through B was not pushed to the device on A";
  EXPECT_EQ(pushed.message_ids(), std::vector<std::int64_t>{sent.id()});

  // bob reads it on his laptop (node B): his phone on A learns it live.
  const Reply read = bob.api->post("/v1/messages/" + std::to_string(sent.id()) + "/read");
  ASSERT_EQ(read.status, 200) << read.body;
  const std::int64_t read_seq = read.json["read_seq"].GetInt64();
  ASSERT_GE(read_seq, 1);
  ASSERT_TRUE(pushed.read_until([&](const PushLog& log) { return log.read_seq() >= read_seq; }))
      << "the read through B was not pushed to the device on A";
  EXPECT_EQ(pushed.read_seq(), read_seq);
}

// Redis stopped and started again while both nodes run: sends through B keep being
// acknowledged (the database is the truth), and once Redis is back the device on A gets every
// one of them by push without pulling and without a further send (B publishes what it kept,
// and A's resubscription hands its devices a catch-up notice), each once, the pushes forming
// one contiguous run and the conversation seqs 1..N.
TEST_F(MultiNodeRedisTest, ARedisRestartMidTestLosesNothingSentThroughTheOtherNode) {
  Person ada = person("ada", *node_b_);
  Person bob = person("bob", *node_a_);
  auto phone = device(bob, *node_a_);
  PushLog pushed(*phone);
  std::vector<std::int64_t> acknowledged;
  std::set<std::int64_t> conversations;
  const auto send = [&](const std::string& subject) {
    const Reply r = ada.api->send_to_users({bob.id}, subject);
    EXPECT_EQ(r.status, 201) << subject << ": " << r.body;
    if (r.status != 201) return;
    acknowledged.push_back(r.id());
    conversations.insert(r.json["conversation_id"].GetInt64());
  };
  const auto all_pushed = [&](const PushLog& log) {
    return std::all_of(acknowledged.begin(), acknowledged.end(),
                       [&](std::int64_t id) { return log.has_message(id); });
  };

  for (int i = 0; i < 3; ++i) send("before " + std::to_string(i));
  ASSERT_TRUE(pushed.read_until(all_pushed)) << "pushes before the outage";

  redis_->stop();
  constexpr int kDuring = 10;
  for (int i = 0; i < kDuring; ++i) send("during " + std::to_string(i));
  ASSERT_EQ(acknowledged.size(), 3u + kDuring);
  redis_->start();

  // Nothing is sent after the restart: the messages must arrive through the reconnection.
  EXPECT_TRUE(pushed.read_until(all_pushed))
      << "after Redis came back the device on A has " << pushed.message_ids().size() << " of "
      << acknowledged.size() << " messages";
  // And live pushes resume.
  ASSERT_TRUE(wait_subscribers(bob.id, 1));
  send("after");
  ASSERT_TRUE(pushed.read_until(all_pushed)) << "the push after the outage";

  ASSERT_EQ(conversations.size(), 1u);
  // Each message once, in the order acknowledged, with conversation seqs 1..N.
  EXPECT_EQ(pushed.message_ids(), acknowledged);
  std::vector<std::int64_t> expected_seqs(acknowledged.size());
  for (std::size_t i = 0; i < expected_seqs.size(); ++i) {
    expected_seqs[i] = static_cast<std::int64_t>(i + 1);
  }
  EXPECT_EQ(pushed.conv_seqs(), expected_seqs);

  // The pull, on either node, agrees: the same messages, nothing more.
  for (ServerProcess* node : {node_a_.get(), node_b_.get()}) {
    TestApi api(node->port());
    api.set_token(bob.api->token());
    std::vector<std::int64_t> inbox = api.inbox_ids();
    std::sort(inbox.begin(), inbox.end());
    std::vector<std::int64_t> expected = acknowledged;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(inbox, expected) << "inbox on node " << (node == node_a_.get() ? "A" : "B");
  }
}

}  // namespace
}  // namespace missive::itest
