#include "server/media_headers.h"

#include <gtest/gtest.h>

#include <string>

namespace missive::server {
namespace {

// "whole", "unsatisfiable" or "partial <offset>+<length>", so each row reads like the spec.
std::string range(std::string_view header, std::int64_t size) {
  const RangeRequest r = parse_range(header, size);
  switch (r.kind) {
    case RangeRequest::Kind::whole:
      return "whole";
    case RangeRequest::Kind::unsatisfiable:
      return "unsatisfiable";
    case RangeRequest::Kind::partial:
      return "partial " + std::to_string(r.offset) + "+" + std::to_string(r.length);
  }
  return "?";
}

std::string number(std::string_view value) {
  const auto n = parse_tus_number(value, "Upload-Length");
  if (!n) return std::string(error_code_name(n.error().code)) + ": " + n.error().message;
  return std::to_string(*n);
}

// "key=value;key=value" or "<code>: <message>".
std::string metadata(std::string_view header) {
  const auto pairs = parse_upload_metadata(header);
  if (!pairs) return std::string(error_code_name(pairs.error().code)) + ": " + pairs.error().message;
  std::string out;
  for (const auto& [key, value] : *pairs) {
    if (!out.empty()) out += ';';
    out += key + "=" + value;
  }
  return out;
}

TEST(ParseRange, OneRange) {
  EXPECT_EQ(range("bytes=0-99", 1000), "partial 0+100");
  EXPECT_EQ(range("bytes=100-", 1000), "partial 100+900");
  EXPECT_EQ(range("bytes=-500", 1000), "partial 500+500");
  EXPECT_EQ(range("bytes=999-999", 1000), "partial 999+1");
  EXPECT_EQ(range("bytes=0-0", 1), "partial 0+1");
  EXPECT_EQ(range("Bytes=0-0", 1000), "partial 0+1");
  EXPECT_EQ(range("  bytes= 5 - 9 ", 1000), "partial 5+5");
}

// RFC 9110 14.1.2: a last position past the end, or a suffix longer than the file, means
// "to the end".
TEST(ParseRange, BeyondTheEndIsClampedOrUnsatisfiable) {
  EXPECT_EQ(range("bytes=900-2000", 1000), "partial 900+100");
  EXPECT_EQ(range("bytes=-2000", 1000), "partial 0+1000");
  EXPECT_EQ(range("bytes=1000-", 1000), "unsatisfiable");
  EXPECT_EQ(range("bytes=1000-1999", 1000), "unsatisfiable");
  EXPECT_EQ(range("bytes=-0", 1000), "unsatisfiable");
  EXPECT_EQ(range("bytes=0-0", 0), "unsatisfiable");
  EXPECT_EQ(range("bytes=-1", 0), "unsatisfiable");
}

// RFC 9110 allows ignoring a Range header: a malformed one, or several ranges, answer the whole
// file (200) rather than an error.
TEST(ParseRange, MalformedOrSeveralRangesMeanTheWholeFile) {
  for (const char* header : {"", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=5-1",
                             "bytes=1-2-3", "bytes=--1", "bytes=+1-2", "items=0-1", "bytes 0-1",
                             "bytes=0x10-", "bytes=0-1234567890123456789"}) {
    EXPECT_EQ(range(header, 1000), "whole") << header;
  }
  EXPECT_EQ(range("bytes=0-1,5-9", 1000), "whole");
  EXPECT_EQ(range("bytes=0-99, 200-299", 1000), "whole");
}

TEST(ParseTusNumber, DecimalDigitsOnly) {
  EXPECT_EQ(number("0"), "0");
  EXPECT_EQ(number("8388608"), "8388608");
  EXPECT_EQ(number("000123"), "123");
  EXPECT_EQ(number("999999999999999999"), "999999999999999999");
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.0", "0x10", "1e6",
                          "1000000000000000000"}) {
    EXPECT_EQ(number(bad), "invalid: Upload-Length must be a whole number of bytes (0 or more)")
        << bad;
  }
}

TEST(ParseUploadMetadata, PairsWithAndWithoutValues) {
  EXPECT_EQ(metadata(""), "");
  EXPECT_EQ(metadata("  "), "");
  EXPECT_EQ(metadata("filename Y2F0LmpwZw==,filetype aW1hZ2UvanBlZw=="),
            "filename=cat.jpg;filetype=image/jpeg");
  EXPECT_EQ(metadata("filename Y2F0LmpwZw==,is_confidential"), "filename=cat.jpg;is_confidential=");
  EXPECT_EQ(metadata(" filename  Y2F0 , is_confidential "), "filename=cat;is_confidential=");
  EXPECT_EQ(metadata("name w6k="), "name=\xc3\xa9");
}

TEST(ParseUploadMetadata, RefusesBadBase64) {
  EXPECT_EQ(metadata("filename Y2F0!"),
            "invalid: Upload-Metadata: the value of filename is not base64");
  EXPECT_EQ(metadata("filename Y2F0 LmpwZw=="),
            "invalid: Upload-Metadata: the value of filename is not base64");
  EXPECT_EQ(metadata("filename Y2F0LmpwZw"),
            "invalid: Upload-Metadata: the value of filename is not base64");
}

TEST(ParseUploadMetadata, RefusesRepeatedOrEmptyKeys) {
  EXPECT_EQ(metadata("a YQ==,a Yg=="), "invalid: Upload-Metadata: a is given twice");
  EXPECT_EQ(metadata("a,b,a"), "invalid: Upload-Metadata: a is given twice");
  EXPECT_EQ(metadata(",a YQ=="), "invalid: Upload-Metadata: every pair needs a key of 1 to 64 bytes");
  EXPECT_EQ(metadata("a YQ==,"), "invalid: Upload-Metadata: every pair needs a key of 1 to 64 bytes");
  EXPECT_EQ(metadata(std::string(65, 'k')),
            "invalid: Upload-Metadata: every pair needs a key of 1 to 64 bytes");
  EXPECT_EQ(metadata(std::string(64, 'k')), std::string(64, 'k') + "=");
}

TEST(ContentDisposition, AsciiFallbackAndUtf8Name) {
  EXPECT_EQ(content_disposition(true, "cat.jpg"),
            "inline; filename=\"cat.jpg\"; filename*=UTF-8''cat.jpg");
  EXPECT_EQ(content_disposition(false, "caf\xc3\xa9 \"x\".pdf"),
            "attachment; filename=\"caf__ _x_.pdf\"; filename*=UTF-8''caf%C3%A9%20%22x%22.pdf");
  EXPECT_EQ(content_disposition(false, "a\\b;c"),
            "attachment; filename=\"a_b;c\"; filename*=UTF-8''a%5Cb%3Bc");
}

// A name must not end the header line or start another header.
TEST(ContentDisposition, ControlCharactersNeverReachTheHeader) {
  EXPECT_EQ(content_disposition(false, "a\r\nSet-Cookie: x"),
            "attachment; filename=\"a__Set-Cookie: x\"; "
            "filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x");
  EXPECT_EQ(content_disposition(true, std::string("a\0b", 3)),
            "inline; filename=\"a_b\"; filename*=UTF-8''a%00b");
}

}  // namespace
}  // namespace missive::server
