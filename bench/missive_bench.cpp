// missive-bench: the benchmark suite. Starts a real `missive serve` (release build) on
// 127.0.0.1 with a fresh data directory, drives it over its real protocol (HTTP keep-alive and
// pipelined WebSocket), and — when given a PostgreSQL connection (--pg, started by
// bench/run_bench.sh) — runs the same workloads on the hand-written relational baseline
// (pg_baseline.h) in the same run, and prints Missive / baseline ratios pair by pair.
//
// Workloads: direct sends (durable ack), group sends (100 and 10,000 members), send -> push at
// a fixed rate with 1,000 devices, sync catch-up of 10,000 missed entries, mark-read, the
// dashboard of a 100,000-recipient message, memory per idle device at 10,000 connections.
// Usage: missive-bench [--smoke] [--pg CONNINFO] [--json FILE] [--seconds S] [--rate R]
//                      [--conns N] [--depth D]   (WebSocket senders, requests in flight each)
//        missive-bench --compare-backends [--pg CONNINFO] [--missive-store POSTGRES_URL]
//                      [--nodes 1|2] [--bus REDIS_URL] [--json FILE] [--seconds S]
//            (the main workloads at smaller sizes on SQLite, on PostgreSQL with 1 and 2
//             nodes, and on the baseline, side by side: BackendSuite below)
//        missive-bench --check-json FILE   (parses a result file; exit 1 when malformed)
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "bench_setup.h"
#include "histogram.h"
#include "pg_baseline.h"
#include "tests/integration/server_harness.h"
#include "ws_fleet.h"

namespace missive::bench {
namespace {

using Steady = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch())
      .count();
}

struct Config {
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

  void make_smoke() {
    smoke = true;
    seconds = 1;
    rate = 300;
    devices = 20;
    idle = 60;
    small_group = 10;
    big = 120;
    catchup = 200;
    group_reps = 3;
    dashboard_reps = 20;
    ws_conns = 4;
    ws_depth = 4;
    http_threads = 4;
    pg_concurrency = {1, 4};
  }
};

// One line of the summary table and one object of the JSON file.
struct Row {
  std::string workload, system;
  std::uint64_t ops = 0;
  double seconds = 0;
  Histogram latency;
  std::string note;
  double per_second() const { return seconds > 0 ? double(ops) / seconds : 0; }
};

struct Ratio {
  std::string name, target;
  double missive = 0, baseline = 0, ratio = 0;
  std::optional<bool> met;  // nullopt: no target or not measured
};

class Report {
 public:
  void add(Row row) {
    print_row(row);
    rows_.push_back(std::move(row));
  }
  void ratio(Ratio r) { ratios_.push_back(std::move(r)); }
  void fact(std::string key, double value) { facts_.emplace_back(std::move(key), value); }

  static void print_row(const Row& r) {
    const std::string rate = r.seconds > 0 ? fmt::format("{:9.0f}/s", r.per_second()) : "        -  ";
    std::printf("  %-30s %-9s %s  p50 %8.3f  p99 %8.3f  p99.9 %8.3f  max %8.3f ms  n=%llu %s\n",
                r.workload.c_str(), r.system.c_str(), rate.c_str(), r.latency.quantile_ms(0.5),
                r.latency.quantile_ms(0.99), r.latency.quantile_ms(0.999), r.latency.max_ms(),
                static_cast<unsigned long long>(r.ops), r.note.c_str());
    std::fflush(stdout);
  }

  // With `ratios` false only the rows (the caller printed its ratios its own way).
  void print_summary(bool ratios = true) const {
    std::printf("\n== Summary\n");
    for (const auto& r : rows_) print_row(r);
    if (!ratios) return;
    std::printf("\n== Missive / baseline, pair by pair in this run\n");
    for (const auto& r : ratios_) {
      std::printf("  %-48s %12.4g vs %12.4g  ratio %8.2fx  target %-8s %s\n", r.name.c_str(),
                  r.missive, r.baseline, r.ratio, r.target.c_str(),
                  !r.met ? "-" : (*r.met ? "MET" : "MISSED"));
    }
    for (const auto& [key, value] : facts_) std::printf("  %-48s %12.4g\n", key.c_str(), value);
  }

  void write_json(const std::string& path, const Config& config, const std::string& pg_version) const {
    rapidjson::StringBuffer out;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(out);
    w.StartObject();
    w.Key("tool");
    w.String("missive-bench");
    w.Key("smoke");
    w.Bool(config.smoke);
    w.Key("baseline");
    w.String(pg_version.empty() ? "none" : ("PostgreSQL " + pg_version).c_str());
    w.Key("cpus");
    w.Uint(std::thread::hardware_concurrency());
    w.Key("results");
    w.StartArray();
    for (const auto& r : rows_) {
      w.StartObject();
      w.Key("workload");
      w.String(r.workload.c_str());
      w.Key("system");
      w.String(r.system.c_str());
      w.Key("ops");
      w.Uint64(r.ops);
      w.Key("seconds");
      w.Double(r.seconds);
      w.Key("ops_per_second");
      w.Double(r.per_second());
      w.Key("latency_ms");
      w.StartObject();
      w.Key("p50");
      w.Double(r.latency.quantile_ms(0.5));
      w.Key("p99");
      w.Double(r.latency.quantile_ms(0.99));
      w.Key("p999");
      w.Double(r.latency.quantile_ms(0.999));
      w.Key("max");
      w.Double(r.latency.max_ms());
      w.Key("count");
      w.Uint64(r.latency.count());
      w.EndObject();
      w.Key("note");
      w.String(r.note.c_str());
      w.EndObject();
    }
    w.EndArray();
    w.Key("ratios");
    w.StartArray();
    for (const auto& r : ratios_) {
      w.StartObject();
      w.Key("name");
      w.String(r.name.c_str());
      w.Key("missive");
      w.Double(r.missive);
      w.Key("baseline");
      w.Double(r.baseline);
      w.Key("ratio");
      w.Double(r.ratio);
      w.Key("target");
      w.String(r.target.c_str());
      w.Key("met");
      if (r.met) {
        w.Bool(*r.met);
      } else {
        w.Null();
      }
      w.EndObject();
    }
    w.EndArray();
    w.Key("facts");
    w.StartObject();
    for (const auto& [key, value] : facts_) {
      w.Key(key.c_str());
      w.Double(value);
    }
    w.EndObject();
    w.EndObject();
    std::ofstream(path) << out.GetString() << "\n";
  }

 private:
  std::vector<Row> rows_;
  std::vector<Ratio> ratios_;
  std::vector<std::pair<std::string, double>> facts_;
};

// A progress line on stderr, once a second, while a phase runs.
class Progress {
 public:
  Progress(std::string name, const std::atomic<std::uint64_t>& ops)
      : name_(std::move(name)), ops_(ops), thread_([this] { loop(); }) {}
  ~Progress() {
    stop_ = true;
    thread_.join();
    std::fprintf(stderr, "\r%-80s\r", "");
  }

 private:
  void loop() {
    const auto start = Steady::now();
    std::uint64_t last = 0;
    while (!stop_) {
      for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const std::uint64_t now = ops_.load();
      const double elapsed = std::chrono::duration<double>(Steady::now() - start).count();
      std::fprintf(stderr, "\r  [%s] %6.1f s  %llu done  %llu/s      ", name_.c_str(), elapsed,
                   static_cast<unsigned long long>(now), static_cast<unsigned long long>(now - last));
      last = now;
    }
  }
  std::string name_;
  const std::atomic<std::uint64_t>& ops_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The id of a WebSocket answer (`{"id":N,...`); -1 for pushes and anything else.
std::int64_t answer_id(std::string_view frame) {
  constexpr std::string_view prefix = R"({"id":)";
  if (!frame.starts_with(prefix)) return -1;
  return std::atoll(frame.data() + prefix.size());
}

bool answer_ok(std::string_view frame) {
  return frame.find(R"("type":"error")") == std::string_view::npos;
}

// Calls f(due_ns) for every `"subject":"<tag>=<due>"` in a push frame.
template <class F>
void for_each_subject(std::string_view frame, std::string_view tag, F f) {
  if (!frame.starts_with(R"({"type":"push")")) return;
  const std::string needle = fmt::format(R"("subject":"{}=)", tag);
  for (auto at = frame.find(needle); at != std::string_view::npos; at = frame.find(needle, at + 1)) {
    f(std::atoll(frame.data() + at + needle.size()));
  }
}

long rss_kib(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  }
  return 0;
}

std::string send_frame(std::int64_t id, std::string_view to_kind, std::int64_t to,
                       std::string_view subject) {
  return fmt::format(R"({{"id":{},"type":"send","to":{{"{}":[{}]}},"subject":"{}","body":"benchmark"}})",
                     id, to_kind, to, subject);
}

std::string send_body(std::string_view to_kind, std::int64_t to, std::string_view subject) {
  return fmt::format(R"({{"to":{{"{}":[{}]}},"subject":"{}","body":"benchmark"}})", to_kind, to,
                     subject);
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  if (doc.HasParseError() || !doc.IsObject()) throw std::runtime_error("bad JSON: " + text.substr(0, 200));
  return doc;
}

void wait_until(const std::function<bool()>& done, double timeout_s) {
  const auto deadline = Steady::now() + std::chrono::duration<double>(timeout_s);
  while (!done() && Steady::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

std::vector<std::string> tokens_of(const std::vector<BenchUser>& users, std::size_t from,
                                   std::size_t to) {
  std::vector<std::string> tokens;
  for (std::size_t i = from; i < to; ++i) tokens.push_back(users[i].token);
  return tokens;
}

class Suite {
 public:
  explicit Suite(Config config) : c_(std::move(config)) {}

  int run() {
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);

    if (!c_.pg.empty()) {
      pg_.emplace(c_.pg);
      pg_version_ = pg_->version();
      std::printf("baseline: PostgreSQL %s, loading %d users...\n", pg_version_.c_str(),
                  std::max(c_.idle, c_.big));
      ids_ = pg_->load(c_.small_group, c_.idle, c_.big, c_.catchup);
    } else {
      std::printf("baseline: none (no --pg): Missive figures only\n");
    }
    server_.start();
    setup_.emplace("127.0.0.1", server_.port());
    const auto t0 = Steady::now();
    std::printf("setup: %d users, groups of %d, %d and %d...\n", c_.big + c_.ws_conns + 1,
                c_.small_group, c_.idle, c_.big - c_.idle);
    senders_ = setup_->users("sender", c_.ws_conns);
    recipient_ = setup_->users("recipient", 1)[0];
    devices_ = setup_->users("device", c_.idle);
    extras_ = setup_->users("extra", c_.big - c_.idle, false);
    const std::vector<BenchUser> small(devices_.begin(), devices_.begin() + c_.small_group);
    group_small_ = setup_->group("small", small, senders_[0].token);
    group_large_ = setup_->group("large", devices_, senders_[0].token);
    group_extra_ = setup_->group("extra", extras_, senders_[0].token);
    std::printf("setup: done in %.0f s\n\n",
                std::chrono::duration<double>(Steady::now() - t0).count());

    direct_sends();
    catchup();
    send_to_push();
    idle_memory();
    group_sends();
    big_message();
    mark_read();
    dashboard();

    device_fleet_.reset();
    server_.stop();
    report_.print_summary();
    report_.write_json(c_.json, c_, pg_version_);
    std::printf("\nJSON: %s\n", c_.json.c_str());
    return 0;
  }

 private:
  // (1) Direct sends, durable ack: WebSocket pipelined and HTTP keep-alive, closed loop; the
  // baseline at each concurrency.
  void direct_sends() {
    std::printf("1. direct sends, durable ack, closed loop, %.0f s each\n", c_.seconds);
    const std::string subject = "direct";
    // Every send goes to one recipient: its missed entries are the catch-up workload (4).
    Row ws = ws_closed_loop(
        fmt::format("direct send, WS {}x{}", c_.ws_conns, c_.ws_depth), c_.seconds, 0,
        [&](std::int64_t id) { return send_frame(id, "users", recipient_.id, subject); });
    report_.add(ws);
    sent_to_recipient_ += ws.ops;

    Row http{.workload = fmt::format("direct send, HTTP x{}", c_.http_threads), .system = "missive"};
    std::atomic<std::uint64_t> ops{0};
    {
      Progress progress(http.workload, ops);
      std::mutex mutex;
      const std::int64_t start = now_ns(), end = start + std::int64_t(c_.seconds * 1e9);
      std::vector<std::thread> threads;
      for (int t = 0; t < c_.http_threads; ++t) {
        threads.emplace_back([&, t] {
          auto client = setup_->client(senders_[std::size_t(t) % senders_.size()].token);
          Histogram mine;
          const std::string body = send_body("users", recipient_.id, subject);
          while (now_ns() < end) {
            const std::int64_t t0 = now_ns();
            setup_->must_post(*client, "/v1/messages", body, 201);
            mine.record(now_ns() - t0);
            ++ops;
          }
          std::lock_guard lock(mutex);
          http.latency.merge(mine);
        });
      }
      for (auto& t : threads) t.join();
      http.seconds = double(now_ns() - start) / 1e9;
    }
    http.ops = ops;
    report_.add(http);
    sent_to_recipient_ += http.ops;

    // Top up the recipient's missed entries (not measured).
    if (sent_to_recipient_ < std::uint64_t(c_.catchup)) {
      Row topup = ws_closed_loop("top-up", 3600, c_.catchup - std::int64_t(sent_to_recipient_),
                                 [&](std::int64_t id) { return send_frame(id, "users", recipient_.id, subject); });
      sent_to_recipient_ += topup.ops;
    }
    const Row& best_missive = ws.per_second() >= http.per_second() ? ws : http;

    if (!pg_) return;
    Row best_pg;
    for (int concurrency : c_.pg_concurrency) {
      PgRun run = pg_->direct(concurrency, c_.seconds, *ids_);
      Row row{.workload = fmt::format("direct send, libpq x{}", concurrency), .system = "postgres",
              .ops = run.ops, .seconds = run.seconds, .latency = run.latency, .note = ""};
      report_.add(row);
      if (row.per_second() > best_pg.per_second()) best_pg = row;
    }
    const double ratio = best_missive.per_second() / best_pg.per_second();
    report_.ratio({.name = "direct sends/s: Missive best / baseline best",
                   .target = ">=10x",
                   .missive = best_missive.per_second(),
                   .baseline = best_pg.per_second(),
                   .ratio = ratio,
                   .met = ratio >= 10});
    report_.fact("direct sends/s: baseline best concurrency",
                 std::atof(best_pg.workload.substr(best_pg.workload.rfind('x') + 1).c_str()));
    // The same pair at equal concurrency (16 in flight), for reference.
  }

  // Closed loop over `ws_conns` WebSocket connections with `ws_depth` requests in flight
  // each, for `seconds` or until `limit` answers (when > 0).
  Row ws_closed_loop(const std::string& name, double seconds, std::int64_t limit,
                     const std::function<std::string(std::int64_t)>& frame) {
    Row row{.workload = name, .system = "missive"};
    const std::size_t max_ops = 4'000'000;  // answers a phase may count
    std::vector<std::int64_t> starts(max_ops);
    std::atomic<std::uint64_t> answered{0}, errors{0};
    std::atomic<std::int64_t> next_id{0};
    std::atomic<bool> stopping{false};
    std::atomic<int> outstanding{0};
    Histogram hist;  // on the fleet's thread only
    const std::int64_t start = now_ns(), end = start + std::int64_t(seconds * 1e9);
    WsFleet* fleet_ptr = nullptr;
    auto issue = [&](std::size_t conn) {
      const std::int64_t id = next_id++;
      if (std::size_t(id) >= max_ops || (limit > 0 && id >= limit)) {
        --outstanding;
        return;
      }
      starts[std::size_t(id)] = now_ns();
      fleet_ptr->send(conn, frame(id));
    };
    WsFleet fleet("127.0.0.1", server_.port(), [&](std::size_t conn, std::string_view text) {
      const std::int64_t id = answer_id(text);
      if (id < 0) return;  // a push of the sender's own timeline
      hist.record(now_ns() - starts[std::size_t(id)]);
      if (!answer_ok(text)) ++errors;
      ++answered;
      if (stopping || now_ns() >= end) {
        --outstanding;
        return;
      }
      issue(conn);
    });
    fleet_ptr = &fleet;
    fleet.connect(tokens_of(senders_, 0, std::size_t(c_.ws_conns)));
    {
      Progress progress(name, answered);
      outstanding = c_.ws_conns * c_.ws_depth;
      for (int d = 0; d < c_.ws_depth; ++d) {
        for (int conn = 0; conn < c_.ws_conns; ++conn) issue(std::size_t(conn));
      }
      wait_until([&] { return outstanding.load() <= 0; }, seconds + 60);
      stopping = true;
      row.seconds = double(now_ns() - start) / 1e9;
    }
    fleet.stop();
    row.ops = answered;
    row.latency = hist;
    if (errors) {
      row.note = fmt::format("{} errors", errors.load());
      throw std::runtime_error(name + ": " + row.note);
    }
    return row;
  }

  // (4) Sync catch-up: the recipient's device pulls its first `catchup` entries, 100 a page.
  void catchup() {
    std::printf("\n4. sync catch-up of %d missed entries (pages of 100)\n", c_.catchup);
    Row row{.workload = fmt::format("catch-up {} entries", c_.catchup), .system = "missive"};
    std::mutex mutex;
    std::condition_variable cv;
    std::optional<std::string> answer;
    WsFleet fleet("127.0.0.1", server_.port(), [&](std::size_t, std::string_view text) {
      if (answer_id(text) < 0) return;
      std::lock_guard lock(mutex);
      answer = std::string(text);
      cv.notify_all();
    });
    fleet.connect({recipient_.token});
    std::int64_t since = 0;
    Histogram pages;
    const std::int64_t start = now_ns();
    std::uint64_t entries = 0;
    for (std::int64_t id = 1; entries < std::uint64_t(c_.catchup); ++id) {
      const std::int64_t t0 = now_ns();
      fleet.send(0, fmt::format(R"({{"id":{},"type":"sync","since":{},"limit":100}})", id, since));
      std::unique_lock lock(mutex);
      if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return answer.has_value(); })) {
        throw std::runtime_error("catch-up: no answer");
      }
      pages.record(now_ns() - t0);
      auto doc = parse(*answer);
      answer.reset();
      if (!doc.HasMember("entries")) throw std::runtime_error("catch-up: no entries");
      const auto n = doc["entries"].GetArray().Size();
      if (n == 0) break;
      entries += n;
      since = doc["next"].GetInt64();
    }
    row.seconds = double(now_ns() - start) / 1e9;
    row.ops = entries;
    row.latency = pages;
    row.note = "(latency: per page of 100)";
    fleet.stop();
    report_.add(row);
    if (!pg_) return;
    PgRun run = pg_->catchup(c_.catchup, 100, *ids_);
    Row pg{.workload = row.workload, .system = "postgres", .ops = run.ops, .seconds = run.seconds,
           .latency = run.latency, .note = "(latency: per page of 100)"};
    report_.add(pg);
    const double ratio = pg.seconds / row.seconds;
    report_.ratio({.name = "catch-up time: baseline / Missive", .target = "", .missive = row.seconds,
                   .baseline = pg.seconds, .ratio = ratio, .met = std::nullopt});
  }

  // The device fleet: pushes of "t=<due>" subjects feed the push histogram, "g=" subjects the
  // fan-out counter, answers (mark-read) the answer callback.
  void ensure_device_fleet() {
    if (device_fleet_) return;
    device_fleet_ = std::make_unique<WsFleet>(
        "127.0.0.1", server_.port(), [this](std::size_t device, std::string_view text) {
          const std::int64_t now = now_ns();
          if (answer_id(text) >= 0) {
            if (on_device_answer_) on_device_answer_(device, text);
            return;
          }
          for_each_subject(text, "t", [&](std::int64_t due) {
            if (due < push_since_.load()) return;  // a late push of an earlier phase
            std::lock_guard lock(device_mutex_);
            push_hist_.record(now - due);
            ++pushes_;
          });
          for_each_subject(text, "g", [&](std::int64_t) {
            ++group_pushes_;
            last_push_ns_ = now;
          });
          for_each_subject(text, "big", [&](std::int64_t) { ++big_pushes_; });
        });
  }

  // (3) Send -> push at a fixed offered rate with `devices` connected devices.
  // At the target rate, then at a fifth of it (a rate the server sustains on a busy machine,
  // where the latencies are not those of a backlog).
  void send_to_push() {
    ensure_device_fleet();
    device_fleet_->connect(tokens_of(devices_, 0, std::size_t(c_.devices)));
    send_to_push_at(c_.rate);
    send_to_push_at(std::max(1, c_.rate / 5));
  }

  void send_to_push_at(int rate) {
    std::printf("\n3. send -> push: %d devices, %d direct messages/s offered for %.0f s (WS x%d)\n",
                c_.devices, rate, c_.seconds, c_.ws_conns);
    const std::int64_t total = std::int64_t(rate * c_.seconds);
    std::vector<std::int64_t> dues(std::size_t(total) + 1);
    Histogram ack;
    std::atomic<std::uint64_t> answered{0}, errors{0};
    WsFleet senders("127.0.0.1", server_.port(), [&](std::size_t, std::string_view text) {
      const std::int64_t id = answer_id(text);
      if (id < 0) return;
      ack.record(now_ns() - dues[std::size_t(id)]);
      if (!answer_ok(text)) ++errors;
      ++answered;
    });
    senders.connect(tokens_of(senders_, 0, std::size_t(c_.ws_conns)));
    const std::int64_t start = now_ns() + 20'000'000;
    {
      std::lock_guard lock(device_mutex_);
      push_hist_ = Histogram{};
      pushes_ = 0;
      push_since_ = start;
    }
    const double interval = 1e9 / rate;
    {
      Progress progress("send -> push", answered);
      for (std::int64_t k = 0; k < total; ++k) {
        const std::int64_t due = start + std::int64_t(double(k) * interval);
        const std::int64_t wait = due - now_ns();
        if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
        dues[std::size_t(k)] = due;
        const auto& to = devices_[std::size_t(k % c_.devices)];
        senders.send(std::size_t(k % c_.ws_conns), send_frame(k, "users", to.id, fmt::format("t={}", due)));
      }
      // A saturated server drains its backlog before the next phase starts.
      wait_until([&] { return answered.load() >= std::uint64_t(total) && pushes_.load() >= total; }, 180);
    }
    const double seconds = double(now_ns() - start) / 1e9;
    senders.stop();
    if (errors) throw std::runtime_error(fmt::format("send -> push: {} errors", errors.load()));
    Row ack_row{.workload = fmt::format("send-ack at {}/s", rate), .system = "missive",
                .ops = answered, .seconds = seconds, .latency = ack, .note = "(from when due)"};
    Histogram push_copy;
    {
      std::lock_guard lock(device_mutex_);
      push_copy = push_hist_;
    }
    Row push_row{.workload = fmt::format("send->push, {} devices", c_.devices), .system = "missive",
                 .ops = std::uint64_t(pushes_.load()), .seconds = seconds, .latency = push_copy,
                 .note = fmt::format("(pushed {} of {})", pushes_.load(), total)};
    report_.add(ack_row);
    report_.add(push_row);
    const double p99_push = push_copy.quantile_ms(0.99), p99_ack = ack.quantile_ms(0.99);
    report_.ratio({.name = fmt::format("send->push p99 / send-ack p99 at {}/s", rate),
                   .target = "<=2x",
                   .missive = p99_push,
                   .baseline = p99_ack,
                   .ratio = p99_push / p99_ack,
                   // Met only when the server kept up with the offered rate.
                   .met = p99_push <= 2 * p99_ack && ack_row.per_second() >= 0.9 * rate});
    report_.fact(fmt::format("send->push: achieved sends/s of {} offered", rate), ack_row.per_second());
  }

  // (7) Memory per idle connected device.
  void idle_memory() {
    std::printf("\n7. memory per idle device: %d connections\n", c_.idle);
    const long before = rss_kib(server_.pid());
    const std::size_t had = device_fleet_->connected();
    device_fleet_->connect(tokens_of(devices_, std::size_t(c_.devices), devices_.size()));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const long after = rss_kib(server_.pid());
    const std::size_t added = device_fleet_->connected() - had;
    const double per = double(after - before) / double(std::max<std::size_t>(1, added));
    std::printf("  server RSS %ld KiB with %zu devices, %ld KiB with %zu: %.2f KiB per idle device\n",
                before, had, after, device_fleet_->connected(), per);
    report_.fact("idle device: server KiB per connection", per);
    report_.fact("idle device: connections", double(device_fleet_->connected()));
    report_.ratio({.name = "KiB of server memory per idle device", .target = "<10KiB",
                   .missive = per, .baseline = 0, .ratio = per, .met = per < 10});
  }

  // (2) Group sends, alternating with direct sends, one at a time over HTTP.
  void group_sends() {
    std::printf("\n2. send-ack: direct vs groups of %d and %d, alternating, %d each\n",
                c_.small_group, c_.idle, c_.group_reps);
    auto client = setup_->client(senders_[0].token);
    Row direct{.workload = "direct send-ack (HTTP x1)", .system = "missive"};
    Row small{.workload = fmt::format("group {} send-ack", c_.small_group), .system = "missive"};
    Row large{.workload = fmt::format("group {} send-ack", c_.idle), .system = "missive"};
    Row fanout{.workload = fmt::format("group {} full fan-out", c_.idle), .system = "missive",
               .note = "(send -> push on the last device)"};
    for (int i = 0; i < c_.group_reps; ++i) {
      std::int64_t t0 = now_ns();
      setup_->must_post(*client, "/v1/messages", send_body("users", devices_[0].id, "direct"), 201);
      direct.latency.record(now_ns() - t0);
      t0 = now_ns();
      setup_->must_post(*client, "/v1/messages", send_body("groups", group_small_, "small"), 201);
      small.latency.record(now_ns() - t0);
      group_pushes_ = 0;
      t0 = now_ns();
      setup_->must_post(*client, "/v1/messages", send_body("groups", group_large_, fmt::format("g={}", t0)), 201);
      large.latency.record(now_ns() - t0);
      wait_until([&] { return group_pushes_.load() >= std::uint64_t(c_.idle); }, 60);
      if (group_pushes_.load() < std::uint64_t(c_.idle)) throw std::runtime_error("group fan-out incomplete");
      fanout.latency.record(last_push_ns_.load() - t0);
    }
    for (Row* r : {&direct, &small, &large, &fanout}) {
      r->ops = r->latency.count();
      report_.add(*r);
    }
    const double p50 = large.latency.quantile_ms(0.5) / direct.latency.quantile_ms(0.5);
    const double p99 = large.latency.quantile_ms(0.99) / direct.latency.quantile_ms(0.99);
    report_.ratio({.name = "group-10k send-ack p50 / direct p50", .target = "<=2x",
                   .missive = large.latency.quantile_ms(0.5), .baseline = direct.latency.quantile_ms(0.5),
                   .ratio = p50, .met = p50 <= 2});
    report_.ratio({.name = "group-10k send-ack p99 / direct p99", .target = "<=2x",
                   .missive = large.latency.quantile_ms(0.99), .baseline = direct.latency.quantile_ms(0.99),
                   .ratio = p99, .met = p99 <= 2});
    if (!pg_) return;
    PgRun small_pg = pg_->group_sends(ids_->group_small, c_.group_reps, *ids_);
    PgRun large_pg = pg_->group_sends(ids_->group_large, c_.group_reps, *ids_);
    report_.add({.workload = small.workload, .system = "postgres", .ops = small_pg.ops,
                 .seconds = small_pg.seconds, .latency = small_pg.latency, .note = "(INSERT...SELECT)"});
    report_.add({.workload = large.workload, .system = "postgres", .ops = large_pg.ops,
                 .seconds = large_pg.seconds, .latency = large_pg.latency, .note = "(INSERT...SELECT)"});
    const double full = large_pg.latency.quantile_ms(0.5) / fanout.latency.quantile_ms(0.5);
    report_.ratio({.name = "group-10k full fan-out p50: baseline / Missive", .target = ">=5x",
                   .missive = fanout.latency.quantile_ms(0.5), .baseline = large_pg.latency.quantile_ms(0.5),
                   .ratio = full, .met = full >= 5});
    const double ack = large_pg.latency.quantile_ms(0.5) / large.latency.quantile_ms(0.5);
    report_.ratio({.name = "group-10k send-ack p50: baseline / Missive", .target = "",
                   .missive = large.latency.quantile_ms(0.5), .baseline = large_pg.latency.quantile_ms(0.5),
                   .ratio = ack, .met = std::nullopt});
  }

  // The message of the dashboard (6) and mark-read (5) workloads: to `big` recipients (the
  // large group and the extra group), sent once; waits for its fan-out to finish.
  void big_message() {
    std::printf("\n   sending the %d-recipient message of workloads 5 and 6...\n", c_.big);
    auto client = setup_->client(senders_[0].token);
    big_pushes_ = 0;
    const std::int64_t t0 = now_ns();
    const auto body = setup_->must_post(
        *client, "/v1/messages",
        fmt::format(R"({{"to":{{"groups":[{},{}]}},"subject":"big=1","body":"benchmark"}})",
                    group_large_, group_extra_),
        201);
    const double ack_ms = double(now_ns() - t0) / 1e6;
    big_message_ = parse(body)["id"].GetInt64();
    // Done when the last member of the last group has it in the inbox.
    wait_until([&] { return big_pushes_.load() >= std::uint64_t(c_.idle); }, 300);
    const BenchUser& last = extras_.empty() ? devices_.back() : extras_.back();
    auto reader = setup_->client(setup_->login(last));
    wait_until(
        [&] {
          auto r = reader->request("GET", "/v1/inbox?limit=1");
          return r && r->status == 200 &&
                 r->body.find(fmt::format(R"("id":{},)", big_message_)) != std::string::npos;
        },
        300);
    const double done_ms = double(now_ns() - t0) / 1e6;
    std::printf("  send-ack %.1f ms, fanned out to all %d in %.0f ms\n", ack_ms, c_.big, done_ms);
    report_.fact("big message: send-ack ms", ack_ms);
    report_.fact("big message: full fan-out ms", done_ms);
  }

  // (5) Mark-read: every connected device marks the big message read over its own WebSocket,
  // 64 requests in flight in all.
  void mark_read() {
    std::printf("\n5. mark-read: %d recipients mark a message read (WS, 64 in flight)\n", c_.idle);
    Row row{.workload = fmt::format("mark-read x{}", c_.idle), .system = "missive"};
    std::vector<std::int64_t> starts(devices_.size());
    std::atomic<std::uint64_t> answered{0}, errors{0};
    std::atomic<std::size_t> next{0};
    Histogram hist;
    auto issue = [&] {
      const std::size_t d = next++;
      if (d >= devices_.size()) return;
      starts[d] = now_ns();
      device_fleet_->send(d, fmt::format(R"({{"id":{},"type":"read","message":{}}})", d, big_message_));
    };
    on_device_answer_ = [&](std::size_t, std::string_view text) {
      const auto id = answer_id(text);
      hist.record(now_ns() - starts[std::size_t(id)]);
      if (!answer_ok(text)) ++errors;
      ++answered;
      issue();
    };
    const std::int64_t start = now_ns();
    {
      Progress progress("mark-read", answered);
      for (int i = 0; i < 64; ++i) issue();
      wait_until([&] { return answered.load() >= devices_.size(); }, 300);
    }
    row.seconds = double(now_ns() - start) / 1e9;
    on_device_answer_ = nullptr;
    if (errors) throw std::runtime_error(fmt::format("mark-read: {} errors", errors.load()));
    row.ops = answered;
    row.latency = hist;
    report_.add(row);
    if (!pg_) return;
    Row best;
    for (int concurrency : {16, 64}) {
      if (c_.smoke && concurrency > 16) break;
      PgRun run = pg_->mark_read(c_.idle, concurrency, *ids_);
      Row pg{.workload = fmt::format("mark-read x{}, libpq x{}", c_.idle, concurrency),
             .system = "postgres", .ops = run.ops, .seconds = run.seconds, .latency = run.latency,
             .note = ""};
      report_.add(pg);
      if (pg.per_second() > best.per_second()) best = pg;
      // The next pass would find the rows read already (no change): unread them first.
      if (concurrency == 16 && !c_.smoke) pg_->reset_reads(*ids_);
    }
    const double ratio = row.per_second() / best.per_second();
    report_.ratio({.name = "mark-read/s: Missive / baseline best", .target = "", .missive = row.per_second(),
                   .baseline = best.per_second(), .ratio = ratio, .met = std::nullopt});
  }

  // (6) Dashboard: the read % of the big message.
  void dashboard() {
    std::printf("\n6. dashboard: read %% of a message with %d recipients, %d times\n", c_.big,
                c_.dashboard_reps);
    auto client = setup_->client(senders_[0].token);
    Row row{.workload = fmt::format("dashboard, {} recipients", c_.big), .system = "missive",
            .note = "(GET /v1/dashboard?limit=1)"};
    const std::int64_t start = now_ns();
    double percent = -1;
    for (int i = 0; i < c_.dashboard_reps; ++i) {
      const std::int64_t t0 = now_ns();
      auto r = client->request("GET", "/v1/dashboard?limit=1");
      row.latency.record(now_ns() - t0);
      if (!r || r->status != 200) throw std::runtime_error("dashboard failed");
      if (i == 0) {
        auto doc = parse(r->body);
        const auto& m = doc["messages"][0];
        if (m["id"].GetInt64() != big_message_ || m["recipients"].GetInt64() != c_.big) {
          throw std::runtime_error("dashboard: unexpected first row: " + r->body.substr(0, 300));
        }
        percent = m["read_percent"].GetDouble();
      }
    }
    row.seconds = double(now_ns() - start) / 1e9;
    row.ops = row.latency.count();
    row.note += fmt::format(" read {:.1f}%", percent);
    report_.add(row);
    if (!pg_) return;
    double pg_percent = 0;
    const int reps = std::max(5, c_.dashboard_reps / 10);
    PgRun run = pg_->dashboard(reps, *ids_, &pg_percent);
    report_.add({.workload = row.workload, .system = "postgres", .ops = run.ops, .seconds = run.seconds,
                 .latency = run.latency, .note = fmt::format("(SUM/COUNT) read {:.1f}%", pg_percent)});
    const double ratio = run.latency.quantile_ms(0.5) / row.latency.quantile_ms(0.5);
    report_.ratio({.name = "dashboard p50: baseline / Missive", .target = ">=100x",
                   .missive = row.latency.quantile_ms(0.5), .baseline = run.latency.quantile_ms(0.5),
                   .ratio = ratio, .met = ratio >= 100});
  }

  Config c_;
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

  std::unique_ptr<WsFleet> device_fleet_;
  std::mutex device_mutex_;
  Histogram push_hist_;  // on the device fleet's thread while pushes arrive
  std::atomic<std::int64_t> pushes_{0};
  std::atomic<std::int64_t> push_since_{0};  // pushes of sends due earlier are not counted
  std::atomic<std::uint64_t> group_pushes_{0}, big_pushes_{0};
  std::atomic<std::int64_t> last_push_ns_{0};
  std::function<void(std::size_t, std::string_view)> on_device_answer_;  // set while idle
};

// The backends side by side (--compare-backends): the main workloads, at smaller sizes so the
// whole comparison stays within a few minutes, on Missive over SQLite (one node), over
// PostgreSQL with one node and with two nodes on the same database (a Redis bus between them),
// and on the hand-written baseline, in one run; ratios pair by pair. With two nodes the
// senders, the devices and the dashboard readers alternate between the nodes, so half of the
// pushes cross the bus.
struct BackendConfig {
  std::string pg;              // the baseline's conninfo (--pg)
  std::string store;           // --missive-store: a PostgreSQL URL; each configuration gets a schema
  std::string bus;             // --bus: the Redis URL for two nodes
  int nodes = 2;               // --nodes: 1 or 2 on PostgreSQL
  std::string json = "missive-bench-backends.json";
  double seconds = 5;
  int ws_conns = 8, ws_depth = 8, http_threads = 8;
  int rate = 100;              // send -> push offered rate (PostgreSQL keeps up with it here)
  int devices = 1000;          // connected devices (spread over the nodes)
  int small_group = 100;
  int group_reps = 30;
  int extras = 4000;           // further recipients of the dashboard message
  int dashboard_reps = 200;
  int store_connections = 8;   // per node
};

struct Figures {
  std::string system;
  double direct_ws = 0, direct_http = 0;
  Histogram group, ack, push, mark, dash;
  double push_achieved = 0, mark_per_s = 0, big_fanout_ms = 0;
  std::uint64_t pushes = 0, push_total = 0;
};

class BackendSuite {
 public:
  explicit BackendSuite(BackendConfig c) : c_(std::move(c)) {}

  int run() {
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
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
    if (!c_.pg.empty()) base = baseline();
    summary(all, base);
    report_.write_json(c_.json, Config{}, pg_version_);
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
    Setup setup("127.0.0.1", port(0));
    const auto t0 = Steady::now();
    const auto senders = setup.users("sender", c_.ws_conns);
    devices_ = setup.users("device", c_.devices);
    const auto extras = setup.users("extra", c_.extras, false);
    const std::vector<BenchUser> small(devices_.begin(), devices_.begin() + c_.small_group);
    const auto group_small = setup.group("small", small, senders[0].token);
    const auto group_devices = setup.group("devices", devices_, senders[0].token);
    const auto group_extras = setup.group("extras", extras, senders[0].token);
    std::printf("setup: %zu users in %.0f s\n", senders.size() + devices_.size() + extras.size(),
                std::chrono::duration<double>(Steady::now() - t0).count());

    // Direct sends, closed loop: WebSocket (connection k on node k % nodes) and HTTP.
    {
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
        std::vector<std::string> tokens;
        for (std::size_t k = n; k < senders.size(); k += ports_.size()) tokens.push_back(senders[k].token);
        fleets.back()->connect(tokens);
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
    {
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
            auto client = node.client(senders[std::size_t(t) % senders.size()].token);
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
    {
      for (int i = 0; i < c_.group_reps; ++i) {
        Setup node("127.0.0.1", port(std::size_t(i)));
        auto client = node.client(senders[0].token);
        const std::int64_t t1 = now_ns();
        node.must_post(*client, "/v1/messages", send_body("groups", group_small, "small"), 201);
        f.group.record(now_ns() - t1);
      }
      report_.add({.workload = fmt::format("group {} send-ack", c_.small_group), .system = f.system,
                   .ops = f.group.count(), .seconds = 0, .latency = f.group, .note = ""});
    }

    // The devices: device i on node i % nodes.
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

    // Send -> push at a fixed rate: sender k on node k % nodes, message k to device k.
    {
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
        std::vector<std::string> tokens;
        for (std::size_t k = n; k < senders.size(); k += ports_.size()) tokens.push_back(senders[k].token);
        senders_fleets.back()->connect(tokens);
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
          const std::size_t sender = std::size_t(k) % senders.size();
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
    std::int64_t big_message = 0;
    {
      Setup node("127.0.0.1", port(0));
      auto client = node.client(senders[0].token);
      big_pushes_ = 0;
      const std::int64_t t1 = now_ns();
      const auto body = node.must_post(
          *client, "/v1/messages",
          fmt::format(R"({{"to":{{"groups":[{},{}]}},"subject":"big=1","body":"benchmark"}})",
                      group_devices, group_extras),
          201);
      big_message = parse(body)["id"].GetInt64();
      wait_until([&] { return big_pushes_.load() >= devices_.size(); }, 120);
      f.big_fanout_ms = double(now_ns() - t1) / 1e6;
      std::printf("  %s: message to %zu recipients pushed to all %zu devices in %.0f ms\n", f.system.c_str(),
                  devices_.size() + extras.size(), devices_.size(), f.big_fanout_ms);
    }

    // Mark-read: every device marks it read over its own WebSocket, 64 in flight.
    {
      std::vector<std::int64_t> starts(devices_.size());
      std::atomic<std::uint64_t> answered{0}, errors{0};
      std::atomic<std::size_t> next{0};
      std::mutex mutex;
      auto issue = [&] {
        const std::size_t d = next++;
        if (d >= devices_.size()) return;
        starts[d] = now_ns();
        fleets_[d % ports_.size()]->send(d / ports_.size(),
                                         fmt::format(R"({{"id":{},"type":"read","message":{}}})", d, big_message));
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
    {
      std::vector<std::unique_ptr<client::HttpClient>> clients;
      std::vector<Setup> nodes;
      for (std::size_t n = 0; n < ports_.size(); ++n) {
        nodes.emplace_back("127.0.0.1", port(n));
        clients.push_back(nodes.back().client(senders[0].token));
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
          if (m["id"].GetInt64() != big_message) throw std::runtime_error("dashboard: unexpected first row");
          percent = m["read_percent"].GetDouble();
        }
      }
      report_.add({.workload = fmt::format("dashboard, {} recipients", devices_.size() + extras.size()),
                   .system = f.system, .ops = f.dash.count(), .seconds = double(now_ns() - start) / 1e9,
                   .latency = f.dash, .note = fmt::format("read {:.1f}%", percent)});
    }
  }

  Figures baseline() {
    std::printf("\n== baseline: hand-written schema on PostgreSQL through libpq\n");
    PgBaseline pg(c_.pg);
    pg_version_ = pg.version();
    const auto ids = pg.load(c_.small_group, c_.devices, c_.devices + c_.extras, 10);
    Figures f{.system = "baseline"};
    Row best;
    for (int concurrency : {4, 16, 64}) {
      PgRun run = pg.direct(concurrency, c_.seconds, ids);
      Row row{.workload = fmt::format("direct send, libpq x{}", concurrency), .system = f.system,
              .ops = run.ops, .seconds = run.seconds, .latency = run.latency, .note = ""};
      report_.add(row);
      if (row.per_second() > best.per_second()) best = row;
    }
    f.direct_ws = f.direct_http = best.per_second();
    PgRun group = pg.group_sends(ids.group_small, c_.group_reps, ids);
    f.group = group.latency;
    report_.add({.workload = fmt::format("group {} send-ack", c_.small_group), .system = f.system,
                 .ops = group.ops, .seconds = 0, .latency = group.latency, .note = "(INSERT...SELECT)"});
    PgRun mark = pg.mark_read(c_.devices, 64, ids);
    f.mark = mark.latency;
    f.mark_per_s = mark.per_second();
    report_.add({.workload = fmt::format("mark-read x{}", c_.devices), .system = f.system, .ops = mark.ops,
                 .seconds = mark.seconds, .latency = mark.latency, .note = "(libpq x64)"});
    double percent = 0;
    PgRun dash = pg.dashboard(std::max(5, c_.dashboard_reps / 10), ids, &percent);
    f.dash = dash.latency;
    report_.add({.workload = fmt::format("dashboard, {} recipients", c_.devices + c_.extras), .system = f.system,
                 .ops = dash.ops, .seconds = dash.seconds, .latency = dash.latency,
                 .note = fmt::format("(SUM/COUNT) read {:.1f}%", percent)});
    return f;
  }

  void summary(const std::vector<Figures>& all, const std::optional<Figures>& base) {
    struct Metric {
      std::string name;
      std::function<double(const Figures&)> value;
      bool has_baseline;
    };
    const std::vector<Metric> metrics = {
        {"direct sends/s (best of WS, HTTP)", [](const Figures& f) { return std::max(f.direct_ws, f.direct_http); }, true},
        {fmt::format("group {} send-ack p50 ms", c_.small_group), [](const Figures& f) { return f.group.quantile_ms(0.5); }, true},
        {fmt::format("group {} send-ack p99 ms", c_.small_group), [](const Figures& f) { return f.group.quantile_ms(0.99); }, true},
        {fmt::format("send-ack p99 ms at {}/s", c_.rate), [](const Figures& f) { return f.ack.quantile_ms(0.99); }, false},
        {fmt::format("send->push p50 ms at {}/s", c_.rate), [](const Figures& f) { return f.push.quantile_ms(0.5); }, false},
        {fmt::format("send->push p99 ms at {}/s", c_.rate), [](const Figures& f) { return f.push.quantile_ms(0.99); }, false},
        {"mark-read/s", [](const Figures& f) { return f.mark_per_s; }, true},
        {"dashboard p50 ms", [](const Figures& f) { return f.dash.quantile_ms(0.5); }, true},
    };
    std::printf("\n== Backends side by side (same sizes, same machine, one run)\n  %-36s", "");
    for (const auto& f : all) std::printf(" %12s", f.system.c_str());
    if (base) std::printf(" %12s", "baseline");
    std::printf("\n");
    for (const auto& m : metrics) {
      std::printf("  %-36s", m.name.c_str());
      for (const auto& f : all) std::printf(" %12.4g", m.value(f));
      if (base) {
        if (m.has_baseline) {
          std::printf(" %12.4g", m.value(*base));
        } else {
          std::printf(" %12s", "-");
        }
      }
      std::printf("\n");
    }
    std::printf("\n");
    for (const auto& f : all) {
      std::printf("  %s: send->push achieved %.0f sends/s, %llu of %llu pushes received; the "
                  "dashboard message on every device in %.0f ms\n",
                  f.system.c_str(), f.push_achieved, static_cast<unsigned long long>(f.pushes),
                  static_cast<unsigned long long>(f.push_total), f.big_fanout_ms);
      report_.fact(f.system + ": send->push achieved sends/s", f.push_achieved);
      report_.fact(f.system + ": pushes received of sent", double(f.pushes) / double(std::max<std::uint64_t>(1, f.push_total)));
      report_.fact(f.system + ": dashboard message full push ms", f.big_fanout_ms);
    }
    std::printf("\n== Ratios pair by pair (a / b of the figures above)\n");
    auto pair = [&](const Figures& a, const Figures* b, const std::string& b_name, bool baseline) {
      for (const auto& m : metrics) {
        if (baseline && !m.has_baseline) continue;
        const double va = m.value(a), vb = m.value(*b);
        const Ratio r{.name = fmt::format("{}: {} / {}", m.name, a.system, b_name), .target = "",
                      .missive = va, .baseline = vb, .ratio = vb != 0 ? va / vb : 0, .met = std::nullopt};
        std::printf("  %-64s %10.4g / %10.4g = %7.2fx\n", r.name.c_str(), va, vb, r.ratio);
        report_.ratio(r);
      }
    };
    for (std::size_t i = 1; i < all.size(); ++i) pair(all[i], &all[i - 1], all[i - 1].system, false);
    if (base) {
      for (const auto& f : all) pair(f, &*base, "baseline", true);
    }
    report_.print_summary(false);
  }

  BackendConfig c_;
  Report report_;
  std::string pg_version_;
  std::vector<std::uint16_t> ports_;
  std::vector<BenchUser> devices_;
  std::vector<std::unique_ptr<WsFleet>> fleets_;
  std::function<void(std::string_view)> on_answer_;
  std::mutex push_mutex_;
  Histogram push_hist_;
  std::atomic<std::int64_t> pushes_{0}, push_since_{0};
  std::atomic<std::uint64_t> big_pushes_{0};
};

// Checks a result file: it parses, and every result has a workload and latency figures.
int check_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("results") ||
      !doc["results"].IsArray() || doc["results"].Empty() || !doc.HasMember("ratios")) {
    std::fprintf(stderr, "%s: not a missive-bench result file\n", path.c_str());
    return 1;
  }
  for (const auto& r : doc["results"].GetArray()) {
    if (!r.HasMember("workload") || !r.HasMember("latency_ms") || !r["latency_ms"].HasMember("p99") ||
        !r["ops"].IsUint64() || r["ops"].GetUint64() == 0) {
      std::fprintf(stderr, "%s: a result without workload, ops or latency\n", path.c_str());
      return 1;
    }
  }
  std::printf("%s: %u results, %u ratios\n", path.c_str(), doc["results"].Size(), doc["ratios"].Size());
  return 0;
}

}  // namespace
}  // namespace missive::bench

int main(int argc, char** argv) {
  using namespace missive::bench;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress through a pipe or a log file
  Config config;
  BackendConfig backends;
  bool compare = false;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "missive-bench: %s needs a value\n", args[i].c_str());
        std::exit(2);
      }
      return args[++i];
    };
    if (args[i] == "--smoke") {
      config.make_smoke();
    } else if (args[i] == "--pg") {
      config.pg = value();
    } else if (args[i] == "--json") {
      config.json = value();
    } else if (args[i] == "--seconds") {
      config.seconds = std::atof(value().c_str());
    } else if (args[i] == "--rate") {
      config.rate = std::atoi(value().c_str());
    } else if (args[i] == "--conns") {
      config.ws_conns = std::max(1, std::atoi(value().c_str()));
    } else if (args[i] == "--depth") {
      config.ws_depth = std::max(1, std::atoi(value().c_str()));
    } else if (args[i] == "--compare-backends") {
      compare = true;
    } else if (args[i] == "--missive-store") {
      backends.store = value();
    } else if (args[i] == "--bus") {
      backends.bus = value();
    } else if (args[i] == "--nodes") {
      backends.nodes = std::clamp(std::atoi(value().c_str()), 1, 2);
    } else if (args[i] == "--check-json") {
      return check_json(value());
    } else {
      std::fprintf(stderr,
                   "usage: missive-bench [--smoke] [--pg CONNINFO] [--json FILE] [--seconds S] "
                   "[--rate R] [--conns N] [--depth D] | --compare-backends [--pg CONNINFO] "
                   "[--missive-store POSTGRES_URL] [--nodes 1|2] [--bus REDIS_URL] [--json FILE] "
                   "[--seconds S] | --check-json FILE\n");
      return 2;
    }
  }
  try {
    if (compare) {
      backends.pg = config.pg;
      if (config.json != "missive-bench.json") backends.json = config.json;
      if (config.seconds != 10) backends.seconds = config.seconds;
      if (config.rate != 5000) backends.rate = config.rate;
      return BackendSuite(backends).run();
    }
    return Suite(config).run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nmissive-bench: %s\n", e.what());
    return 1;
  }
}
