#include "server/media_headers.h"

#include <sodium.h>

#include <charconv>

#include <fmt/format.h>

namespace missive::server {
namespace {

constexpr int kMaxDigits = 18;  // below 2^63

bool all_digits(std::string_view text) {
  if (text.empty() || text.size() > kMaxDigits) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::int64_t to_number(std::string_view digits) {
  std::int64_t value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

RangeRequest parse_range(std::string_view header, std::int64_t size) {
  header = trim(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size()) return {};
  for (std::size_t i = 0; i < kUnit.size(); ++i) {
    const char c = header[i];
    if ((c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != kUnit[i]) return {};
  }
  const std::string_view spec = trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return {};  // several ranges: the whole file
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  const std::string_view first = trim(spec.substr(0, dash));
  const std::string_view last = trim(spec.substr(dash + 1));
  RangeRequest out;
  if (first.empty()) {
    // A suffix: the last N bytes.
    if (!all_digits(last)) return {};
    const std::int64_t n = to_number(last);
    if (n == 0 || size == 0) return {RangeRequest::Kind::unsatisfiable};
    out.offset = n >= size ? 0 : size - n;
  } else {
    if (!all_digits(first) || (!last.empty() && !all_digits(last))) return {};
    out.offset = to_number(first);
    if (!last.empty() && to_number(last) < out.offset) return {};
    if (out.offset >= size) return {RangeRequest::Kind::unsatisfiable};
    const std::int64_t end = last.empty() ? size - 1 : std::min(to_number(last), size - 1);
    out.length = end - out.offset + 1;
    out.kind = RangeRequest::Kind::partial;
    return out;
  }
  out.length = size - out.offset;
  out.kind = RangeRequest::Kind::partial;
  return out;
}

Result<std::int64_t> parse_tus_number(std::string_view value, std::string_view header) {
  if (!all_digits(value)) {
    return fail(ErrorCode::invalid,
                fmt::format("{} must be a whole number of bytes (0 or more)", header));
  }
  return to_number(value);
}

Result<std::vector<std::pair<std::string, std::string>>> parse_upload_metadata(
    std::string_view header) {
  std::vector<std::pair<std::string, std::string>> out;
  if (trim(header).empty()) return out;
  std::size_t start = 0;
  while (start <= header.size()) {
    const auto comma = header.find(',', start);
    const std::string_view pair =
        trim(header.substr(start, comma == std::string_view::npos ? comma : comma - start));
    const auto space = pair.find(' ');
    const std::string_view key = pair.substr(0, space);
    const std::string_view encoded =
        space == std::string_view::npos ? std::string_view() : trim(pair.substr(space + 1));
    if (key.empty() || key.size() > 64) {
      return fail(ErrorCode::invalid, "Upload-Metadata: every pair needs a key of 1 to 64 bytes");
    }
    for (const auto& [seen, _] : out) {
      if (seen == key) {
        return fail(ErrorCode::invalid, fmt::format("Upload-Metadata: {} is given twice", key));
      }
    }
    std::string value(encoded.size(), '\0');
    std::size_t length = 0;
    if (!encoded.empty() &&
        sodium_base642bin(reinterpret_cast<unsigned char*>(value.data()), value.size(),
                          encoded.data(), encoded.size(), nullptr, &length, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
      return fail(ErrorCode::invalid,
                  fmt::format("Upload-Metadata: the value of {} is not base64", key));
    }
    value.resize(length);
    out.emplace_back(std::string(key), std::move(value));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string content_disposition(bool as_inline, std::string_view filename) {
  std::string ascii;
  std::string encoded;
  for (unsigned char c : filename) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    encoded += plain ? fmt::format("{}", static_cast<char>(c)) : fmt::format("%{:02X}", c);
  }
  return fmt::format("{}; filename=\"{}\"; filename*=UTF-8''{}",
                     as_inline ? "inline" : "attachment", ascii, encoded);
}

}  // namespace missive::server
