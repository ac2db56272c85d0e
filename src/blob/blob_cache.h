#pragma once
// BlobCache: local copies of remote blobs in one directory, evicted least recently used when
// their total size exceeds a byte limit. A copy is downloaded to a temp file in the directory
// and renamed into place, so a cached name never holds partial content. Eviction unlinks,
// which leaves open descriptors readable. The directory belongs to one cache: it is emptied
// when the cache opens (copies of an earlier run may be stale).
// Thread-safety: every method may be called from any thread concurrently (one mutex).

#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "blob/posix_io.h"
#include "core/error.h"

namespace missive::blob {

class BlobCache {
 public:
  // A download in progress: write the content to `fd`, then finish() or abandon().
  struct Download {
    std::string key;
    UniqueFd fd;
    std::filesystem::path temp;
    std::uint64_t ticket = 0;  // orders it against drop(), see finish()
  };

  // Empties (or creates) `dir` and opens a cache of at most `limit_bytes` there.
  // Fails: invalid (limit_bytes < 0), unavailable (dir cannot be emptied or created).
  static Result<std::unique_ptr<BlobCache>> open(const std::filesystem::path& dir,
                                                 std::int64_t limit_bytes);

  // The cached copy of `key`, now the most recently used; nullopt when not cached.
  std::optional<std::filesystem::path> find(const std::string& key);

  // Starts a download of `key` into a new temp file. Fails: unavailable.
  Result<Download> begin(const std::string& key);

  // Renames the download into place as key's copy and evicts the least recently used other
  // copies until the total fits the limit (the new copy stays even when bigger than the
  // limit; the next insert evicts it). Returns the copy's path. If drop(key) ran after
  // begin(), the content may predate a put or remove: the copy is still returned (it was
  // current when asked for) but find() will not hand it out again.
  // Fails: unavailable (the rename failed; the temp file is removed).
  Result<std::filesystem::path> finish(Download download);

  // Removes a failed download's temp file.
  void abandon(Download download);

  // Removes key's copy, if any (put or remove changed the blob).
  void drop(const std::string& key);

  // Total bytes of the copies now cached.
  std::int64_t bytes() const;

 private:
  struct Entry {
    std::filesystem::path file;
    std::int64_t size = 0;
    bool stale = false;  // a drop() raced its download: never served from find()
    std::list<std::string>::iterator lru;
  };

  BlobCache(std::filesystem::path dir, std::int64_t limit) : dir_(std::move(dir)), limit_(limit) {}

  void erase_locked(std::unordered_map<std::string, Entry>::iterator it);
  void end_download_locked(const std::string& key);

  // Constant after construction.
  const std::filesystem::path dir_;
  const std::int64_t limit_;

  // Protected by mutex_. Files are renamed and unlinked under it too, so the index and the
  // directory never disagree.
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // front: most recently used
  std::int64_t bytes_ = 0;
  std::uint64_t clock_ = 0;                                 // tickets and drops
  std::unordered_map<std::string, int> downloading_;        // key -> downloads in flight
  std::unordered_map<std::string, std::uint64_t> dropped_;  // key -> clock_ of its last drop,
                                                            // while it has downloads in flight
};

}  // namespace missive::blob
