// The server process under operational stress (issue 7): a graceful SIGTERM, a disk that
// fills up and frees again while the server runs, and `missive backup` during sends.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "sync_test_util.h"  // first: it configures RapidJSON's assertions
#include "test_postgres.h"

extern char** environ;

namespace missive::itest {
namespace {

using namespace std::chrono_literals;

class LifecycleTest : public SyncTest {
 protected:
  // The server's file size limit (RLIMIT_FSIZE, soft; the hard limit is kept so that an
  // unprivileged test can raise it again). Linux refuses a write that starts at or beyond the
  // limit with EFBIG, whatever the file's size: with a limit of 1 byte no database file can be
  // written to, which is what a full disk looks like to SQLite.
  // Empty on success, else why it could not be set.
  std::string limit_file_size(rlim_t bytes) {
    rlimit current{};
    if (::prlimit(server_.pid(), RLIMIT_FSIZE, nullptr, &current) != 0 ||
        (bytes != RLIM_INFINITY && current.rlim_max != RLIM_INFINITY && bytes > current.rlim_max)) {
      return std::string("prlimit: ") + std::strerror(errno);
    }
    const rlimit wanted{std::min(bytes, current.rlim_max), current.rlim_max};
    if (::prlimit(server_.pid(), RLIMIT_FSIZE, &wanted, nullptr) != 0) {
      return std::string("prlimit: ") + std::strerror(errno);
    }
    return {};
  }
};

// SIGTERM: WebSockets get a close frame 1001 with a reason, the process exits 0, and the WAL is
// checkpointed into the database (the -wal file is gone or empty).
TEST_F(LifecycleTest, SigtermClosesWebSocketsChecksPointsTheWalAndExitsZero) {
  auto alice = person("alice");
  auto bob = person("bob");
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(alice.api->send_to_users({bob.id}, "before stop " + std::to_string(i)).status, 201);
  }
  auto phone = device(bob);
  const bool sqlite = !on_postgres();  // the WAL is SQLite's
  const auto wal = server_.data_dir() / "missive.db-wal";
  if (sqlite) {
    ASSERT_TRUE(std::filesystem::exists(wal));
  }

  // The device reads while the server stops, so it can answer the close handshake.
  std::thread stopper;
  int status = -1;
  stopper = std::thread([&] { status = server_.stop(); });
  EXPECT_FALSE(phone->pump(5s)) << "the WebSocket stayed open";
  stopper.join();
  EXPECT_EQ(phone->ws().close_code(), 1001);
  EXPECT_EQ(phone->ws().close_reason(), "server shutting down");

  EXPECT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::error_code ec;
  EXPECT_TRUE(!sqlite || !std::filesystem::exists(wal) || std::filesystem::file_size(wal, ec) == 0)
      << "the WAL was left with " << std::filesystem::file_size(wal, ec) << " bytes";

  // Nothing acknowledged was lost with the checkpoint.
  server_.start();
  bob.api = client_with(bob.api->token());
  EXPECT_EQ(bob.api->inbox_ids().size(), 20u);
}

// A full disk: sends answer 503 "disk full ..." and write nothing, reads carry on, and once
// there is room again sends succeed without a restart.
TEST_F(LifecycleTest, ADiskFullFailsSendsWith503KeepsReadsAndRecoversWithoutARestart) {
  if (on_postgres()) GTEST_SKIP() << "the SQLite data file (PostgreSQL's disk and backups are its own)";
  auto alice = person("alice");
  auto bob = person("bob");
  const auto first = alice.api->send_to_users({bob.id}, "before the disk filled");
  ASSERT_EQ(first.status, 201);

  if (const auto why = limit_file_size(1); !why.empty()) {
    GTEST_SKIP() << "cannot limit the server's file size (" << why
                 << "): the disk-full behaviour is not tested here";
  }
  for (int i = 0; i < 3; ++i) {
    const auto refused =
        alice.api->send_to_users({bob.id}, "while full " + std::to_string(i),
                                 ",\"client_msg_id\":\"full-" + std::to_string(i) + "\"");
    EXPECT_EQ(refused.outcome(), "503 unavailable") << refused.body;
    EXPECT_NE(refused.error_message().find("disk full"), std::string::npos) << refused.body;
  }
  const auto read = bob.api->post("/v1/messages/" + std::to_string(first.id()) + "/read");
  EXPECT_EQ(read.status, 503) << "a read mark is a write: " << read.body;
  // Reads keep working.
  EXPECT_EQ(bob.api->inbox_ids(), std::vector<std::int64_t>{first.id()});
  EXPECT_EQ(bob.api->get("/v1/messages/" + std::to_string(first.id())).status, 200);
  EXPECT_EQ(bob.api->get("/v1/conversations").status, 200);
  EXPECT_EQ(alice.api->get("/v1/dashboard").status, 200);
  EXPECT_EQ(bob.api->get("/v1/search?q=disk").status, 200);

  ASSERT_EQ(limit_file_size(RLIM_INFINITY), "");
  const auto retried =
      alice.api->send_to_users({bob.id}, "while full 0", ",\"client_msg_id\":\"full-0\"");
  EXPECT_EQ(retried.status, 201) << "the failed send must not have been stored: " << retried.body;
  EXPECT_EQ(bob.api->post("/v1/messages/" + std::to_string(first.id()) + "/read").status, 200);
  EXPECT_EQ(bob.api->inbox_ids(), (std::vector<std::int64_t>{retried.id(), first.id()}));
  EXPECT_EQ(sent_of(retried.body, 201).seq, 2) << "the failed sends took no seq";

  // And what was written meanwhile survives a restart.
  restart({&alice, &bob});
  EXPECT_EQ(bob.api->inbox_ids(), (std::vector<std::int64_t>{retried.id(), first.id()}));
}

// Runs the missive binary with `args` and returns its exit code (-1 if it did not exit).
int run_missive(std::vector<std::string> args) {
  args.insert(args.begin(), MISSIVE_BINARY);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, MISSIVE_BINARY, nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// An online backup taken while a client keeps sending holds every message acknowledged before
// it started, and opens as the data of a new server.
TEST_F(LifecycleTest, ABackupTakenDuringSendsHoldsEverythingAcknowledgedBeforeIt) {
  if (on_postgres()) GTEST_SKIP() << "the SQLite data file (PostgreSQL's disk and backups are its own)";
  auto alice = person("alice");
  auto bob = person("bob");
  std::mutex mutex;
  std::vector<std::int64_t> acked;  // guarded by mutex
  std::atomic<bool> stop{false};
  std::thread sender([&, port = server_.port(), token = alice.api->token()] {
    TestApi api(port);
    api.set_token(token);
    for (int i = 0; i < 2000 && !stop; ++i) {
      const auto reply = api.send_to_users({bob.id}, "backup " + std::to_string(i));
      if (reply.status != 201) continue;
      std::lock_guard lock(mutex);
      acked.push_back(reply.id());
    }
  });
  const auto wait_for = [&](std::size_t count) {
    for (int i = 0; i < 2000; ++i) {
      {
        std::lock_guard lock(mutex);
        if (acked.size() >= count) return;
      }
      std::this_thread::sleep_for(5ms);
    }
  };
  wait_for(50);
  std::vector<std::int64_t> before;
  {
    std::lock_guard lock(mutex);
    before = acked;
  }
  const auto file = std::filesystem::temp_directory_path() /
                    ("missive-backup-" + std::to_string(std::random_device{}()) + ".db");
  const int code =
      run_missive({"backup", "--data", server_.data_dir().string(), "--to", file.string()});
  std::size_t during = 0;
  {
    std::lock_guard lock(mutex);
    during = acked.size() - before.size();
  }
  wait_for(before.size() + during + 20);  // sends carried on after the backup too
  stop = true;
  sender.join();
  ASSERT_EQ(code, 0);
  EXPECT_EQ(run_missive({"backup", "--data", server_.data_dir().string(), "--to", file.string()}),
            1)
      << "an existing backup file must not be overwritten";
  EXPECT_FALSE(std::filesystem::exists(file.string() + "-wal")) << "the backup is one file";

  ServerProcess restored;
  std::filesystem::copy_file(file, restored.data_dir() / "missive.db");
  std::filesystem::remove(file);
  restored.start();
  TestApi api(restored.port());
  api.set_token(alice.api->token());  // sessions are part of the database
  for (const auto id : before) {
    EXPECT_EQ(api.get("/v1/messages/" + std::to_string(id)).status, 200) << "message " << id;
  }
  const auto conversation = api.get("/v1/conversations");
  ASSERT_EQ(conversation.status, 200);
  const auto max_seq = conversation.json["conversations"][0]["max_seq"].GetInt64();
  EXPECT_GE(max_seq, static_cast<std::int64_t>(before.size()));
  EXPECT_LE(max_seq, static_cast<std::int64_t>(before.size() + during + 1));
  std::cout << "backup: " << before.size() << " messages acknowledged before it, " << during
            << " during it, " << max_seq << " in it\n";
}

}  // namespace
}  // namespace missive::itest
