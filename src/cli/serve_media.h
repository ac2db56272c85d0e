#pragma once
// The attachment flags of `missive serve` and what they open: the blob store and the media
// service (docs/attachments.md, docs/operations.md).

#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "blob/blob_store.h"
#include "core/clock.h"
#include "engine/media_service.h"
#include "store/store.h"

namespace missive::cli {

struct MediaFlags {
  std::string blob_store = "file";  // or s3://BUCKET[/PREFIX]?endpoint=...&region=...
  std::int64_t blob_cache_bytes = 1LL << 30;
  std::int64_t upload_limit = MediaOptions{}.upload_limit;
  std::int64_t upload_quota = MediaOptions{}.quota_bytes;
  double uploads_per_minute = 60;
  std::int64_t upload_ttl_seconds = MediaOptions{}.upload_ttl_ms / 1000;
  int max_attachments = MediaOptions{}.max_attachments;
  std::string url_signing_key;  // hex; empty: the key in the data directory
  int preview_threads = MediaOptions{}.preview_threads;
  std::int64_t max_image_pixels = MediaOptions{}.max_pixels;
  int sweep_interval_seconds = 60;
};

void add_media_flags(CLI::App* cmd, MediaFlags& flags);

// The blob store and the service over it (start it: previews and the sweeper run).
struct MediaSetup {
  std::unique_ptr<blob::BlobStore> blobs;
  std::unique_ptr<MediaService> service;
};

// invalid for a bad --blob-store or --url-signing-key; unavailable when the data directory's
// key cannot be read or created.
Result<MediaSetup> open_media(const MediaFlags& flags, Store& store, const Clock& clock,
                              const std::filesystem::path& data_dir);

}  // namespace missive::cli
