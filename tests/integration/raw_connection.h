#pragma once
// A plain TCP connection to a test server on 127.0.0.1, for what an HTTP client would not do:
// send nothing, send half a request, or read whatever comes back until the server closes.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>

namespace missive::itest {

// A TCP connection that sends `bytes` (maybe nothing) and stays open until destroyed; with
// `receive_buffer` (SO_RCVBUF, bytes) a small window, so a server writing to it soon waits.
class RawConnection {
 public:
  RawConnection(std::uint16_t port, const std::string& bytes, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    if (connected_ && !bytes.empty()) {
      connected_ = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                   static_cast<ssize_t>(bytes.size());
    }
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  // Everything the server sends until it closes the connection or nothing comes for `timeout`.
  std::string read_until_closed(std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<long>(timeout.count() / 1000);
    tv.tv_usec = static_cast<long>(timeout.count() % 1000) * 1000;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    char buffer[4096];
    while (true) {
      const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = n == 0 || errno == ECONNRESET;
        return out;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
  }
  // Sends `chunk` again and again, without blocking, until the kernel takes no more (the
  // server has stopped reading and the buffers between are full) or `max_bytes` went out.
  // Returns the bytes sent.
  std::size_t send_until_blocked(const std::string& chunk, std::size_t max_bytes) {
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    std::size_t sent = 0;
    for (int idle = 0; sent < max_bytes && idle < 20;) {
      const std::size_t offset = sent % chunk.size();  // a partial send continues the chunk
      const auto n = ::send(fd_, chunk.data() + offset, chunk.size() - offset, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        idle = 0;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        ++idle;  // the server may just be slow: give it a moment before concluding
        ::usleep(50'000);
      } else {
        break;
      }
    }
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    return sent;
  }

  // The first bytes the server sends (empty when nothing comes within `timeout`).
  std::string read_some(std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<long>(timeout.count() / 1000);
    tv.tv_usec = static_cast<long>(timeout.count() % 1000) * 1000;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buffer[4096];
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

}  // namespace missive::itest
