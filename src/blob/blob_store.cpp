#include "blob/blob_store.h"

#include <cstdlib>

#include <fmt/format.h>

#include "blob/file_blob_store.h"
#include "blob/s3_blob_store.h"

namespace missive::blob {
namespace {

bool key_byte(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// Whether every segment of `path` (split at '/') is a valid key segment; the last one may be
// partial (only for prefixes: "blobs/a", "blobs/", "." as the start of ".x").
bool segments_ok(std::string_view path, bool partial_last) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = path.find('/', start);
    const bool last = slash == std::string_view::npos;
    const std::string_view segment = path.substr(start, last ? std::string_view::npos : slash - start);
    if (!(last && partial_last)) {
      if (segment.empty() || segment == "." || segment == ".." || segment.size() > 255) return false;
    } else if (segment.size() > 255) {
      return false;
    }
    for (char c : segment) {
      if (!key_byte(c)) return false;
    }
    if (last) return true;
    start = slash + 1;
  }
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  return out;
}

}  // namespace

Status check_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes || !segments_ok(key, false)) {
    return fail(ErrorCode::invalid,
                fmt::format("invalid blob key '{}': want segments of [A-Za-z0-9._-] joined by '/'",
                            printable(key)));
  }
  return {};
}

Status check_prefix(std::string_view prefix) {
  if (prefix.empty()) return {};
  if (prefix.size() > kMaxKeyBytes || !segments_ok(prefix, true)) {
    return fail(ErrorCode::invalid,
                fmt::format("invalid blob key prefix '{}': want segments of [A-Za-z0-9._-] joined by '/'",
                            printable(prefix)));
  }
  return {};
}

Result<std::unique_ptr<BlobStore>> open_blob_store(const std::string& spec,
                                                   const std::filesystem::path& data_dir,
                                                   std::int64_t cache_bytes) {
  if (spec.empty() || spec == "file") {
    MISSIVE_TRY(auto store, FileBlobStore::open(data_dir / "blobs", data_dir / "tmp"));
    return std::unique_ptr<BlobStore>(std::move(store));
  }
  if (!spec.starts_with("s3://")) {
    return fail(ErrorCode::invalid,
                fmt::format("unknown blob store '{}': want \"file\" or s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION",
                            spec));
  }
  MISSIVE_TRY(S3Config config, parse_s3_spec(spec));
  const char* access_key = std::getenv("MISSIVE_S3_ACCESS_KEY");
  const char* secret_key = std::getenv("MISSIVE_S3_SECRET_KEY");
  if (access_key == nullptr || *access_key == '\0' || secret_key == nullptr || *secret_key == '\0') {
    return fail(ErrorCode::invalid,
                "the S3 blob store needs its credentials in the environment variables "
                "MISSIVE_S3_ACCESS_KEY and MISSIVE_S3_SECRET_KEY");
  }
  config.access_key = access_key;
  config.secret_key = secret_key;
  config.cache_dir = data_dir / "blob-cache";
  config.cache_bytes = cache_bytes;
  config.temp_dir = data_dir / "tmp";
  MISSIVE_TRY(auto store, S3BlobStore::open(std::move(config)));
  return std::unique_ptr<BlobStore>(std::move(store));
}

}  // namespace missive::blob
