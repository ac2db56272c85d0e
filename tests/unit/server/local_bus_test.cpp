// LocalBus: every subscriber hears every notice, and after unsubscribe returns its handler is
// never running (the server's registry is destroyed right after).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "bus/bus.h"

namespace missive {
namespace {

TEST(LocalBus, EverySubscriberHearsEveryNoticeUntilUnsubscribed) {
  LocalBus bus;
  std::vector<UserId> heard_a, heard_b;
  const int a = bus.subscribe([&](const std::vector<UserId>& users) {
    heard_a.insert(heard_a.end(), users.begin(), users.end());
  });
  bus.subscribe([&](const std::vector<UserId>& users) {
    heard_b.insert(heard_b.end(), users.begin(), users.end());
  });
  bus.publish({UserId(1), UserId(2)});
  bus.unsubscribe(a);
  bus.publish({UserId(3)});
  bus.publish({});
  EXPECT_EQ(heard_a, (std::vector{UserId(1), UserId(2)}));
  EXPECT_EQ(heard_b, (std::vector{UserId(1), UserId(2), UserId(3)}));
}

TEST(LocalBus, UnsubscribeWaitsForAHandlerStillRunning) {
  LocalBus bus;
  std::promise<void> entered, release;
  std::atomic<bool> running = false;
  const int id = bus.subscribe([&](const std::vector<UserId>&) {
    running = true;
    entered.set_value();
    release.get_future().wait();
    running = false;
  });
  std::thread publisher([&] { bus.publish({UserId(1)}); });
  entered.get_future().wait();
  auto unsubscribed = std::async(std::launch::async, [&] { bus.unsubscribe(id); });
  EXPECT_EQ(unsubscribed.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  release.set_value();
  unsubscribed.wait();
  EXPECT_FALSE(running);
  publisher.join();
}

}  // namespace
}  // namespace missive
