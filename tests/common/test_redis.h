#pragma once
// The private redis-server of a test run: CTest's "redis" fixture starts it with
// scripts/test_redis.sh (tests/CMakeLists.txt) and hands the tests that require the fixture
// the environment variable MISSIVE_TEST_REDIS_DIR, where the script keeps it (DIR/url holds
// redis://127.0.0.1:PORT, the port being chosen when it starts). The script's path is compiled
// in (MISSIVE_TEST_REDIS_SCRIPT), to stop and start it again mid-test on the same port. Those
// tests hold CTest's "redis" resource lock, so an outage played by one never hits another.
//
// Thread-safety: one owner thread.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

namespace missive::test_support {

class TestRedis {
 public:
  // nullopt outside CTest (the variables are unset): the caller skips.
  static std::optional<TestRedis> from_env() {
    const char* dir = std::getenv("MISSIVE_TEST_REDIS_DIR");
    if (dir == nullptr || *dir == '\0') return std::nullopt;
    return TestRedis(dir, MISSIVE_TEST_REDIS_SCRIPT);
  }

  // redis://127.0.0.1:PORT
  std::string url() const {
    std::ifstream in(dir_ + "/url");
    std::string url;
    if (!std::getline(in, url)) throw std::runtime_error("no " + dir_ + "/url");
    return url;
  }
  int port() const { return std::stoi(url().substr(url().rfind(':') + 1)); }

  // Stops the server (its clients see their connections close) and waits until it is gone.
  void stop() const { run("stop"); }
  // Starts it again on the same port, empty; returns once it answers.
  void start() const { run("start"); }

  // Runs redis-cli against the server; its output, one reply element per line ("" on failure).
  std::string cli(const std::string& args) const {
    const std::string command = "redis-cli -u " + url() + " " + args + " 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return "";
    std::string out;
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    pclose(pipe);
    return out;
  }

 private:
  TestRedis(std::string dir, std::string script)
      : dir_(std::move(dir)), script_(std::move(script)) {}

  void run(const std::string& action) const {
    const std::string command = script_ + " " + action + " " + dir_;
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }

  std::string dir_;
  std::string script_;
};

}  // namespace missive::test_support
