#pragma once
// The reminder decisions of the engine as pure functions over values: a new message's
// schedule, one scheduler pass over one message, and a change of frequency or expiry.
// Not part of the public API.

#include <optional>

#include "core/error.h"
#include "core/reminder_schedule.h"
#include "core/types.h"
#include "engine/engine.h"

namespace missive::engine_detail {

// The schedule of a message sent at `now` with `settings`; `expiry` (required) is replaced by
// the end of its UTC day. unprocessable for a bad frequency, a missing expiry or an expiry day
// not after the send day.
Result<ReminderSchedule> initial_schedule(const ReminderSettings& settings,
                                          std::optional<Timestamp>& expiry, Timestamp now,
                                          int minutes);

// What a scheduler pass at `now` writes for `schedule` of `message`.
struct PassPlan {
  ReminderWrite write;
  ReminderAction action = ReminderAction::reschedule;
};
PassPlan plan_pass(const ReminderSchedule& schedule, const Message& message, Timestamp now,
                   int minutes);

// `schedule` after a change of frequency and/or expiry at `now`; `new_expiry` receives the
// message's new expiry_date when the expiry changes. unprocessable for bad values.
Result<ReminderSchedule> changed_schedule(ReminderSchedule schedule, const Message& message,
                                          const UpdateRemindersRequest& request, Timestamp now,
                                          int minutes, std::optional<Timestamp>& new_expiry);

}  // namespace missive::engine_detail
