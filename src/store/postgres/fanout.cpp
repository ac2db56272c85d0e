// Deferred fan-out of large sends: the recipients' records, memberships and timeline entries
// written in chunks after the send has committed (NewMessage::defer_fanout).
//
// Several nodes may call fan_out_next at once: each locks the fan-out it works on
// (FOR UPDATE SKIP LOCKED), so two never write the same chunk, and a node skips to the next
// pending fan-out rather than wait.

#include <limits>

#include <fmt/format.h>

#include "store/fanout_audience.h"
#include "store/postgres/membership.h"
#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"
#include "store/postgres/timeline.h"

namespace missive::postgres {
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

Result<std::optional<Pending>> lock_oldest_pending(Tx& tx) {
  MISSIVE_TRY(Rows rows,
              tx.query("SELECT f.message_id, m.conversation_id, m.seq, m.creator_id, "
                       "m.create_date, f.recipients, f.done FROM message_fanout f "
                       "JOIN message m ON m.id = f.message_id WHERE NOT f.finished "
                       "ORDER BY f.message_id LIMIT 1 FOR UPDATE OF f SKIP LOCKED"));
  if (rows.empty()) return std::optional<Pending>();
  return std::optional<Pending>(Pending{rows.id<MessageId>(0, 0), rows.id<ConversationId>(0, 1),
                                        rows.int64(0, 2), rows.id<UserId>(0, 3),
                                        rows.int64(0, 4), std::string(rows.text(0, 5)),
                                        rows.int64(0, 6)});
}

// A member who already read past the message (their watermark moved while the chunk was
// pending) gets the record read, as the send would have left it. The members' rows are
// locked first (user id order), as the read paths lock them.
Status mark_covered_read(Tx& tx, const Pending& f, UserId first, UserId last, Timestamp now) {
  MISSIVE_TRY(Rows locked, tx.query("SELECT user_id FROM conversation_member "
                                    "WHERE conversation_id = $1 AND user_id BETWEEN $2 AND $3 "
                                    "ORDER BY user_id FOR UPDATE",
                                    f.conversation, first, last));
  MISSIVE_TRY(Rows counted,
              tx.query("UPDATE message SET read_count = read_count + (SELECT count(DISTINCT "
                       "r.recipient_id) FROM message_recipient r JOIN conversation_member cm "
                       "ON cm.conversation_id = $2 AND cm.user_id = r.recipient_id "
                       "WHERE r.message_id = $1 AND r.recipient_id BETWEEN $3 AND $4 "
                       "AND NOT r.is_read AND cm.read_seq >= $5) WHERE id = $1",
                       f.message, f.conversation, first, last, f.seq));
  MISSIVE_TRY(Rows marked,
              tx.query("UPDATE message_recipient SET is_read = true, read_at = $6 "
                       "WHERE message_id = $1 AND recipient_id BETWEEN $3 AND $4 AND NOT is_read "
                       "AND recipient_id IN (SELECT user_id FROM conversation_member "
                       "WHERE conversation_id = $2 AND read_seq >= $5)",
                       f.message, f.conversation, first, last, f.seq, now));
  return {};
}

// The end of a fan-out: the members left out leave, and the dashboard's group counters (with
// the reads that happened while it ran) are written.
Status finish(Tx& tx, const Pending& f) {
  MISSIVE_TRY_STATUS(leave_non_recipients(tx, f.conversation, f.message, f.seq, f.creator));
  MISSIVE_TRY(Rows stats,
              tx.query("INSERT INTO message_group_stat (message_id, group_id, recipients, reads) "
                       "SELECT message_id, recipient_group_id, count(*), "
                       "count(*) FILTER (WHERE is_read) FROM message_recipient "
                       "WHERE message_id = $1 GROUP BY message_id, recipient_group_id "
                       "ON CONFLICT (message_id, group_id) DO UPDATE SET "
                       "recipients = excluded.recipients, reads = excluded.reads",
                       f.message));
  MISSIVE_TRY(Rows done,
              tx.query("UPDATE message_fanout SET finished = true WHERE message_id = $1",
                       f.message));
  return {};
}

}  // namespace

Result<std::optional<FanoutStep>> PostgresStore::fan_out_next(int chunk, Timestamp now) {
  return write([&](Tx& tx) -> Result<std::optional<FanoutStep>> {
    MISSIVE_TRY(auto pending, lock_oldest_pending(tx));
    if (!pending) return std::optional<FanoutStep>();
    const Pending& f = *pending;
    MISSIVE_TRY(std::vector<RecipientRef> audience, decode_audience(f.audience));
    const std::size_t total = audience.size();
    std::size_t begin =
        std::min(static_cast<std::size_t>(std::max<std::int64_t>(f.done, 0)), total);
    std::size_t end = std::min(total, begin + static_cast<std::size_t>(std::max(chunk, 1)));
    // A user's records (one per group) stay in one chunk, so each user gets one entry.
    while (end < total && audience[end].user == audience[end - 1].user) ++end;

    FanoutStep step{f.message, 0, false};
    if (begin < end) {
      const UserId first = audience[begin].user;
      const UserId last = audience[end - 1].user;
      std::vector<std::int64_t> users, groups;
      for (std::size_t i = begin; i < end; ++i) {
        users.push_back(audience[i].user.value);
        groups.push_back(audience[i].group.value);
      }
      // DO NOTHING: a record already there stays as it is.
      MISSIVE_TRY(Rows records,
                  tx.query("INSERT INTO message_recipient (message_id, recipient_id, "
                           "recipient_group_id, is_read) SELECT $1, u, g, false "
                           "FROM unnest($2::bigint[], $3::bigint[]) AS a(u, g) "
                           "ON CONFLICT DO NOTHING",
                           f.message, users, groups));
      step.recipients = records.affected();
      MISSIVE_TRY_STATUS(mark_covered_read(tx, f, first, last, now));
      MISSIVE_TRY_STATUS(join_recipients(tx, f.conversation, f.message, f.seq, first, last));
      MISSIVE_TRY(Rows entries,
                  tx.query(MISSIVE_PG_QUEUE_ENTRIES
                           "SELECT DISTINCT recipient_id, 'message', $2::bigint, $3::bigint, "
                           "$1::bigint, NULL::bigint, NULL::text, 0, false, NULL::bigint, "
                           "$6::bigint FROM message_recipient WHERE message_id = $1 "
                           "AND recipient_id BETWEEN $4 AND $5 ORDER BY recipient_id",
                           f.message, f.conversation, f.seq, first, last, f.create_date));
    }
    MISSIVE_TRY(Rows moved, tx.query("UPDATE message_fanout SET done = $1 WHERE message_id = $2",
                                     static_cast<std::int64_t>(end), f.message));
    if (end == total) {
      MISSIVE_TRY_STATUS(finish(tx, f));
      step.done = true;
    }
    return std::optional<FanoutStep>(step);
  });
}

}  // namespace missive::postgres
