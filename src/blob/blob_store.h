#pragma once
// BlobStore: where attachment content (images, video, files) lives, under keys the server
// chooses: a directory tree (FileBlobStore) or an S3-compatible bucket (S3BlobStore). Which
// keys exist, their reference counts and when to delete them are decided above this layer.
// docs/blobs.md describes both backends, their durability and configuration.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/ids.h"

namespace missive::blob {

struct BlobInfo {
  std::string key;
  std::int64_t size = 0;
  Timestamp modified = 0;  // ms since the epoch, UTC
};

// Where blobs live. Keys are relative paths of [A-Za-z0-9._-] segments separated by '/', e.g.
// "blobs/ab/abcdef...-7f3a" or "staging/42/00000000000001048576"; anything else (empty, a "."
// or ".." segment, an empty segment, a leading or trailing '/', other bytes, longer than
// kMaxKeyBytes or a segment longer than 255 bytes) is invalid.
// Thread-safety: every method may be called from any thread concurrently.
class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Stores the content of the local file `file` under `key`, durably (when this returns OK the
  // content survives a power cut), replacing any previous content; a reader sees the old
  // content or the new, never a mix. On success the file is consumed: renamed into place
  // (filesystem) or deleted after the upload (S3); on failure it is left where it was. `file`
  // should be in temp_dir() (the same filesystem as the store's root).
  // Fails: invalid (bad key), not_found (`file` does not exist), unavailable (I/O or network).
  virtual Status put_file(const std::string& key, const std::filesystem::path& file) = 0;

  // Appends the whole content of `key` to the open file descriptor `fd` (a file, pipe or
  // socket; the caller hashes or concatenates). On failure part of the content may already
  // have been written to `fd`.
  // Fails: invalid (bad key), not_found (absent), unavailable (I/O or network).
  virtual Status append_to(const std::string& key, int fd) = 0;

  // A local file holding key's content, to serve from (sendfile). Filesystem: the blob's own
  // file. S3: a copy in the local cache directory, downloaded once and evicted least recently
  // used when the cache exceeds its byte limit (a blob bigger than the limit is still served).
  // The path stays readable while the caller has it open (eviction and replacement unlink or
  // rename, which do not disturb an open fd), so open it at once; if opening fails with
  // ENOENT it was evicted in between: ask again.
  // Fails: invalid (bad key), not_found (absent), unavailable (I/O or network).
  virtual Result<std::filesystem::path> local_path(const std::string& key) = 0;

  // Removes `key` and any cached copy; an absent key is success (idempotent).
  // Fails: invalid (bad key), unavailable (I/O or network).
  virtual Status remove(const std::string& key) = 0;

  // Every key starting with `prefix` ("" for all), with size and modification time, in key
  // order (bytewise). The prefix may end inside a segment ("blobs/a").
  // Fails: invalid (a prefix with bytes no key has, a leading '/', or a "." or ".."
  // segment), unavailable (I/O or network).
  virtual Result<std::vector<BlobInfo>> list(const std::string& prefix) = 0;

  // A directory on local disk for the temporary files that put_file will consume (for the
  // filesystem backend on the same filesystem as its root, so a put is a rename).
  virtual const std::filesystem::path& temp_dir() const = 0;
};

inline constexpr std::size_t kMaxKeyBytes = 1024;  // S3's own limit on object names

// OK if `key` is a valid key as described at BlobStore; invalid, naming the key, otherwise.
Status check_key(std::string_view key);

// OK if `prefix` can begin a valid key (see BlobStore::list); invalid otherwise.
Status check_prefix(std::string_view prefix);

// Opens the store a server flag names:
//   "file" or ""  FileBlobStore under data_dir/"blobs", temp files in data_dir/"tmp".
//   "s3://BUCKET[/PREFIX]?endpoint=http://127.0.0.1:9000&region=us-east-1"
//                 S3BlobStore with path-style requests; objects are named PREFIX/KEY. The
//                 access key and secret come from the environment variables
//                 MISSIVE_S3_ACCESS_KEY and MISSIVE_S3_SECRET_KEY. The cache is
//                 data_dir/"blob-cache" holding at most `cache_bytes`, temp files in
//                 data_dir/"tmp". endpoint defaults to https://s3.REGION.amazonaws.com and
//                 region to us-east-1; query values may be percent-encoded.
// Creates the directories it needs. Fails: invalid (unknown scheme, malformed spec, unknown
// parameter, a credentials variable unset — the message names it), unavailable (a directory
// cannot be created).
Result<std::unique_ptr<BlobStore>> open_blob_store(const std::string& spec,
                                                   const std::filesystem::path& data_dir,
                                                   std::int64_t cache_bytes = 1LL << 30);

}  // namespace missive::blob
