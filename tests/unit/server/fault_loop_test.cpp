// Fail loops (issue 7), in the manner of Beast's doFailLoop: a representative sequence of
// requests (send, group send with reminders, reply, read, conversation read, reminder change,
// sync, ack, withdraw) is run again and again on a fresh store, failing the n-th store
// operation (or the n-th SQLite COMMIT) for n = 1, 2, ... until a run gets through without a
// failure. In every run exactly one request fails, with 503 and a JSON error; retrying it
// succeeds, the rest of the sequence succeeds, and the final state (everything the users can
// read) is exactly that of a run without faults: the failed attempt wrote nothing partial.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "engine/engine.h"
#include "faulty_store.h"
#include "server/api.h"
#include "store/sqlite/sqlite_store.h"

namespace missive::testing {
namespace {

constexpr Timestamp kStart = 1'790'000'000'000;  // 2026-09-21

// SQLite store + FaultyStore + Engine + Api in a temporary directory.
struct Stack {
  explicit Stack(std::atomic<long>* commits_to_fail_at) {
    dir = std::filesystem::temp_directory_path() /
          ("missive-faultloop-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    SqliteOptions options{.path = (dir / "missive.db").string()};
    options.sync_commits = false;  // durability is not under test here; fsyncs would be slow
    options.fail_commit = [this, commits_to_fail_at](std::size_t) {
      return commits_to_fail_at != nullptr && ++commits == commits_to_fail_at->load();
    };
    auto opened = open_sqlite_store(options);
    if (!opened) throw std::runtime_error(opened.error().message);
    store = std::move(*opened);
    faulty = std::make_unique<FaultyStore>(*store);
    engine = std::make_unique<Engine>(*faulty, clock,
                                      EngineOptions{.password_cost = PasswordCost::minimal});
    if (!engine->bootstrap_admin("admin-password")) throw std::runtime_error("bootstrap");
    api = std::make_unique<server::Api>(*engine);
  }
  ~Stack() {
    api.reset();
    engine.reset();
    faulty.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  server::HttpResponse call(const std::string& method, const std::string& target,
                            const std::string& body, const std::string& token) {
    return api->handle(server::HttpRequest{method, target, "Bearer " + token, body});
  }

  std::filesystem::path dir;
  ManualClock clock{kStart};
  std::atomic<long> commits{0};
  std::unique_ptr<Store> store;
  std::unique_ptr<FaultyStore> faulty;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<server::Api> api;
};

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

// The users, group and ids the sequence works with.
struct World {
  std::string admin, alice, bob, carol;  // tokens
  std::int64_t bob_id = 0, group = 0;
  std::int64_t m1 = 0, m2 = 0, conv2 = 0, carol_next = 0;
};

std::string login(Stack& s, const std::string& handle, const std::string& password) {
  auto r = s.api->handle(
      server::HttpRequest{"POST", "/v1/sessions", "",
                          R"({"handle":")" + handle + R"(","password":")" + password + R"("})"});
  if (r.status != 201) throw std::runtime_error("login " + handle + ": " + r.body);
  return parse(r.body)["token"].GetString();
}

std::int64_t must_id(const server::HttpResponse& r, const char* what) {
  if (r.status / 100 != 2) throw std::runtime_error(std::string(what) + ": " + r.body);
  return parse(r.body)["id"].GetInt64();
}

World set_up(Stack& s) {
  World w;
  w.admin = login(s, "admin", "admin-password");
  std::vector<std::int64_t> ids;
  for (const auto* handle : {"alice", "bob", "carol"}) {
    ids.push_back(must_id(
        s.call("POST", "/v1/users",
               R"({"handle":")" + std::string(handle) +
                   R"(","first_name":"F","last_name":"L","password":"password-)" + handle + R"("})",
               w.admin),
        "create user"));
  }
  w.bob_id = ids[1];
  w.group = must_id(s.call("POST", "/v1/groups", R"({"name":"crew"})", w.admin), "group");
  for (const auto id : ids) {
    const auto r =
        s.call("PUT", "/v1/groups/" + std::to_string(w.group) + "/members/" + std::to_string(id),
               "", w.admin);
    if (r.status != 204) throw std::runtime_error("add member: " + r.body);
  }
  w.alice = login(s, "alice", "password-alice");
  w.bob = login(s, "bob", "password-bob");
  w.carol = login(s, "carol", "password-carol");
  return w;
}

struct Step {
  const char* name;
  std::function<server::HttpResponse(Stack&, World&)> run;
  std::function<void(World&, const rapidjson::Document&)> after;  // on success
};

std::vector<Step> sequence() {
  return {
      {"send",
       [](Stack& s, World& w) {
         return s.call("POST", "/v1/messages",
                       R"({"to":{"users":[)" + std::to_string(w.bob_id) +
                           R"(]},"subject":"one","body":"b","client_msg_id":"m1"})",
                       w.alice);
       },
       [](World& w, const rapidjson::Document& d) { w.m1 = d["id"].GetInt64(); }},
      {"group send with reminders",
       [](Stack& s, World& w) {
         return s.call("POST", "/v1/messages",
                       R"({"to":{"groups":[)" + std::to_string(w.group) +
                           R"(]},"subject":"two","body":"b","client_msg_id":"m2",)"
                           R"("expiry_date":"2026-10-05","reminders":{"frequency":"daily"}})",
                       w.alice);
       },
       [](World& w, const rapidjson::Document& d) {
         w.m2 = d["id"].GetInt64();
         w.conv2 = d["conversation_id"].GetInt64();
       }},
      {"reply",
       [](Stack& s, World& w) {
         return s.call("POST", "/v1/messages/" + std::to_string(w.m1) + "/replies",
                       R"({"body":"noted","client_msg_id":"r1"})", w.bob);
       },
       nullptr},
      {"read",
       [](Stack& s, World& w) {
         return s.call("POST", "/v1/messages/" + std::to_string(w.m2) + "/read", "", w.bob);
       },
       nullptr},
      {"conversation read",
       [](Stack& s, World& w) {
         return s.call("POST", "/v1/conversations/" + std::to_string(w.conv2) + "/read", "",
                       w.carol);
       },
       nullptr},
      {"reminder change",
       [](Stack& s, World& w) {
         return s.call("PATCH", "/v1/messages/" + std::to_string(w.m2) + "/reminders",
                       R"({"every_days":3})", w.alice);
       },
       nullptr},
      {"sync",  // carol's device pulls, then acknowledges what it applied (as SyncClient does)
       [](Stack& s, World& w) {
         auto pulled = s.call("GET", "/v1/sync?since=0", "", w.carol);
         if (pulled.status != 200) return pulled;
         auto acked = s.call(
             "POST", "/v1/sync/ack",
             R"({"up_to":)" + std::to_string(parse(pulled.body)["next"].GetInt64()) + "}", w.carol);
         return acked.status == 204 ? pulled : acked;
       },
       [](World& w, const rapidjson::Document& d) { w.carol_next = d["next"].GetInt64(); }},
      {"ack",  // bob acknowledges pushes up to his newest entry (he never pulled)
       [](Stack& s, World& w) {
         auto newest = s.call("GET", "/v1/sync?since=1000000000&limit=1", "", w.bob);
         if (newest.status != 200) return newest;
         return s.call("POST", "/v1/sync/ack",
                       R"({"up_to":)" + std::to_string(parse(newest.body)["next"].GetInt64()) + "}",
                       w.bob);
       },
       nullptr},
      {"withdraw",
       [](Stack& s, World& w) {
         return s.call("POST", "/v1/messages/" + std::to_string(w.m1) + "/withdraw", "", w.alice);
       },
       nullptr},
  };
}

// Everything the users can read, as one text (the clock stands still, so runs compare equal).
std::string snapshot(Stack& s, const World& w) {
  std::string out;
  const auto get = [&](const std::string& who, const std::string& token,
                       const std::string& target) {
    const auto r = s.call("GET", target, "", token);
    out += who + " GET " + target + " -> " + std::to_string(r.status) + " " + r.body + "\n";
  };
  for (const auto& [who, token] :
       {std::pair{"alice", w.alice}, {"bob", w.bob}, {"carol", w.carol}}) {
    get(who, token, "/v1/inbox");
    get(who, token, "/v1/conversations");
    get(who, token, "/v1/dashboard");
    get(who, token, "/v1/reminders");
    get(who, token, "/v1/sync?since=0");
  }
  get("admin", w.admin, "/v1/dashboard/" + std::to_string(w.m1));
  get("admin", w.admin, "/v1/dashboard/" + std::to_string(w.m2));
  get("admin", w.admin, "/v1/messages/" + std::to_string(w.m2) + "/thread");
  get("admin", w.admin, "/v1/reminders/due?until=2026-10-06");
  return out;
}

// The first line where `state` and `reference` differ, both versions.
std::string first_difference(const std::string& state, const std::string& reference) {
  std::istringstream a(state);
  std::istringstream b(reference);
  std::string x;
  std::string y;
  while (std::getline(a, x) && std::getline(b, y)) {
    if (x != y) return "got:      " + x + "\nexpected: " + y;
  }
  return "(lengths differ)";
}

enum class Inject { store_operation, commit };

// Runs the sequence once, failing the n-th store operation or COMMIT (0: none). Returns the
// snapshot; `failed` gets the name of the step that answered 503 (empty: none did);
// `operations` how many store operations or commits the sequence made.
std::string run_once(Inject inject, long n, std::string& failed, long& operations) {
  std::atomic<long> fail_commit_at{0};
  Stack s(&fail_commit_at);
  World w = set_up(s);
  if (inject == Inject::store_operation) {
    s.faulty->fail_nth(n);
  } else {
    s.commits = 0;
    fail_commit_at = n;
  }
  for (const auto& step : sequence()) {
    auto r = step.run(s, w);
    if (r.status == 503) {
      const auto error = parse(r.body);
      EXPECT_TRUE(error.IsObject() && error.HasMember("error") &&
                  std::string(error["error"]["code"].GetString()) == "unavailable")
          << step.name << " (n=" << n << "): " << r.body;
      EXPECT_TRUE(failed.empty()) << "a second request failed: " << step.name << " (n=" << n
                                  << ") after " << failed;
      failed = step.name;
      r = step.run(s, w);  // the retry a client makes
    }
    if (r.status / 100 != 2) {
      ADD_FAILURE() << step.name << " (n=" << n << ", failed before: " << failed << ") answered "
                    << r.status << " " << r.body;
      return {};
    }
    if (step.after) step.after(w, parse(r.body));
  }
  operations = inject == Inject::store_operation ? s.faulty->operations() : s.commits.load();
  s.faulty->fail_nth(0);
  fail_commit_at = 0;
  return snapshot(s, w);
}

// `absorbed`: a step none of whose commits may fail with a 503 (a pull whose delivery mark
// fails still answers: the mark is best effort, and the ack after it makes it).
void fail_loop(Inject inject, int expected_at_least, const std::string& absorbed = {}) {
  std::string none;
  long total = 0;
  const auto reference = run_once(inject, 0, none, total);
  ASSERT_TRUE(none.empty());
  ASSERT_FALSE(reference.empty());
  int failures = 0;
  std::map<std::string, int> by_step;
  for (long n = 1; n <= total; ++n) {
    std::string failed;
    long operations = 0;
    const auto state = run_once(inject, n, failed, operations);
    if (::testing::Test::HasFailure()) return;
    // A failure the server absorbed (a best-effort write) must not change what users see
    // either, so every run is compared.
    if (state != reference) {
      ADD_FAILURE() << "after failing operation " << n << " of " << total << " (in "
                    << (failed.empty() ? "a request that still succeeded" : failed)
                    << ") the state differs:\n"
                    << first_difference(state, reference);
      return;
    }
    if (failed.empty()) continue;
    ++failures;
    ++by_step[failed];
  }
  std::cout << "fail loop: " << total << " operations, " << failures << " answered 503\n";
  EXPECT_GE(failures, expected_at_least);
  for (const auto& step : sequence()) {
    if (step.name != absorbed) {
      EXPECT_GT(by_step[step.name], 0) << step.name << " never failed";
    }
  }
}

TEST(FaultLoop, EveryStoreOperationFailingAnswers503AndWritesNothingPartial) {
  fail_loop(Inject::store_operation, 20);
}

TEST(FaultLoop, EveryCommitFailingAnswers503AndWritesNothingPartial) {
  fail_loop(Inject::commit, 8, "sync");
}

}  // namespace
}  // namespace missive::testing
