#pragma once
// Reminder dates: pure arithmetic on UTC calendar days, and the stored state of one message's
// reminders. No I/O. The rules are documented in docs/api.md ("Reminders").
//
// A day is a UTC calendar day numbered from 1970-01-01 (day 0). Unix time has no leap seconds
// and UTC no daylight saving, so every day is exactly kDayMs long and "N days later" is plain
// addition: month ends and 29 February need no special case.
//
// Thread-safety: free functions over values; no shared state.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/ids.h"

namespace missive {

inline constexpr Timestamp kDayMs = 86'400'000;
inline constexpr int kDefaultReminderMinutes = 9 * 60;  // 09:00 UTC
inline constexpr int kMaxReminderPeriodDays = 366;

// The UTC day containing `t`.
std::int64_t utc_day(Timestamp t);
// The last millisecond of `day` (23:59:59.999Z): a reminder message's expiry_date.
Timestamp day_end(std::int64_t day);
// `day` at `minutes` after midnight UTC.
Timestamp at_minutes(std::int64_t day, int minutes);
// "2026-10-05"
std::string format_day(std::int64_t day);
// "HH:MM" (00:00..23:59) -> minutes after midnight. invalid otherwise.
Result<int> parse_time_of_day(std::string_view text);

// The dates of one message's reminders: regular ones on anchor_day + k * period_days (k >= 0)
// strictly before expiry_day, and the final one on expiry_day; each at `minutes` after
// midnight UTC.
struct ReminderRule {
  std::int64_t anchor_day = 0;
  int period_days = 1;
  std::int64_t expiry_day = 0;
  int minutes = kDefaultReminderMinutes;
};

struct ReminderSlot {
  Timestamp at = 0;
  bool is_final = false;
  bool operator==(const ReminderSlot&) const = default;
};

// The first slot strictly after `after`; nullopt when the final one is not after it.
std::optional<ReminderSlot> next_slot(const ReminderRule& rule, Timestamp after);
// The latest slot in (after, now]; nullopt when there is none.
std::optional<ReminderSlot> latest_slot(const ReminderRule& rule, Timestamp after, Timestamp now);

// The stored reminder state of one message. Written only by the engine, which keeps
// next_remind_at and due_at consistent with the rule.
struct ReminderSchedule {
  MessageId message;
  int period_days = 1;
  std::int64_t anchor_day = 0;   // day of the first reminder of the current series
  std::int64_t expiry_day = 0;   // day of the final reminder; the message expires at its end
  bool deactivate_non_responders = false;
  std::optional<Timestamp> next_remind_at;  // the next reminder; nullopt: none left
  std::optional<Timestamp> last_remind_at;  // the scheduled time of the last one sent
  std::optional<Timestamp> due_at;          // when the scheduler must look at it next
  std::int64_t rounds_sent = 0;             // reminder rounds sent (the final one included)
  bool final_sent = false;
  std::optional<Timestamp> stopped_at;      // stopped by its creator or withdrawn
  std::optional<Timestamp> closed_at;       // expiry processed
  std::int64_t version = 0;                 // bumped by every write (optimistic concurrency)

  ReminderRule rule(int minutes) const {
    return ReminderRule{anchor_day, period_days, expiry_day, minutes};
  }
};

// "daily", "weekly" or "every_days" (any other period).
std::string_view frequency_name(int period_days);

}  // namespace missive
