// Deferred fan-out of large sends: the recipients' records, memberships and timeline entries
// written in chunks after the send has committed (NewMessage::defer_fanout).

#include <limits>

#include <fmt/format.h>

#include "store/fanout_audience.h"
#include "store/sqlite/membership.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace missive::sqlite {
namespace {

struct Pending {
  MessageId message;
  ConversationId conversation;
  Seq seq = 0;
  UserId creator;
  Timestamp create_date = 0;
  std::string audience;
  std::int64_t done = 0;
};

Result<std::optional<Pending>> oldest_pending(Db& db) {
  MISSIVE_SQL(stmt, db,
              "SELECT f.message_id, m.conversation_id, m.seq, m.creator_id, m.create_date, "
              "f.recipients, f.done FROM message_fanout f JOIN message m ON m.id = f.message_id "
              "WHERE f.finished = 0 ORDER BY f.message_id LIMIT 1");
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return std::optional<Pending>();
  return std::optional<Pending>(Pending{stmt.id<MessageId>(0), stmt.id<ConversationId>(1),
                                        stmt.int64(2), stmt.id<UserId>(3), stmt.int64(4),
                                        stmt.text(5), stmt.int64(6)});
}

// A member who already read past the message (their watermark moved while the chunk was
// pending) gets the record read, as the send would have left it.
Status mark_covered_read(Db& db, const Pending& f, UserId first, UserId last, Timestamp now) {
  {
    MISSIVE_SQL(stmt, db,
                "UPDATE message SET read_count = read_count + (SELECT count(DISTINCT "
                "r.recipient_id) FROM message_recipient r JOIN conversation_member cm "
                "ON cm.conversation_id = ?2 AND cm.user_id = r.recipient_id "
                "WHERE r.message_id = ?1 AND r.recipient_id BETWEEN ?3 AND ?4 AND r.is_read = 0 "
                "AND cm.read_seq >= ?5) WHERE id = ?1");
    stmt.bind(f.message, f.conversation, first, last, f.seq);
    MISSIVE_TRY_STATUS(stmt.run());
  }
  MISSIVE_SQL(stmt, db,
              "UPDATE message_recipient SET is_read = 1, read_at = ?6 "
              "WHERE message_id = ?1 AND recipient_id BETWEEN ?3 AND ?4 AND is_read = 0 "
              "AND recipient_id IN (SELECT user_id FROM conversation_member "
              "WHERE conversation_id = ?2 AND read_seq >= ?5)");
  stmt.bind(f.message, f.conversation, first, last, f.seq, now);
  return stmt.run();
}

// The end of a fan-out: the members left out leave, and the dashboard's group counters (with
// the reads that happened while it ran) are written.
Status finish(Db& db, const Pending& f) {
  MISSIVE_TRY_STATUS(leave_non_recipients(db, f.conversation, f.message, f.seq, f.creator));
  {
    MISSIVE_SQL(stmt, db,
                "INSERT OR REPLACE INTO message_group_stat (message_id, group_id, recipients, "
                "reads) SELECT message_id, recipient_group_id, count(*), sum(is_read) "
                "FROM message_recipient WHERE message_id = ? GROUP BY recipient_group_id");
    stmt.bind(f.message);
    MISSIVE_TRY_STATUS(stmt.run());
  }
  MISSIVE_SQL(stmt, db, "UPDATE message_fanout SET finished = 1 WHERE message_id = ?");
  stmt.bind(f.message);
  return stmt.run();
}

}  // namespace

Result<std::optional<FanoutStep>> SqliteStore::fan_out_next(int chunk, Timestamp now) {
  return write([&](Db& db) -> Result<std::optional<FanoutStep>> {
    MISSIVE_TRY(auto pending, oldest_pending(db));
    if (!pending) return std::optional<FanoutStep>();
    const Pending& f = *pending;
    MISSIVE_TRY(std::vector<RecipientRef> audience, decode_audience(f.audience));
    const std::size_t total = audience.size();
    std::size_t begin = std::min(static_cast<std::size_t>(std::max<std::int64_t>(f.done, 0)),
                                 total);
    std::size_t end = std::min(total, begin + static_cast<std::size_t>(std::max(chunk, 1)));
    // A user's records (one per group) stay in one chunk, so each user gets one entry.
    while (end < total && audience[end].user == audience[end - 1].user) ++end;

    FanoutStep step{f.message, 0, false};
    if (begin < end) {
      const UserId first = audience[begin].user;
      const UserId last = audience[end - 1].user;
      for (std::size_t i = begin; i < end; ++i) {
        // OR IGNORE: a record already there (written by an earlier attempt) stays as it is.
        MISSIVE_SQL(stmt, db,
                    "INSERT OR IGNORE INTO message_recipient (message_id, recipient_id, "
                    "recipient_group_id, is_read) VALUES (?, ?, ?, 0)");
        stmt.bind(f.message, audience[i].user, audience[i].group.value);
        MISSIVE_TRY_STATUS(stmt.run());
        step.recipients += db.changes();
      }
      MISSIVE_TRY_STATUS(mark_covered_read(db, f, first, last, now));
      MISSIVE_TRY_STATUS(join_recipients(db, f.conversation, f.message, f.seq, first, last));
      MISSIVE_SQL(entries, db,
                  MISSIVE_QUEUE_ENTRIES
                  "SELECT DISTINCT recipient_id, 'message', ?2, ?3, ?1, NULL, NULL, 0, 0, NULL, "
                  "?6 FROM message_recipient WHERE message_id = ?1 "
                  "AND recipient_id BETWEEN ?4 AND ?5 ORDER BY recipient_id");
      entries.bind(f.message, f.conversation, f.seq, first, last, f.create_date);
      MISSIVE_TRY_STATUS(entries.run());
    }
    {
      MISSIVE_SQL(stmt, db, "UPDATE message_fanout SET done = ? WHERE message_id = ?");
      stmt.bind(end, f.message);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    if (end == total) {
      MISSIVE_TRY_STATUS(finish(db, f));
      step.done = true;
    }
    return std::optional<FanoutStep>(step);
  });
}

}  // namespace missive::sqlite
