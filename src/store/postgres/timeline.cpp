// Queueing and flushing sync timeline entries in a write transaction.

#include "store/postgres/timeline.h"

namespace missive::postgres {

// ON COMMIT DELETE ROWS: a committed transaction leaves nothing queued; a rolled-back one
// takes its rows with it.
const char* const kTimelineSessionSql =
    "CREATE TEMP TABLE IF NOT EXISTS sync_pending ("
    "  ord bigint GENERATED ALWAYS AS IDENTITY, user_id bigint NOT NULL, kind text NOT NULL, "
    "  conversation_id bigint NOT NULL, conv_seq bigint NOT NULL DEFAULT 0, "
    "  message_id bigint, other_user_id bigint, status text, "
    "  number bigint NOT NULL DEFAULT 0, is_final boolean NOT NULL DEFAULT false, "
    "  expiry bigint, at bigint NOT NULL) ON COMMIT DELETE ROWS";

Status queue_read_entry(Tx& tx, ConversationId conversation, UserId user, Seq read_seq,
                        Timestamp at, std::optional<MessageId> message) {
  MISSIVE_TRY(Rows rows, tx.query(MISSIVE_PG_QUEUE_ENTRIES
                                  "VALUES ($1, 'read', $2, $3, $5, NULL, NULL, 0, false, NULL, $4)",
                                  user, conversation, read_seq, at, message));
  return {};
}

Status queue_expiry_entries(Tx& tx, MessageId message, Timestamp at) {
  MISSIVE_TRY(Rows rows,
              tx.query(MISSIVE_PG_QUEUE_ENTRIES
                       "SELECT a.u, 'expiry', m.conversation_id, m.seq, m.id, NULL::bigint, "
                       "NULL::text, 0, false, m.expiry_date, $2::bigint FROM message m, ("
                       "SELECT creator_id AS u FROM message WHERE id = $1 UNION ALL "
                       "SELECT DISTINCT recipient_id FROM message_recipient "
                       "WHERE message_id = $1) AS a WHERE m.id = $1",
                       message, at));
  return {};
}

Status flush_timeline(Tx& tx) {
  MISSIVE_TRY(Rows users, tx.query("SELECT DISTINCT user_id FROM pg_temp.sync_pending "
                                   "ORDER BY user_id"));
  if (users.empty()) return {};
  // A user's counters are created with their first entry; then every counter row is locked,
  // in user id order (the same order in every transaction: no deadlock between two sends).
  MISSIVE_TRY(Rows created, tx.query("INSERT INTO sync_user (user_id) SELECT DISTINCT user_id "
                                     "FROM pg_temp.sync_pending ORDER BY user_id "
                                     "ON CONFLICT (user_id) DO NOTHING"));
  MISSIVE_TRY(Rows locked, tx.query("SELECT user_id FROM sync_user WHERE user_id IN "
                                    "(SELECT user_id FROM pg_temp.sync_pending) "
                                    "ORDER BY user_id FOR UPDATE"));
  MISSIVE_TRY(Rows inserted,
              tx.query("INSERT INTO sync_timeline (user_id, seq, kind, conversation_id, conv_seq, "
                       "message_id, other_user_id, status, number, is_final, expiry, at) "
                       "SELECT p.user_id, s.last_seq + row_number() OVER (PARTITION BY p.user_id "
                       "ORDER BY p.ord), p.kind, p.conversation_id, p.conv_seq, p.message_id, "
                       "p.other_user_id, p.status, p.number, p.is_final, p.expiry, p.at "
                       "FROM pg_temp.sync_pending p JOIN sync_user s ON s.user_id = p.user_id"));
  MISSIVE_TRY(Rows bumped,
              tx.query("UPDATE sync_user SET last_seq = last_seq + c.n FROM (SELECT user_id, "
                       "count(*) AS n FROM pg_temp.sync_pending GROUP BY user_id) AS c "
                       "WHERE sync_user.user_id = c.user_id"));
  for (int r = 0; r < users.size(); ++r) tx.timeline_users.push_back(users.id<UserId>(r, 0));
  MISSIVE_TRY(Rows cleared, tx.query("DELETE FROM pg_temp.sync_pending"));
  return {};
}

}  // namespace missive::postgres
