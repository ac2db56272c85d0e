// The main suite: its configuration, the setup, and the workloads over the senders' own
// connections: (1) direct sends and (4) sync catch-up.
#include "suite.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "bench_util.h"

namespace missive::bench {
namespace {

// ", groups of 10, 60 and 60" (nothing for no group).
std::string groups_phrase(const std::vector<int>& sizes) {
  if (sizes.empty()) return "";
  if (sizes.size() == 1) return fmt::format(", a group of {}", sizes[0]);
  std::string phrase = ", groups of ";
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (i > 0) phrase += i + 1 == sizes.size() ? " and " : ", ";
    phrase += std::to_string(sizes[i]);
  }
  return phrase;
}

}  // namespace

std::expected<std::set<Workload>, std::string> parse_workloads(std::string_view list) {
  std::string known;
  for (const auto& [w, name] : kWorkloadNames) {
    known += (known.empty() ? "" : ", ") + std::string(name);
  }
  std::set<Workload> selected;
  std::size_t from = 0;
  while (true) {
    const std::size_t comma = std::min(list.find(',', from), list.size());
    const std::string_view name = list.substr(from, comma - from);
    const auto known_name = std::ranges::find_if(
        kWorkloadNames, [&](const auto& workload) { return workload.second == name; });
    if (known_name == kWorkloadNames.end()) {
      return std::unexpected(
          name.empty()
              ? fmt::format("--only: an empty workload name in \"{}\" (known: {})", list, known)
              : fmt::format("--only: unknown workload \"{}\" (known: {})", name, known));
    }
    selected.insert(known_name->first);
    if (comma == list.size()) return selected;
    from = comma + 1;
  }
}

void SuiteConfig::make_smoke() {
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

Suite::Suite(SuiteConfig config) : c_(std::move(config)) {}

int Suite::run() {
  raise_open_files_limit();
  if (!c_.only.empty()) {
    std::string names;
    for (const auto& [w, name] : kWorkloadNames) {
      if (c_.runs(w)) names += (names.empty() ? "" : ",") + std::string(name);
    }
    std::printf("workloads: %s (--only)\n", names.c_str());
  }
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
  setup();

  // Not in workload-number order: the catch-up reads what the direct sends wrote, and the
  // devices connected for send -> push are the first of the idle ones.
  if (c_.runs(Workload::kDirect)) direct_sends();
  if (c_.runs(Workload::kCatchup)) catchup();
  if (c_.runs(Workload::kPush)) send_to_push();
  if (c_.runs(Workload::kIdle)) idle_memory();
  if (c_.runs(Workload::kGroup)) group_sends();
  if (c_.runs(Workload::kRead) || c_.runs(Workload::kDashboard)) big_message();
  if (c_.runs(Workload::kRead)) mark_read();
  if (c_.runs(Workload::kDashboard)) dashboard();

  device_fleet_.reset();
  server_.stop();
  report_.print_summary();
  report_.write_json(c_.json, c_.smoke, pg_version_);
  std::printf("\nJSON: %s\n", c_.json.c_str());
  return 0;
}

// Only the users and groups the selected workloads need: the 90,000 extra recipients and their
// group only for the big message of mark-read and the dashboard.
void Suite::setup() {
  const bool recipient = c_.runs(Workload::kDirect) || c_.runs(Workload::kCatchup);
  const bool big = c_.runs(Workload::kRead) || c_.runs(Workload::kDashboard);
  const bool large = big || c_.runs(Workload::kGroup);
  const int devices = large || c_.runs(Workload::kIdle) ? c_.idle
                      : c_.runs(Workload::kPush)        ? c_.devices
                                                        : 0;
  const int extras = big ? c_.big - c_.idle : 0;
  std::vector<int> groups;
  if (c_.runs(Workload::kGroup)) groups.push_back(c_.small_group);
  if (large) groups.push_back(c_.idle);
  if (big) groups.push_back(extras);

  const auto t0 = Steady::now();
  std::printf("setup: %d users%s...\n", c_.ws_conns + (recipient ? 1 : 0) + devices + extras,
              groups_phrase(groups).c_str());
  senders_ = setup_->users("sender", c_.ws_conns);
  setup_->grant(senders_[0], "send_to_large_audiences");  // sends the big message
  if (recipient) recipient_ = setup_->users("recipient", 1)[0];
  devices_ = setup_->users("device", devices);
  if (big) extras_ = setup_->users("extra", extras, false);
  if (c_.runs(Workload::kGroup)) {
    const std::vector<BenchUser> small(devices_.begin(), devices_.begin() + c_.small_group);
    group_small_ = setup_->group("small", small, senders_[0].token);
  }
  if (large) group_large_ = setup_->group("large", devices_, senders_[0].token);
  if (big) group_extra_ = setup_->group("extra", extras_, senders_[0].token);
  std::printf("setup: done in %.0f s\n\n",
              std::chrono::duration<double>(Steady::now() - t0).count());
}

// (1) Direct sends, durable ack: WebSocket pipelined and HTTP keep-alive, closed loop; the
// baseline at each concurrency.
void Suite::direct_sends() {
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

  top_up_recipient(subject);
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
}

// Sends the recipient the rest of the `catchup` missed entries (not measured): after the direct
// sends, or all of them when those did not run.
void Suite::top_up_recipient(std::string_view subject) {
  if (sent_to_recipient_ >= std::uint64_t(c_.catchup)) return;
  Row topup = ws_closed_loop("top-up", 3600, c_.catchup - std::int64_t(sent_to_recipient_),
                             [&](std::int64_t id) { return send_frame(id, "users", recipient_.id, subject); });
  sent_to_recipient_ += topup.ops;
}

// Closed loop over `ws_conns` WebSocket connections with `ws_depth` requests in flight
// each, for `seconds` or until `limit` answers (when > 0).
Row Suite::ws_closed_loop(const std::string& name, double seconds, std::int64_t limit,
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
void Suite::catchup() {
  top_up_recipient("direct");
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

}  // namespace missive::bench
