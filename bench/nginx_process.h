#pragma once
// Debian's nginx as the media benchmark's baseline: started on 127.0.0.1 and a free port with a
// generated configuration (static files from `root`, sendfile on, keep-alive, no access log),
// its configuration, pid file, logs and temp directories under `dir`, running as the current
// user; stopped (SIGTERM, then SIGKILL) on destruction. Throws std::runtime_error when nginx
// is missing or does not listen within 10 s.
//
// Thread-safety: one owner thread.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace missive::bench {

class NginxProcess {
 public:
  // `workers`: worker processes (the benchmark gives nginx as many as Missive has I/O threads).
  NginxProcess(const std::filesystem::path& dir, const std::filesystem::path& root, int workers);
  ~NginxProcess();
  NginxProcess(const NginxProcess&) = delete;
  NginxProcess& operator=(const NginxProcess&) = delete;

  std::uint16_t port() const { return port_; }
  // "nginx/1.22.1", from `nginx -v`.
  const std::string& version() const { return version_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string version_;
};

}  // namespace missive::bench
