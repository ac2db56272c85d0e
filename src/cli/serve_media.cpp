#include "cli/serve_media.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "blob/posix_io.h"
#include "media/preview.h"

namespace missive::cli {
namespace {

constexpr std::size_t kKeyBytes = 32;

Result<std::string> from_hex(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  std::size_t length = 0;
  if (hex.size() % 2 != 0 ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &length, nullptr) != 0 ||
      length < 16) {
    return fail(ErrorCode::invalid,
                "--url-signing-key must be at least 16 bytes written as hex (openssl rand -hex 32)");
  }
  out.resize(length);
  return out;
}

// The key signing attachment URLs: made once and kept in the data directory, so links survive
// a restart. Several nodes share one with --url-signing-key.
Result<std::string> data_dir_key(const std::filesystem::path& data_dir) {
  const auto path = data_dir / "url-signing-key";
  if (std::ifstream in(path, std::ios::binary); in) {
    std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (key.size() == kKeyBytes) return key;
  }
  std::string key(kKeyBytes, '\0');
  randombytes_buf(key.data(), key.size());
  const auto temp = data_dir / "url-signing-key.tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const bool written = fd >= 0 && ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
                       ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  std::error_code ec;
  if (written) std::filesystem::rename(temp, path, ec);
  // The rename survives a power cut only once the directory is synced; a key lost that way
  // would be replaced at the next start, and every link signed before would stop working.
  if (!written || ec || !blob::fsync_dir(data_dir)) {
    return fail(ErrorCode::unavailable,
                fmt::format("cannot write the URL signing key {}", path.string()));
  }
  return key;
}

}  // namespace

void add_media_flags(CLI::App* cmd, MediaFlags& flags) {
  cmd->add_option("--blob-store", flags.blob_store,
                  "where attachments are stored: \"file\" (under --data) or "
                  "s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION (keys from "
                  "MISSIVE_S3_ACCESS_KEY and MISSIVE_S3_SECRET_KEY)")
      ->envname("MISSIVE_BLOB_STORE")
      ->capture_default_str();
  cmd->add_option("--blob-cache-bytes", flags.blob_cache_bytes,
                  "bytes of S3 attachments cached on local disk to serve them")
      ->envname("MISSIVE_BLOB_CACHE_BYTES")
      ->check(CLI::Range(std::int64_t{1} << 20, std::int64_t{1} << 50))
      ->capture_default_str();
  cmd->add_option("--upload-limit", flags.upload_limit, "largest attachment, in bytes (larger: 413)")
      ->envname("MISSIVE_UPLOAD_LIMIT")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--upload-quota", flags.upload_quota,
                  "bytes one user's uploads may hold (more: 413)")
      ->envname("MISSIVE_UPLOAD_QUOTA")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 50))
      ->capture_default_str();
  cmd->add_option("--upload-rate", flags.uploads_per_minute,
                  "uploads one user may start per minute (more: 429)")
      ->envname("MISSIVE_UPLOAD_RATE")
      ->check(CLI::Range(1.0, 1'000'000.0))
      ->capture_default_str();
  cmd->add_option("--upload-ttl", flags.upload_ttl_seconds,
                  "seconds an upload no message carries is kept; also how long after a message "
                  "expires its attachments are deleted")
      ->envname("MISSIVE_UPLOAD_TTL")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3650} * 24 * 3600))
      ->capture_default_str();
  cmd->add_option("--sweep-interval", flags.sweep_interval_seconds,
                  "seconds between two sweeps, which delete expired uploads, the attachments of "
                  "expired messages and storage no upload names")
      ->envname("MISSIVE_SWEEP_INTERVAL")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{24} * 3600))
      ->capture_default_str();
  cmd->add_option("--max-attachments", flags.max_attachments, "attachments per message")
      ->envname("MISSIVE_MAX_ATTACHMENTS")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  cmd->add_option("--url-signing-key", flags.url_signing_key,
                  "hex key signing attachment links (the same on every node); default: one "
                  "made and kept in --data")
      ->envname("MISSIVE_URL_SIGNING_KEY");
  cmd->add_option("--preview-threads", flags.preview_threads,
                  "previews made at once, each in its own sandboxed process")
      ->envname("MISSIVE_PREVIEW_THREADS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--max-image-pixels", flags.max_image_pixels,
                  "images with more pixels are accepted without a thumbnail")
      ->envname("MISSIVE_MAX_IMAGE_PIXELS")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
}

Result<MediaSetup> open_media(const MediaFlags& flags, Store& store, const Clock& clock,
                              const std::filesystem::path& data_dir) {
  MediaOptions options;
  options.upload_limit = flags.upload_limit;
  options.quota_bytes = flags.upload_quota;
  options.upload_ttl_ms = flags.upload_ttl_seconds * 1000;
  options.max_attachments = flags.max_attachments;
  options.preview_threads = flags.preview_threads;
  options.max_pixels = flags.max_image_pixels;
  options.preview_worker = media::default_worker_path();
  if (flags.url_signing_key.empty()) {
    MISSIVE_TRY(options.url_key, data_dir_key(data_dir));
  } else {
    MISSIVE_TRY(options.url_key, from_hex(flags.url_signing_key));
  }
  MediaSetup setup;
  MISSIVE_TRY(setup.blobs, blob::open_blob_store(flags.blob_store, data_dir, flags.blob_cache_bytes));
  setup.service = std::make_unique<MediaService>(store, clock, *setup.blobs, std::move(options));
  return setup;
}

}  // namespace missive::cli
