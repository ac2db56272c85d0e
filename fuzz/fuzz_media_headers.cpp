// The upload and download headers (src/server/media_headers.h), parsed before any handler
// looks at them. The input is "<size>\n<header>": <size> is the file size parse_range is asked
// about (decimal; absent or unparsable, a size derived from the input), and <header> is given to
// every parser. Properties:
//  - parse_range, for that size and for 0, 1 and size + 1: a partial range is non-empty and lies
//    within the file; unsatisfiable only when something was asked of the file at all; a
//    first-byte-position range starts where it says;
//  - parse_tus_number accepts exactly 1 to 18 decimal digits, and the value prints back to
//    them without leading zeros; a refusal is invalid and names the header;
//  - parse_upload_metadata: keys non-empty, at most 64 bytes, without space or comma, unique;
//    one pair per comma-separated part; the pairs, encoded again, parse to themselves;
//  - content_disposition: one header line (printable ASCII only, no CR/LF), the name quoted
//    safely, and the RFC 8187 part percent-decodes to the name.
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "server/media_headers.h"

namespace {

using namespace missive;
using namespace missive::server;

bool is_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
}

std::string describe(std::string_view header, std::int64_t size, const RangeRequest& r) {
  return std::string(header) + " (size " + std::to_string(size) + "): kind " +
         std::to_string(static_cast<int>(r.kind)) + " offset " + std::to_string(r.offset) +
         " length " + std::to_string(r.length);
}

void check_range(std::string_view header, std::int64_t size) {
  const RangeRequest r = parse_range(header, size);
  const std::string detail = describe(header, size, r);
  switch (r.kind) {
    case RangeRequest::Kind::whole:
      break;
    case RangeRequest::Kind::partial:
      FUZZ_CHECK(r.offset >= 0 && r.length >= 1, detail);
      FUZZ_CHECK(r.offset < size && r.length <= size - r.offset, detail);
      break;
    case RangeRequest::Kind::unsatisfiable:
      FUZZ_CHECK(header.find('-') != std::string_view::npos, detail);
      break;
  }
  // "bytes=N-..." with N inside the file starts at N.
  constexpr std::string_view kUnit = "bytes=";
  if (header.starts_with(kUnit) && r.kind == RangeRequest::Kind::partial) {
    const std::string_view spec = header.substr(kUnit.size());
    const auto dash = spec.find('-');
    if (dash != std::string_view::npos && is_digits(spec.substr(0, dash)) && dash <= 18) {
      std::int64_t first = 0;
      std::from_chars(spec.data(), spec.data() + dash, first);
      FUZZ_CHECK(r.offset == first, detail);
    }
  }
}

void check_tus_number(std::string_view text) {
  const auto number = parse_tus_number(text, "Upload-Offset");
  const bool valid = is_digits(text) && text.size() <= 18;
  FUZZ_CHECK(number.has_value() == valid, std::string(text));
  if (!number) {
    FUZZ_CHECK(number.error().code == ErrorCode::invalid, number.error().message);
    FUZZ_CHECK(number.error().message.find("Upload-Offset") != std::string::npos,
               number.error().message);
    return;
  }
  FUZZ_CHECK(*number >= 0, std::string(text));
  std::string_view significant = text;
  while (significant.size() > 1 && significant.front() == '0') significant.remove_prefix(1);
  FUZZ_CHECK(std::to_string(*number) == significant, std::string(text));
}

std::string base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

void check_metadata(std::string_view header) {
  const auto pairs = parse_upload_metadata(header);
  if (!pairs) {
    FUZZ_CHECK(pairs.error().code == ErrorCode::invalid, pairs.error().message);
    FUZZ_CHECK(pairs.error().message.starts_with("Upload-Metadata: "), pairs.error().message);
    return;
  }
  std::set<std::string> keys;
  for (const auto& [key, value] : *pairs) {
    FUZZ_CHECK(!key.empty() && key.size() <= 64, key);
    FUZZ_CHECK(key.find_first_of(" ,") == std::string::npos, key);
    FUZZ_CHECK(keys.insert(key).second, "repeated key " + key);
  }
  if (!pairs->empty()) {
    FUZZ_CHECK(pairs->size() == static_cast<std::size_t>(std::count(header.begin(), header.end(),
                                                                    ',')) + 1,
               std::string(header));
  }
  std::string again;
  for (const auto& [key, value] : *pairs) {
    if (!again.empty()) again += ',';
    again += key;
    if (!value.empty()) again += ' ' + base64(value);
  }
  const auto reparsed = parse_upload_metadata(again);
  FUZZ_CHECK(reparsed.has_value() && *reparsed == *pairs, again);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void check_disposition(std::string_view name) {
  for (const bool as_inline : {true, false}) {
    const std::string header = content_disposition(as_inline, name);
    for (const char c : header) {
      FUZZ_CHECK(c >= 0x20 && c < 0x7f, header);
    }
    const std::string_view prefix = as_inline ? "inline; filename=\"" : "attachment; filename=\"";
    FUZZ_CHECK(header.starts_with(prefix), header);
    const auto close = header.find('"', prefix.size());
    FUZZ_CHECK(close == prefix.size() + name.size(), header);  // one fallback byte per byte
    FUZZ_CHECK(header.find('\\') == std::string::npos, header);
    constexpr std::string_view kStar = "; filename*=UTF-8''";
    FUZZ_CHECK(header.compare(close + 1, kStar.size(), kStar) == 0, header);
    std::string decoded;
    const std::string_view encoded = std::string_view(header).substr(close + 1 + kStar.size());
    for (std::size_t i = 0; i < encoded.size(); ++i) {
      FUZZ_CHECK(encoded[i] != ';' && encoded[i] != '"' && encoded[i] != ' ', header);
      if (encoded[i] != '%') {
        decoded += encoded[i];
        continue;
      }
      const int hi = i + 1 < encoded.size() ? hex_value(encoded[i + 1]) : -1;
      const int lo = i + 2 < encoded.size() ? hex_value(encoded[i + 2]) : -1;
      FUZZ_CHECK(hi >= 0 && lo >= 0, header);
      decoded += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    FUZZ_CHECK(decoded == name, header);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (sodium_init() < 0) return 0;
  const std::string_view input = fuzz::as_text(data, size);
  std::string_view header = input;
  std::int64_t file_size = static_cast<std::int64_t>(size) * 37;
  if (const auto newline = input.find('\n'); newline != std::string_view::npos) {
    const std::string_view first = input.substr(0, newline);
    header = input.substr(newline + 1);
    std::int64_t parsed = 0;
    const auto [end, ec] = std::from_chars(first.data(), first.data() + first.size(), parsed);
    if (ec == std::errc() && end == first.data() + first.size() && parsed >= 0 &&
        parsed < std::numeric_limits<std::int64_t>::max()) {
      file_size = parsed;
    }
  }
  for (const std::int64_t s : {file_size, std::int64_t{0}, std::int64_t{1}, file_size + 1}) {
    check_range(header, s);
  }
  check_tus_number(header);
  check_metadata(header);
  check_disposition(header);
  return 0;
}
