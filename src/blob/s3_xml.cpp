#include "blob/s3_xml.h"

#include <charconv>
#include <ctime>

#include <fmt/format.h>

namespace missive::blob::s3 {
namespace {

// The text of the first <tag>...</tag> in [from, to) of `xml`, and where it ends; npos when
// absent. An empty element (<tag/>) counts as empty text.
struct Element {
  std::string_view text;
  std::size_t end = std::string_view::npos;
};

Element find_element(std::string_view xml, std::string_view tag, std::size_t from = 0) {
  const std::string open = fmt::format("<{}>", tag);
  const std::string empty = fmt::format("<{}/>", tag);
  const std::string close = fmt::format("</{}>", tag);
  const std::size_t start = xml.find(open, from);
  const std::size_t empty_at = xml.find(empty, from);
  if (empty_at != std::string_view::npos && (start == std::string_view::npos || empty_at < start)) {
    return {{}, empty_at + empty.size()};
  }
  if (start == std::string_view::npos) return {};
  const std::size_t text_at = start + open.size();
  const std::size_t stop = xml.find(close, text_at);
  if (stop == std::string_view::npos) return {};
  return {xml.substr(text_at, stop - text_at), stop + close.size()};
}

void append_utf8(std::string& out, unsigned long code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

}  // namespace

std::string xml_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const std::size_t semi = text.find(';', i);
    if (semi == std::string_view::npos) {
      out += text.substr(i);
      break;
    }
    const std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") out += '&';
    else if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "quot") out += '"';
    else if (entity == "apos") out += '\'';
    else if (entity.starts_with('#')) {
      const bool hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
      const std::string_view digits = entity.substr(hex ? 2 : 1);
      unsigned long code = 0;
      const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
      if (ec != std::errc() || ptr != digits.data() + digits.size() || code > 0x10FFFF) {
        out += text.substr(i, semi - i + 1);
      } else {
        append_utf8(out, code);
      }
    } else {
      out += text.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

Result<Timestamp> parse_iso8601(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  std::tm tm{};
  int fields[6] = {};
  const std::size_t offsets[6] = {0, 5, 8, 11, 14, 17};
  const std::size_t widths[6] = {4, 2, 2, 2, 2, 2};
  if (text.size() < 20) return fail(ErrorCode::invalid, fmt::format("bad time '{}'", text));
  for (int i = 0; i < 6; ++i) {
    const char* begin = text.data() + offsets[i];
    const auto [ptr, ec] = std::from_chars(begin, begin + widths[i], fields[i]);
    if (ec != std::errc() || ptr != begin + widths[i]) {
      return fail(ErrorCode::invalid, fmt::format("bad time '{}'", text));
    }
  }
  int millis = 0;
  std::size_t at = 19;
  if (text[at] == '.') {
    int scale = 100;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      millis += (text[at] - '0') * scale;
      scale /= 10;
    }
  }
  if (at + 1 != text.size() || text[at] != 'Z') {
    return fail(ErrorCode::invalid, fmt::format("bad time '{}'", text));
  }
  tm.tm_year = fields[0] - 1900;
  tm.tm_mon = fields[1] - 1;
  tm.tm_mday = fields[2];
  tm.tm_hour = fields[3];
  tm.tm_min = fields[4];
  tm.tm_sec = fields[5];
  return static_cast<Timestamp>(timegm(&tm)) * 1000 + millis;
}

Result<ListPage> parse_list_page(std::string_view xml) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    return fail(ErrorCode::unavailable, "S3 list: the response is not a ListBucketResult");
  }
  ListPage page;
  std::size_t at = 0;
  for (;;) {
    const Element contents = find_element(xml, "Contents", at);
    if (contents.end == std::string_view::npos) break;
    at = contents.end;
    const Element key = find_element(contents.text, "Key");
    const Element size = find_element(contents.text, "Size");
    const Element modified = find_element(contents.text, "LastModified");
    if (key.end == std::string_view::npos || size.end == std::string_view::npos ||
        modified.end == std::string_view::npos) {
      return fail(ErrorCode::unavailable, "S3 list: an entry lacks Key, Size or LastModified");
    }
    BlobInfo info;
    info.key = xml_unescape(key.text);
    const auto [ptr, ec] = std::from_chars(size.text.data(), size.text.data() + size.text.size(), info.size);
    if (ec != std::errc() || ptr != size.text.data() + size.text.size()) {
      return fail(ErrorCode::unavailable, fmt::format("S3 list: bad Size '{}'", size.text));
    }
    auto time = parse_iso8601(modified.text);
    if (!time) return fail(ErrorCode::unavailable, "S3 list: " + time.error().message);
    info.modified = *time;
    page.objects.push_back(std::move(info));
  }
  page.truncated = find_element(xml, "IsTruncated").text == "true";
  page.next_token = xml_unescape(find_element(xml, "NextContinuationToken").text);
  if (page.truncated && page.next_token.empty()) {
    return fail(ErrorCode::unavailable, "S3 list: truncated without a NextContinuationToken");
  }
  return page;
}

ErrorBody parse_error(std::string_view xml) {
  return {xml_unescape(find_element(xml, "Code").text),
          xml_unescape(find_element(xml, "Message").text)};
}

}  // namespace missive::blob::s3
