#include "blob/posix_io.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

namespace missive::blob {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

std::unexpected<Error> io_error(std::string_view what, const std::filesystem::path& path) {
  return fail(ErrorCode::unavailable,
              fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}

Result<UniqueFd> open_read(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return fail(ErrorCode::not_found, fmt::format("{} does not exist", path.string()));
    return io_error("open", path);
  }
  return fd;
}

Status fsync_dir(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return io_error("open directory", dir);
  if (::fsync(fd.get()) != 0) return io_error("fsync directory", dir);
  return {};
}

Status create_dirs_durably(const std::filesystem::path& base, const std::filesystem::path& dir) {
  const std::filesystem::path relative = dir.lexically_relative(base);
  // A concurrent remove prunes directories it leaves empty, so a parent made (or found) a moment
  // ago may be gone when its child is made (ENOENT): walk down again. Each round needs another
  // remove of the last sibling, so a few rounds are plenty.
  for (int round = 0;; ++round) {
    // Walk down from base: each directory made here is only durable once its parent is synced.
    std::filesystem::path current = base;
    bool pruned = false;
    for (const auto& part : relative) {
      if (part == ".") continue;
      std::filesystem::path next = current / part;
      if (::mkdir(next.c_str(), 0755) == 0) {
        Status synced = fsync_dir(current);
        if (!synced) {
          if (round < 8 && ::access(next.c_str(), F_OK) != 0) {
            pruned = true;
            break;
          }
          return synced;
        }
      } else if (errno == ENOENT && round < 8) {
        pruned = true;
        break;
      } else if (errno != EEXIST) {
        return io_error("mkdir", next);
      }
      current = std::move(next);
    }
    if (!pruned) return {};
  }
}

Status write_all(int fd, const char* data, std::size_t size, const std::filesystem::path& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write", path);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

Status copy_all(int in, int out, const std::filesystem::path& in_path) {
  constexpr std::size_t kChunk = 1 << 20;
  // sendfile copies in the kernel; it refuses some targets (an O_APPEND file, some special
  // files) with EINVAL before moving a byte, and then a buffer does the job.
  for (;;) {
    const ssize_t n = ::sendfile(out, in, nullptr, kChunk);
    if (n == 0) return {};
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno == EINVAL || errno == ENOSYS) break;
    return io_error("sendfile from", in_path);
  }
  auto buffer = std::make_unique_for_overwrite<char[]>(kChunk);
  for (;;) {
    const ssize_t n = ::read(in, buffer.get(), kChunk);
    if (n == 0) return {};
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", in_path);
    }
    MISSIVE_TRY_STATUS(write_all(out, buffer.get(), static_cast<std::size_t>(n), "(output)"));
  }
}

Timestamp modified_ms(const struct stat& st) {
  return static_cast<Timestamp>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

}  // namespace missive::blob
