// Conversation membership windows and the sender's watermark on send.

#include "store/sqlite/membership.h"

#include <algorithm>

#include "store/sqlite/read_marks.h"
#include "store/sqlite/timeline.h"

namespace missive::sqlite {

Status leave_non_recipients(Db& db, ConversationId conv, MessageId id, Seq seq, UserId creator) {
  MISSIVE_SQL(stmt, db,
              "UPDATE conversation_member SET leave_seq = ?1 "
              "WHERE conversation_id = ?2 AND leave_seq IS NULL AND user_id <> ?3 "
              "AND join_seq <= ?1 "
              "AND user_id NOT IN (SELECT recipient_id FROM message_recipient "
              "WHERE message_id = ?4) "
              "AND user_id NOT IN (SELECT creator_id FROM message "
              "WHERE conversation_id = ?2 AND seq > ?1 + 1)");
  stmt.bind(seq - 1, conv, creator, id);
  return stmt.run();
}

Status join_recipients(Db& db, ConversationId conv, MessageId id, Seq seq, UserId first,
                       UserId last) {
  MISSIVE_SQL(stmt, db,
              "INSERT INTO conversation_member "
              "(conversation_id, user_id, join_seq, leave_seq, read_seq) "
              "SELECT DISTINCT ?1, recipient_id, ?2, NULL, 0 FROM message_recipient "
              "WHERE message_id = ?3 AND recipient_id BETWEEN ?4 AND ?5 "
              "ON CONFLICT (conversation_id, user_id) DO UPDATE "
              "SET join_seq = excluded.join_seq, leave_seq = NULL WHERE leave_seq IS NOT NULL");
  stmt.bind(conv, seq - 1, id, first, last);
  return stmt.run();
}

Status advance_sender(Db& db, ConversationId conv, Seq seq, UserId creator, Timestamp now) {
  MISSIVE_SQL(member, db,
              "SELECT join_seq, leave_seq, read_seq FROM conversation_member "
              "WHERE conversation_id = ? AND user_id = ?");
  member.bind(conv, creator);
  MISSIVE_TRY(bool row, member.step());
  Seq after = 0;
  Seq read_seq = 0;
  bool active = false;
  if (row) {
    active = member.is_null(1);
    read_seq = member.int64(2);
    after = std::max(member.int64(0), read_seq);
  }
  if (active && after < seq - 1) {
    // Moving the sender's watermark covers their earlier messages' records too: keeps
    // "records under the watermark are read" true, which the read paths rely on.
    MISSIVE_TRY(std::int64_t marked, mark_range_read(db, conv, creator, after, seq - 1, now));
    (void)marked;
  }
  MISSIVE_SQL(upsert, db,
              "INSERT INTO conversation_member "
              "(conversation_id, user_id, join_seq, leave_seq, read_seq) VALUES (?1, ?2, ?3, NULL, ?4) "
              "ON CONFLICT (conversation_id, user_id) DO UPDATE SET "
              "join_seq = CASE WHEN leave_seq IS NULL THEN join_seq ELSE excluded.join_seq END, "
              "leave_seq = NULL, read_seq = max(read_seq, excluded.read_seq)");
  upsert.bind(conv, creator, seq - 1, seq);
  MISSIVE_TRY_STATUS(upsert.run());
  // No read entry: a device applying the sender's own message entry moves the watermark to it
  // (docs/protocol.md), so every send does not cost the sender a second entry.
  return {};
}

}  // namespace missive::sqlite
