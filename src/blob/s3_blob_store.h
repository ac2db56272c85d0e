#pragma once
// S3BlobStore: blobs as objects in an S3-compatible bucket (AWS S3, MinIO, s3rver, ...), over
// HTTP with libcurl, path-style (ENDPOINT/BUCKET/PREFIX/KEY), signed with SigV4 (sigv4.h).
// Uploads stream from disk; downloads stream to the caller's fd or to the local cache
// (BlobCache) that local_path serves from. docs/blobs.md describes the configuration.
// Thread-safety: every method may be called from any thread concurrently; curl handles come
// from a small pool, so concurrent calls run in parallel and reuse connections.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "blob/blob_cache.h"
#include "blob/blob_store.h"

namespace missive::blob {

struct S3Config {
  std::string endpoint;            // "http://127.0.0.1:9000": scheme, host, optional port
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;              // objects are named PREFIX/KEY ("" for KEY)
  std::string access_key;
  std::string secret_key;
  std::filesystem::path cache_dir;  // emptied at open; belongs to this store alone
  std::int64_t cache_bytes = 1LL << 30;
  std::filesystem::path temp_dir;
  int list_page_size = 1000;        // max-keys of each ListObjectsV2 request
  int connect_timeout_ms = 10'000;
  int request_timeout_ms = 60'000;  // whole calls without a body (list, delete)
  int stall_seconds = 60;           // a transfer under 1 KiB/s for this long fails
  int max_attempts = 4;             // tries of a call S3 answered 500/502/503/504 or dropped
};

// Reads "s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION" into endpoint, region, bucket and
// prefix (the other fields keep their defaults). endpoint defaults to
// https://s3.REGION.amazonaws.com, region to us-east-1; values may be percent-encoded.
// Fails: invalid (not s3://, no bucket, a bad prefix or endpoint, an unknown parameter).
Result<S3Config> parse_s3_spec(std::string_view spec);

class S3BlobStore final : public BlobStore {
 public:
  // Opens the store `config` describes, creating temp_dir and emptying cache_dir. Makes no
  // request (a wrong endpoint or key shows at the first call).
  // Fails: invalid (empty bucket, endpoint or credentials), unavailable (directories).
  static Result<std::unique_ptr<S3BlobStore>> open(S3Config config);
  ~S3BlobStore() override;

  Status put_file(const std::string& key, const std::filesystem::path& file) override;
  Status append_to(const std::string& key, int fd) override;
  Result<std::filesystem::path> local_path(const std::string& key) override;
  Status remove(const std::string& key) override;
  Result<std::vector<BlobInfo>> list(const std::string& prefix) override;
  const std::filesystem::path& temp_dir() const override { return config_.temp_dir; }

  // Bytes now in the local cache (for tests and metrics).
  std::int64_t cache_bytes() const { return cache_->bytes(); }

 private:
  struct Call;
  struct Response;

  S3BlobStore(S3Config config, std::string host, std::unique_ptr<BlobCache> cache)
      : config_(std::move(config)), host_(std::move(host)), cache_(std::move(cache)) {}

  std::string object_name(const std::string& key) const;
  // Signs and performs one request, again (up to config_.max_attempts, with backoff) while
  // the answer is transient: 500/502/503/504, which S3 asks clients to retry, or a connection
  // lost before any of a download reached its descriptor. Every call here is idempotent.
  // A transport failure is an error; any other HTTP status is a Response for the caller.
  Result<Response> perform(const Call& call);
  // One try of perform(); `retryable` says whether trying again is safe and may help.
  Result<Response> perform_once(const Call& call, bool& retryable);
  // Downloads `key` into `fd` (GET). Fails: not_found, unavailable.
  Status get_into(const std::string& key, int fd);

  void* take_handle();
  void give_handle(void* handle);

  // Constant after construction.
  const S3Config config_;
  const std::string host_;  // the Host header: the endpoint's host[:port]
  const std::unique_ptr<BlobCache> cache_;

  // Protected by pool_mutex_: idle curl easy handles, each keeping its connections open.
  std::mutex pool_mutex_;
  std::vector<void*> idle_handles_;
};

}  // namespace missive::blob
