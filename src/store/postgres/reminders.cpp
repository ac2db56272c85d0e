// Reminders in the PostgreSQL store: schedules, batched rounds, deactivation at expiry, the
// recipients' reminder timeline, and the emails and webhooks a round or a deactivation queues.
//
// Concurrency: write_reminders is optimistic, as in SQLite: its UPDATE names the version it
// replaces, and in PostgreSQL a concurrent writer of the same schedule makes the second
// UPDATE wait, re-check the version on the new row, match nothing and answer conflict. So
// two nodes handling one due schedule at once send its round once.

#include <limits>
#include <map>

#include <fmt/format.h>

#include "store/postgres/notifications.h"
#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"
#include "store/postgres/timeline.h"

namespace missive::postgres {
namespace {

#define MISSIVE_PG_SCHEDULE_COLUMNS                                                          \
  "s.message_id, s.period_days, s.anchor_day, s.expiry_day, s.deactivate, s.next_remind_at, " \
  "s.last_remind_at, s.due_at, s.rounds_sent, s.final_sent, s.stopped_at, s.closed_at, "      \
  "s.version"

ReminderSchedule schedule_from_row(const Rows& rows, int r) {
  ReminderSchedule s;
  s.message = rows.id<MessageId>(r, 0);
  s.period_days = static_cast<int>(rows.int64(r, 1));
  s.anchor_day = rows.int64(r, 2);
  s.expiry_day = rows.int64(r, 3);
  s.deactivate_non_responders = rows.boolean(r, 4);
  s.next_remind_at = rows.opt_int64(r, 5);
  s.last_remind_at = rows.opt_int64(r, 6);
  s.due_at = rows.opt_int64(r, 7);
  s.rounds_sent = rows.int64(r, 8);
  s.final_sent = rows.boolean(r, 9);
  s.stopped_at = rows.opt_int64(r, 10);
  s.closed_at = rows.opt_int64(r, 11);
  s.version = rows.int64(r, 12);
  return s;
}

Result<std::optional<ReminderSchedule>> load_schedule(Tx& tx, MessageId id) {
  MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_SCHEDULE_COLUMNS
                                  " FROM reminder_schedule s WHERE s.message_id = $1",
                                  id));
  if (rows.empty()) return std::optional<ReminderSchedule>();
  return std::optional<ReminderSchedule>(schedule_from_row(rows, 0));
}

std::vector<std::int64_t> first_column(const Rows& rows) {
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int r = 0; r < rows.size(); ++r) out.push_back(rows.int64(r, 0));
  return out;
}

// Inserts reminder `number` for every active recipient of `id` who has neither read the
// message nor replied to it; one statement for the whole audience. Returns the rows added.
Result<std::int64_t> insert_round(Tx& tx, MessageId id, MessageId root, std::int64_t number,
                                  bool is_final, Timestamp now) {
  MISSIVE_TRY(Rows added,
              tx.query("INSERT INTO reminder (message_id, recipient_id, number, is_final, sent_at) "
                       "SELECT $1, r.recipient_id, $2, $3, $4 FROM message_recipient r "
                       "JOIN users u ON u.id = r.recipient_id AND u.is_active "
                       "WHERE r.message_id = $1 AND NOT EXISTS (SELECT 1 FROM message x "
                       "  WHERE x.root_id = $5 AND x.parent_id = $1 "
                       "  AND x.creator_id = r.recipient_id) "
                       "GROUP BY r.recipient_id HAVING NOT bool_or(r.is_read) "
                       "ORDER BY r.recipient_id "
                       "ON CONFLICT (message_id, recipient_id, number) DO NOTHING RETURNING id",
                       id, number, is_final, now, root));
  if (added.empty()) return 0;
  const std::vector<std::int64_t> reminders = first_column(added);
  MISSIVE_TRY(Rows entries,
              tx.query(MISSIVE_PG_QUEUE_ENTRIES
                       "SELECT x.recipient_id, 'reminder', m.conversation_id, m.seq, m.id, NULL, "
                       "NULL, x.number, x.is_final, NULL, x.sent_at FROM reminder x "
                       "JOIN message m ON m.id = x.message_id WHERE x.id = ANY($1::bigint[]) "
                       "ORDER BY x.id",
                       reminders));
  MISSIVE_TRY_STATUS(queue_reminder_notifications(tx, reminders, is_final, now));
  return added.size();
}

// Deactivates every active, non-admin recipient who has neither read nor replied, records
// them, and revokes their sessions (as set_user_active does). Returns how many.
Result<std::int64_t> deactivate_non_responders(Tx& tx, MessageId id, MessageId root,
                                               Timestamp now) {
  MISSIVE_TRY(Rows added,
              tx.query("INSERT INTO reminder_deactivation (message_id, user_id, deactivated_at) "
                       "SELECT $1, r.recipient_id, $2 FROM message_recipient r "
                       "JOIN users u ON u.id = r.recipient_id AND u.is_active AND NOT u.is_admin "
                       "WHERE r.message_id = $1 AND NOT EXISTS (SELECT 1 FROM message x "
                       "  WHERE x.root_id = $3 AND x.parent_id = $1 "
                       "  AND x.creator_id = r.recipient_id) "
                       "GROUP BY r.recipient_id HAVING NOT bool_or(r.is_read) "
                       "ORDER BY r.recipient_id "
                       "ON CONFLICT (message_id, user_id) DO NOTHING RETURNING user_id",
                       id, now, root));
  if (added.empty()) return 0;
  const std::vector<std::int64_t> users = first_column(added);
  MISSIVE_TRY_STATUS(queue_deactivation_webhooks(tx, id, users, now));
  MISSIVE_TRY(Rows off, tx.query("UPDATE users SET is_active = false WHERE id = ANY($1::bigint[])",
                                 users));
  MISSIVE_TRY(Rows revoked, tx.query("UPDATE session SET revoked = true WHERE NOT revoked "
                                     "AND user_id = ANY($1::bigint[])",
                                     users));
  return added.size();
}

}  // namespace

Result<std::vector<ReminderSchedule>> PostgresStore::reminder_schedules(
    const std::vector<MessageId>& ids) {
  std::vector<std::int64_t> values;
  values.reserve(ids.size());
  for (MessageId id : ids) values.push_back(id.value);
  return read([&](Tx& tx) -> Result<std::vector<ReminderSchedule>> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_SCHEDULE_COLUMNS
                                    " FROM reminder_schedule s "
                                    "WHERE s.message_id = ANY($1::bigint[]) ORDER BY s.message_id",
                                    values));
    std::vector<ReminderSchedule> out;
    for (int r = 0; r < rows.size(); ++r) out.push_back(schedule_from_row(rows, r));
    return out;
  });
}

Result<std::vector<ReminderSchedule>> PostgresStore::due_reminder_schedules(Timestamp until,
                                                                            int limit) {
  return read([&](Tx& tx) -> Result<std::vector<ReminderSchedule>> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_SCHEDULE_COLUMNS
                                    " FROM reminder_schedule s WHERE s.due_at IS NOT NULL "
                                    "AND s.due_at <= $1 ORDER BY s.due_at, s.message_id LIMIT $2",
                                    until, clamp_limit(limit)));
    std::vector<ReminderSchedule> out;
    for (int r = 0; r < rows.size(); ++r) out.push_back(schedule_from_row(rows, r));
    return out;
  });
}

Result<ReminderWriteOutcome> PostgresStore::write_reminders(const ReminderWrite& w) {
  return write([&](Tx& tx) -> Result<ReminderWriteOutcome> {
    const ReminderSchedule& s = w.schedule;
    Params p;
    p.add(s.period_days).add(s.anchor_day).add(s.expiry_day).add(s.deactivate_non_responders)
        .add(s.next_remind_at).add(s.last_remind_at).add(s.due_at).add(s.rounds_sent)
        .add(s.final_sent).add(s.stopped_at).add(s.closed_at).add(s.message).add(s.version);
    MISSIVE_TRY(Rows updated,
                tx.exec("UPDATE reminder_schedule SET period_days = $1, anchor_day = $2, "
                        "expiry_day = $3, deactivate = $4, next_remind_at = $5, "
                        "last_remind_at = $6, due_at = $7, rounds_sent = $8, final_sent = $9, "
                        "stopped_at = $10, closed_at = $11, version = version + 1 "
                        "WHERE message_id = $12 AND version = $13",
                        p));
    if (updated.affected() == 0) {
      MISSIVE_TRY(auto current, load_schedule(tx, s.message));
      if (!current) {
        return fail(ErrorCode::not_found,
                    fmt::format("message {} has no reminders", s.message.value));
      }
      return fail(ErrorCode::conflict,
                  fmt::format("the reminders of message {} changed meanwhile; try again",
                              s.message.value));
    }
    MISSIVE_TRY(Rows message,
                tx.query("SELECT root_id, expiry_date FROM message WHERE id = $1", s.message));
    if (message.empty()) {
      return fail(ErrorCode::not_found, fmt::format("no message {}", s.message.value));
    }
    const MessageId root = message.id<MessageId>(0, 0);
    const std::optional<Timestamp> old_expiry = message.opt_int64(0, 1);
    if (w.message_expiry) {
      MISSIVE_TRY(Rows set, tx.query("UPDATE message SET expiry_date = $1 WHERE id = $2",
                                     *w.message_expiry, s.message));
      // An expiry change is an expiry change whichever path makes it.
      if (old_expiry != w.message_expiry) {
        MISSIVE_TRY_STATUS(queue_expiry_entries(tx, s.message, w.now));
      }
    }
    ReminderWriteOutcome outcome;
    if (w.round) {
      MISSIVE_TRY(outcome.reminded, insert_round(tx, s.message, root, *w.round, w.is_final, w.now));
    }
    if (w.deactivate_non_responders) {
      MISSIVE_TRY(outcome.deactivated, deactivate_non_responders(tx, s.message, root, w.now));
    }
    MISSIVE_TRY(auto stored, load_schedule(tx, s.message));
    outcome.schedule = std::move(*stored);
    return outcome;
  });
}

Result<std::vector<ReceivedReminder>> PostgresStore::received_reminders(const ReminderQuery& q) {
  return read([&](Tx& tx) -> Result<std::vector<ReceivedReminder>> {
    MISSIVE_TRY(Rows rows,
                tx.query("SELECT x.id, x.message_id, m.subject, m.creator_id, x.number, "
                         "x.is_final, x.sent_at, m.expiry_date FROM reminder x "
                         "JOIN message m ON m.id = x.message_id "
                         "WHERE x.recipient_id = $1 AND x.id < $2 "
                         "AND (m.expiry_date IS NULL OR m.expiry_date > $3) "
                         "ORDER BY x.id DESC LIMIT $4",
                         q.user, q.before.value_or(std::numeric_limits<std::int64_t>::max()),
                         q.now, clamp_limit(q.limit)));
    std::vector<ReceivedReminder> out;
    for (int r = 0; r < rows.size(); ++r) {
      out.push_back(ReceivedReminder{.id = rows.int64(r, 0),
                                     .message = rows.id<MessageId>(r, 1),
                                     .subject = std::string(rows.text(r, 2)),
                                     .creator = rows.id<UserId>(r, 3),
                                     .number = rows.int64(r, 4),
                                     .is_final = rows.boolean(r, 5),
                                     .sent_at = rows.int64(r, 6),
                                     .expiry_date = rows.opt_int64(r, 7)});
    }
    return out;
  });
}

Result<std::vector<RecipientReminders>> PostgresStore::recipient_reminders(MessageId id) {
  return read([&](Tx& tx) -> Result<std::vector<RecipientReminders>> {
    std::map<UserId, RecipientReminders> by_user;
    MISSIVE_TRY(Rows sent, tx.query("SELECT recipient_id, count(*), max(sent_at) FROM reminder "
                                    "WHERE message_id = $1 GROUP BY recipient_id",
                                    id));
    for (int r = 0; r < sent.size(); ++r) {
      auto& entry = by_user[sent.id<UserId>(r, 0)];
      entry.user = sent.id<UserId>(r, 0);
      entry.reminders = sent.int64(r, 1);
      entry.last_reminded_at = sent.opt_int64(r, 2);
    }
    MISSIVE_TRY(Rows off, tx.query("SELECT user_id, deactivated_at FROM reminder_deactivation "
                                   "WHERE message_id = $1",
                                   id));
    for (int r = 0; r < off.size(); ++r) {
      auto& entry = by_user[off.id<UserId>(r, 0)];
      entry.user = off.id<UserId>(r, 0);
      entry.deactivated_at = off.int64(r, 1);
    }
    std::vector<RecipientReminders> out;
    for (auto& [user, entry] : by_user) out.push_back(entry);
    return out;
  });
}

Result<std::vector<ReminderRound>> PostgresStore::reminder_rounds(MessageId id) {
  return read([&](Tx& tx) -> Result<std::vector<ReminderRound>> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT number, min(sent_at), bool_or(is_final), count(*) "
                                    "FROM reminder WHERE message_id = $1 "
                                    "GROUP BY number ORDER BY number",
                                    id));
    std::vector<ReminderRound> out;
    for (int r = 0; r < rows.size(); ++r) {
      out.push_back(
          ReminderRound{rows.int64(r, 0), rows.int64(r, 1), rows.boolean(r, 2), rows.int64(r, 3)});
    }
    return out;
  });
}

}  // namespace missive::postgres
