// Reminder date arithmetic: UTC calendar days, the send time, the final reminder on the
// expiry day, catch-up after downtime, month ends and leap days.
#include "core/reminder_schedule.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/time_format.h"

namespace missive {
namespace {

Timestamp at(const char* text) { return *parse_time(text); }
std::int64_t day(const char* date) { return utc_day(at(date)); }

// Every slot of the rule after `from`, as "2026-09-21T09:00:00.000Z" (+ " final").
std::vector<std::string> slots(const ReminderRule& rule, Timestamp from) {
  std::vector<std::string> out;
  for (auto slot = next_slot(rule, from); slot; slot = next_slot(rule, slot->at)) {
    out.push_back(format_time(slot->at) + (slot->is_final ? " final" : ""));
  }
  return out;
}

// The rule of a message sent at `sent` with `period` and expiry day `expiry`.
ReminderRule rule_for(const char* sent, int period, const char* expiry, int minutes = 540) {
  return ReminderRule{utc_day(at(sent)) + period, period, day(expiry), minutes};
}

TEST(ReminderSchedule, WorkedExampleWeeklyFromMonday14September) {
  const auto rule = rule_for("2026-09-14T15:30:00Z", 7, "2026-10-05");
  EXPECT_EQ(slots(rule, at("2026-09-14T15:30:00Z")),
            (std::vector<std::string>{"2026-09-21T09:00:00.000Z", "2026-09-28T09:00:00.000Z",
                                      "2026-10-05T09:00:00.000Z final"}));
}

TEST(ReminderSchedule, ExpiryBetweenPeriodsStillGetsItsFinalOnTheExpiryDay) {
  const auto rule = rule_for("2026-09-14T08:00:00Z", 7, "2026-10-01");
  EXPECT_EQ(slots(rule, at("2026-09-14T08:00:00Z")),
            (std::vector<std::string>{"2026-09-21T09:00:00.000Z", "2026-09-28T09:00:00.000Z",
                                      "2026-10-01T09:00:00.000Z final"}));
}

TEST(ReminderSchedule, ExpiryBeforeTheFirstPeriodGivesOnlyTheFinal) {
  const auto rule = rule_for("2026-09-14T08:00:00Z", 7, "2026-09-16");
  EXPECT_EQ(slots(rule, at("2026-09-14T08:00:00Z")),
            (std::vector<std::string>{"2026-09-16T09:00:00.000Z final"}));
}

TEST(ReminderSchedule, DailyAcrossAMonthEndAndALeapDay) {
  const auto rule = rule_for("2028-02-27T20:00:00Z", 1, "2028-03-02", 0);
  EXPECT_EQ(slots(rule, at("2028-02-27T20:00:00Z")),
            (std::vector<std::string>{"2028-02-28T00:00:00.000Z", "2028-02-29T00:00:00.000Z",
                                      "2028-03-01T00:00:00.000Z", "2028-03-02T00:00:00.000Z final"}));
}

TEST(ReminderSchedule, EveryThirtyDaysFromJanuary31) {
  const auto rule = rule_for("2027-01-31T12:00:00Z", 30, "2027-04-30", 23 * 60 + 59);
  EXPECT_EQ(slots(rule, at("2027-01-31T12:00:00Z")),
            (std::vector<std::string>{"2027-03-02T23:59:00.000Z", "2027-04-01T23:59:00.000Z",
                                      "2027-04-30T23:59:00.000Z final"}));
}

TEST(ReminderSchedule, LatestSlotCatchesUpWithOneReminderNotTheBacklog) {
  const auto rule = rule_for("2026-09-14T08:00:00Z", 1, "2026-09-30");
  // Down from the 15th to the 18th at noon: only the 18th's reminder is due.
  const auto due = latest_slot(rule, at("2026-09-14T08:00:00Z"), at("2026-09-18T12:00:00Z"));
  ASSERT_TRUE(due);
  EXPECT_EQ(format_time(due->at), "2026-09-18T09:00:00.000Z");
  EXPECT_FALSE(due->is_final);
  // Already sent: nothing more until the next slot.
  EXPECT_FALSE(latest_slot(rule, due->at, at("2026-09-18T23:00:00Z")));
  EXPECT_EQ(format_time(next_slot(rule, at("2026-09-18T12:00:00Z"))->at),
            "2026-09-19T09:00:00.000Z");
  // Before the send time of the first day nothing is due.
  EXPECT_FALSE(latest_slot(rule, at("2026-09-14T08:00:00Z"), at("2026-09-15T08:59:59.999Z")));
}

TEST(ReminderSchedule, LatestSlotPrefersTheFinalOnceItIsDue) {
  const auto rule = rule_for("2026-09-14T08:00:00Z", 7, "2026-10-05");
  const auto due = latest_slot(rule, at("2026-09-21T09:00:00Z"), at("2026-10-05T10:00:00Z"));
  ASSERT_TRUE(due);
  EXPECT_TRUE(due->is_final);
  EXPECT_EQ(format_time(due->at), "2026-10-05T09:00:00.000Z");
  EXPECT_FALSE(latest_slot(rule, due->at, at("2026-10-06T10:00:00Z")));
  EXPECT_FALSE(next_slot(rule, due->at));
}

TEST(ReminderSchedule, DaysAndTimesOfDay) {
  EXPECT_EQ(format_day(day("2026-10-05")), "2026-10-05");
  EXPECT_EQ(format_time(day_end(day("2026-10-05"))), "2026-10-05T23:59:59.999Z");
  EXPECT_EQ(utc_day(at("2026-10-05T23:59:59.999Z")), day("2026-10-05"));
  EXPECT_EQ(utc_day(at("2026-10-06T00:30:00+02:00")), day("2026-10-05"));
  EXPECT_EQ(utc_day(-1), -1);
  EXPECT_EQ(*parse_time_of_day("09:00"), 540);
  EXPECT_EQ(*parse_time_of_day("23:59"), 1439);
  EXPECT_EQ(*parse_time_of_day("00:00"), 0);
  for (const char* bad : {"9:00", "24:00", "12:60", "ab:cd", "12-00", "", "12:000"}) {
    EXPECT_FALSE(parse_time_of_day(bad)) << bad;
  }
  EXPECT_EQ(frequency_name(1), "daily");
  EXPECT_EQ(frequency_name(7), "weekly");
  EXPECT_EQ(frequency_name(3), "every_days");
}

}  // namespace
}  // namespace missive
