#pragma once
// The workload and checker shared by the crash test (SIGKILL, crash_test.cpp) and the
// power-loss test (a disk that keeps only what was synced, powerloss_test.cpp).
//
// Four users send (directly, to a group, some with reminders), reply, read messages and whole
// conversations and pull their sync timeline over HTTP, while the fixture's crash() takes the
// server down at random moments and brings it back. Every request is retried until it
// succeeds (sends with their client_msg_id), so by the end every send a client attempted has
// been acknowledged. check() then verifies, through the API, on a server restarted once more:
// - every acknowledged message exists exactly once (each sender's dashboard lists exactly the
//   acknowledged ids, and retries answered the same id);
// - each conversation's seqs are 1..n without a gap, and in commit order (a message
//   acknowledged before another was first sent has the smaller seq);
// - every acknowledged read is there (a message read, or every message up to the read_seq a
//   conversation read answered), and a message sent with reminders still has its schedule;
// - each message's read counters (dashboard) equal a recount of its recipient records;
// - a device that kept its sync cursor across every crash, and a fresh device from 0, each end
//   with timeline seqs 1..N and exactly one message entry per message the user sent or got.
// check() returns what it found instead of failing the test, so that a test can also require
// it to find a loss (powerloss_test.cpp, with syncs ignored).
//
// Environment: MISSIVE_CRASH_SECONDS (how long the crashing goes on; default 12) and
// MISSIVE_CRASH_SEED (default: random; printed so a failure can be replayed).
//
// Thread-safety: run() starts one thread per user; the rest belongs to the test's thread.

#include "sync_test_util.h"  // first: it configures RapidJSON's assertions

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace missive::itest {

std::int64_t env_number(const char* name, std::int64_t fallback);

// What check() found. `problems` lists everything (at most the first 50, `problem_count`
// counts them all); the lost_* counters count acknowledged writes that are gone.
struct CrashCheck {
  std::vector<std::string> problems;
  std::size_t problem_count = 0;
  std::size_t lost_messages = 0;   // acknowledged, not in the sender's dashboard
  std::size_t lost_reads = 0;      // acknowledged, the recipient record is unread
  std::size_t lost_reminders = 0;  // sent with reminders, no schedule any more
  void add(std::string problem);
};

class CrashWorkloadTest : public IntegrationTest {
 protected:
  using Clock = std::chrono::steady_clock;

  // How a run goes on. The run lasts `seconds`, and longer (up to five times) until it has
  // crashed the server at least `min_crashes` times with `min_acked` messages acknowledged: a
  // slow machine or a sanitizer build restarts the server less often in the same time. With
  // `min_acked_per_crash`, each crash also waits (up to 30 s) for that many new acks.
  struct RunOptions {
    std::int64_t seconds = 12;
    int min_crashes = 10;
    std::size_t min_acked = 50;
    std::size_t min_acked_per_crash = 0;
  };

  // Takes the server down and brings it back on what is left of its data (the port changes).
  virtual void crash() = 0;
  // Points the admin client and the workers at the current server.
  void reconnect();

  // Creates the users and the group, then runs the workload while crashing the server; ends
  // with the workers finished on a live server and one last crash. Returns the crash count.
  int run(const RunOptions& options, std::uint64_t seed, const std::string& name);
  // The seed of MISSIVE_CRASH_SEED, or a random one; prints it under `name`.
  static std::uint64_t seed_from_env(const std::string& name);

  CrashCheck check();
  // run() for MISSIVE_CRASH_SECONDS (default 12) with MISSIVE_CRASH_SEED, then check(): fails
  // the test on any failure of the run, too few crashes or acks, or any problem found.
  void run_and_expect_nothing_lost(const std::string& name);

  // The workload after data loss (the negative power-loss test): answers that a lost message
  // or session explains (4xx, a sync reset) end the action instead of counting as failures.
  bool tolerate_loss_ = false;
  // Called by run() once the users and the group exist, before the workload starts.
  std::function<void()> after_setup_;

  std::vector<std::string> failures() {
    std::lock_guard lock(mutex_);
    return failures_;
  }
  std::size_t acked_count() {
    std::lock_guard lock(mutex_);
    return acked_.size();
  }

 private:
  // One acknowledged send or reply.
  struct Acked {
    std::int64_t id = 0;
    std::int64_t conversation = 0;
    std::int64_t seq = 0;
    std::int64_t sender = 0;
    std::string client_msg_id;
    bool reminders = false;
    Clock::time_point started;  // the first attempt
    Clock::time_point acked;    // the answer that acknowledged it
  };
  // One acknowledged read: of `message`, or of `conversation` up to `read_seq`.
  struct Read {
    std::int64_t reader = 0;
    std::int64_t message = 0;
    std::int64_t conversation = 0;
    std::int64_t read_seq = 0;
  };
  // A "device" that pulls GET /v1/sync over HTTP and keeps its cursor across crashes.
  struct HttpDevice {
    SyncSeq cursor = 0;
    std::vector<std::pair<SyncSeq, std::string>> entries;  // seq, kind
    std::vector<std::int64_t> message_ids;                 // of its message entries
  };
  struct Worker {
    Person person;
    std::uint16_t port = 0;  // of `person.api`
    HttpDevice device;
    std::mt19937_64 random;
    int next_msg = 0;
  };

  Reply call_until_ok(Worker& w, std::string_view method, const std::string& target,
                      const std::string& body = {});
  void fail(std::string what);
  void send(Worker& w, const std::string& body, const std::string& client_msg_id,
            bool reminders = false, const std::string& target = "/v1/messages");
  void pull(Worker& w);
  void act(Worker& w);
  // The id of a random item of `list` (a JSON array member of GET `target`'s answer): nullopt
  // when the answer is not 2xx or the list is empty.
  std::optional<std::int64_t> random_id(Worker& w, const std::string& target, const char* list);
  std::vector<std::int64_t> dashboard_ids(TestApi& api);
  void check_devices(CrashCheck& out,
                     std::map<std::int64_t, std::multiset<std::int64_t>>& expected_entries);

  std::mutex mutex_;
  std::vector<Acked> acked_;           // guarded by mutex_
  std::vector<Read> reads_;            // guarded by mutex_
  std::vector<std::string> failures_;  // guarded by mutex_
  std::atomic<std::uint16_t> port_{0};
  std::atomic<int> retries_{0};  // requests that failed on a dead connection
  std::vector<std::unique_ptr<Worker>> workers_;
  std::int64_t group_id_ = 0;
  std::int64_t listener_id_ = 0;  // a member who only receives
};

}  // namespace missive::itest
