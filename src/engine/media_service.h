#pragma once
// Uploads and attachments (docs/attachments.md): limits and quotas, receiving content in
// parts that survive a restart, content-addressed blobs, who may fetch what, signed URLs,
// previews made by a sandboxed decoder process, and the sweep that releases storage.
//
// The Store keeps the rows (uploads, blob reference counts, which messages carry what); the
// BlobStore keeps the bytes. Every change follows one order so a crash at any moment loses
// nothing referenced: bytes are stored durably before a row names them, and a row stops
// naming them before they are deleted (docs/attachments.md, "Crash safety").
//
// Thread-safety: every method may be called from any thread concurrently.

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/types.h"
#include "engine/engine.h"
#include "store/store.h"

namespace missive {

namespace blob {
class BlobStore;
}

struct MediaOptions {
  std::int64_t upload_limit = 100LL << 20;  // bytes per file
  std::int64_t quota_bytes = 1LL << 30;     // bytes one user's uploads may hold
  int max_attachments = 10;                 // per message
  std::int64_t chunk_size = 8LL << 20;      // what clients are told to PATCH at a time
  // An upload no message carries is removed after this; so are the attachments of a message
  // this long after it expired.
  Timestamp upload_ttl_ms = 24LL * 3600 * 1000;
  std::string url_key;                      // signs attachment URLs (32 random bytes)
  Timestamp url_ttl_ms = 10LL * 60 * 1000;  // how long a signed URL works
  // The decoder process (missive-media) and what it may use.
  std::filesystem::path preview_worker;
  std::int64_t max_pixels = 50'000'000;     // larger images get no thumbnail
  int thumbnail_px = 480;
  std::int64_t preview_memory_bytes = 1LL << 30;
  int preview_seconds = 30;
  int preview_threads = 1;
};

// What a client learns from GET /v1/media/config.
struct MediaConfig {
  std::int64_t upload_limit = 0;
  std::int64_t quota_bytes = 0;
  std::int64_t used_bytes = 0;
  int max_attachments = 0;
  std::int64_t chunk_size = 0;
  Timestamp upload_ttl_ms = 0;
};

struct UploadStart {
  std::string name;
  std::string declared_type;
  std::int64_t size = 0;
  std::optional<std::string> client_upload_id;
};

// A file to serve: the local path holding it (open it at once: an S3 cache entry may be
// evicted later, which an open descriptor survives) and how to describe it.
struct ServedFile {
  std::filesystem::path path;
  std::int64_t size = 0;
  std::string type;
  std::string name;
  std::string etag;  // the content's sha256 (a thumbnail's: its key)
};

// Where an upload's credentials came from when it is fetched by a signed URL.
struct SignedUrl {
  UserId user;
  Timestamp expires = 0;
  std::string signature;  // lowercase hex
};

class MediaService {
 public:
  MediaService(Store& store, const Clock& clock, blob::BlobStore& blobs, MediaOptions options);
  ~MediaService();
  MediaService(const MediaService&) = delete;
  MediaService& operator=(const MediaService&) = delete;

  const MediaOptions& options() const { return options_; }
  blob::BlobStore& blobs() { return blobs_; }
  // Where request bodies are written before they are stored (the blob store's temp dir).
  const std::filesystem::path& temp_dir() const;
  Result<MediaConfig> config(const Caller& caller);

  // Whether the caller may send `size` more bytes: too_large over the per-file limit or the
  // quota, each stating the limit. Checked before a body is read, and again when stored.
  Status admit(const Caller& caller, std::int64_t size);
  // A new receiving upload (tus creation). invalid for a bad name or size; too_large as
  // admit. A client_upload_id already used answers the first upload (existing = true).
  Result<UploadCreated> create(const Caller& caller, const UploadStart& start);
  // Stores `length` bytes from the local file `part` (in blobs().temp_dir(), consumed) at
  // `offset` of the caller's receiving upload, then completes it when it is full. conflict
  // when offset is not the stored offset (the answer says which it is); too_large past the
  // declared size; not_found for another user's upload.
  Result<Upload> append(const Caller& caller, UploadId id, std::int64_t offset,
                        const std::filesystem::path& part, std::int64_t length);
  // A whole file in one request: create, append and complete. A client_upload_id already
  // used answers the first upload and stores nothing.
  Result<UploadCreated> upload_whole(const Caller& caller, const UploadStart& start,
                                     const std::filesystem::path& file, std::int64_t length);
  // The upload if the caller owns it or may fetch it; not_found otherwise.
  Result<Upload> get(const Caller& caller, UploadId id);
  // Removes the caller's incomplete upload and its stored parts (tus termination).
  Status cancel(const Caller& caller, UploadId id);

  // The file (or its thumbnail) for `viewer`: not_found unless the store says they may
  // fetch it (Store::visible_upload) and, for a thumbnail, one exists.
  Result<ServedFile> open(UserId viewer, UploadId id, bool thumbnail);
  // A URL path with the query that lets `viewer` fetch it without credentials until
  // options().url_ttl_ms from now.
  std::string signed_url(UserId viewer, UploadId id, bool thumbnail) const;
  // The user a signed URL stands for: unauthenticated when the signature is wrong or expired,
  // or the user is no longer active.
  Result<UserId> check_signed(UploadId id, bool thumbnail, const SignedUrl& url);

  // Starts the preview threads and the sweeper (every `sweep_interval_ms`).
  void start(Timestamp sweep_interval_ms = 60'000);
  // Stops them; waits for a running decoder to finish or be killed.
  void stop();
  // One pass of the sweeper: releases uploads and attachments past their time, deletes blobs
  // nothing references, and removes storage no row names that is older than the upload TTL
  // (left by a crash). Returns how many keys were deleted.
  Result<std::int64_t> sweep();
  // Makes the preview of a complete upload now, on the calling thread (tests; the service
  // queues the same work after each completion).
  Status make_preview(UploadId id);

 private:
  Result<Upload> owned_receiving(const Caller& caller, UploadId id);
  // Hashes and sniffs `content` (a local file holding the whole upload, consumed), shares or
  // stores its blob, and queues its preview.
  Result<Upload> complete(const Upload& upload, const std::filesystem::path& content);
  Status delete_parts(UploadId id);
  void queue_preview(UploadId id);
  void preview_loop();
  void sweep_loop(Timestamp interval_ms);
  std::string sign(UserId viewer, UploadId id, bool thumbnail, Timestamp expires) const;

  Store& store_;
  const Clock& clock_;
  blob::BlobStore& blobs_;
  const MediaOptions options_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<UploadId> previews_;  // guarded by mutex_
  std::set<std::int64_t> queued_;  // guarded by mutex_: in previews_ or being made
  bool stopping_ = false;          // guarded by mutex_
  std::set<std::int64_t> appending_;  // guarded by mutex_: uploads a request is writing to
  std::vector<std::thread> threads_;
};

}  // namespace missive
