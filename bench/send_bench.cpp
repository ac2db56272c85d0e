// Send throughput through the engine on the embedded SQLite store, as ratios against a
// baseline measured in the same run (absolute times on shared machines mislead):
//   - group commit: 16 concurrent senders vs 1 sender (same total number of sends);
//   - fan-out: a send to a group of 10 vs a direct message, both with 16 senders.
// Usage: send_bench [sends]   (default 2000 per phase)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"

namespace missive {
namespace {

struct Fixture {
  std::filesystem::path dir;
  SystemClock clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
  std::vector<Caller> senders;
  UserId direct_recipient;
  GroupId group;
};

Caller must_user(Engine& engine, const Caller& admin, const std::string& handle) {
  auto user = engine.create_user(admin, CreateUserRequest{.handle = handle,
                                                          .first_name = "Bench",
                                                          .last_name = handle,
                                                          .password = "bench-password"});
  if (!user) {
    std::fprintf(stderr, "create_user: %s\n", user.error().message.c_str());
    std::exit(1);
  }
  return Caller{.id = user->id, .is_admin = false};
}

Fixture make_fixture() {
  Fixture f;
  f.dir = std::filesystem::temp_directory_path() /
          ("missive-bench-" + std::to_string(std::random_device{}()));
  auto store = open_sqlite_store(SqliteOptions{.path = (f.dir / "missive.db").string()});
  if (!store) {
    std::fprintf(stderr, "open: %s\n", store.error().message.c_str());
    std::exit(1);
  }
  f.store = std::move(*store);
  f.engine = std::make_unique<Engine>(*f.store, f.clock,
                                      EngineOptions{.password_cost = PasswordCost::minimal});
  (void)f.engine->bootstrap_admin("bench-admin");
  const Caller admin{.id = UserId{1}, .is_admin = true};
  f.direct_recipient = must_user(*f.engine, admin, "recipient").id;
  auto group = f.engine->create_group(admin, CreateGroupRequest{.name = "ten"});
  f.group = group->id;
  for (int i = 0; i < 10; ++i) {
    (void)f.engine->add_member(admin, f.group, must_user(*f.engine, admin, "member" + std::to_string(i)).id);
  }
  for (int i = 0; i < 16; ++i) {
    const Caller sender = must_user(*f.engine, admin, "sender" + std::to_string(i));
    (void)f.engine->add_member(admin, f.group, sender.id);
    f.senders.push_back(sender);
  }
  return f;
}

// Sends `total` messages split over `threads` senders; returns sends per second.
double run(Fixture& f, int threads, int total, bool to_group) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Addresses to;
      if (to_group) {
        to.groups = {f.group};
      } else {
        to.users = {f.direct_recipient};
      }
      for (int i = t; i < total; i += threads) {
        auto sent = f.engine->send(f.senders[t], SendRequest{.to = to, .subject = "bench", .body = "body"});
        if (!sent) {
          std::fprintf(stderr, "send: %s\n", sent.error().message.c_str());
          std::exit(1);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return total / seconds;
}

}  // namespace
}  // namespace missive

int main(int argc, char** argv) {
  using namespace missive;
  const int sends = argc > 1 ? std::atoi(argv[1]) : 2000;
  Fixture f = make_fixture();
  run(f, 16, 200, false);  // warm up caches and the statement cache
  const double one = run(f, 1, sends, false);
  const double many = run(f, 16, sends, false);
  const double group = run(f, 16, sends, true);
  std::printf("%-44s %10s %8s\n", "phase", "sends/s", "ratio");
  std::printf("%-44s %10.0f %8.2f\n", "direct, 1 sender (baseline)", one, 1.0);
  std::printf("%-44s %10.0f %8.2f\n", "direct, 16 senders (group commit)", many, many / one);
  std::printf("%-44s %10.0f %8.2f\n", "group of 10+16, 16 senders (vs direct, 16)", group, group / many);
  f.engine.reset();
  f.store.reset();
  std::filesystem::remove_all(f.dir);
  return 0;
}
