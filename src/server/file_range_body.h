#pragma once
// A Beast body that writes a byte range of an open file (attachment downloads): read in
// large blocks with pread, so neither the file nor the range is ever held in memory, and
// one file descriptor per answer. Included only by server.cpp (Beast stays out of other
// headers).

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

namespace missive::server {

struct FileRangeBody {
  // Owns the descriptor.
  class value_type {
   public:
    value_type() = default;
    value_type(const value_type&) = delete;
    value_type& operator=(const value_type&) = delete;
    value_type(value_type&& other) noexcept { *this = std::move(other); }
    value_type& operator=(value_type&& other) noexcept {
      reset();
      fd = std::exchange(other.fd, -1);
      offset = other.offset;
      length = other.length;
      return *this;
    }
    ~value_type() { reset(); }
    void reset() {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }

    int fd = -1;
    std::int64_t offset = 0;
    std::int64_t length = 0;
  };

  static std::uint64_t size(const value_type& body) {
    return static_cast<std::uint64_t>(body.length);
  }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;
    // What one answer holds in memory while it is written.
    static constexpr std::size_t kBlock = 128 * 1024;

    template <bool isRequest, class Fields>
    writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& body)
        : body_(body), position_(body.offset), remaining_(body.length) {}

    void init(boost::beast::error_code& ec) {
      buffer_.resize(static_cast<std::size_t>(
          std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(kBlock))));
      ec = {};
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (remaining_ == 0) return boost::none;
      const auto want = static_cast<std::size_t>(
          std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(buffer_.size())));
      ssize_t n;
      do {
        n = ::pread(body_.fd, buffer_.data(), want, position_);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) {
        // The file shrank or failed under us: end the answer as a broken one.
        ec = n < 0 ? boost::beast::error_code(errno, boost::system::system_category())
                   : boost::beast::error_code(boost::asio::error::eof);
        return boost::none;
      }
      position_ += n;
      remaining_ -= n;
      return std::pair{const_buffers_type(buffer_.data(), static_cast<std::size_t>(n)),
                       remaining_ > 0};
    }

   private:
    const value_type& body_;
    std::int64_t position_;
    std::int64_t remaining_;
    std::vector<char> buffer_;
  };
};

}  // namespace missive::server
