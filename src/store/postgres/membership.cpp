// Conversation membership windows, the sender's watermark on send, and range reads.

#include "store/postgres/membership.h"

#include <algorithm>

#include "store/postgres/notifications.h"
#include "store/postgres/timeline.h"

namespace missive::postgres {

Status leave_non_recipients(Tx& tx, ConversationId conv, MessageId id, Seq seq, UserId creator) {
  MISSIVE_TRY(Rows rows,
              tx.query("UPDATE conversation_member SET leave_seq = $1 "
                       "WHERE conversation_id = $2 AND leave_seq IS NULL AND user_id <> $3 "
                       "AND join_seq <= $1 "
                       "AND user_id NOT IN (SELECT recipient_id FROM message_recipient "
                       "WHERE message_id = $4) "
                       "AND user_id NOT IN (SELECT creator_id FROM message "
                       "WHERE conversation_id = $2 AND seq > $1 + 1)",
                       seq - 1, conv, creator, id));
  return {};
}

Status join_recipients(Tx& tx, ConversationId conv, MessageId id, Seq seq, UserId first,
                       UserId last) {
  MISSIVE_TRY(Rows rows,
              tx.query("INSERT INTO conversation_member "
                       "(conversation_id, user_id, join_seq, leave_seq, read_seq) "
                       "SELECT DISTINCT $1::bigint, recipient_id, $2::bigint, NULL::bigint, 0 "
                       "FROM message_recipient "
                       "WHERE message_id = $3 AND recipient_id BETWEEN $4 AND $5 "
                       "ORDER BY recipient_id "
                       "ON CONFLICT (conversation_id, user_id) DO UPDATE "
                       "SET join_seq = excluded.join_seq, leave_seq = NULL "
                       "WHERE conversation_member.leave_seq IS NOT NULL",
                       conv, seq - 1, id, first, last));
  return {};
}

Status advance_sender(Tx& tx, ConversationId conv, Seq seq, UserId creator, Timestamp now) {
  // FOR UPDATE: the member's read paths (reads.cpp) lock the same row, so a watermark and the
  // read counters never move in two transactions at once.
  MISSIVE_TRY(Rows member, tx.query("SELECT join_seq, leave_seq, read_seq FROM conversation_member "
                                    "WHERE conversation_id = $1 AND user_id = $2 FOR UPDATE",
                                    conv, creator));
  Seq after = 0;
  bool active = false;
  if (!member.empty()) {
    active = member.null(0, 1);
    after = std::max(member.int64(0, 0), member.int64(0, 2));
  }
  if (active && after < seq - 1) {
    // Moving the sender's watermark covers their earlier messages' records too: keeps
    // "records under the watermark are read" true, which the read paths rely on.
    MISSIVE_TRY(std::int64_t marked, mark_range_read(tx, conv, creator, after, seq - 1, now));
    (void)marked;
  }
  MISSIVE_TRY(Rows upserted,
              tx.query("INSERT INTO conversation_member "
                       "(conversation_id, user_id, join_seq, leave_seq, read_seq) "
                       "VALUES ($1, $2, $3, NULL, $4) "
                       "ON CONFLICT (conversation_id, user_id) DO UPDATE SET "
                       "join_seq = CASE WHEN conversation_member.leave_seq IS NULL "
                       "THEN conversation_member.join_seq ELSE excluded.join_seq END, "
                       "leave_seq = NULL, "
                       "read_seq = greatest(conversation_member.read_seq, excluded.read_seq)",
                       conv, creator, seq - 1, seq));
  // No read entry: a device applying the sender's own message entry moves the watermark to it
  // (docs/protocol.md).
  return {};
}

Result<std::int64_t> mark_range_read(Tx& tx, ConversationId conversation, UserId user, Seq after,
                                     Seq up_to, Timestamp now) {
  if (up_to <= after) return 0;
  // Counters first: they find the records that are still unread, which the last statement
  // then marks. A message read has reached a device: it counts as delivered too, if no pull
  // or ack has counted it yet.
  MISSIVE_TRY(Rows counted,
              tx.query("UPDATE message SET read_count = read_count + 1, "
                       "delivered_count = delivered_count + (EXISTS (SELECT 1 FROM "
                       "message_recipient d WHERE d.message_id = message.id "
                       "AND d.recipient_id = $2 AND d.delivered_at IS NULL))::int "
                       "WHERE conversation_id = $1 AND seq > $3 AND seq <= $4 AND EXISTS ("
                       "SELECT 1 FROM message_recipient r WHERE r.message_id = message.id "
                       "AND r.recipient_id = $2 AND NOT r.is_read)",
                       conversation, user, after, up_to));
  if (counted.affected() == 0) return 0;
  // Each creator learns the message was read, except of deferred (large) fan-outs.
  MISSIVE_TRY(Rows queued,
              tx.query(MISSIVE_PG_QUEUE_ENTRIES
                       "SELECT m.creator_id, 'status', m.conversation_id, m.seq, m.id, $2, "
                       "'read', 0, false, NULL, $5 FROM message m WHERE m.conversation_id = $1 "
                       "AND m.seq > $3 AND m.seq <= $4 AND EXISTS (SELECT 1 FROM "
                       "message_recipient r WHERE r.message_id = m.id AND r.recipient_id = $2 "
                       "AND NOT r.is_read) AND NOT EXISTS (SELECT 1 FROM message_fanout f "
                       "WHERE f.message_id = m.id) ORDER BY m.seq",
                       conversation, user, after, up_to, now));
  // Webhooks hear of every read, deferred fan-outs included.
  MISSIVE_TRY_STATUS(queue_range_read_webhooks(tx, conversation, user, after, up_to, now));
  MISSIVE_TRY(Rows stats,
              tx.query("UPDATE message_group_stat SET reads = reads + 1 "
                       "WHERE (message_id, group_id) IN ("
                       "SELECT r.message_id, r.recipient_group_id FROM message m "
                       "JOIN message_recipient r ON r.message_id = m.id AND r.recipient_id = $2 "
                       "WHERE m.conversation_id = $1 AND m.seq > $3 AND m.seq <= $4 "
                       "AND NOT r.is_read)",
                       conversation, user, after, up_to));
  MISSIVE_TRY(Rows marked,
              tx.query("UPDATE message_recipient SET is_read = true, read_at = $5, "
                       "delivered_at = coalesce(delivered_at, $5) "
                       "WHERE recipient_id = $2 AND NOT is_read AND message_id IN ("
                       "SELECT id FROM message WHERE conversation_id = $1 AND seq > $3 "
                       "AND seq <= $4)",
                       conversation, user, after, up_to, now));
  return counted.affected();
}

}  // namespace missive::postgres
