#include "server/descriptor_reserve.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace missive::server {
namespace {

// The error body as every other error of the API; the whole answer goes in one small write.
constexpr std::string_view kBody =
    R"({"error":{"code":"unavailable","message":"the server has too many connections; retry later"}})";

const std::string& out_of_descriptors_answer() {
  static const std::string answer = fmt::format(
      "HTTP/1.1 503 Service Unavailable\r\nServer: missive\r\nContent-Type: application/json\r\n"
      "Retry-After: 1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{}",
      kBody.size(), kBody);
  return answer;
}

int open_spare() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

DescriptorReserve::DescriptorReserve() : spare_(open_spare()) {}

DescriptorReserve::~DescriptorReserve() {
  if (spare_ >= 0) ::close(spare_);
}

bool DescriptorReserve::refuse_one(int listen_fd) {
  if (spare_ < 0) {
    spare_ = open_spare();  // a descriptor freed since: keep it for the next time
    return false;
  }
  ::close(spare_);
  spare_ = -1;
  const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) {
    const std::string& answer = out_of_descriptors_answer();
    (void)::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::close(fd);
  }
  spare_ = open_spare();
  return fd >= 0;
}

}  // namespace missive::server
