// Reminders: changing and stopping them, the recipients' timeline, the admins' due list and
// the scheduler's pass. The decisions themselves are in reminder_plan.cpp.
#include <limits>

#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/engine_internal.h"
#include "engine/reminder_plan.h"

namespace missive {
namespace {

constexpr int kPassBatch = 100;
// Regular reminders listed by a plan; a daily one over years would otherwise list thousands.
constexpr std::size_t kPlannedSlots = 60;

Status require_running(const ReminderSchedule& s) {
  if (!s.stopped_at && !s.closed_at) return {};
  return fail(ErrorCode::unprocessable,
              fmt::format("the reminders of message {} have ended ({})", s.message.value,
                          s.stopped_at ? "stopped" : "expired"));
}

}  // namespace

Result<std::optional<ReminderSchedule>> Engine::schedule_of(MessageId id) {
  MISSIVE_TRY(auto schedules, store_.reminder_schedules({id}));
  if (schedules.empty()) return std::optional<ReminderSchedule>();
  return std::optional<ReminderSchedule>(std::move(schedules.front()));
}

Result<std::optional<Message>> Engine::set_reminder_expiry(const Message& message,
                                                           std::optional<Timestamp> expiry) {
  MISSIVE_TRY(auto schedule, schedule_of(message.id));
  if (!schedule || schedule->stopped_at || schedule->closed_at) return std::optional<Message>();
  const Timestamp now = clock_.now();
  if (!expiry) {
    return fail(ErrorCode::unprocessable,
                "a message with reminders needs an expiry date: stop its reminders first");
  }
  ReminderWrite write{.schedule = *schedule, .now = now};
  if (*expiry <= now) {
    // Withdrawal: the message ends now and so does everything its reminders would still do.
    write.schedule.stopped_at = now;
    write.schedule.next_remind_at.reset();
    write.schedule.due_at.reset();
    write.message_expiry = *expiry;
  } else {
    MISSIVE_TRY(write.schedule, engine_detail::changed_schedule(
                                    *schedule, message, UpdateRemindersRequest{.expiry_date = expiry},
                                    now, options_.reminder_minutes, write.message_expiry));
  }
  MISSIVE_TRY_STATUS(store_.write_reminders(write));
  MISSIVE_TRY(auto updated, store_.get_message(message.id));
  return std::optional<Message>(std::move(updated));
}

Result<ReminderSchedule> Engine::update_reminders(const Caller& caller, MessageId id,
                                                  const UpdateRemindersRequest& request) {
  MISSIVE_TRY(const MessageView view, get_message(caller, id));
  if (!view.caller_is_creator) {
    return fail(ErrorCode::forbidden, "only the creator of a message can change its reminders");
  }
  if (!request.stop && !request.period_days && !request.expiry_date) {
    return fail(ErrorCode::invalid, "give a frequency, an expiry_date, or stop");
  }
  if (!view.reminders) {
    return fail(ErrorCode::unprocessable,
                fmt::format("message {} was sent without reminders", id.value));
  }
  MISSIVE_TRY_STATUS(require_running(*view.reminders));
  const Timestamp now = clock_.now();
  ReminderWrite write{.schedule = *view.reminders, .now = now};
  if (request.stop) {
    write.schedule.stopped_at = now;
    write.schedule.next_remind_at.reset();
    write.schedule.due_at.reset();
  } else {
    MISSIVE_TRY(write.schedule,
                engine_detail::changed_schedule(*view.reminders, view.item.message, request, now,
                                                options_.reminder_minutes, write.message_expiry));
  }
  MISSIVE_TRY(auto outcome, store_.write_reminders(write));
  return std::move(outcome.schedule);
}

Result<ReminderPlan> Engine::plan_reminders(const ReminderSettings& settings,
                                            std::optional<Timestamp> expiry) {
  const Timestamp now = clock_.now();
  const int minutes = options_.reminder_minutes;
  MISSIVE_TRY(const ReminderSchedule schedule,
              engine_detail::initial_schedule(settings, expiry, now, minutes));
  const ReminderRule rule = schedule.rule(minutes);
  ReminderPlan plan{.expiry_day = schedule.expiry_day, .slots = {}, .omitted = 0};
  for (auto slot = next_slot(rule, now); slot && !slot->is_final;
       slot = next_slot(rule, slot->at)) {
    if (plan.slots.size() == kPlannedSlots) {
      // Regular reminders fall on anchor_day + k * period_days before the expiry day.
      const std::int64_t regular =
          (rule.expiry_day - rule.anchor_day + rule.period_days - 1) / rule.period_days;
      plan.omitted = regular - static_cast<std::int64_t>(kPlannedSlots);
      break;
    }
    plan.slots.push_back(*slot);
  }
  plan.slots.push_back(ReminderSlot{.at = at_minutes(rule.expiry_day, minutes), .is_final = true});
  return plan;
}

Result<ReminderPage> Engine::reminders(const Caller& caller, const ReminderListRequest& request) {
  MISSIVE_TRY_STATUS(engine_detail::validate_limit(request.limit));
  MISSIVE_TRY(auto items, store_.received_reminders(ReminderQuery{.user = caller.id,
                                                                  .before = request.before,
                                                                  .limit = request.limit + 1,
                                                                  .now = clock_.now()}));
  ReminderPage page;
  if (items.size() > static_cast<std::size_t>(request.limit)) {
    items.resize(static_cast<std::size_t>(request.limit));
    page.next = items.back().id;
  }
  page.reminders = std::move(items);
  return page;
}

Result<std::vector<DueReminder>> Engine::due_reminders(const Caller& caller, Timestamp until,
                                                       int limit) {
  MISSIVE_TRY_STATUS(engine_detail::require_admin(caller, "list due reminders"));
  MISSIVE_TRY_STATUS(engine_detail::validate_limit(limit));
  MISSIVE_TRY(auto schedules, store_.due_reminder_schedules(until, limit));
  std::vector<DueReminder> due;
  for (auto& schedule : schedules) {
    MISSIVE_TRY(auto message, store_.get_message(schedule.message));
    const auto plan =
        engine_detail::plan_pass(schedule, message, until, options_.reminder_minutes);
    due.push_back(DueReminder{.schedule = std::move(schedule),
                              .message = std::move(message),
                              .action = plan.action});
  }
  return due;
}

Result<ReminderRunReport> Engine::run_due_reminders(Timestamp now) {
  ReminderRunReport report;
  for (;;) {
    MISSIVE_TRY(const auto due, store_.due_reminder_schedules(now, kPassBatch));
    bool progress = false;
    for (const auto& schedule : due) {
      MISSIVE_TRY(const auto message, store_.get_message(schedule.message));
      const auto plan =
          engine_detail::plan_pass(schedule, message, now, options_.reminder_minutes);
      auto outcome = store_.write_reminders(plan.write);
      // conflict: the creator (or another pass) changed it since it was read; the next round
      // of this loop reads it again.
      if (!outcome && outcome.error().code == ErrorCode::conflict) continue;
      if (!outcome) return std::unexpected(outcome.error());
      progress = true;
      report.messages += 1;
      if (plan.write.round) report.rounds += 1;
      report.reminders += outcome->reminded;
      report.deactivated += outcome->deactivated;
    }
    // Every write moves due_at past `now`, so a batch without progress means only conflicts
    // that keep recurring: leave them to the next pass.
    if (due.empty() || !progress) break;
  }
  return report;
}

Result<std::optional<Timestamp>> Engine::next_reminder_due() {
  MISSIVE_TRY(const auto next, store_.due_reminder_schedules(std::numeric_limits<Timestamp>::max(), 1));
  if (next.empty()) return std::optional<Timestamp>();
  return next.front().due_at;
}

Result<bool> Engine::acquire_lease(const std::string& name, const std::string& holder,
                                   std::int64_t ttl_ms) {
  return store_.acquire_lease(name, holder, clock_.now(), ttl_ms);
}

Status Engine::release_lease(const std::string& name, const std::string& holder) {
  return store_.release_lease(name, holder);
}

}  // namespace missive
