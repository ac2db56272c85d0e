#include "core/time_format.h"

#include <fmt/format.h>

#include <cstdint>

namespace missive {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days: proleptic Gregorian calendar, no locale,
// no global state, valid for every year an int64 day count can hold.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

constexpr std::int64_t kMsPerDay = 86'400'000;

// Reads exactly `n` ASCII digits at `pos`, advancing it.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

Result<Timestamp> bad_form(std::string_view text) {
  return fail(
      ErrorCode::invalid,
      fmt::format("invalid time \"{}\": expected RFC 3339, e.g. 2026-11-21T13:39:52Z, "
                  "2026-11-21T13:39:52.123+01:00 or 2026-11-21",
                  text.size() > 64 ? std::string(text.substr(0, 64)) + "..." : std::string(text)));
}

Result<Timestamp> out_of_range(std::string_view text, std::string_view what) {
  return fail(ErrorCode::invalid, fmt::format("invalid time \"{}\": {} out of range", text, what));
}

}  // namespace

std::string format_time(Timestamp t) {
  std::int64_t days = t / kMsPerDay;
  std::int64_t ms = t % kMsPerDay;
  if (ms < 0) {
    ms += kMsPerDay;
    --days;
  }
  const Civil c = civil_from_days(days);
  const auto hour = ms / 3'600'000;
  const auto minute = ms / 60'000 % 60;
  const auto second = ms / 1000 % 60;
  const auto milli = ms % 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", c.year, c.month, c.day, hour,
                     minute, second, milli);
}

Result<Timestamp> parse_time(std::string_view text) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!digits(text, pos, 4, year) || !expect(text, pos, '-') || !digits(text, pos, 2, month) ||
      !expect(text, pos, '-') || !digits(text, pos, 2, day)) {
    return bad_form(text);
  }
  if (month < 1 || month > 12) return out_of_range(text, "month");
  if (day < 1 || static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month))) {
    return out_of_range(text, "day");
  }
  const std::int64_t date_ms =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * kMsPerDay;
  if (pos == text.size()) return date_ms;

  if (text[pos] != 'T' && text[pos] != 't') return bad_form(text);
  ++pos;
  int hour = 0, minute = 0, second = 0;
  if (!digits(text, pos, 2, hour) || !expect(text, pos, ':') || !digits(text, pos, 2, minute) ||
      !expect(text, pos, ':') || !digits(text, pos, 2, second)) {
    return bad_form(text);
  }
  if (hour > 23) return out_of_range(text, "hour");
  if (minute > 59) return out_of_range(text, "minute");
  if (second > 59) return out_of_range(text, "second");

  int milli = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t count = 0;
    // Digits past milliseconds are accepted and truncated.
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (count < 3) milli = milli * 10 + (text[pos] - '0');
      ++count;
      ++pos;
    }
    if (count == 0) return bad_form(text);
    for (std::size_t i = count; i < 3; ++i) milli *= 10;
  }

  std::int64_t offset_ms = 0;
  if (pos < text.size()) {
    const char c = text[pos];
    if (c == 'Z' || c == 'z') {
      ++pos;
    } else if (c == '+' || c == '-') {
      ++pos;
      int oh = 0, om = 0;
      if (!digits(text, pos, 2, oh) || !expect(text, pos, ':') || !digits(text, pos, 2, om)) {
        return bad_form(text);
      }
      if (oh > 23 || om > 59) return out_of_range(text, "offset");
      offset_ms = (static_cast<std::int64_t>(oh) * 60 + om) * 60'000;
      if (c == '-') offset_ms = -offset_ms;
    } else {
      return bad_form(text);
    }
  }
  if (pos != text.size()) return bad_form(text);

  const std::int64_t local =
      date_ms + ((static_cast<std::int64_t>(hour) * 60 + minute) * 60 + second) * 1000 + milli;
  return local - offset_ms;
}

}  // namespace missive
