// Queueing and flushing sync timeline entries in the writer's transaction.

#include "store/sqlite/timeline.h"

#include <chrono>

namespace missive::sqlite {

Status create_timeline_scratch(Db& db) {
  // Temp tables belong to this connection and take part in its transactions: a job rolled
  // back to its savepoint takes its queued entries with it.
  return db.exec(
      "CREATE TEMP TABLE IF NOT EXISTS sync_pending ("
      "  ord INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, kind TEXT NOT NULL, "
      "  conversation_id INTEGER NOT NULL, conv_seq INTEGER NOT NULL DEFAULT 0, "
      "  message_id INTEGER, other_user_id INTEGER, status TEXT, "
      "  number INTEGER NOT NULL DEFAULT 0, is_final INTEGER NOT NULL DEFAULT 0, "
      "  expiry INTEGER, at INTEGER NOT NULL);"
      "CREATE TEMP TABLE IF NOT EXISTS prune_floor ("
      "  user_id INTEGER PRIMARY KEY, top INTEGER NOT NULL);");
}

Status queue_read_entry(Db& db, ConversationId conversation, UserId user, Seq read_seq,
                        Timestamp at, std::optional<MessageId> message) {
  MISSIVE_SQL(stmt, db,
              MISSIVE_QUEUE_ENTRIES "VALUES (?1, 'read', ?2, ?3, ?5, NULL, NULL, 0, 0, NULL, ?4)");
  stmt.bind(user, conversation, read_seq, at, message);
  return stmt.run();
}

Status queue_expiry_entries(Db& db, MessageId message, Timestamp at) {
  MISSIVE_SQL(stmt, db,
              MISSIVE_QUEUE_ENTRIES
              "SELECT m.creator_id, 'expiry', m.conversation_id, m.seq, m.id, NULL, NULL, 0, 0, "
              "m.expiry_date, ?2 FROM message m WHERE m.id = ?1 UNION ALL "
              "SELECT DISTINCT r.recipient_id, 'expiry', m.conversation_id, m.seq, m.id, NULL, "
              "NULL, 0, 0, m.expiry_date, ?2 FROM message_recipient r "
              "JOIN message m ON m.id = r.message_id WHERE r.message_id = ?1");
  stmt.bind(message, at);
  return stmt.run();
}


Status flush_timeline(Db& db) {
  {
    MISSIVE_SQL(any, db, "SELECT 1 FROM temp.sync_pending LIMIT 1");
    MISSIVE_TRY(bool row, any.step());
    if (!row) return {};
  }
  {
    // A user's counters are created with their first entry.
    MISSIVE_SQL(stmt, db,
                "INSERT INTO sync_user (user_id) SELECT DISTINCT user_id FROM temp.sync_pending "
                "WHERE true ON CONFLICT (user_id) DO NOTHING");
    MISSIVE_TRY_STATUS(stmt.run());
  }
  {
    // Only this thread writes, so last_seq + n is free for every n until last_seq moves.
    MISSIVE_SQL(stmt, db,
                "INSERT INTO sync_timeline (user_id, seq, kind, conversation_id, conv_seq, "
                "message_id, other_user_id, status, number, is_final, expiry, at) "
                "SELECT p.user_id, s.last_seq + row_number() OVER (PARTITION BY p.user_id "
                "ORDER BY p.ord), p.kind, p.conversation_id, p.conv_seq, p.message_id, "
                "p.other_user_id, p.status, p.number, p.is_final, p.expiry, p.at "
                "FROM temp.sync_pending p JOIN sync_user s ON s.user_id = p.user_id");
    MISSIVE_TRY_STATUS(stmt.run());
  }
  {
    MISSIVE_SQL(stmt, db,
                "UPDATE sync_user SET last_seq = last_seq + c.n FROM (SELECT user_id, "
                "count(*) AS n FROM temp.sync_pending GROUP BY user_id) AS c "
                "WHERE sync_user.user_id = c.user_id");
    MISSIVE_TRY_STATUS(stmt.run());
  }
  {
    MISSIVE_SQL(stmt, db, "SELECT DISTINCT user_id FROM temp.sync_pending");
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) break;
      db.timeline_users().push_back(stmt.id<UserId>(0));
    }
  }
  MISSIVE_SQL(clear, db, "DELETE FROM temp.sync_pending");
  return clear.run();
}

}  // namespace missive::sqlite
