// Reminders of the PostgreSQL store: not ported yet. Each operation returns not_implemented()
// (ErrorCode::internal) until it is written here, following users_groups.cpp.

#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"

namespace missive::postgres {

Result<std::vector<ReminderSchedule>> PostgresStore::reminder_schedules(
    const std::vector<MessageId>&) {
  return std::unexpected(not_implemented());
}

Result<std::vector<ReminderSchedule>> PostgresStore::due_reminder_schedules(Timestamp, int) {
  return std::unexpected(not_implemented());
}

Result<ReminderWriteOutcome> PostgresStore::write_reminders(const ReminderWrite&) {
  return std::unexpected(not_implemented());
}

Result<std::vector<ReceivedReminder>> PostgresStore::received_reminders(const ReminderQuery&) {
  return std::unexpected(not_implemented());
}

Result<std::vector<RecipientReminders>> PostgresStore::recipient_reminders(MessageId) {
  return std::unexpected(not_implemented());
}

}  // namespace missive::postgres
