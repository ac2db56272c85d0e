#include "blob/blob_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "blob/sigv4.h"

namespace missive::blob {

Result<std::unique_ptr<BlobCache>> BlobCache::open(const std::filesystem::path& dir,
                                                   std::int64_t limit_bytes) {
  if (limit_bytes < 0) return fail(ErrorCode::invalid, "the blob cache limit must not be negative");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (!ec) std::filesystem::create_directories(dir, ec);
  if (ec) {
    return fail(ErrorCode::unavailable,
                fmt::format("cannot empty the blob cache {}: {}", dir.string(), ec.message()));
  }
  return std::unique_ptr<BlobCache>(new BlobCache(dir, limit_bytes));
}

std::optional<std::filesystem::path> BlobCache::find(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.stale) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.file;
}

Result<BlobCache::Download> BlobCache::begin(const std::string& key) {
  std::string temp = (dir_ / "tmp-XXXXXX").string();
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd) return io_error("create a temp file in", dir_);
  std::lock_guard lock(mutex_);
  ++downloading_[key];
  return Download{key, std::move(fd), std::move(temp), ++clock_};
}

void BlobCache::end_download_locked(const std::string& key) {
  if (--downloading_[key] == 0) {
    downloading_.erase(key);
    dropped_.erase(key);
  }
}

void BlobCache::abandon(Download download) {
  ::unlink(download.temp.c_str());
  std::lock_guard lock(mutex_);
  end_download_locked(download.key);
}

Result<std::filesystem::path> BlobCache::finish(Download download) {
  struct stat st{};
  if (::fstat(download.fd.get(), &st) != 0) {
    auto error = io_error("stat", download.temp);
    abandon(std::move(download));
    return error;
  }
  download.fd = UniqueFd();
  // One file per key, named by the key's hash: keys have '/' and can be longer than a name.
  std::filesystem::path file = dir_ / sigv4::sha256_hex(download.key);

  std::lock_guard lock(mutex_);
  const auto dropped = dropped_.find(download.key);
  const bool stale = dropped != dropped_.end() && dropped->second > download.ticket;
  end_download_locked(download.key);
  if (::rename(download.temp.c_str(), file.c_str()) != 0) {
    auto error = io_error(fmt::format("rename {} to", download.temp.string()), file);
    ::unlink(download.temp.c_str());
    return error;
  }
  // A concurrent download of the same key may have got here first: the rename replaced its
  // file (same content), so only the index entry is updated.
  if (const auto it = entries_.find(download.key); it != entries_.end()) {
    bytes_ -= it->second.size;
    lru_.erase(it->second.lru);
    entries_.erase(it);
  }
  lru_.push_front(download.key);
  entries_[download.key] = Entry{file, static_cast<std::int64_t>(st.st_size), stale, lru_.begin()};
  bytes_ += st.st_size;
  // Evict from the least recently used end, never the copy just made.
  while (bytes_ > limit_ && lru_.size() > 1) {
    erase_locked(entries_.find(lru_.back()));
  }
  return file;
}

void BlobCache::erase_locked(std::unordered_map<std::string, Entry>::iterator it) {
  ::unlink(it->second.file.c_str());
  bytes_ -= it->second.size;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

void BlobCache::drop(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (downloading_.contains(key)) dropped_[key] = ++clock_;
  if (const auto it = entries_.find(key); it != entries_.end()) erase_locked(it);
}

std::int64_t BlobCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace missive::blob
