// Durability (issue 18): the workload and checks of crash_workload.h, but each crash is a
// power cut. The server runs over tests/powerloss/powerloss_shim.c (LD_PRELOAD), which keeps
// beside the data directory an image of what a disk would still hold: a file's content only
// as of its last fsync/fdatasync, a name only as of its directory's last fsync. A power cut
// SIGKILLs the server, replaces the data directory with that image (powerloss_disk.h) and
// starts the server on it. A SIGKILL alone (crash_test.cpp) cannot show this: the kernel keeps
// every write of a killed process.
//
// The second test ignores every sync (MISSIVE_POWERLOSS_IGNORE_SYNC=1: what a server that
// acknowledges before its fsync leaves after a cut) and requires the checker to find lost
// acknowledged messages: the first test's checks can fail.
//
// SQLite only: on PostgreSQL the database lives outside the data directory. Not under a
// sanitizer: the shim is not built there (a sanitizer runtime must come first in a process).
// The short run is part of `make test`; `make soak` runs it for minutes (MISSIVE_CRASH_SECONDS,
// MISSIVE_CRASH_SEED, as the crash test).
#include "crash_workload.h"  // first: it configures RapidJSON's assertions

#include <fstream>
#include <iostream>
#include <iterator>

#include "media_http.h"
#include "powerloss_disk.h"
#include "raw_http.h"

namespace missive::itest {
namespace {

namespace fs = std::filesystem;

// The reason a power-loss test cannot run here, or empty.
std::string why_not_here() {
  if (on_postgres()) {
    return "power cuts are modelled on the data directory; PostgreSQL's data is elsewhere (its "
           "durability is synchronous_commit's)";
  }
  if (!PowerLossDisk::available()) return "the LD_PRELOAD power-loss shim is not built under a sanitizer";
  return {};
}

class PowerLossTest : public CrashWorkloadTest {
 protected:
  void SetUp() override {
    if (const auto why = why_not_here(); !why.empty()) GTEST_SKIP() << why;
    disk_.attach(server_, ignore_sync_);  // from the empty directory on
    CrashWorkloadTest::SetUp();
  }
  // The power goes off: the server dies, the disk keeps its image; then power on.
  void crash() override { disk_.cut(server_); }
  // Before disk_ goes (the image directory with it): the server must not outlive its image.
  void TearDown() override { server_.kill(); }

  bool ignore_sync_ = false;
  PowerLossDisk disk_;
};

TEST_F(PowerLossTest, AcknowledgedWritesSurvivePowerCuts) {
  run_and_expect_nothing_lost("power-loss test");
}

std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh data directory's first life: the server makes blobs/, tmp/ and url-signing-key
// after SQLite's last sync of the directory (when it made the WAL), so unless the server
// syncs the directory itself, a cut takes them back with every attachment stored meanwhile.
TEST_F(PowerLossTest, AttachmentsAndTheSigningKeyOfTheFirstStartSurviveACut) {
  auto ada = person("ada");
  const std::string bytes(5000, 'x');
  const auto uploaded = raw_request(server_.port(), "POST", "/v1/uploads?name=a.bin",
                                    bearer(admin().token()), bytes);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  const auto upload = parse_json(uploaded.body)["id"].GetInt64();
  const auto sent =
      admin().send_to_users({ada.id}, "Files", ",\"attachments\":[" + std::to_string(upload) + "]");
  ASSERT_EQ(sent.status, 201) << sent.body;
  const auto key = file_text(server_.data_dir() / "url-signing-key");
  ASSERT_FALSE(key.empty());

  crash();
  reconnect();
  const auto download = raw_request(server_.port(), "GET", "/v1/attachments/" + std::to_string(upload),
                                    bearer(ada.api->token()));
  EXPECT_EQ(download.status, 200) << download.body;
  EXPECT_TRUE(download.body == bytes) << "the attachment's bytes changed";
  EXPECT_TRUE(file_text(server_.data_dir() / "url-signing-key") == key)
      << "a new URL signing key: links signed before the cut no longer work";
}

class PowerLossIgnoringSyncsTest : public PowerLossTest {
 protected:
  void SetUp() override {
    ignore_sync_ = true;
    tolerate_loss_ = true;
    PowerLossTest::SetUp();
  }
};

// Nothing is ever synced, so each power cut takes back everything acknowledged since the
// server started. Each cut waits for 5 new acknowledged messages, so every run loses some and
// the checker must say so (one lost message suffices: the race of an answer of the previous
// server recorded late can only take away 4 of the 5). The users are created before the cuts begin and kept by a clean
// restart (SIGTERM leaves the real directory complete; the image starts from it).
TEST_F(PowerLossIgnoringSyncsTest, TheCheckerFindsTheLostAcknowledgedWrites) {
  after_setup_ = [this] {
    disk_.clean_restart(server_);
    reconnect();
  };
  RunOptions options;
  options.seconds = 1;
  options.min_crashes = 3;
  options.min_acked = 15;
  options.min_acked_per_crash = 5;
  run(options, seed_from_env("power-loss test, syncs ignored"), "power-loss test, syncs ignored");
  const auto found = check();
  std::cout << "syncs ignored: the checker found " << found.problem_count << " problems: "
            << found.lost_messages << " acknowledged messages, " << found.lost_reads
            << " reads and " << found.lost_reminders << " reminder schedules lost\n";
  for (std::size_t i = 0; i < found.problems.size() && i < 5; ++i) {
    std::cout << "  e.g. " << found.problems[i] << '\n';
  }
  EXPECT_GE(found.lost_messages, 1u);
}

}  // namespace
}  // namespace missive::itest
