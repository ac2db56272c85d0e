#include "http_load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace missive::bench {
namespace {

// Large reads and writes: the body is counted, never looked at, so the client costs the same
// against either server.
constexpr std::size_t kBufferBytes = 1 << 20;
constexpr std::size_t kSendSlice = 1 << 20;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string LoadResponse::header(std::string_view name) const {
  std::string_view rest(head);
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || !iequals(line.substr(0, colon), name)) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    return std::string(value);
  }
  return {};
}

BenchConnection::BenchConnection(std::uint16_t port) : buffer_(kBufferBytes) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error(fmt::format("connect to 127.0.0.1:{}: {}", port, std::strerror(errno)));
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

BenchConnection::~BenchConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void BenchConnection::send_all(const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd_, data, std::min(size, kSendSlice), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(fmt::format("send: {}", std::strerror(errno)));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

bool BenchConnection::fill() {
  if (start_ == end_) start_ = end_ = 0;
  if (end_ == buffer_.size()) {
    std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer_.data() + end_, buffer_.size() - end_, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(fmt::format("recv: {}", std::strerror(errno)));
    end_ += static_cast<std::size_t>(n);
    return n > 0;
  }
}

LoadResponse BenchConnection::exchange(std::string_view head, std::span<const char> body,
                                       std::size_t keep, bool head_only) {
  std::string request(head);
  if (!body.empty()) request += fmt::format("\r\nContent-Length: {}", body.size());
  request += "\r\n\r\n";
  send_all(request.data(), request.size());
  send_all(body.data(), body.size());

  LoadResponse out;
  std::size_t head_end = std::string_view::npos;
  for (;;) {
    const std::string_view seen(buffer_.data() + start_, end_ - start_);
    head_end = seen.find("\r\n\r\n");
    if (head_end != std::string_view::npos) break;
    if (end_ - start_ == buffer_.size()) throw std::runtime_error("response headers too long");
    if (!fill()) throw std::runtime_error("the server closed the connection");
  }
  out.head.assign(buffer_.data() + start_, head_end);
  start_ += head_end + 4;
  if (out.head.size() < 12) throw std::runtime_error("bad status line: " + out.head);
  std::from_chars(out.head.data() + 9, out.head.data() + 12, out.status);
  std::int64_t length = 0;
  if (const std::string value = out.header("content-length"); !value.empty()) {
    std::from_chars(value.data(), value.data() + value.size(), length);
  }
  if (head_only || out.status == 204 || out.status == 304) length = 0;
  while (out.body_bytes < length) {
    if (start_ == end_ && !fill()) throw std::runtime_error("the server closed mid-body");
    const auto take = static_cast<std::size_t>(
        std::min<std::int64_t>(length - out.body_bytes, static_cast<std::int64_t>(end_ - start_)));
    if (out.body.size() < keep) {
      out.body.append(buffer_.data() + start_, std::min(take, keep - out.body.size()));
    }
    start_ += take;
    out.body_bytes += static_cast<std::int64_t>(take);
  }
  return out;
}

double run_parallel(int threads, const std::function<void(int)>& work) {
  std::mutex mutex;
  std::exception_ptr failure;
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> running;
  for (int i = 0; i < threads; ++i) {
    running.emplace_back([&, i] {
      try {
        work(i);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
      }
    });
  }
  for (auto& t : running) t.join();
  if (failure) std::rethrow_exception(failure);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace missive::bench
