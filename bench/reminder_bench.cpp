// One reminder pass over a message to N recipients (default 100,000), as ratios against
// baselines measured in the same run (absolute times on shared machines mislead):
//   - the pass vs the send of that message (both one transaction over N recipients);
//   - the pass vs N single-row write transactions, extrapolated from 1,000 of them (what a
//     pass that wrote one transaction per recipient would at least cost).
// The audience is a rule group, so no membership rows are needed; users are created through
// the Store interface from many threads so group commit batches them.
// Usage: reminder_bench [recipients]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/time_format.h"
#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"

namespace missive {
namespace {

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void create_users(Store& store, int count, Timestamp now) {
  constexpr int kThreads = 64;
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        must(store.create_user(NewUser{.handle = "r" + std::to_string(i),
                                       .first_name = "Bench",
                                       .last_name = "Recipient",
                                       .password_hash = "unused",
                                       .attributes = {{"bench", std::string("yes")}},
                                       .created_at = now}),
             "create_user");
      }
    });
  }
  for (auto& w : workers) w.join();
}

}  // namespace
}  // namespace missive

int main(int argc, char** argv) {
  using namespace missive;
  const int recipients = argc > 1 ? std::max(1, std::atoi(argv[1])) : 100'000;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("missive-reminder-bench-" + std::to_string(std::random_device{}()));
  auto store = must(open_sqlite_store(SqliteOptions{.path = (dir / "missive.db").string()}),
                    "open");
  ManualClock clock(*parse_time("2030-03-01T12:00:00Z"));
  Engine engine(*store, clock, EngineOptions{.password_cost = PasswordCost::minimal});
  must(engine.bootstrap_admin("bench-admin"), "bootstrap");
  const Caller admin{.id = UserId{1}, .is_admin = true};

  auto start = std::chrono::steady_clock::now();
  create_users(*store, recipients, clock.now());
  std::printf("created %d users in %.1f s\n", recipients, seconds_since(start));
  const auto group = must(engine.create_group(admin, CreateGroupRequest{.name = "everyone",
                                                                        .rule = "bench = \"yes\""}),
                          "group");

  start = std::chrono::steady_clock::now();
  const auto sent = must(engine.send(admin, SendRequest{.to = {.groups = {group.id}},
                                                        .subject = "Please confirm",
                                                        .body = "body",
                                                        .expiry_date = *parse_time("2030-03-10"),
                                                        .reminders = ReminderSettings{1, false}}),
                         "send");
  // Over --diffusion-limit: the recipients are written after the send; both are timed.
  must(engine.run_fanout(), "fan-out");
  const double send_s = seconds_since(start);

  // Baseline: single-row write transactions, one at a time (what per-recipient writes cost).
  constexpr int kSingles = 1000;
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < kSingles; ++i) {
    must(store->create_session("bench-" + std::to_string(i),
                               Session{.user = sent.message.creator, .created_at = 0,
                                       .expires_at = 1}),
         "create_session");
  }
  const double singles_s = seconds_since(start) * recipients / kSingles;

  clock.set(*parse_time("2030-03-02T09:30:00Z"));
  start = std::chrono::steady_clock::now();
  const auto report = must(engine.run_due_reminders(clock.now()), "pass");
  const double pass_s = seconds_since(start);
  if (report.reminders != recipients) {
    std::fprintf(stderr, "expected %d reminders, the pass sent %lld\n", recipients,
                 static_cast<long long>(report.reminders));
    return 1;
  }
  start = std::chrono::steady_clock::now();
  const auto again = must(engine.run_due_reminders(clock.now()), "second pass");
  const double again_s = seconds_since(start);
  if (again.reminders != 0) {
    std::fprintf(stderr, "a second pass at the same instant sent %lld reminders\n",
                 static_cast<long long>(again.reminders));
    return 1;
  }

  std::printf("%-58s %10s %8s\n", "phase", "seconds", "ratio");
  std::printf("%-58s %10.3f %8.2f\n", "send to all recipients, with its fan-out (baseline)", send_s, 1.0);
  std::printf("%-58s %10.3f %8.2f\n", "one reminder pass, all recipients (vs send)", pass_s,
              pass_s / send_s);
  std::printf("%-58s %10.3f %8.2f\n", "one write transaction per recipient (extrapolated)",
              singles_s, singles_s / send_s);
  std::printf("%-58s %10.3f %8.2f\n", "second pass at the same instant (nothing due)", again_s,
              again_s / send_s);
  std::printf("pass: %lld reminders in %lld round(s); %.1fx faster than per-recipient "
              "transactions\n",
              static_cast<long long>(report.reminders), static_cast<long long>(report.rounds),
              singles_s / pass_s);
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
