// RedisBus (src/bus/redis_bus.cpp) against the test run's private redis-server: two buses play
// two nodes. Notices reach a node only for the users it watches, its own included; an outage
// neither blocks nor crashes a publisher, and the reconnection hands every watched user a
// notice.
#include "bus/redis_bus.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "test_redis.h"

namespace missive {
namespace {

using namespace std::chrono_literals;
using test_support::TestRedis;

// The users a bus handed its handler, as they arrive.
class Received {
 public:
  Bus::Handler handler() {
    return [this](const std::vector<UserId>& users) {
      std::lock_guard lock(mutex_);
      for (const UserId user : users) users_.insert(user.value);
      changed_.notify_all();
    };
  }
  // Waits up to `timeout` until `user` arrived; forgets it.
  bool take(std::int64_t user, std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(mutex_);
    const bool got = changed_.wait_for(lock, timeout, [&] { return users_.contains(user); });
    users_.erase(user);
    return got;
  }
  bool has(std::int64_t user) {
    std::lock_guard lock(mutex_);
    return users_.contains(user);
  }
  void clear() {
    std::lock_guard lock(mutex_);
    users_.clear();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::set<std::int64_t> users_;
};

struct States {
  std::mutex mutex;
  std::vector<bool> seen;
  std::function<void(bool, const std::string&)> callback() {
    return [this](bool up, const std::string&) {
      std::lock_guard lock(mutex);
      seen.push_back(up);
    };
  }
  std::vector<bool> get() {
    std::lock_guard lock(mutex);
    return seen;
  }
};

RedisBusOptions options_for(const std::string& url, States* states = nullptr) {
  RedisBusOptions options;
  options.address = *parse_redis_url(url);
  options.min_backoff = 20ms;
  options.max_backoff = 200ms;
  options.io_timeout = 1000ms;
  if (states != nullptr) options.on_state = states->callback();
  return options;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

class RedisBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = TestRedis::from_env();
    if (!redis_) GTEST_SKIP() << "needs the CTest fixture \"redis\" (run through ctest)";
  }
  std::optional<TestRedis> redis_;
};

TEST(RedisUrlTest, ParsesHostAndPortAndRefusesTheRest) {
  auto a = parse_redis_url("redis://127.0.0.1:6380");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 6380);
  auto b = parse_redis_url("redis://cache.internal");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "cache.internal");
  EXPECT_EQ(b->port, 6379);
  auto c = parse_redis_url("redis://[::1]:7000/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 7000);
  for (const char* bad : {"", "local", "http://h:1", "redis://", "redis://h:", "redis://h:0",
                          "redis://h:70000", "redis://h:12x", "redis://user@h:1", "redis://[::1"}) {
    const auto parsed = parse_redis_url(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::invalid);
    EXPECT_NE(parsed.error().message.find("redis://HOST[:PORT]"), std::string::npos);
  }
}

TEST_F(RedisBusTest, ANoticeReachesAnotherNodeOnlyForTheUsersItWatches) {
  RedisBus a(options_for(redis_->url()));
  RedisBus b(options_for(redis_->url()));
  Received at_a;
  Received at_b;
  a.subscribe(at_a.handler());
  b.subscribe(at_b.handler());
  ASSERT_TRUE(wait_until([&] { return a.connected() && b.connected(); }));

  b.watch(UserId(1));
  a.watch(UserId(3));
  // The subscription taking effect is itself a notice (whatever was committed before it).
  ASSERT_TRUE(at_b.take(1));
  ASSERT_TRUE(at_a.take(3));

  a.publish({UserId(2), UserId(1)});
  EXPECT_TRUE(at_b.take(1));
  // A node's own notices make the round trip too.
  b.publish({UserId(3)});
  EXPECT_TRUE(at_a.take(3));
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(at_b.has(2)) << "user 2 is watched nowhere";
  EXPECT_FALSE(at_b.has(3)) << "user 3 is watched on a only";
  EXPECT_FALSE(at_a.has(1)) << "user 1 is watched on b only";
}

TEST_F(RedisBusTest, UnwatchStopsTheNoticesOnceTheLastWatchIsUndone) {
  RedisBus a(options_for(redis_->url()));
  RedisBus b(options_for(redis_->url()));
  Received at_b;
  b.subscribe(at_b.handler());
  ASSERT_TRUE(wait_until([&] { return a.connected() && b.connected(); }));

  b.watch(UserId(1));
  b.watch(UserId(1));  // two connections of user 1
  ASSERT_TRUE(at_b.take(1));
  b.unwatch(UserId(1));  // one left: still watched
  a.publish({UserId(1)});
  EXPECT_TRUE(at_b.take(1));

  b.unwatch(UserId(1));
  // Its subscription is confirmed after the unsubscription before it was processed.
  b.watch(UserId(5));
  ASSERT_TRUE(at_b.take(5));
  a.publish({UserId(1), UserId(5)});
  EXPECT_TRUE(at_b.take(5));
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(at_b.has(1));
}

TEST_F(RedisBusTest, AnOutageNeitherBlocksNorLosesAndTheReconnectionNotifiesEveryWatchedUser) {
  States states_a;
  RedisBus a(options_for(redis_->url(), &states_a));
  RedisBus b(options_for(redis_->url()));
  Received at_a;
  Received at_b;
  a.subscribe(at_a.handler());
  b.subscribe(at_b.handler());
  ASSERT_TRUE(wait_until([&] { return a.connected() && b.connected(); }));
  b.watch(UserId(1));
  b.watch(UserId(2));
  ASSERT_TRUE(at_b.take(1));
  ASSERT_TRUE(at_b.take(2));

  redis_->stop();
  ASSERT_TRUE(wait_until([&] { return !a.connected() && !b.connected(); }));
  at_b.clear();
  // Publishing never waits for Redis; this node's handlers get the notice at once.
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) a.publish({UserId(1), UserId(7)});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
  EXPECT_TRUE(at_a.take(7, 0ms));

  redis_->start();
  ASSERT_TRUE(wait_until([&] { return a.connected() && b.connected(); }));
  // Every user watched on b is notified after the reconnection: its devices fetch what they
  // missed during the outage.
  EXPECT_TRUE(at_b.take(1));
  EXPECT_TRUE(at_b.take(2));
  // And live notices flow again.
  a.publish({UserId(2)});
  EXPECT_TRUE(at_b.take(2));
  EXPECT_EQ(states_a.get(), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(a.dropped(), 0u);
}

TEST_F(RedisBusTest, WithRedisUnreachableFromTheStartNoticesStayLocal) {
  States states;
  RedisBusOptions options = options_for(redis_->url(), &states);
  options.address.port = 1;  // nothing listens there
  options.max_pending_users = 2;
  RedisBus bus(options);
  Received received;
  bus.subscribe(received.handler());
  bus.watch(UserId(4));
  bus.publish({UserId(4), UserId(5), UserId(6)});
  EXPECT_TRUE(received.take(4, 0ms));
  EXPECT_TRUE(received.take(6, 0ms));
  ASSERT_TRUE(wait_until([&] { return !states.get().empty(); }));
  EXPECT_EQ(states.get(), std::vector<bool>{false});
  EXPECT_FALSE(bus.connected());
  // Kept for Redis: at most two users; the third is dropped (and counted).
  EXPECT_EQ(bus.dropped(), 1u);
}

}  // namespace
}  // namespace missive
