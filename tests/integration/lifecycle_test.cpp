// The server process under operational stress (issue 7): a graceful SIGTERM, and a disk that
// fills up and frees again while the server runs.
#include "sync_test_util.h"  // first: it configures RapidJSON's assertions

#include <sys/resource.h>
#include <sys/wait.h>

#include <cstring>
#include <filesystem>
#include <thread>

namespace missive::itest {
namespace {

using namespace std::chrono_literals;

class LifecycleTest : public SyncTest {
 protected:
  // The server's file size limit (RLIMIT_FSIZE, soft; the hard limit is kept so that an
  // unprivileged test can raise it again). Linux refuses a write that starts at or beyond the
  // limit with EFBIG, whatever the file's size: with a limit of 1 byte no database file can be
  // written to, which is what a full disk looks like to SQLite.
  void limit_file_size(rlim_t bytes) {
    rlimit current{};
    ASSERT_EQ(::prlimit(server_.pid(), RLIMIT_FSIZE, nullptr, &current), 0);
    const rlimit wanted{bytes, current.rlim_max};
    ASSERT_EQ(::prlimit(server_.pid(), RLIMIT_FSIZE, &wanted, nullptr), 0)
        << "prlimit: " << std::strerror(errno);
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
  const auto wal = server_.data_dir() / "missive.db-wal";
  ASSERT_TRUE(std::filesystem::exists(wal));

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
  EXPECT_TRUE(!std::filesystem::exists(wal) || std::filesystem::file_size(wal, ec) == 0)
      << "the WAL was left with " << std::filesystem::file_size(wal, ec) << " bytes";


  // Nothing acknowledged was lost with the checkpoint.
  server_.start();
  bob.api = client_with(bob.api->token());
  EXPECT_EQ(bob.api->inbox_ids().size(), 20u);
}

// A full disk: sends answer 503 "disk full ..." and write nothing, reads carry on, and once
// there is room again sends succeed without a restart.
TEST_F(LifecycleTest, ADiskFullFailsSendsWith503KeepsReadsAndRecoversWithoutARestart) {
  auto alice = person("alice");
  auto bob = person("bob");
  const auto first = alice.api->send_to_users({bob.id}, "before the disk filled");
  ASSERT_EQ(first.status, 201);

  limit_file_size(1);
  for (int i = 0; i < 3; ++i) {
    const auto refused = alice.api->send_to_users({bob.id}, "while full " + std::to_string(i),
                                                  ",\"client_msg_id\":\"full-" +
                                                      std::to_string(i) + "\"");
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

  limit_file_size(RLIM_INFINITY);
  const auto retried = alice.api->send_to_users({bob.id}, "while full 0",
                                                ",\"client_msg_id\":\"full-0\"");
  EXPECT_EQ(retried.status, 201) << "the failed send must not have been stored: " << retried.body;
  EXPECT_EQ(bob.api->post("/v1/messages/" + std::to_string(first.id()) + "/read").status, 200);
  EXPECT_EQ(bob.api->inbox_ids(), (std::vector<std::int64_t>{retried.id(), first.id()}));
  EXPECT_EQ(sent_of(retried.body, 201).seq, 2) << "the failed sends took no seq";

  // And what was written meanwhile survives a restart.
  restart({&alice, &bob});
  EXPECT_EQ(bob.api->inbox_ids(), (std::vector<std::int64_t>{retried.id(), first.id()}));
}

}  // namespace
}  // namespace missive::itest
