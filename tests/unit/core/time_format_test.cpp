#include "core/time_format.h"

#include <gtest/gtest.h>

namespace missive {
namespace {

constexpr Timestamp kExample = 1795268392123;  // 2026-11-21T13:39:52.123Z

std::string parse_error(std::string_view text) {
  auto t = parse_time(text);
  if (t) return "parsed " + std::to_string(*t);
  EXPECT_EQ(t.error().code, ErrorCode::invalid);
  return t.error().message;
}

TEST(FormatTimeTest, UtcWithMilliseconds) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_time(kExample), "2026-11-21T13:39:52.123Z");
  EXPECT_EQ(format_time(951782400000), "2000-02-29T00:00:00.000Z");  // leap day of a 400-year
  EXPECT_EQ(format_time(253402300799999), "9999-12-31T23:59:59.999Z");
}

TEST(FormatTimeTest, BeforeTheEpoch) {
  EXPECT_EQ(format_time(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_time(-86400000), "1969-12-31T00:00:00.000Z");
}

TEST(ParseTimeTest, TheDocumentedForms) {
  EXPECT_EQ(parse_time("2026-11-21T13:39:52.123Z"), kExample);
  EXPECT_EQ(parse_time("2026-11-21T13:39:52Z"), kExample - 123);
  EXPECT_EQ(parse_time("2026-11-21T13:39:52"), kExample - 123);  // no offset: UTC
  EXPECT_EQ(parse_time("2026-11-21T14:39:52.123+01:00"), kExample);
  EXPECT_EQ(parse_time("2026-11-21T08:09:52.123-05:30"), kExample);
  EXPECT_EQ(parse_time("2026-11-21"), kExample - (13 * 3600 + 39 * 60 + 52) * 1000 - 123);
  EXPECT_EQ(parse_time("1970-01-01"), 0);
}

TEST(ParseTimeTest, FractionsOfAnyLength) {
  EXPECT_EQ(parse_time("1970-01-01T00:00:00.5Z"), 500);
  EXPECT_EQ(parse_time("1970-01-01T00:00:00.12Z"), 120);
  EXPECT_EQ(parse_time("1970-01-01T00:00:00.123999Z"), 123);  // truncated, not rounded
}

TEST(ParseTimeTest, LowercaseSeparatorsAreAccepted) {
  EXPECT_EQ(parse_time("2026-11-21t13:39:52.123z"), kExample);
}

TEST(ParseTimeTest, RoundTrips) {
  for (Timestamp t :
       {Timestamp{0}, kExample, Timestamp{-1}, Timestamp{4102444800000}, Timestamp{951868799999}}) {
    EXPECT_EQ(parse_time(format_time(t)), t) << format_time(t);
  }
}

TEST(ParseTimeTest, LeapYears) {
  EXPECT_TRUE(parse_time("2024-02-29"));
  EXPECT_TRUE(parse_time("2000-02-29"));
  EXPECT_EQ(parse_error("2026-02-29"), "invalid time \"2026-02-29\": day out of range");
  EXPECT_EQ(parse_error("1900-02-29"), "invalid time \"1900-02-29\": day out of range");
}

TEST(ParseTimeTest, RangeErrors) {
  EXPECT_EQ(parse_error("2026-13-01"), "invalid time \"2026-13-01\": month out of range");
  EXPECT_EQ(parse_error("2026-04-31"), "invalid time \"2026-04-31\": day out of range");
  EXPECT_EQ(parse_error("2026-04-00"), "invalid time \"2026-04-00\": day out of range");
  EXPECT_EQ(parse_error("2026-04-01T24:00:00Z"),
            "invalid time \"2026-04-01T24:00:00Z\": hour out of range");
  EXPECT_EQ(parse_error("2026-04-01T23:60:00Z"),
            "invalid time \"2026-04-01T23:60:00Z\": minute out of range");
  EXPECT_EQ(parse_error("2026-04-01T23:59:60Z"),
            "invalid time \"2026-04-01T23:59:60Z\": second out of range");
  EXPECT_EQ(parse_error("2026-04-01T23:59:59+24:00"),
            "invalid time \"2026-04-01T23:59:59+24:00\": offset out of range");
}

TEST(ParseTimeTest, MalformedTextNamesTheExpectedForm) {
  const std::string hint =
      ": expected RFC 3339, e.g. 2026-11-21T13:39:52Z, 2026-11-21T13:39:52.123+01:00 or 2026-11-21";
  for (std::string_view bad :
       {"", "tomorrow", "2026-1-2", "2026/11/21", "2026-11-21T13:39", "2026-11-21T13:39:52.Z",
        "2026-11-21T13:39:52+0100", "2026-11-21T13:39:52Z ", " 2026-11-21", "2026-11-21 13:39:52Z",
        "1795268392123"}) {
    EXPECT_EQ(parse_error(bad), "invalid time \"" + std::string(bad) + "\"" + hint);
  }
}

}  // namespace
}  // namespace missive
