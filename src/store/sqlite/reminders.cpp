// Reminders in the SQLite store: schedules, batched rounds, deactivation at expiry, the
// recipients' reminder timeline, and the emails and webhooks a round or a deactivation queues.

#include "store/sqlite/reminders.h"

#include <limits>
#include <map>

#include <fmt/format.h>

#include "store/sqlite/notifications.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/sqlite/timeline.h"

namespace missive::sqlite {
namespace {

#define MISSIVE_SCHEDULE_COLUMNS                                                             \
  "s.message_id, s.period_days, s.anchor_day, s.expiry_day, s.deactivate, s.next_remind_at, " \
  "s.last_remind_at, s.due_at, s.rounds_sent, s.final_sent, s.stopped_at, s.closed_at, "      \
  "s.version"

ReminderSchedule schedule_from_row(const Stmt& stmt) {
  ReminderSchedule s;
  s.message = stmt.id<MessageId>(0);
  s.period_days = static_cast<int>(stmt.int64(1));
  s.anchor_day = stmt.int64(2);
  s.expiry_day = stmt.int64(3);
  s.deactivate_non_responders = stmt.boolean(4);
  s.next_remind_at = stmt.opt_int64(5);
  s.last_remind_at = stmt.opt_int64(6);
  s.due_at = stmt.opt_int64(7);
  s.rounds_sent = stmt.int64(8);
  s.final_sent = stmt.boolean(9);
  s.stopped_at = stmt.opt_int64(10);
  s.closed_at = stmt.opt_int64(11);
  s.version = stmt.int64(12);
  return s;
}

Result<std::optional<ReminderSchedule>> load_schedule(Db& db, MessageId id) {
  MISSIVE_SQL(stmt, db,
              "SELECT " MISSIVE_SCHEDULE_COLUMNS " FROM reminder_schedule s WHERE s.message_id = ?");
  stmt.bind(id);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return std::optional<ReminderSchedule>();
  return std::optional<ReminderSchedule>(schedule_from_row(stmt));
}

// Inserts reminder `number` for every active recipient of `id` who has neither read the
// message nor replied to it; one statement for the whole audience. Returns the rows added.
Result<std::int64_t> insert_round(Db& db, MessageId id, MessageId root, std::int64_t number,
                                  bool is_final, Timestamp now) {
  // Only this thread writes: the rows this round adds are those above the current max id.
  std::int64_t before = 0;
  {
    MISSIVE_SQL(stmt, db, "SELECT coalesce(max(id), 0) FROM reminder");
    MISSIVE_TRY(bool row, stmt.step());
    if (row) before = stmt.int64(0);
  }
  MISSIVE_SQL(stmt, db,
              "INSERT OR IGNORE INTO reminder (message_id, recipient_id, number, is_final, sent_at) "
              "SELECT ?1, r.recipient_id, ?2, ?3, ?4 FROM message_recipient r "
              "JOIN user u ON u.id = r.recipient_id AND u.is_active = 1 "
              "WHERE r.message_id = ?1 AND NOT EXISTS (SELECT 1 FROM message x "
              "  WHERE x.root_id = ?5 AND x.parent_id = ?1 AND x.creator_id = r.recipient_id) "
              "GROUP BY r.recipient_id HAVING max(r.is_read) = 0");
  stmt.bind(id, number, is_final, now, root);
  MISSIVE_TRY_STATUS(stmt.run());
  const std::int64_t added = db.changes();
  if (added == 0) return 0;
  MISSIVE_SQL(entries, db,
              MISSIVE_QUEUE_ENTRIES
              "SELECT x.recipient_id, 'reminder', m.conversation_id, m.seq, m.id, NULL, NULL, "
              "x.number, x.is_final, NULL, x.sent_at FROM reminder x "
              "JOIN message m ON m.id = x.message_id WHERE x.id > ? ORDER BY x.id");
  entries.bind(before);
  MISSIVE_TRY_STATUS(entries.run());
  MISSIVE_TRY_STATUS(queue_reminder_notifications(db, before, is_final, now));
  return added;
}

// Deactivates every active, non-admin recipient who has neither read nor replied, records
// them, and revokes their sessions (as set_user_active does). Returns how many.
Result<std::int64_t> deactivate_non_responders(Db& db, MessageId id, MessageId root,
                                               Timestamp now) {
  std::int64_t count = 0;
  {
    MISSIVE_SQL(stmt, db,
                "INSERT OR IGNORE INTO reminder_deactivation (message_id, user_id, deactivated_at) "
                "SELECT ?1, r.recipient_id, ?2 FROM message_recipient r "
                "JOIN user u ON u.id = r.recipient_id AND u.is_active = 1 AND u.is_admin = 0 "
                "WHERE r.message_id = ?1 AND NOT EXISTS (SELECT 1 FROM message x "
                "  WHERE x.root_id = ?3 AND x.parent_id = ?1 AND x.creator_id = r.recipient_id) "
                "GROUP BY r.recipient_id HAVING max(r.is_read) = 0");
    stmt.bind(id, now, root);
    MISSIVE_TRY_STATUS(stmt.run());
    count = db.changes();
  }
  if (count == 0) return 0;
  MISSIVE_TRY_STATUS(queue_deactivation_webhooks(db, id, now));
  {
    MISSIVE_SQL(stmt, db,
                "UPDATE user SET is_active = 0 WHERE id IN (SELECT user_id FROM "
                "reminder_deactivation WHERE message_id = ?1 AND deactivated_at = ?2)");
    stmt.bind(id, now);
    MISSIVE_TRY_STATUS(stmt.run());
  }
  MISSIVE_SQL(stmt, db,
              "UPDATE session SET revoked = 1 WHERE revoked = 0 AND user_id IN (SELECT user_id "
              "FROM reminder_deactivation WHERE message_id = ?1 AND deactivated_at = ?2)");
  stmt.bind(id, now);
  MISSIVE_TRY_STATUS(stmt.run());
  return count;
}

}  // namespace

Status insert_reminder_schedule(Db& db, const ReminderSchedule& s) {
  MISSIVE_SQL(stmt, db,
              "INSERT INTO reminder_schedule (message_id, period_days, anchor_day, expiry_day, "
              "deactivate, next_remind_at, last_remind_at, due_at, rounds_sent, final_sent, "
              "stopped_at, closed_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)");
  stmt.bind(s.message, s.period_days, s.anchor_day, s.expiry_day, s.deactivate_non_responders,
            s.next_remind_at, s.last_remind_at, s.due_at, s.rounds_sent, s.final_sent,
            s.stopped_at, s.closed_at);
  return stmt.run();
}

Result<std::vector<ReminderSchedule>> SqliteStore::reminder_schedules(
    const std::vector<MessageId>& ids) {
  return read([&](Db& db) -> Result<std::vector<ReminderSchedule>> {
    std::vector<ReminderSchedule> out;
    std::vector<MessageId> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    for (MessageId id : sorted) {
      MISSIVE_TRY(auto schedule, load_schedule(db, id));
      if (schedule) out.push_back(std::move(*schedule));
    }
    return out;
  });
}

Result<std::vector<ReminderSchedule>> SqliteStore::due_reminder_schedules(Timestamp until,
                                                                          int limit) {
  return read([&](Db& db) -> Result<std::vector<ReminderSchedule>> {
    MISSIVE_SQL(stmt, db,
                "SELECT " MISSIVE_SCHEDULE_COLUMNS " FROM reminder_schedule s "
                "WHERE s.due_at IS NOT NULL AND s.due_at <= ? ORDER BY s.due_at, s.message_id "
                "LIMIT ?");
    stmt.bind(until, clamp_limit(limit));
    std::vector<ReminderSchedule> out;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return out;
      out.push_back(schedule_from_row(stmt));
    }
  });
}

Result<ReminderWriteOutcome> SqliteStore::write_reminders(const ReminderWrite& w) {
  return write([&](Db& db) -> Result<ReminderWriteOutcome> {
    const ReminderSchedule& s = w.schedule;
    {
      MISSIVE_SQL(stmt, db,
                  "UPDATE reminder_schedule SET period_days = ?, anchor_day = ?, expiry_day = ?, "
                  "deactivate = ?, next_remind_at = ?, last_remind_at = ?, due_at = ?, "
                  "rounds_sent = ?, final_sent = ?, stopped_at = ?, closed_at = ?, "
                  "version = version + 1 WHERE message_id = ? AND version = ?");
      stmt.bind(s.period_days, s.anchor_day, s.expiry_day, s.deactivate_non_responders,
                s.next_remind_at, s.last_remind_at, s.due_at, s.rounds_sent, s.final_sent,
                s.stopped_at, s.closed_at, s.message, s.version);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    if (db.changes() == 0) {
      MISSIVE_TRY(auto current, load_schedule(db, s.message));
      if (!current) {
        return fail(ErrorCode::not_found,
                    fmt::format("message {} has no reminders", s.message.value));
      }
      return fail(ErrorCode::conflict,
                  fmt::format("the reminders of message {} changed meanwhile; try again",
                              s.message.value));
    }
    MessageId root;
    std::optional<Timestamp> old_expiry;
    {
      MISSIVE_SQL(stmt, db, "SELECT root_id, expiry_date FROM message WHERE id = ?");
      stmt.bind(s.message);
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return fail(ErrorCode::not_found, fmt::format("no message {}", s.message.value));
      root = stmt.id<MessageId>(0);
      old_expiry = stmt.opt_int64(1);
    }
    if (w.message_expiry) {
      MISSIVE_SQL(stmt, db, "UPDATE message SET expiry_date = ? WHERE id = ?");
      stmt.bind(*w.message_expiry, s.message);
      MISSIVE_TRY_STATUS(stmt.run());
      // An expiry change is an expiry change whichever path makes it.
      if (old_expiry != w.message_expiry) {
        MISSIVE_TRY_STATUS(queue_expiry_entries(db, s.message, w.now));
      }
    }
    ReminderWriteOutcome outcome;
    if (w.round) {
      MISSIVE_TRY(outcome.reminded, insert_round(db, s.message, root, *w.round, w.is_final, w.now));
    }
    if (w.deactivate_non_responders) {
      MISSIVE_TRY(outcome.deactivated, deactivate_non_responders(db, s.message, root, w.now));
    }
    MISSIVE_TRY(auto stored, load_schedule(db, s.message));
    outcome.schedule = std::move(*stored);
    return outcome;
  });
}

Result<std::vector<ReceivedReminder>> SqliteStore::received_reminders(const ReminderQuery& q) {
  return read([&](Db& db) -> Result<std::vector<ReceivedReminder>> {
    MISSIVE_SQL(stmt, db,
                "SELECT x.id, x.message_id, m.subject, m.creator_id, x.number, x.is_final, "
                "x.sent_at, m.expiry_date FROM reminder x JOIN message m ON m.id = x.message_id "
                "WHERE x.recipient_id = ?1 AND x.id < ?2 "
                "AND (m.expiry_date IS NULL OR m.expiry_date > ?3) "
                "ORDER BY x.id DESC LIMIT ?4");
    stmt.bind(q.user, q.before.value_or(std::numeric_limits<std::int64_t>::max()), q.now,
              clamp_limit(q.limit));
    std::vector<ReceivedReminder> out;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return out;
      out.push_back(ReceivedReminder{.id = stmt.int64(0),
                                     .message = stmt.id<MessageId>(1),
                                     .subject = stmt.text(2),
                                     .creator = stmt.id<UserId>(3),
                                     .number = stmt.int64(4),
                                     .is_final = stmt.boolean(5),
                                     .sent_at = stmt.int64(6),
                                     .expiry_date = stmt.opt_int64(7)});
    }
  });
}

Result<std::vector<RecipientReminders>> SqliteStore::recipient_reminders(MessageId id) {
  return read([&](Db& db) -> Result<std::vector<RecipientReminders>> {
    std::map<UserId, RecipientReminders> by_user;
    {
      MISSIVE_SQL(stmt, db,
                  "SELECT recipient_id, count(*), max(sent_at) FROM reminder "
                  "WHERE message_id = ? GROUP BY recipient_id");
      stmt.bind(id);
      for (;;) {
        MISSIVE_TRY(bool row, stmt.step());
        if (!row) break;
        auto& entry = by_user[stmt.id<UserId>(0)];
        entry.user = stmt.id<UserId>(0);
        entry.reminders = stmt.int64(1);
        entry.last_reminded_at = stmt.opt_int64(2);
      }
    }
    MISSIVE_SQL(stmt, db,
                "SELECT user_id, deactivated_at FROM reminder_deactivation WHERE message_id = ?");
    stmt.bind(id);
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) break;
      auto& entry = by_user[stmt.id<UserId>(0)];
      entry.user = stmt.id<UserId>(0);
      entry.deactivated_at = stmt.int64(1);
    }
    std::vector<RecipientReminders> out;
    for (auto& [user, entry] : by_user) out.push_back(entry);
    return out;
  });
}

Result<std::vector<ReminderRound>> SqliteStore::reminder_rounds(MessageId id) {
  return read([&](Db& db) -> Result<std::vector<ReminderRound>> {
    MISSIVE_SQL(stmt, db,
                "SELECT number, min(sent_at), max(is_final), count(*) FROM reminder "
                "WHERE message_id = ? GROUP BY number ORDER BY number");
    stmt.bind(id);
    std::vector<ReminderRound> out;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return out;
      out.push_back(ReminderRound{stmt.int64(0), stmt.int64(1), stmt.boolean(2), stmt.int64(3)});
    }
  });
}

}  // namespace missive::sqlite
