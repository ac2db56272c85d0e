// The runner, with shell scripts standing in for a worker that crashes, hangs, leaks or lies.

#include "media/preview.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "media_test_support.h"

namespace missive::media {
namespace {

using namespace std::chrono_literals;
using testing::ScratchDir;

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = dir_ / "input";
    testing::write_file(input_, "\x89PNG\r\n\x1A\n");
    out_ = dir_ / "out";
    std::filesystem::create_directory(out_);
  }

  Preview run_script(const std::string& body, PreviewLimits limits = {}) {
    const auto script = dir_ / "worker.sh";
    testing::write_script(script, body);
    return make_preview(script, input_, "image/png", out_, limits);
  }

  // No child of this process is left unreaped (the tests start no other children that live).
  static void expect_no_children() {
    int status = 0;
    EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
  }

  ScratchDir dir_;
  std::filesystem::path input_, out_;
};

TEST_F(RunnerTest, NonMediaTypesRunNothing) {
  for (const char* mime : {"text/plain", "application/pdf", "image/svg+xml", "text/html",
                           "application/octet-stream", "image/bmp"}) {
    const Preview preview = make_preview("/nonexistent/worker", input_, mime, out_, {});
    EXPECT_EQ(preview.status, PreviewStatus::none) << mime;
    EXPECT_TRUE(preview.error.empty()) << mime;
  }
  EXPECT_EQ(make_preview("/nonexistent/worker", input_, "image/svg+xml", out_, {}).kind,
            MediaKind::image);
}

TEST_F(RunnerTest, MissingWorkerFails) {
  const Preview preview = make_preview(dir_ / "no-such-worker", input_, "image/png", out_, {});
  EXPECT_EQ(preview.status, PreviewStatus::failed);
  EXPECT_NE(preview.error.find("could not be run"), std::string::npos) << preview.error;
  expect_no_children();
}

TEST_F(RunnerTest, PassesTheProtocolThrough) {
  testing::write_file(out_ / "thumb.webp", "RIFF");
  const Preview preview = run_script(
      R"(echo '{"kind":"image","status":"ready","width":4,"height":3,)"
      R"("thumbnail":"thumb.webp","thumbnail_type":"image/webp"}')");
  EXPECT_EQ(preview.status, PreviewStatus::ready) << preview.error;
  EXPECT_EQ(preview.width, 4);
  EXPECT_EQ(preview.thumbnail, out_ / "thumb.webp");
}

TEST_F(RunnerTest, ArgumentsFollowTheProtocol) {
  PreviewLimits limits;
  limits.max_pixels = 1234;
  limits.thumbnail_px = 99;
  const auto args = dir_ / "args";
  const Preview preview = run_script(
      "echo \"$@\" > '" + args.string() + "'\n" + R"(echo '{"kind":"image","status":"none"}')",
      limits);
  EXPECT_EQ(preview.status, PreviewStatus::none) << preview.error;
  EXPECT_EQ(testing::read_file(args),
            "preview --in " + input_.string() + " --type image/png --out-dir " + out_.string() +
                " --max-pixels 1234 --size 99\n");
}

TEST_F(RunnerTest, CrashIsFailedWithTheSignal) {
  const auto start = std::chrono::steady_clock::now();
  const Preview preview = run_script("echo 'decoder: about to crash' >&2\nkill -SEGV $$");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(preview.status, PreviewStatus::failed);
  EXPECT_EQ(preview.kind, MediaKind::image);
  EXPECT_NE(preview.error.find("crashed with signal 11"), std::string::npos) << preview.error;
  EXPECT_NE(preview.error.find("about to crash"), std::string::npos) << "stderr is kept";
  expect_no_children();
}

TEST_F(RunnerTest, HangIsKilledAtTheWallClockWithItsChildren) {
  PreviewLimits limits;
  limits.wall_seconds = 1;
  const auto pid_file = dir_ / "sleep.pid";
  const auto start = std::chrono::steady_clock::now();
  const Preview preview =
      run_script("sleep 1000 &\necho $! > '" + pid_file.string() + "'\nwait", limits);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(preview.status, PreviewStatus::failed);
  EXPECT_NE(preview.error.find("timed out after 1 s"), std::string::npos) << preview.error;
  expect_no_children();
  // The worker's own child went with it (its process group was killed): gone, or a zombie
  // waiting for whoever inherited it.
  const pid_t sleeper = std::atoi(testing::read_file(pid_file).c_str());
  ASSERT_GT(sleeper, 0);
  bool dead = false;
  for (int i = 0; i < 100 && !dead; ++i) {
    const std::string stat = testing::read_file("/proc/" + std::to_string(sleeper) + "/stat");
    const auto paren = stat.rfind(')');
    dead = stat.empty() || (paren != std::string::npos && stat.substr(paren + 2, 1) == "Z");
    if (!dead) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(dead);
}

TEST_F(RunnerTest, WorkerThatClosesItsOutputAndHangsIsStillKilled) {
  PreviewLimits limits;
  limits.wall_seconds = 1;
  const Preview preview = run_script("exec >&- 2>&-\nsleep 1000", limits);
  EXPECT_EQ(preview.status, PreviewStatus::failed);
  EXPECT_NE(preview.error.find("timed out"), std::string::npos) << preview.error;
  expect_no_children();
}

TEST_F(RunnerTest, NonZeroExitIsFailed) {
  const Preview preview = run_script("echo 'bad flag' >&2\nexit 3");
  EXPECT_EQ(preview.status, PreviewStatus::failed);
  EXPECT_NE(preview.error.find("exited with status 3: bad flag"), std::string::npos)
      << preview.error;
}

TEST_F(RunnerTest, GarbageOutputIsFailed) {
  EXPECT_EQ(run_script("echo hello").status, PreviewStatus::failed);
  EXPECT_EQ(run_script("true").status, PreviewStatus::failed);
  const Preview wrong_kind = run_script(R"(echo '{"kind":"audio","status":"ready"}')");
  EXPECT_EQ(wrong_kind.status, PreviewStatus::failed);
  EXPECT_EQ(wrong_kind.kind, MediaKind::image);
}

TEST_F(RunnerTest, FloodedOutputIsBoundedAndFailed) {
  const Preview preview = run_script("head -c 10000000 /dev/zero | tr '\\0' x\nhead -c 10000000 /dev/zero >&2");
  EXPECT_EQ(preview.status, PreviewStatus::failed);
  EXPECT_LT(preview.error.size(), 8192u);
}

TEST_F(RunnerTest, NoDescriptorsNoEnvironmentAndTheLimits) {
  // A descriptor the "server" opened without O_CLOEXEC, and a secret in its environment.
  const int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 3);
  ::setenv("MISSIVE_TEST_SECRET", "hunter2", 1);
  PreviewLimits limits;
  limits.memory_bytes = 512LL << 20;
  limits.cpu_seconds = 7;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  const std::string address_space = "unlimited";  // lifted for sanitizer builds (preview.cpp)
#else
  const std::string address_space = std::to_string(limits.memory_bytes / 1024);
#endif
  const Preview preview = run_script(
      "[ -e /proc/$$/fd/" + std::to_string(leaked) + " ] && exit 10\n"
      "[ -n \"$MISSIVE_TEST_SECRET\" ] && exit 11\n"
      "[ \"$(ulimit -c)\" = 0 ] || exit 12\n"
      "[ \"$(ulimit -n)\" = 64 ] || exit 13\n"
      "[ \"$(ulimit -v)\" = " + address_space + " ] || exit 14\n"
      "[ \"$(ulimit -t)\" = 7 ] || exit 15\n"
      "[ \"$(ulimit -f)\" = " + std::to_string(64 * 1024 * 1024 / 512) + " ] || exit 16\n"
      "[ \"$(cut -d' ' -f6 /proc/$$/stat)\" = $$ ] || exit 17\n"
      "read line && exit 18\n"  // stdin is /dev/null
      R"(echo '{"kind":"image","status":"none"}')",
      limits);
  ::close(leaked);
  ::unsetenv("MISSIVE_TEST_SECRET");
  EXPECT_EQ(preview.status, PreviewStatus::none) << preview.error;
}

TEST_F(RunnerTest, ManyThreadsAtOnce) {
  const auto crash = dir_ / "crash.sh";
  const auto ok = dir_ / "ok.sh";
  testing::write_script(crash, "kill -ABRT $$");
  testing::write_script(ok, R"(echo '{"kind":"video","status":"ready","duration_ms":1}')");
  std::vector<Preview> results(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = make_preview(i % 2 ? crash : ok, input_, "video/mp4", out_, {});
    });
  }
  for (auto& thread : threads) thread.join();
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i % 2) {
      EXPECT_EQ(results[i].status, PreviewStatus::failed);
      EXPECT_NE(results[i].error.find("signal 6"), std::string::npos) << results[i].error;
    } else {
      EXPECT_EQ(results[i].status, PreviewStatus::ready) << results[i].error;
      EXPECT_EQ(results[i].duration_ms, 1);
    }
  }
  expect_no_children();
}

TEST(DefaultWorkerPath, EnvironmentOrNextToTheProgram) {
  ::setenv("MISSIVE_MEDIA_WORKER", "/opt/x/missive-media", 1);
  EXPECT_EQ(default_worker_path(), "/opt/x/missive-media");
  ::unsetenv("MISSIVE_MEDIA_WORKER");
  const auto self = std::filesystem::read_symlink("/proc/self/exe");
  EXPECT_EQ(default_worker_path(), self.parent_path() / "missive-media");
}

}  // namespace
}  // namespace missive::media
