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
  run_and_expect_nothing_lost("crash test");
}

}  // namespace
}  // namespace missive::itest
