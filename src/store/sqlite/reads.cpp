// Read tracking, conversation summaries and the dashboard of the SQLite store.

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "store/sqlite/notifications.h"
#include "store/sqlite/read_marks.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/sqlite/timeline.h"

namespace missive::sqlite {
namespace {

struct Membership {
  Seq join_seq = 0;
  std::optional<Seq> leave_seq;
  Seq read_seq = 0;
  Seq max_seq = 0;  // the conversation's

  Seq visible_max() const { return leave_seq.value_or(max_seq); }
};

Result<std::optional<Membership>> load_membership(Db& db, ConversationId conv, UserId user) {
  MISSIVE_SQL(stmt, db,
              "SELECT cm.join_seq, cm.leave_seq, cm.read_seq, c.max_seq "
              "FROM conversation_member cm JOIN conversation c ON c.id = cm.conversation_id "
              "WHERE cm.conversation_id = ? AND cm.user_id = ?");
  stmt.bind(conv, user);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return std::optional<Membership>();
  return std::optional<Membership>(
      Membership{stmt.int64(0), stmt.opt_int64(1), stmt.int64(2), stmt.int64(3)});
}

Status set_read_seq(Db& db, ConversationId conv, UserId user, Seq read_seq) {
  MISSIVE_SQL(stmt, db,
              "UPDATE conversation_member SET read_seq = ?3 "
              "WHERE conversation_id = ?1 AND user_id = ?2 AND read_seq < ?3");
  stmt.bind(conv, user, read_seq);
  return stmt.run();
}

// Summary columns: id, kind, group, max_seq, join, leave, read, last message, last activity,
// unread. Unread counts the messages past the watermark that still have an unread record for
// the member and have not expired (?1 = now): derived on every read, never stored, and the
// same figure the inbox's unread filter shows even after out-of-order single reads.
#define MISSIVE_SUMMARY_SELECT                                                             \
  "SELECT c.id, c.kind, coalesce(c.group_id, 0), c.max_seq, cm.join_seq, cm.leave_seq, "   \
  "cm.read_seq, lm.id, coalesce(lm.create_date, c.created_at) AS activity, "               \
  "(SELECT count(*) FROM message m WHERE m.conversation_id = c.id "                        \
  "  AND m.seq > max(cm.read_seq, cm.join_seq) AND m.seq <= coalesce(cm.leave_seq, c.max_seq) " \
  "  AND (m.expiry_date IS NULL OR m.expiry_date > ?1) "                                   \
  "  AND EXISTS (SELECT 1 FROM message_recipient r WHERE r.message_id = m.id "             \
  "              AND r.recipient_id = cm.user_id AND r.is_read = 0)) "                     \
  "FROM conversation_member cm JOIN conversation c ON c.id = cm.conversation_id "         \
  "LEFT JOIN message lm ON lm.conversation_id = c.id "                                     \
  "AND lm.seq = coalesce(cm.leave_seq, c.max_seq) "

ConversationSummary summary_from_row(const Stmt& stmt) {
  ConversationSummary s;
  s.id = stmt.id<ConversationId>(0);
  s.kind = kind_from_name(stmt.text(1));
  s.group = stmt.id<GroupId>(2);
  const Membership m{stmt.int64(4), stmt.opt_int64(5), stmt.int64(6), stmt.int64(3)};
  s.max_seq = m.visible_max();
  s.read_seq = m.read_seq;
  s.unread = stmt.int64(9);
  if (auto last = stmt.opt_int64(7)) s.last_message = MessageId(*last);
  s.last_activity = stmt.int64(8);
  return s;
}

Status require_message(Db& db, MessageId id) {
  MISSIVE_SQL(stmt, db, "SELECT 1 FROM message WHERE id = ?");
  stmt.bind(id);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return fail(ErrorCode::not_found, fmt::format("no message {}", id.value));
  return {};
}

}  // namespace

Result<std::int64_t> mark_range_read(Db& db, ConversationId conversation, UserId user, Seq after,
                                     Seq up_to, Timestamp now) {
  if (up_to <= after) return 0;
  // Counters first: they find the records that are still unread, which the last statement
  // then marks. A message read has reached a device: it counts as delivered too, if no pull
  // or ack has counted it yet.
  std::int64_t marked = 0;
  {
    MISSIVE_SQL(stmt, db,
                "UPDATE message SET read_count = read_count + 1, "
                "delivered_count = delivered_count + EXISTS (SELECT 1 FROM message_recipient d "
                "WHERE d.message_id = message.id AND d.recipient_id = ?2 "
                "AND d.delivered_at IS NULL) "
                "WHERE conversation_id = ?1 AND seq > ?3 AND seq <= ?4 AND EXISTS ("
                "SELECT 1 FROM message_recipient r WHERE r.message_id = message.id "
                "AND r.recipient_id = ?2 AND r.is_read = 0)");
    stmt.bind(conversation, user, after, up_to);
    MISSIVE_TRY_STATUS(stmt.run());
    marked = db.changes();
  }
  if (marked == 0) return 0;
  {
    // Each creator learns the message was read, except of deferred (large) fan-outs.
    MISSIVE_SQL(stmt, db,
                MISSIVE_QUEUE_ENTRIES
                "SELECT m.creator_id, 'status', m.conversation_id, m.seq, m.id, ?2, 'read', 0, 0, "
                "NULL, ?5 FROM message m WHERE m.conversation_id = ?1 AND m.seq > ?3 "
                "AND m.seq <= ?4 AND EXISTS (SELECT 1 FROM message_recipient r "
                "WHERE r.message_id = m.id AND r.recipient_id = ?2 AND r.is_read = 0) "
                "AND NOT EXISTS (SELECT 1 FROM message_fanout f WHERE f.message_id = m.id) "
                "ORDER BY m.seq");
    stmt.bind(conversation, user, after, up_to, now);
    MISSIVE_TRY_STATUS(stmt.run());
  }
  // Webhooks hear of every read, deferred fan-outs included.
  MISSIVE_TRY_STATUS(queue_range_read_webhooks(db, conversation, user, after, up_to, now));
  {
    MISSIVE_SQL(stmt, db,
                "UPDATE message_group_stat SET reads = reads + 1 "
                "WHERE (message_id, group_id) IN ("
                "SELECT r.message_id, r.recipient_group_id FROM message m "
                "JOIN message_recipient r ON r.message_id = m.id AND r.recipient_id = ?2 "
                "WHERE m.conversation_id = ?1 AND m.seq > ?3 AND m.seq <= ?4 AND r.is_read = 0)");
    stmt.bind(conversation, user, after, up_to);
    MISSIVE_TRY_STATUS(stmt.run());
  }
  {
    MISSIVE_SQL(stmt, db,
                "UPDATE message_recipient SET is_read = 1, read_at = ?5, "
                "delivered_at = coalesce(delivered_at, ?5) "
                "WHERE recipient_id = ?2 AND is_read = 0 AND message_id IN ("
                "SELECT id FROM message WHERE conversation_id = ?1 AND seq > ?3 AND seq <= ?4)");
    stmt.bind(conversation, user, after, up_to, now);
    MISSIVE_TRY_STATUS(stmt.run());
  }
  return marked;
}

Result<ReadOutcome> SqliteStore::mark_message_read(MessageId id, UserId user, Timestamp now) {
  return write([&](Db& db) -> Result<ReadOutcome> {
    ConversationId conv;
    std::int64_t unread = 0;
    {
      MISSIVE_SQL(stmt, db,
                  "SELECT m.conversation_id, count(*), coalesce(sum(r.is_read = 0), 0) "
                  "FROM message_recipient r JOIN message m ON m.id = r.message_id "
                  "WHERE r.message_id = ? AND r.recipient_id = ?");
      stmt.bind(id, user);
      MISSIVE_TRY(bool row, stmt.step());
      if (!row || stmt.int64(1) == 0) {
        return fail(ErrorCode::not_found,
                    fmt::format("message {} was not sent to user {}", id.value, user.value));
      }
      conv = stmt.id<ConversationId>(0);
      unread = stmt.int64(2);
    }
    ReadOutcome outcome;
    if (unread > 0) {
      outcome.messages_marked = 1;
      MISSIVE_SQL(stats, db,
                  "UPDATE message_group_stat SET reads = reads + 1 WHERE message_id = ?1 "
                  "AND group_id IN (SELECT recipient_group_id FROM message_recipient "
                  "WHERE message_id = ?1 AND recipient_id = ?2 AND is_read = 0)");
      stats.bind(id, user);
      MISSIVE_TRY_STATUS(stats.run());
      // Read implies delivered (see mark_range_read).
      MISSIVE_SQL(count, db,
                  "UPDATE message SET read_count = read_count + 1, "
                  "delivered_count = delivered_count + EXISTS (SELECT 1 FROM message_recipient d "
                  "WHERE d.message_id = ?1 AND d.recipient_id = ?2 AND d.delivered_at IS NULL) "
                  "WHERE id = ?1");
      count.bind(id, user);
      MISSIVE_TRY_STATUS(count.run());
      MISSIVE_SQL(rows, db,
                  "UPDATE message_recipient SET is_read = 1, read_at = ?3, "
                  "delivered_at = coalesce(delivered_at, ?3) "
                  "WHERE message_id = ?1 AND recipient_id = ?2 AND is_read = 0");
      rows.bind(id, user, now);
      MISSIVE_TRY_STATUS(rows.run());
      MISSIVE_SQL(entry, db,
                  MISSIVE_QUEUE_ENTRIES
                  "SELECT m.creator_id, 'status', m.conversation_id, m.seq, m.id, ?2, 'read', 0, "
                  "0, NULL, ?3 FROM message m WHERE m.id = ?1 "
                  "AND NOT EXISTS (SELECT 1 FROM message_fanout f WHERE f.message_id = m.id)");
      entry.bind(id, user, now);
      MISSIVE_TRY_STATUS(entry.run());
      MISSIVE_TRY_STATUS(queue_read_webhooks(db, id, user, now));
    }
    MISSIVE_TRY(auto member, load_membership(db, conv, user));
    if (!member) return outcome;
    outcome.read_seq = member->read_seq;
    if (unread == 0) return outcome;  // nothing changed, so the watermark cannot move either
    // The watermark may cross every message up to the first one still unread for the user;
    // messages without a record for the user (their own) do not stop it.
    const Seq from = std::max(member->read_seq, member->join_seq);
    MISSIVE_SQL(first, db,
                "SELECT min(m.seq) FROM message m JOIN message_recipient r "
                "ON r.message_id = m.id AND r.recipient_id = ?4 "
                "WHERE m.conversation_id = ?1 AND m.seq > ?2 AND m.seq <= ?3 AND r.is_read = 0");
    first.bind(conv, from, member->visible_max(), user);
    MISSIVE_TRY(bool row, first.step());
    Seq target = member->visible_max();
    if (row && !first.is_null(0)) target = first.int64(0) - 1;
    if (target > member->read_seq) {
      MISSIVE_TRY_STATUS(set_read_seq(db, conv, user, target));
      outcome.read_seq = target;
    }
    // The user's other devices learn of the read even when the watermark stays below it.
    MISSIVE_TRY_STATUS(queue_read_entry(db, conv, user, outcome.read_seq, now, id));
    return outcome;
  });
}

Result<ReadOutcome> SqliteStore::mark_conversation_read(ConversationId id, UserId user,
                                                        Seq up_to, Timestamp now) {
  return write([&](Db& db) -> Result<ReadOutcome> {
    MISSIVE_TRY(auto member, load_membership(db, id, user));
    if (!member) {
      return fail(ErrorCode::not_found,
                  fmt::format("user {} is not a member of conversation {}", user.value, id.value));
    }
    const Seq target = std::max(member->read_seq, std::min(up_to, member->visible_max()));
    // Records at or below the old watermark are already read (every path that moves it marks
    // them), so only the newly covered range is touched.
    const Seq after = std::max(member->join_seq, member->read_seq);
    ReadOutcome outcome;
    MISSIVE_TRY(outcome.messages_marked, mark_range_read(db, id, user, after, target, now));
    if (target > member->read_seq) {
      MISSIVE_TRY_STATUS(set_read_seq(db, id, user, target));
      MISSIVE_TRY_STATUS(queue_read_entry(db, id, user, target, now));
    }
    outcome.read_seq = target;
    return outcome;
  });
}

Result<std::vector<ConversationSummary>> SqliteStore::conversations(UserId user, Timestamp now) {
  return read([&](Db& db) -> Result<std::vector<ConversationSummary>> {
    MISSIVE_SQL(stmt, db,
                MISSIVE_SUMMARY_SELECT "WHERE cm.user_id = ? ORDER BY activity DESC, c.id DESC");
    stmt.bind(now, user);
    std::vector<ConversationSummary> out;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return out;
      out.push_back(summary_from_row(stmt));
    }
  });
}

Result<ConversationSummary> SqliteStore::conversation(ConversationId id, UserId user,
                                                      Timestamp now) {
  return read([&](Db& db) -> Result<ConversationSummary> {
    MISSIVE_SQL(stmt, db, MISSIVE_SUMMARY_SELECT "WHERE cm.user_id = ? AND c.id = ?");
    stmt.bind(now, user, id);
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) {
      return fail(ErrorCode::not_found,
                  fmt::format("user {} is not a member of conversation {}", user.value, id.value));
    }
    return summary_from_row(stmt);
  });
}

Result<std::vector<Message>> SqliteStore::sent_messages(const DashboardQuery& q) {
  return read([&](Db& db) -> Result<std::vector<Message>> {
    MISSIVE_SQL(stmt, db,
                "SELECT " MISSIVE_MESSAGE_COLUMNS " FROM message m "
                "WHERE m.creator_id = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?");
    stmt.bind(q.creator, q.before ? q.before->value : std::numeric_limits<std::int64_t>::max(),
              clamp_limit(q.limit));
    std::vector<Message> out;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return out;
      MISSIVE_TRY(Message m, message_from_row(stmt));
      out.push_back(std::move(m));
    }
  });
}

Result<std::vector<GroupReadStat>> SqliteStore::read_stats(MessageId id) {
  return read([&](Db& db) -> Result<std::vector<GroupReadStat>> {
    MISSIVE_TRY_STATUS(require_message(db, id));
    MISSIVE_SQL(stmt, db,
                "SELECT s.group_id, coalesce(g.name, ''), s.recipients, s.reads "
                "FROM message_group_stat s LEFT JOIN grp g ON g.id = s.group_id "
                "WHERE s.message_id = ? ORDER BY s.group_id");
    stmt.bind(id);
    std::vector<GroupReadStat> out;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return out;
      out.push_back(GroupReadStat{stmt.id<GroupId>(0), stmt.text(1), stmt.int64(2),
                                  stmt.int64(3)});
    }
  });
}

Result<std::vector<RecipientStatus>> SqliteStore::recipient_statuses(MessageId id) {
  return read([&](Db& db) -> Result<std::vector<RecipientStatus>> {
    MISSIVE_TRY_STATUS(require_message(db, id));
    MISSIVE_SQL(stmt, db,
                "SELECT r.recipient_id, u.handle, u.first_name, u.last_name, "
                "r.recipient_group_id, coalesce(g.name, ''), r.is_read, r.read_at, u.is_active, "
                "r.delivered_at "
                "FROM message_recipient r JOIN user u ON u.id = r.recipient_id "
                "LEFT JOIN grp g ON g.id = r.recipient_group_id "
                "WHERE r.message_id = ? ORDER BY r.recipient_group_id, u.handle");
    stmt.bind(id);
    std::vector<RecipientStatus> out;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return out;
      RecipientStatus s;
      s.user = stmt.id<UserId>(0);
      s.handle = stmt.text(1);
      s.full_name = stmt.text(2) + " " + stmt.text(3);
      s.group = stmt.id<GroupId>(4);
      s.group_name = stmt.text(5);
      s.is_read = stmt.boolean(6);
      s.read_at = stmt.opt_int64(7);
      s.user_is_active = stmt.boolean(8);
      s.delivered_at = stmt.opt_int64(9);
      out.push_back(std::move(s));
    }
  });
}

Result<std::vector<ReadBucket>> SqliteStore::read_history(const ReadHistoryQuery& query) {
  return read([&](Db& db) -> Result<std::vector<ReadBucket>> {
    MISSIVE_TRY_STATUS(require_message(db, query.message));
    // A user reached through two groups has two records: their first read counts once, as
    // in message.read_count.
    MISSIVE_SQL(stmt, db,
                "SELECT (first_read - ?2) / ?3 AS bucket, count(*), max(first_read) FROM ("
                "SELECT min(read_at) AS first_read FROM message_recipient "
                "WHERE message_id = ?1 AND is_read = 1 GROUP BY recipient_id) "
                "GROUP BY bucket ORDER BY bucket");
    stmt.bind(query.message, query.origin, std::max<Timestamp>(1, query.bucket_ms));
    std::vector<ReadBucket> out;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return out;
      out.push_back(ReadBucket{stmt.int64(2), stmt.int64(1)});
    }
  });
}

}  // namespace missive::sqlite
