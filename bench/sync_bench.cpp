// Real-time delivery over WebSocket against a real `missive serve` (release build), reported
// against baselines measured in the same run (absolute times on shared machines mislead):
//   1. send -> push latency (p50/p99) at a fixed offered rate with N connected devices, beside
//      the send-ack latency of the same sends;
//   2. memory per idle connected device: the server's resident memory before and after
//      connecting up to `idle` devices;
//   3. send-ack latency of a message to an `idle`-member group vs a direct message, alternating
//      in one run, and how long the group's pushes take to reach every device.
// Usage: sync_bench [devices=1000] [idle=10000] [rate=1000] [seconds=5]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "bench_setup.h"
#include "bench_util.h"
#include "tests/integration/server_harness.h"
#include "ws_fleet.h"

namespace missive::bench {
namespace {

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
  std::size_t count = 0;
};

Percentiles percentiles(std::vector<double> ms) {
  if (ms.empty()) return {};
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, std::size_t(q * ms.size()))]; };
  return {at(0.50), at(0.99), ms.back(), ms.size()};
}

// What the devices saw: the latency of every message entry pushed (its subject carries the
// moment the send was due), and pushes per message for the group phase.
class PushLog {
 public:
  void record(std::string_view frame) {
    rapidjson::Document doc;
    doc.Parse(frame.data(), frame.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("type") ||
        std::string_view(doc["type"].GetString()) != "push") {
      return;
    }
    const std::int64_t now = now_ns();
    std::lock_guard lock(mutex_);
    for (const auto& entry : doc["entries"].GetArray()) {
      if (!entry.HasMember("message") || !entry["message"].IsObject()) continue;
      const std::string_view subject = entry["message"]["subject"].GetString();
      if (!subject.starts_with("t=")) continue;
      const std::int64_t due = std::atoll(subject.data() + 2);
      latencies_ms_.push_back(double(now - due) / 1e6);
      last_ns_ = std::max(last_ns_, now);
      ++pushes_;
    }
  }
  // Forgets everything recorded so far.
  void reset() {
    std::lock_guard lock(mutex_);
    latencies_ms_.clear();
    pushes_ = 0;
    last_ns_ = 0;
  }
  std::vector<double> latencies() {
    std::lock_guard lock(mutex_);
    return latencies_ms_;
  }
  std::size_t pushes() {
    std::lock_guard lock(mutex_);
    return pushes_;
  }
  std::int64_t last_ns() {
    std::lock_guard lock(mutex_);
    return last_ns_;
  }

 private:
  std::mutex mutex_;
  std::vector<double> latencies_ms_;
  std::size_t pushes_ = 0;
  std::int64_t last_ns_ = 0;
};

std::string send_body(std::string_view to_kind, std::int64_t to, std::int64_t due_ns) {
  return fmt::format(R"({{"to":{{"{}":[{}]}},"subject":"t={}","body":"benchmark"}})", to_kind, to,
                     due_ns);
}

// Phase 1: `threads` senders offer `rate` direct messages per second for `seconds`, each to
// the next device user; returns the send-ack latencies (from when each send was due).
std::vector<double> offer_direct_sends(Setup& setup, const std::vector<BenchUser>& senders,
                                       const std::vector<BenchUser>& devices, int rate,
                                       int seconds) {
  const int threads = static_cast<int>(senders.size());
  const std::int64_t total = std::int64_t(rate) * seconds;
  const std::int64_t start = now_ns() + 50'000'000;
  const double interval_ns = 1e9 / rate;
  std::mutex mutex;
  std::vector<double> acks;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto client = setup.client(senders[t].token);
      std::vector<double> mine;
      for (std::int64_t k = t; k < total; k += threads) {
        const std::int64_t due = start + std::int64_t(k * interval_ns);
        std::this_thread::sleep_for(std::chrono::nanoseconds(std::max<std::int64_t>(0, due - now_ns())));
        const auto& to = devices[std::size_t(k) % devices.size()];
        setup.must_post(*client, "/v1/messages", send_body("users", to.id, due), 201);
        mine.push_back(double(now_ns() - due) / 1e6);
      }
      std::lock_guard lock(mutex);
      acks.insert(acks.end(), mine.begin(), mine.end());
    });
  }
  for (auto& w : workers) w.join();
  return acks;
}

void print_row(const char* name, const Percentiles& p) {
  std::printf("  %-34s p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  (n=%zu)\n", name, p.p50, p.p99,
              p.max, p.count);
}

void wait_for_pushes(PushLog& log, std::size_t expected, int timeout_s) {
  const auto deadline = Steady::now() + std::chrono::seconds(timeout_s);
  while (log.pushes() < expected && Steady::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int run(int devices_n, int idle_n, int rate, int seconds) {
  // 10,000 sockets on each side: take the whole allowance of open files (the server inherits).
  raise_open_files_limit();

  itest::ServerProcess server;
  server.start();
  Setup setup("127.0.0.1", server.port());
  const int sender_threads = 8;
  std::printf("setup: %d users...\n", idle_n + sender_threads);
  auto users = setup.users("device", idle_n);
  auto senders = setup.users("sender", sender_threads);
  const std::vector<BenchUser> devices(users.begin(), users.begin() + devices_n);

  PushLog log;
  WsFleet fleet("127.0.0.1", server.port(),
                [&log](std::size_t, std::string_view frame) { log.record(frame); });
  const long rss_before = rss_kib(server.pid());
  std::vector<std::string> tokens;
  for (const auto& u : devices) tokens.push_back(u.token);
  fleet.connect(tokens);

  std::printf("\n1. send -> push, %d devices, %d direct messages/s for %d s\n", devices_n, rate,
              seconds);
  auto acks = offer_direct_sends(setup, senders, devices, rate, seconds);
  wait_for_pushes(log, acks.size(), 10);
  const auto ack = percentiles(acks);
  const auto push = percentiles(log.latencies());
  print_row("send-ack (baseline)", ack);
  print_row("send -> push", push);
  std::printf("  push p99 / ack p99 = %.2fx   pushes received %zu of %zu\n",
              ack.p99 > 0 ? push.p99 / ack.p99 : 0, push.count, acks.size());

  std::printf("\n2. memory per idle device (%d connections)\n", idle_n);
  tokens.clear();
  for (std::size_t i = devices.size(); i < users.size(); ++i) tokens.push_back(users[i].token);
  const long rss_some = rss_kib(server.pid());
  fleet.connect(tokens);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long rss_all = rss_kib(server.pid());
  const double per_device =
      double(rss_all - rss_some) * 1024 / double(std::max<std::size_t>(1, tokens.size()));
  std::printf("  server RSS: %ld KiB idle, %ld KiB with %d devices, %ld KiB with %zu\n",
              rss_before, rss_some, devices_n, rss_all, fleet.connected());
  std::printf("  per idle device: %.0f bytes (%.2f KiB)\n", per_device, per_device / 1024);

  std::printf("\n3. send-ack: a group of %d vs a direct message (alternating)\n", idle_n);
  const std::int64_t group = setup.group("everyone", users, senders[0].token);
  auto client = setup.client(senders[0].token);
  std::vector<double> direct_ms, group_ms, fanout_ms;
  for (int i = 0; i < 20; ++i) {
    std::int64_t due = now_ns();
    setup.must_post(*client, "/v1/messages", send_body("users", devices[0].id, due), 201);
    direct_ms.push_back(double(now_ns() - due) / 1e6);
    log.reset();
    due = now_ns();
    setup.must_post(*client, "/v1/messages", send_body("groups", group, due), 201);
    group_ms.push_back(double(now_ns() - due) / 1e6);
    wait_for_pushes(log, users.size(), 30);
    fanout_ms.push_back(double(log.last_ns() - due) / 1e6);
  }
  const auto direct = percentiles(direct_ms);
  const auto grouped = percentiles(group_ms);
  print_row("direct send-ack (baseline)", direct);
  print_row("group send-ack", grouped);
  print_row("group: send -> last device pushed", percentiles(fanout_ms));
  std::printf("  group / direct: p50 %.2fx  p99 %.2fx\n", grouped.p50 / direct.p50,
              grouped.p99 / direct.p99);
  fleet.stop();
  server.stop();
  return 0;
}

}  // namespace
}  // namespace missive::bench

int main(int argc, char** argv) {
  auto arg = [&](int i, int fallback) { return argc > i ? std::atoi(argv[i]) : fallback; };
  const int devices = arg(1, 1000), idle = std::max(arg(2, 10000), devices);
  try {
    return missive::bench::run(devices, idle, arg(3, 1000), arg(4, 5));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sync_bench: %s\n", e.what());
    return 1;
  }
}
