#pragma once
// Small POSIX helpers shared by the blob backends: an owning file descriptor, durable directory
// updates and whole-file copies between descriptors. Errors are Status values naming the call
// and the path.
// Thread-safety: UniqueFd is a value (one owner); the functions keep no state.

#include <sys/stat.h>

#include <filesystem>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "core/ids.h"

namespace missive::blob {

// Owns a file descriptor and closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// unavailable: "<what> <path>: <strerror(errno)>", from the current errno.
std::unexpected<Error> io_error(std::string_view what, const std::filesystem::path& path);

// Opens `path` read-only. Fails: not_found (ENOENT), unavailable (other errors).
Result<UniqueFd> open_read(const std::filesystem::path& path);

// fsyncs the directory `dir`, so entries created, renamed or removed in it survive a power cut.
// Fails: unavailable.
Status fsync_dir(const std::filesystem::path& dir);

// Creates `dir` and any missing parents below `base` (which must exist), fsyncing the parent
// of each directory it creates. Fails: unavailable.
Status create_dirs_durably(const std::filesystem::path& base, const std::filesystem::path& dir);

// Writes all of `in` from its current offset to `out` (a file, pipe or socket), through
// sendfile where the kernel allows it and a 1 MiB buffer otherwise. `in_path` names `in` in
// errors. Fails: unavailable.
Status copy_all(int in, int out, const std::filesystem::path& in_path);

// Writes all `size` bytes of `data` to `fd`, retrying short writes. Fails: unavailable.
Status write_all(int fd, const char* data, std::size_t size, const std::filesystem::path& path);

// st_mtim in milliseconds since the epoch.
Timestamp modified_ms(const struct stat& st);

}  // namespace missive::blob
