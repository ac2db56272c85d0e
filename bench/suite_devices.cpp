// The main suite's workloads over the device fleet (the group members, connected over
// WebSocket): (3) send -> push, (7) memory per idle device, (2) group sends.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "bench_util.h"
#include "suite.h"

namespace missive::bench {

// The device fleet: pushes of "t=<due>" subjects feed the push histogram, "g=" subjects the
// fan-out counter, answers (mark-read) the answer callback.
void Suite::ensure_device_fleet() {
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

// Connects devices_[connected, upto) to the fleet, in order (the fleet's device index is the
// index in devices_); returns how many it connected.
std::size_t Suite::connect_devices(std::size_t upto) {
  ensure_device_fleet();
  const std::size_t had = device_fleet_->connected();
  if (upto <= had) return 0;
  device_fleet_->connect(tokens_of(devices_, had, upto));
  return upto - had;
}

// Every device, for the workloads that wait for a push to all of them. When the idle-memory
// workload did not connect them, their registrations get a moment to settle (a push to a device
// the server has not registered yet would never come).
void Suite::connect_all_devices() {
  if (connect_devices(devices_.size()) > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// (3) Send -> push at a fixed offered rate with `devices` connected devices.
// At the target rate, then at a fifth of it (a rate the server sustains on a busy machine,
// where the latencies are not those of a backlog).
void Suite::send_to_push() {
  connect_devices(std::size_t(c_.devices));
  send_to_push_at(c_.rate);
  send_to_push_at(std::max(1, c_.rate / 5));
}

void Suite::send_to_push_at(int rate) {
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

// (7) Memory per idle connected device: the server's growth from the send -> push devices
// (connected here when that workload did not run) to all of them.
void Suite::idle_memory() {
  std::printf("\n7. memory per idle device: %d connections\n", c_.idle);
  connect_devices(std::size_t(c_.devices));
  const long before = rss_kib(server_.pid());
  const std::size_t had = device_fleet_->connected();
  device_fleet_->connect(tokens_of(devices_, had, devices_.size()));
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
void Suite::group_sends() {
  connect_all_devices();
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

}  // namespace missive::bench
