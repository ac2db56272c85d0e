#pragma once
// The headers of uploads and downloads, parsed without Beast: Range (RFC 9110), tus 1.0's
// Upload-Offset / Upload-Length / Upload-Metadata, and Content-Disposition. Pure functions,
// fuzzed (fuzz/fuzz_media_headers.cpp).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace missive::server {

// What a Range header asks of a file of `size` bytes.
struct RangeRequest {
  enum class Kind {
    whole,          // no Range, or one this server ignores (several ranges, another unit)
    partial,        // bytes [offset, offset + length)
    unsatisfiable,  // every byte asked for is past the end (answered 416)
  };
  Kind kind = Kind::whole;
  std::int64_t offset = 0;
  std::int64_t length = 0;
};
// "bytes=0-99", "bytes=100-", "bytes=-500" (the last 500). A malformed header is ignored
// (whole), as RFC 9110 allows.
RangeRequest parse_range(std::string_view header, std::int64_t size);

// A tus length or offset: decimal digits only, at most 18 of them. invalid names the header.
Result<std::int64_t> parse_tus_number(std::string_view value, std::string_view header);

// tus Upload-Metadata: comma-separated "key base64value" pairs (a value may be absent).
// invalid for an empty or repeated key, a key with spaces or commas, or bad base64.
Result<std::vector<std::pair<std::string, std::string>>> parse_upload_metadata(
    std::string_view header);

// "inline" or "attachment" with the file name as RFC 6266 and RFC 8187 say: an ASCII
// fallback (unsafe bytes replaced) and the UTF-8 name percent-encoded.
std::string content_disposition(bool as_inline, std::string_view filename);

}  // namespace missive::server
