#pragma once
// The real `missive serve` as a subprocess on 127.0.0.1:0 with a fresh data directory, for
// black-box tests over HTTP. Its stdout and stderr (the log, at `warn` unless a test passes
// --log-level) are captured. The per-user send rate is off (MISSIVE_SEND_RATE=0) so tests can
// send in bulk; a test of the limit passes --send-rate, which wins over the environment. The
// process can be stopped (SIGTERM) and restarted on the same data; it is killed and its
// directory removed on destruction. On PostgreSQL (test_postgres.h:
// MISSIVE_TEST_STORE=postgres) its data is a fresh schema of the test database instead
// (`--store URL`), dropped on destruction.
//
// Thread-safety: one owner thread.

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_postgres.h"

namespace missive::itest {

// The password of the "admin" account every test server starts with.
inline constexpr const char* kAdminPassword = "admin-password-1";

class ServerProcess {
 public:
  ServerProcess();  // creates the data directory (and schema on PostgreSQL); call start()
  // A server on the given store (`missive serve --store store_url`), e.g. a second node on
  // another server's database (its store_url()).
  explicit ServerProcess(std::string store_url);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Extra `missive serve` arguments for the next start() (e.g. {"--ws-queue-frames", "5"}).
  void set_extra_args(std::vector<std::string> args) { extra_args_ = std::move(args); }
  // Extra environment entries "NAME=value" for the next start() (after the MISSIVE_ filter, so
  // they may set MISSIVE_ variables), e.g. the LD_PRELOAD of the power-loss test.
  void set_extra_env(std::vector<std::string> env) { extra_env_ = std::move(env); }
  // The --store-connections of a server on PostgreSQL (default 4: the test PostgreSQL serves
  // many servers at once; the benchmark gives its servers more).
  void set_store_connections(int n) { store_connections_ = n; }

  // Spawns the server and waits for "missive: listening on http://127.0.0.1:PORT" (or
  // https:// when the extra arguments include --tls-cert/--tls-key: tls() tells which).
  // Throws std::runtime_error if it exits or stays silent for 20 s.
  void start();
  // SIGTERM and wait; returns the exit status as waitpid reports it. No-op when not running.
  int stop();
  void restart() {
    stop();
    start();
  }
  // SIGKILL and reap (a crash: nothing is flushed or closed); start() runs it again on the
  // same data. No-op when not running.
  void kill();

  std::uint16_t port() const { return port_; }
  // Everything the process wrote to stdout and stderr (its log) so far.
  std::string output();
  // The running server speaks TLS (it announced https://).
  bool tls() const { return tls_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& data_dir() const { return dir_; }
  // The --store URL the server runs with; empty on SQLite (data_dir()/missive.db).
  const std::string& store_url() const { return store_url_; }

 private:
  void read_output(int fd);
  void reap();

  std::filesystem::path dir_;
  std::unique_ptr<TestSchema> schema_;  // owned only by the server that created it
  std::string store_url_;
  std::vector<std::string> extra_args_;
  std::vector<std::string> extra_env_;
  int store_connections_ = 4;
  pid_t pid_ = -1;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint16_t port_ = 0;  // guarded by mutex_ while the reader runs
  bool tls_ = false;        // guarded by mutex_ while the reader runs
  bool eof_ = false;        // guarded by mutex_
  std::string output_;      // guarded by mutex_: what the process printed (stdout and stderr)
};

}  // namespace missive::itest
