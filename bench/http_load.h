#pragma once
// The load side of the media benchmark: a blocking HTTP/1.1 keep-alive connection that sends
// a request (with a body of any size, from memory) and reads the answer, counting the body's
// bytes without keeping them, and a helper that runs one such connection per thread. It
// speaks only what Missive and nginx answer here: Content-Length bodies, no chunking. Failures
// throw std::runtime_error (the benchmark stops).
//
// Thread-safety: a BenchConnection belongs to one thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace missive::bench {

struct LoadResponse {
  int status = 0;
  std::string head;            // status line and headers
  std::int64_t body_bytes = 0;
  std::string body;            // its first `keep` bytes
  // The value of a header (case-insensitive name); empty when absent.
  std::string header(std::string_view name) const;
};

class BenchConnection {
 public:
  explicit BenchConnection(std::uint16_t port);
  ~BenchConnection();
  BenchConnection(const BenchConnection&) = delete;
  BenchConnection& operator=(const BenchConnection&) = delete;

  // Sends `head` (request line and headers, without the blank line; Content-Length is added
  // for a non-empty body), then `body`, and reads the answer. `head_only`: the answer to a
  // HEAD request, which has no body whatever its Content-Length says.
  LoadResponse exchange(std::string_view head, std::span<const char> body = {},
                        std::size_t keep = 4096, bool head_only = false);

 private:
  void send_all(const char* data, std::size_t size);
  // Reads more into buffer_ after end_; false when the peer closed.
  bool fill();

  int fd_ = -1;
  std::vector<char> buffer_;
  std::size_t start_ = 0, end_ = 0;
};

// Runs work(i) on `threads` threads (i = 0..threads-1) at once and returns the seconds from
// the first start to the last end.
double run_parallel(int threads, const std::function<void(int)>& work);

}  // namespace missive::bench
