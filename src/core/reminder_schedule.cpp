#include "core/reminder_schedule.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "core/time_format.h"

namespace missive {
namespace {

// Rounds towards minus infinity (instants before 1970 are negative).
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

Timestamp regular_at(const ReminderRule& rule, std::int64_t k) {
  return at_minutes(rule.anchor_day + k * rule.period_days, rule.minutes);
}

// The largest k whose regular reminder falls strictly before the expiry day; -1 when none.
std::int64_t last_regular(const ReminderRule& rule) {
  if (rule.anchor_day >= rule.expiry_day) return -1;
  return (rule.expiry_day - 1 - rule.anchor_day) / rule.period_days;
}

}  // namespace

std::int64_t utc_day(Timestamp t) { return floor_div(t, kDayMs); }

Timestamp day_end(std::int64_t day) { return (day + 1) * kDayMs - 1; }

Timestamp at_minutes(std::int64_t day, int minutes) {
  return day * kDayMs + static_cast<Timestamp>(minutes) * 60'000;
}

std::string format_day(std::int64_t day) { return format_time(day * kDayMs).substr(0, 10); }

Result<int> parse_time_of_day(std::string_view text) {
  const auto bad = [&] {
    return fail(ErrorCode::invalid,
                fmt::format("\"{}\" is not a time of day: expected HH:MM, e.g. 09:00", text));
  };
  if (text.size() != 5 || text[2] != ':') return bad();
  int hours = 0, minutes = 0;
  const auto h = std::from_chars(text.data(), text.data() + 2, hours);
  const auto m = std::from_chars(text.data() + 3, text.data() + 5, minutes);
  if (h.ec != std::errc() || h.ptr != text.data() + 2 || m.ec != std::errc() ||
      m.ptr != text.data() + 5 || hours < 0 || hours > 23 || minutes < 0 || minutes > 59) {
    return bad();
  }
  return hours * 60 + minutes;
}

std::optional<ReminderSlot> next_slot(const ReminderRule& rule, Timestamp after) {
  const std::int64_t period_ms = rule.period_days * kDayMs;
  const std::int64_t k =
      std::max<std::int64_t>(0, floor_div(after - regular_at(rule, 0), period_ms) + 1);
  if (k <= last_regular(rule)) return ReminderSlot{regular_at(rule, k), false};
  const Timestamp final_at = at_minutes(rule.expiry_day, rule.minutes);
  if (final_at > after) return ReminderSlot{final_at, true};
  return std::nullopt;
}

std::optional<ReminderSlot> latest_slot(const ReminderRule& rule, Timestamp after, Timestamp now) {
  const Timestamp final_at = at_minutes(rule.expiry_day, rule.minutes);
  if (final_at <= now) {
    if (final_at > after) return ReminderSlot{final_at, true};
    return std::nullopt;  // every regular reminder is earlier than the final one
  }
  const std::int64_t period_ms = rule.period_days * kDayMs;
  const std::int64_t k =
      std::min(floor_div(now - regular_at(rule, 0), period_ms), last_regular(rule));
  if (k < 0 || regular_at(rule, k) <= after) return std::nullopt;
  return ReminderSlot{regular_at(rule, k), false};
}

std::string_view frequency_name(int period_days) {
  if (period_days == 1) return "daily";
  if (period_days == 7) return "weekly";
  return "every_days";
}

}  // namespace missive
