#pragma once
// Reminder rows of the SQLite store shared with the message operations (send, inbox).

#include "core/error.h"
#include "core/reminder_schedule.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

// The caller's reminders of inbox row (m, r): count, latest sent_at, whether the latest was
// the final one. Spliced after an inbox query's other columns.
#define MISSIVE_INBOX_REMINDER_COLUMNS                                                     \
  "(SELECT count(*) FROM reminder x WHERE x.message_id = m.id "                            \
  " AND x.recipient_id = r.recipient_id), "                                                \
  "(SELECT max(x.sent_at) FROM reminder x WHERE x.message_id = m.id "                      \
  " AND x.recipient_id = r.recipient_id), "                                                \
  "(SELECT x.is_final FROM reminder x WHERE x.message_id = m.id "                          \
  " AND x.recipient_id = r.recipient_id ORDER BY x.number DESC LIMIT 1)"

// Inserts the schedule of a message being sent. Call inside the writer's transaction.
Status insert_reminder_schedule(Db& db, const ReminderSchedule& schedule);

}  // namespace missive::sqlite
