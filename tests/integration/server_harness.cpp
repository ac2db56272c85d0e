#include "server_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace missive::itest {
namespace {

constexpr std::string_view kListening = "missive: listening on ";
constexpr std::string_view kPlainHost = "http://127.0.0.1:";
constexpr std::string_view kTlsHost = "https://127.0.0.1:";

}  // namespace

ServerProcess::ServerProcess() : ServerProcess(std::string()) {
  if (on_postgres()) {
    schema_ = std::make_unique<TestSchema>(postgres_url());
    store_url_ = schema_->url();
  }
}

ServerProcess::ServerProcess(std::string store_url) : store_url_(std::move(store_url)) {
  std::random_device random;
  dir_ = std::filesystem::temp_directory_path() /
         ("missive-itest-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
  std::filesystem::create_directories(dir_);
}

std::string ServerProcess::output() {
  std::lock_guard lock(mutex_);
  return output_;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    reap();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void ServerProcess::start() {
  if (pid_ > 0) return;
  int pipe_fds[2];
  // Close-on-exec so later children do not hold this pipe open; dup2 clears it on stdout.
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    // The test decides every MISSIVE_ setting, but for the S3 credentials a test sets.
    if (entry.starts_with("MISSIVE_") && !entry.starts_with("MISSIVE_S3_")) continue;
    env_strings.emplace_back(entry);
  }
  env_strings.push_back(std::string("MISSIVE_ADMIN_PASSWORD=") + kAdminPassword);
  env_strings.push_back("MISSIVE_PASSWORD_COST=minimal");
  env_strings.push_back("MISSIVE_LOG_LEVEL=warn");
  env_strings.push_back("MISSIVE_SEND_RATE=0");
  env_strings.insert(env_strings.end(), extra_env_.begin(), extra_env_.end());
  std::vector<std::string> args = {MISSIVE_BINARY, "serve", "--listen", "127.0.0.1:0", "--data",
                                   dir_.string()};
  if (!store_url_.empty()) {
    args.insert(args.end(),
                {"--store", store_url_, "--store-connections", std::to_string(store_connections_)});
  }
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  const int rc = ::posix_spawn(&pid_, MISSIVE_BINARY, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    pid_ = -1;
    throw std::runtime_error("cannot spawn " MISSIVE_BINARY);
  }
  {
    std::lock_guard lock(mutex_);
    port_ = 0;
    tls_ = false;
    eof_ = false;
    output_.clear();
  }
  // The reader keeps draining stdout after the port is known so the server never blocks on
  // a full pipe.
  reader_ = std::thread([this, fd = pipe_fds[0]] { read_output(fd); });

  std::unique_lock lock(mutex_);
  const bool ready = changed_.wait_for(lock, std::chrono::seconds(20),
                                       [this] { return port_ != 0 || eof_; });
  if (!ready || port_ == 0) {
    const auto output = output_;
    lock.unlock();
    ::kill(pid_, SIGKILL);
    reap();
    throw std::runtime_error("server did not start; it printed:\n" + output);
  }
}

void ServerProcess::read_output(int fd) {
  std::string line;
  char buffer[4096];
  while (true) {
    const auto n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    std::lock_guard lock(mutex_);
    output_.append(buffer, static_cast<std::size_t>(n));
    if (port_ == 0) {
      const auto at = output_.find(kListening);
      const auto end = at == std::string::npos ? at : output_.find('\n', at);
      if (end != std::string::npos) {
        std::string_view url(output_);
        url = url.substr(at + kListening.size(), end - at - kListening.size());
        tls_ = url.starts_with(kTlsHost);
        const auto host = tls_ ? kTlsHost : kPlainHost;
        if (url.starts_with(host)) {
          port_ = static_cast<std::uint16_t>(std::stoi(std::string(url.substr(host.size()))));
        }
        changed_.notify_all();
      }
    }
  }
  ::close(fd);
  std::lock_guard lock(mutex_);
  eof_ = true;
  changed_.notify_all();
}

void ServerProcess::reap() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (reader_.joinable()) reader_.join();
}

int ServerProcess::stop() {
  if (pid_ <= 0) return 0;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (reader_.joinable()) reader_.join();
  return status;
}

void ServerProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap();
}

}  // namespace missive::itest
