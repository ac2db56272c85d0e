// The main suite's workloads on one message to `big` recipients: sending it, then (5) mark-read
// by every connected device and (6) the dashboard's read %.
#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include <fmt/format.h>

#include "bench_util.h"
#include "suite.h"

namespace missive::bench {

// The message of the dashboard (6) and mark-read (5) workloads: to `big` recipients (the
// large group and the extra group), sent once; waits for its fan-out to finish.
void Suite::big_message() {
  connect_all_devices();
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
void Suite::mark_read() {
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
void Suite::dashboard() {
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

}  // namespace missive::bench
