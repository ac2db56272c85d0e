#pragma once
// The main missive-bench suite: a real `missive serve` on 127.0.0.1 with a fresh data
// directory, driven over HTTP keep-alive and pipelined WebSocket, and — with a PostgreSQL
// connection — the same workloads on the hand-written baseline (pg_baseline.h) in the same run,
// with Missive / baseline ratios pair by pair. The workloads, numbered as in
// docs/performance.md: (1) direct sends, (2) group sends, (3) send -> push at a fixed rate,
// (4) sync catch-up, (5) mark-read, (6) the dashboard, (7) memory per idle device. They run in
// the order 1, 4, 3, 7, 2, 5, 6. The member functions are spread over suite.cpp (setup, 1, 4),
// suite_devices.cpp (the device fleet, 3, 7, 2) and suite_reads.cpp (the big message, 5, 6).
//
// Thread-safety: one Suite runs on one thread; the device fleet's callback runs on the fleet's
// thread and touches only the members marked so.

#include <array>
#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench_setup.h"
#include "histogram.h"
#include "pg_baseline.h"
#include "report.h"
#include "tests/integration/server_harness.h"
#include "ws_fleet.h"

namespace missive::bench {

// The workloads --only selects, by name.
enum class Workload { kDirect, kGroup, kPush, kCatchup, kRead, kDashboard, kIdle };

// Their names, in workload-number order (1..7).
inline constexpr std::array<std::pair<Workload, std::string_view>, 7> kWorkloadNames = {{
    {Workload::kDirect, "direct"},
    {Workload::kGroup, "group"},
    {Workload::kPush, "push"},
    {Workload::kCatchup, "catchup"},
    {Workload::kRead, "read"},
    {Workload::kDashboard, "dashboard"},
    {Workload::kIdle, "idle"},
}};

// The workloads of a comma-separated list of names ("direct,group"). Fails, with a message
// naming the known workloads, on an unknown or empty name.
std::expected<std::set<Workload>, std::string> parse_workloads(std::string_view list);

struct SuiteConfig {
  bool smoke = false;
  std::string pg;    // empty: no baseline
  std::string json = "missive-bench.json";
  double seconds = 10;  // closed-loop phases
  int rate = 5000;      // send -> push offered rate
  int devices = 1000;   // connected devices for send -> push
  int idle = 10000;     // connected devices in all (and the large group)
  int small_group = 100;
  int big = 100000;     // recipients of the dashboard message
  int catchup = 10000;
  int group_reps = 20;
  int dashboard_reps = 500;
  int ws_conns = 16, ws_depth = 16, http_threads = 16;
  std::vector<int> pg_concurrency = {1, 4, 16, 64};
  std::set<Workload> only;  // --only; empty: every workload

  bool runs(Workload w) const { return only.empty() || only.contains(w); }
  void make_smoke();
};

class Suite {
 public:
  explicit Suite(SuiteConfig config);

  // Runs the selected workloads, prints the summary and writes the JSON file; returns the
  // process exit code. Throws std::runtime_error when the server or a workload fails.
  int run();

 private:
  // suite.cpp
  void setup();
  void direct_sends();                                 // (1)
  void top_up_recipient(std::string_view subject);
  Row ws_closed_loop(const std::string& name, double seconds, std::int64_t limit,
                     const std::function<std::string(std::int64_t)>& frame);
  void catchup();                                      // (4)

  // suite_devices.cpp
  void ensure_device_fleet();
  std::size_t connect_devices(std::size_t upto);
  void connect_all_devices();
  void send_to_push();                                 // (3)
  void send_to_push_at(int rate);
  void idle_memory();                                  // (7)
  void group_sends();                                  // (2)

  // suite_reads.cpp
  void big_message();
  void mark_read();                                    // (5)
  void dashboard();                                    // (6)

  SuiteConfig c_;
  std::optional<PgBaseline> pg_;
  std::optional<PgBaseline::Ids> ids_;
  std::string pg_version_;
  itest::ServerProcess server_;
  std::optional<Setup> setup_;
  std::vector<BenchUser> senders_, devices_, extras_;
  BenchUser recipient_;
  std::int64_t group_small_ = 0, group_large_ = 0, group_extra_ = 0, big_message_ = 0;
  std::uint64_t sent_to_recipient_ = 0;
  Report report_;

  // The device fleet and what its callback records (on the fleet's thread).
  std::unique_ptr<WsFleet> device_fleet_;
  std::mutex device_mutex_;
  Histogram push_hist_;  // on the device fleet's thread while pushes arrive
  std::atomic<std::int64_t> pushes_{0};
  std::atomic<std::int64_t> push_since_{0};  // pushes of sends due earlier are not counted
  std::atomic<std::uint64_t> group_pushes_{0}, big_pushes_{0};
  std::atomic<std::int64_t> last_push_ns_{0};
  std::function<void(std::size_t, std::string_view)> on_device_answer_;  // set while idle
};

}  // namespace missive::bench
