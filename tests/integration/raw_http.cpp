#include "raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <stdexcept>

namespace missive::itest {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

class Socket {
 public:
  explicit Socket(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    timeval tv{.tv_sec = 30, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      // A constructor that throws runs no destructor: without this close, every refused
      // connection (a crash test retrying against a server that is down) leaked a descriptor.
      if (fd_ >= 0) ::close(fd_);
      throw std::runtime_error("cannot connect to port " + std::to_string(port));
    }
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  void send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error("the connection failed while sending");
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  std::string read_all() {
    std::string out;
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && !out.empty() && errno == ECONNRESET) return out;
      if (n < 0) throw std::runtime_error("the connection failed while reading");
      if (n == 0) return out;
      out.append(buffer, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
};

}  // namespace

std::string RawReply::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

RawReply raw_request(std::uint16_t port, std::string_view method, std::string_view target,
                     const RawHeaders& headers, std::string_view body) {
  Socket socket(port);
  std::string request = std::string(method) + " " + std::string(target) +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [key, value] : headers) request += key + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PATCH") {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n";
  socket.send_all(request);
  socket.send_all(body);
  const std::string answer = socket.read_all();

  const auto head_end = answer.find("\r\n\r\n");
  if (head_end == std::string::npos || answer.size() < 12 || !answer.starts_with("HTTP/1.1 ")) {
    throw std::runtime_error("no complete answer");
  }
  RawReply reply;
  std::from_chars(answer.data() + 9, answer.data() + 12, reply.status);
  std::string_view rest = std::string_view(answer).substr(0, head_end);
  rest = rest.substr(std::min(rest.size(), rest.find("\r\n") + 2));
  std::int64_t length = 0;
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    reply.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    if (iequals(line.substr(0, colon), "content-length")) {
      std::from_chars(value.data(), value.data() + value.size(), length);
    }
  }
  reply.body = answer.substr(head_end + 4);
  if (method == "HEAD" || reply.status == 204 || reply.status == 304) {
    reply.body.clear();
  } else if (static_cast<std::int64_t>(reply.body.size()) != length) {
    throw std::runtime_error("the answer was cut short");
  }
  return reply;
}

}  // namespace missive::itest
