#include "nginx_process.h"

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace missive::bench {
namespace {

std::string find_nginx() {
  for (const char* candidate : {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  throw std::runtime_error("nginx is not installed (scripts/setup.sh installs it)");
}

// A port nothing listens on now (bound and released: nginx binds it a moment later).
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  socklen_t size = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port for nginx");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

std::string run_version(const std::string& nginx) {
  // `nginx -v` prints "nginx version: nginx/1.22.1" on stderr.
  FILE* pipe = ::popen((nginx + " -v 2>&1").c_str(), "r");
  if (pipe == nullptr) return "nginx";
  std::array<char, 256> line{};
  std::string out = std::fgets(line.data(), line.size(), pipe) != nullptr ? line.data() : "nginx";
  ::pclose(pipe);
  if (const auto slash = out.find("nginx/"); slash != std::string::npos) out = out.substr(slash);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// Workers run as the current user: as root, nginx would switch them to "nobody" unless told.
std::string user_directive() {
  if (::geteuid() != 0) return {};
  const passwd* user = ::getpwuid(::geteuid());
  const group* grp = ::getgrgid(::getegid());
  if (user == nullptr || grp == nullptr) return {};
  return fmt::format("user {} {};\n", user->pw_name, grp->gr_name);
}

}  // namespace

NginxProcess::NginxProcess(const std::filesystem::path& dir, const std::filesystem::path& root,
                           int workers) {
  const std::string nginx = find_nginx();
  version_ = run_version(nginx);
  std::filesystem::create_directories(dir / "temp");
  port_ = free_port();
  const auto conf = dir / "nginx.conf";
  {
    std::ofstream out(conf);
    // Static files the way a deployment serves them: sendfile, keep-alive without a request
    // limit, no access log (Missive logs requests only at debug level).
    out << fmt::format(
        "daemon off;\n"
        "{user}"
        "worker_processes {workers};\n"
        "pid {dir}/nginx.pid;\n"
        "error_log {dir}/error.log warn;\n"
        "events {{ worker_connections 1024; }}\n"
        "http {{\n"
        "  access_log off;\n"
        "  sendfile on;\n"
        "  tcp_nopush on;\n"
        "  keepalive_requests 1000000;\n"
        "  default_type application/octet-stream;\n"
        "  client_body_temp_path {dir}/temp/body;\n"
        "  proxy_temp_path {dir}/temp/proxy;\n"
        "  fastcgi_temp_path {dir}/temp/fastcgi;\n"
        "  uwsgi_temp_path {dir}/temp/uwsgi;\n"
        "  scgi_temp_path {dir}/temp/scgi;\n"
        "  server {{\n"
        "    listen 127.0.0.1:{port};\n"
        "    root {root};\n"
        "  }}\n"
        "}}\n",
        fmt::arg("user", user_directive()), fmt::arg("workers", workers),
        fmt::arg("dir", dir.string()), fmt::arg("port", port_), fmt::arg("root", root.string()));
  }
  std::vector<std::string> args = {nginx, "-p", dir.string(), "-c", conf.string(),
                                   "-e", (dir / "error.log").string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (::posix_spawn(&pid_, nginx.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot start nginx");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!accepts(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error(
          fmt::format("nginx exited at start (see {})", (dir / "error.log").string()));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
      throw std::runtime_error("nginx does not listen after 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

NginxProcess::~NginxProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 250; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

}  // namespace missive::bench
