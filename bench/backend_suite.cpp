#include "backend_suite.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "backend_figures.h"
#include "bench_setup.h"
#include "bench_util.h"
#include "histogram.h"
#include "pg_baseline.h"
#include "report.h"
#include "tests/integration/server_harness.h"
#include "ws_fleet.h"

namespace missive::bench {
namespace {

class BackendSuite {
 public:
  explicit BackendSuite(BackendConfig c) : c_(std::move(c)) {}

  int run() {
    raise_open_files_limit();
    std::vector<Figures> all;
    all.push_back(missive("sqlite", "", 1));
    if (!c_.store.empty()) {
      all.push_back(missive("pg-1node", c_.store, 1));
      if (c_.nodes >= 2) {
        if (c_.bus.empty()) throw std::runtime_error("--nodes 2 needs --bus redis://...");
        all.push_back(missive("pg-2nodes", c_.store, 2));
      }
    }
    std::optional<Figures> base;
    if (!c_.pg.empty()) base = measure_baseline(c_, report_, pg_version_);
    print_comparison(all, base, c_, report_);
    report_.write_json(c_.json, false, pg_version_);
    std::printf("\nJSON: %s\n", c_.json.c_str());
    return 0;
  }

 private:
  Figures missive(const std::string& system, const std::string& store, int nodes) {
    std::printf("\n== Missive, %s: %d node(s)%s\n", system.c_str(), nodes,
                store.empty() ? ", SQLite" : ", PostgreSQL");
    std::unique_ptr<itest::TestSchema> schema;
    if (!store.empty()) schema = std::make_unique<itest::TestSchema>(store);
    std::vector<std::unique_ptr<itest::ServerProcess>> servers;
    for (int n = 0; n < nodes; ++n) {
      servers.push_back(std::make_unique<itest::ServerProcess>(schema ? schema->url() : ""));
      servers.back()->set_store_connections(c_.store_connections);
      if (nodes > 1) servers.back()->set_extra_args({"--bus", c_.bus});
      servers.back()->start();
      ports_.push_back(servers.back()->port());
    }
    Figures f{.system = system};
    try {
      run_workloads(f);
    } catch (...) {
      ports_.clear();
      throw;
    }
    fleets_.clear();
    ports_.clear();
    for (auto& s : servers) s->stop();
    servers.clear();
    schema.reset();
    return f;
  }

  std::uint16_t port(std::size_t i) const { return ports_[i % ports_.size()]; }

  void run_workloads(Figures& f) {
    setup();
    direct_ws(f);
    direct_http(f);
    group_sends(f);
    connect_devices();
    send_to_push(f);
    big_message(f);
    mark_read(f);
    dashboard(f);
  }

  void setup() {
    Setup setup("127.0.0.1", port(0));
    const auto t0 = Steady::now();
    senders_ = setup.users("sender", c_.ws_conns);
    setup.grant(senders_[0], "send_to_large_audiences");  // sends the big message
    devices_ = setup.users("device", c_.devices);
    extras_ = setup.users("extra", c_.extras, false);
    const std::vector<BenchUser> small(devices_.begin(), devices_.begin() + c_.small_group);
    group_small_ = setup.group("small", small, senders_[0].token);
    group_devices_ = setup.group("devices", devices_, senders_[0].token);
    group_extras_ = setup.group("extras", extras_, senders_[0].token);
    std::printf("setup: %zu users in %.0f s\n", senders_.size() + devices_.size() + extras_.size(),
                std::chrono::duration<double>(Steady::now() - t0).count());
  }

  // The senders' tokens of node n (sender k on node k % nodes).
  std::vector<std::string> sender_tokens(std::size_t n) const {
    std::vector<std::string> tokens;
    for (std::size_t k = n; k < senders_.size(); k += ports_.size()) tokens.push_back(senders_[k].token);
    return tokens;
  }

  // Direct sends, closed loop over WebSocket (connection k on node k % nodes).
  void direct_ws(Figures& f) {
    std::atomic<std::uint64_t> answered{0}, errors{0};
    std::atomic<int> outstanding{0};
    std::vector<std::unique_ptr<WsFleet>> fleets;
    const std::size_t max_ops = 2'000'000;
    std::vector<std::int64_t> starts(max_ops);
    std::atomic<std::int64_t> next_id{0};
    Histogram hist;
    std::mutex mutex;
    const std::int64_t start = now_ns(), end = start + std::int64_t(c_.seconds * 1e9);
    auto issue = [&](WsFleet& fleet, std::size_t conn) {
      const std::int64_t id = next_id++;
      if (std::size_t(id) >= max_ops) {
        --outstanding;
        return;
      }
      starts[std::size_t(id)] = now_ns();
      // Each send to another device: no one recipient's timeline is the bottleneck.
      fleet.send(conn, send_frame(id, "users", devices_[std::size_t(id) % devices_.size()].id, "direct"));
    };
    for (std::size_t n = 0; n < ports_.size(); ++n) {
      // Answers arrive only once sends start, after every fleet is made.
      fleets.push_back(std::make_unique<WsFleet>("127.0.0.1", port(n), [&, n](std::size_t conn, std::string_view text) {
        const std::int64_t id = answer_id(text);
        if (id < 0) return;
        {
          std::lock_guard lock(mutex);
          hist.record(now_ns() - starts[std::size_t(id)]);
        }
        if (!answer_ok(text)) ++errors;
        ++answered;
        if (now_ns() >= end) {
          --outstanding;
          return;
        }
        issue(*fleets[n], conn);
      }));
      fleets.back()->connect(sender_tokens(n));
    }
    {
      Progress progress(f.system + " direct WS", answered);
      outstanding = c_.ws_conns * c_.ws_depth;
      for (int d = 0; d < c_.ws_depth; ++d) {
        for (int k = 0; k < c_.ws_conns; ++k) {
          issue(*fleets[std::size_t(k) % ports_.size()], std::size_t(k) / ports_.size());
        }
      }
      wait_until([&] { return outstanding.load() <= 0; }, c_.seconds + 60);
    }
    const double seconds = double(now_ns() - start) / 1e9;
    for (auto& fl : fleets) fl->stop();
    if (errors) throw std::runtime_error(fmt::format("{}: direct WS: {} errors", f.system, errors.load()));
    f.direct_ws = double(answered) / seconds;
    report_.add({.workload = fmt::format("direct send, WS {}x{}", c_.ws_conns, c_.ws_depth),
                 .system = f.system, .ops = answered, .seconds = seconds, .latency = hist, .note = ""});
  }

  // Direct sends, closed loop over HTTP keep-alive (thread t on node t % nodes).
  void direct_http(Figures& f) {
    Row http{.workload = fmt::format("direct send, HTTP x{}", c_.http_threads), .system = f.system};
    std::atomic<std::uint64_t> ops{0};
    std::mutex mutex;
    const std::int64_t start = now_ns(), end = start + std::int64_t(c_.seconds * 1e9);
    {
      Progress progress(f.system + " direct HTTP", ops);
      std::vector<std::thread> threads;
      for (int t = 0; t < c_.http_threads; ++t) {
        threads.emplace_back([&, t] {
          Setup node("127.0.0.1", port(std::size_t(t)));
          auto client = node.client(senders_[std::size_t(t) % senders_.size()].token);
          Histogram mine;
          for (std::size_t k = std::size_t(t); now_ns() < end; k += 7) {
            const std::int64_t t1 = now_ns();
            node.must_post(*client, "/v1/messages",
                           send_body("users", devices_[k % devices_.size()].id, "direct"), 201);
            mine.record(now_ns() - t1);
            ++ops;
          }
          std::lock_guard lock(mutex);
          http.latency.merge(mine);
        });
      }
      for (auto& t : threads) t.join();
    }
    http.seconds = double(now_ns() - start) / 1e9;
    http.ops = ops;
    f.direct_http = http.per_second();
    report_.add(http);
  }

  // Group of 100, one send at a time over HTTP (alternating nodes).
  void group_sends(Figures& f) {
    for (int i = 0; i < c_.group_reps; ++i) {
      Setup node("127.0.0.1", port(std::size_t(i)));
      auto client = node.client(senders_[0].token);
      const std::int64_t t1 = now_ns();
      node.must_post(*client, "/v1/messages", send_body("groups", group_small_, "small"), 201);
      f.group.record(now_ns() - t1);
    }
    report_.add({.workload = fmt::format("group {} send-ack", c_.small_group), .system = f.system,
                 .ops = f.group.count(), .seconds = 0, .latency = f.group, .note = ""});
  }

  // The devices: device i on node i % nodes.
  void connect_devices() {
    for (std::size_t n = 0; n < ports_.size(); ++n) {
      fleets_.push_back(std::make_unique<WsFleet>("127.0.0.1", port(n), [this](std::size_t, std::string_view text) {
        const std::int64_t now = now_ns();
        if (answer_id(text) >= 0) {
          if (on_answer_) on_answer_(text);
          return;
        }
        for_each_subject(text, "t", [&](std::int64_t due) {
          if (due < push_since_.load()) return;
          std::lock_guard lock(push_mutex_);
          push_hist_.record(now - due);
          ++pushes_;
        });
        for_each_subject(text, "big", [&](std::int64_t) { ++big_pushes_; });
      }));
      std::vector<std::string> tokens;
      for (std::size_t d = n; d < devices_.size(); d += ports_.size()) tokens.push_back(devices_[d].token);
      fleets_.back()->connect(tokens);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // subscriptions settle
  }

  // Send -> push at a fixed rate: sender k on node k % nodes, message k to device k.
  void send_to_push(Figures& f) {
    const std::int64_t total = std::int64_t(c_.rate * 2 * c_.seconds);  // twice as long
    std::vector<std::int64_t> dues(std::size_t(total) + 1);
    std::atomic<std::uint64_t> answered{0}, errors{0};
    std::mutex mutex;
    std::vector<std::unique_ptr<WsFleet>> senders_fleets;
    for (std::size_t n = 0; n < ports_.size(); ++n) {
      senders_fleets.push_back(std::make_unique<WsFleet>("127.0.0.1", port(n), [&](std::size_t, std::string_view text) {
        const std::int64_t id = answer_id(text);
        if (id < 0) return;
        {
          std::lock_guard lock(mutex);
          f.ack.record(now_ns() - dues[std::size_t(id)]);
        }
        if (!answer_ok(text)) ++errors;
        ++answered;
      }));
      senders_fleets.back()->connect(sender_tokens(n));
    }
    const std::int64_t start = now_ns() + 20'000'000;
    {
      std::lock_guard lock(push_mutex_);
      push_hist_ = Histogram{};
      pushes_ = 0;
      push_since_ = start;
    }
    const double interval = 1e9 / c_.rate;
    {
      Progress progress(f.system + " send -> push", answered);
      for (std::int64_t k = 0; k < total; ++k) {
        const std::int64_t due = start + std::int64_t(double(k) * interval);
        const std::int64_t wait = due - now_ns();
        if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
        dues[std::size_t(k)] = due;
        const auto& to = devices_[std::size_t(k) % devices_.size()];
        const std::size_t sender = std::size_t(k) % senders_.size();
        senders_fleets[sender % ports_.size()]->send(sender / ports_.size(),
                                                     send_frame(k, "users", to.id, fmt::format("t={}", due)));
      }
      wait_until([&] { return answered.load() >= std::uint64_t(total) && pushes_.load() >= total; }, 120);
    }
    const double seconds = double(now_ns() - start) / 1e9;
    for (auto& fl : senders_fleets) fl->stop();
    if (errors) throw std::runtime_error(fmt::format("{}: send -> push: {} errors", f.system, errors.load()));
    {
      std::lock_guard lock(push_mutex_);
      f.push = push_hist_;
    }
    f.pushes = std::uint64_t(pushes_.load());
    f.push_total = std::uint64_t(total);
    f.push_achieved = double(answered) / seconds;
    report_.add({.workload = fmt::format("send-ack at {}/s", c_.rate), .system = f.system, .ops = answered,
                 .seconds = seconds, .latency = f.ack, .note = "(from when due)"});
    report_.add({.workload = fmt::format("send->push, {} devices", c_.devices), .system = f.system,
                 .ops = f.pushes, .seconds = seconds, .latency = f.push,
                 .note = fmt::format("(pushed {} of {})", f.pushes, total)});
  }

  // The dashboard message: to the devices and the extras.
  void big_message(Figures& f) {
    Setup node("127.0.0.1", port(0));
    auto client = node.client(senders_[0].token);
    big_pushes_ = 0;
    const std::int64_t t1 = now_ns();
    const auto body = node.must_post(
        *client, "/v1/messages",
        fmt::format(R"({{"to":{{"groups":[{},{}]}},"subject":"big=1","body":"benchmark"}})",
                    group_devices_, group_extras_),
        201);
    big_message_ = parse(body)["id"].GetInt64();
    wait_until([&] { return big_pushes_.load() >= devices_.size(); }, 120);
    f.big_fanout_ms = double(now_ns() - t1) / 1e6;
    std::printf("  %s: message to %zu recipients pushed to all %zu devices in %.0f ms\n", f.system.c_str(),
                devices_.size() + extras_.size(), devices_.size(), f.big_fanout_ms);
  }

  // Mark-read: every device marks it read over its own WebSocket, 64 in flight.
  void mark_read(Figures& f) {
    std::vector<std::int64_t> starts(devices_.size());
    std::atomic<std::uint64_t> answered{0}, errors{0};
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    auto issue = [&] {
      const std::size_t d = next++;
      if (d >= devices_.size()) return;
      starts[d] = now_ns();
      fleets_[d % ports_.size()]->send(d / ports_.size(),
                                       fmt::format(R"({{"id":{},"type":"read","message":{}}})", d, big_message_));
    };
    on_answer_ = [&](std::string_view text) {
      const auto id = answer_id(text);
      {
        std::lock_guard lock(mutex);
        f.mark.record(now_ns() - starts[std::size_t(id)]);
      }
      if (!answer_ok(text)) ++errors;
      ++answered;
      issue();
    };
    const std::int64_t start = now_ns();
    {
      Progress progress(f.system + " mark-read", answered);
      for (int i = 0; i < 64; ++i) issue();
      wait_until([&] { return answered.load() >= devices_.size(); }, 120);
    }
    const double seconds = double(now_ns() - start) / 1e9;
    on_answer_ = nullptr;
    if (errors) throw std::runtime_error(fmt::format("{}: mark-read: {} errors", f.system, errors.load()));
    f.mark_per_s = double(answered) / seconds;
    report_.add({.workload = fmt::format("mark-read x{}", devices_.size()), .system = f.system,
                 .ops = answered, .seconds = seconds, .latency = f.mark, .note = ""});
  }

  // Dashboard: the read % of that message, alternating nodes.
  void dashboard(Figures& f) {
    std::vector<std::unique_ptr<client::HttpClient>> clients;
    std::vector<Setup> nodes;
    for (std::size_t n = 0; n < ports_.size(); ++n) {
      nodes.emplace_back("127.0.0.1", port(n));
      clients.push_back(nodes.back().client(senders_[0].token));
    }
    const std::int64_t start = now_ns();
    double percent = -1;
    for (int i = 0; i < c_.dashboard_reps; ++i) {
      const std::int64_t t1 = now_ns();
      auto r = clients[std::size_t(i) % clients.size()]->request("GET", "/v1/dashboard?limit=1");
      f.dash.record(now_ns() - t1);
      if (!r || r->status != 200) throw std::runtime_error("dashboard failed");
      if (i == 0) {
        auto doc = parse(r->body);
        const auto& m = doc["messages"][0];
        if (m["id"].GetInt64() != big_message_) throw std::runtime_error("dashboard: unexpected first row");
        percent = m["read_percent"].GetDouble();
      }
    }
    report_.add({.workload = fmt::format("dashboard, {} recipients", devices_.size() + extras_.size()),
                 .system = f.system, .ops = f.dash.count(), .seconds = double(now_ns() - start) / 1e9,
                 .latency = f.dash, .note = fmt::format("read {:.1f}%", percent)});
  }

  BackendConfig c_;
  Report report_;
  std::string pg_version_;
  std::vector<std::uint16_t> ports_;
  // The users and groups of the configuration being run.
  std::vector<BenchUser> senders_, devices_, extras_;
  std::int64_t group_small_ = 0, group_devices_ = 0, group_extras_ = 0, big_message_ = 0;
  std::vector<std::unique_ptr<WsFleet>> fleets_;  // the devices, one fleet per node
  std::function<void(std::string_view)> on_answer_;
  std::mutex push_mutex_;
  Histogram push_hist_;
  std::atomic<std::int64_t> pushes_{0}, push_since_{0};
  std::atomic<std::uint64_t> big_pushes_{0};
};

}  // namespace

int run_backend_comparison(const BackendConfig& config) { return BackendSuite(config).run(); }

}  // namespace missive::bench
