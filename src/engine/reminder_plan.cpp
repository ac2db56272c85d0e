// Reminder decisions as pure functions; the rules are in docs/api.md ("Reminders").
#include "engine/reminder_plan.h"

#include <algorithm>

#include <fmt/format.h>

namespace missive::engine_detail {
namespace {

Status validate_period(int period_days) {
  if (period_days >= 1 && period_days <= kMaxReminderPeriodDays) return {};
  return fail(ErrorCode::unprocessable,
              fmt::format("the reminder frequency must be 1 to {} days, not {}",
                          kMaxReminderPeriodDays, period_days));
}

// The expiry day must come after the send day: the final reminder goes out on it.
Status validate_expiry_day(std::int64_t expiry_day, Timestamp sent) {
  if (expiry_day > utc_day(sent)) return {};
  return fail(ErrorCode::unprocessable,
              fmt::format("expiry_date ({}) must be a day after the send date ({}): the final "
                          "reminder goes out on the expiry day",
                          format_day(expiry_day), format_day(utc_day(sent))));
}

// next_remind_at and due_at from the rule: the next slot after `after`, else the instant the
// message expires (when expiry is processed).
void reschedule(ReminderSchedule& s, const Message& message, Timestamp after, int minutes) {
  const auto next = next_slot(s.rule(minutes), after);
  s.next_remind_at = next ? std::optional<Timestamp>(next->at) : std::nullopt;
  s.due_at = next ? std::optional<Timestamp>(next->at) : message.expiry_date;
}

}  // namespace

Result<ReminderSchedule> initial_schedule(const ReminderSettings& settings,
                                          std::optional<Timestamp>& expiry, Timestamp now,
                                          int minutes) {
  MISSIVE_TRY_STATUS(validate_period(settings.period_days));
  if (!expiry) {
    return fail(ErrorCode::unprocessable,
                "reminders need an expiry_date: the day of the final reminder");
  }
  const std::int64_t expiry_day = utc_day(*expiry);
  MISSIVE_TRY_STATUS(validate_expiry_day(expiry_day, now));
  expiry = day_end(expiry_day);
  ReminderSchedule s;
  s.period_days = settings.period_days;
  s.anchor_day = utc_day(now) + settings.period_days;
  s.expiry_day = expiry_day;
  s.deactivate_non_responders = settings.deactivate_non_responders;
  Message message;
  message.expiry_date = expiry;
  reschedule(s, message, now, minutes);
  return s;
}

PassPlan plan_pass(const ReminderSchedule& schedule, const Message& message, Timestamp now,
                   int minutes) {
  PassPlan plan;
  plan.write.schedule = schedule;
  plan.write.now = now;
  ReminderSchedule& s = plan.write.schedule;
  if (!message.is_active(now)) {
    // Expired (or withdrawn without the schedule being stopped): nothing more is sent.
    s.next_remind_at.reset();
    s.due_at.reset();
    s.closed_at = now;
    plan.write.deactivate_non_responders = s.deactivate_non_responders && !s.stopped_at;
    plan.action = ReminderAction::expire;
    return plan;
  }
  const Timestamp after = s.last_remind_at.value_or(message.create_date);
  if (const auto slot = latest_slot(s.rule(minutes), after, now)) {
    s.rounds_sent += 1;
    s.last_remind_at = slot->at;
    s.final_sent = s.final_sent || slot->is_final;
    plan.write.round = s.rounds_sent;
    plan.write.is_final = slot->is_final;
    plan.action = slot->is_final ? ReminderAction::final : ReminderAction::remind;
  }
  reschedule(s, message, std::max(now, after), minutes);
  return plan;
}

Result<ReminderSchedule> changed_schedule(ReminderSchedule s, const Message& message,
                                          const UpdateRemindersRequest& request, Timestamp now,
                                          int minutes, std::optional<Timestamp>& new_expiry) {
  const Timestamp after = s.last_remind_at.value_or(message.create_date);
  if (request.period_days) {
    MISSIVE_TRY_STATUS(validate_period(*request.period_days));
    // A new series: one new period after the last reminder (or the send date).
    s.period_days = *request.period_days;
    s.anchor_day = utc_day(after) + s.period_days;
  }
  Message expiring = message;
  if (request.expiry_date) {
    const std::int64_t day = utc_day(*request.expiry_date);
    if (day < utc_day(now)) {
      return fail(ErrorCode::unprocessable,
                  fmt::format("expiry_date ({}) is in the past: to end the reminders stop "
                              "them, or withdraw the message",
                              format_day(day)));
    }
    MISSIVE_TRY_STATUS(validate_expiry_day(day, message.create_date));
    s.final_sent = s.final_sent && day == s.expiry_day;
    s.expiry_day = day;
    new_expiry = day_end(day);
    expiring.expiry_date = new_expiry;
  }
  reschedule(s, expiring, after, minutes);
  return s;
}

}  // namespace missive::engine_detail
