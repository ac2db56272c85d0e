// Crash safety (issue 7): the workload of crash_workload.h while the server is killed with
// SIGKILL at random moments and restarted on the same data, many times; then every
// acknowledged write must be there exactly once (crash_workload.h lists the checks).
//
// A SIGKILL loses nothing the kernel already holds, so this cannot show that a write reached
// the disk: powerloss_test.cpp runs the same workload over a disk that forgets what was not
// synced. The short run is part of `make test`; `make soak` runs it for minutes
// (MISSIVE_CRASH_SECONDS, MISSIVE_CRASH_SEED).
#include "crash_workload.h"  // first: it configures RapidJSON's assertions

namespace missive::itest {
namespace {

class CrashTest : public CrashWorkloadTest {
 protected:
  void crash() override {
    server_.kill();
    server_.start();
  }
};

TEST_F(CrashTest, AcknowledgedWritesSurviveRepeatedSigkills) {
  RunOptions options;
  options.seconds = env_number("MISSIVE_CRASH_SECONDS", 12);
  const auto kills = run(options, seed_from_env("crash test"), "crash test");
  for (const auto& f : failures()) ADD_FAILURE() << f;
  ASSERT_GE(kills, options.min_crashes);
  ASSERT_GE(acked_count(), options.min_acked);
  const auto found = check();
  for (const auto& problem : found.problems) ADD_FAILURE() << problem;
  EXPECT_EQ(found.problem_count, 0u);
}

}  // namespace
}  // namespace missive::itest
