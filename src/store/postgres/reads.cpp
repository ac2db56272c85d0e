// Read tracking and conversation summaries of the PostgreSQL store.
//
// Concurrency: every path that moves a member's watermark or read counters first locks the
// member's conversation_member row (FOR UPDATE), as the send path does for its creator
// (membership.cpp), so two reads of one user in one conversation never count a message twice.

#include <algorithm>

#include <fmt/format.h>

#include "store/postgres/membership.h"
#include "store/postgres/notifications.h"
#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"
#include "store/postgres/timeline.h"

namespace missive::postgres {
namespace {

struct Membership {
  Seq join_seq = 0;
  std::optional<Seq> leave_seq;
  Seq read_seq = 0;
  Seq max_seq = 0;  // the conversation's

  Seq visible_max() const { return leave_seq.value_or(max_seq); }
};

// The membership, its row locked until commit.
Result<std::optional<Membership>> lock_membership(Tx& tx, ConversationId conv, UserId user) {
  MISSIVE_TRY(Rows rows,
              tx.query("SELECT cm.join_seq, cm.leave_seq, cm.read_seq, c.max_seq "
                       "FROM conversation_member cm JOIN conversation c "
                       "ON c.id = cm.conversation_id "
                       "WHERE cm.conversation_id = $1 AND cm.user_id = $2 FOR UPDATE OF cm",
                       conv, user));
  if (rows.empty()) return std::optional<Membership>();
  return std::optional<Membership>(
      Membership{rows.int64(0, 0), rows.opt_int64(0, 1), rows.int64(0, 2), rows.int64(0, 3)});
}

Status set_read_seq(Tx& tx, ConversationId conv, UserId user, Seq read_seq) {
  MISSIVE_TRY(Rows rows, tx.query("UPDATE conversation_member SET read_seq = $3 "
                                  "WHERE conversation_id = $1 AND user_id = $2 AND read_seq < $3",
                                  conv, user, read_seq));
  return {};
}

// Summary columns: id, kind, group, max_seq, join, leave, read, last message, last activity,
// unread (as store/sqlite/reads.cpp: derived on every read, never stored). $1 = now.
#define MISSIVE_PG_SUMMARY_SELECT                                                             \
  "SELECT c.id, c.kind, coalesce(c.group_id, 0), c.max_seq, cm.join_seq, cm.leave_seq, "      \
  "cm.read_seq, lm.id, coalesce(lm.create_date, c.created_at) AS activity, "                  \
  "(SELECT count(*) FROM message m WHERE m.conversation_id = c.id "                           \
  "  AND m.seq > greatest(cm.read_seq, cm.join_seq) "                                         \
  "  AND m.seq <= coalesce(cm.leave_seq, c.max_seq) "                                         \
  "  AND (m.expiry_date IS NULL OR m.expiry_date > $1) "                                      \
  "  AND EXISTS (SELECT 1 FROM message_recipient r WHERE r.message_id = m.id "                \
  "              AND r.recipient_id = cm.user_id AND NOT r.is_read)) "                        \
  "FROM conversation_member cm JOIN conversation c ON c.id = cm.conversation_id "            \
  "LEFT JOIN message lm ON lm.conversation_id = c.id "                                        \
  "AND lm.seq = coalesce(cm.leave_seq, c.max_seq) "

ConversationSummary summary_from_row(const Rows& rows, int r) {
  ConversationSummary s;
  s.id = rows.id<ConversationId>(r, 0);
  s.kind = kind_from_name(rows.text(r, 1));
  s.group = rows.id<GroupId>(r, 2);
  const Membership m{rows.int64(r, 4), rows.opt_int64(r, 5), rows.int64(r, 6), rows.int64(r, 3)};
  s.max_seq = m.visible_max();
  s.read_seq = m.read_seq;
  s.unread = rows.int64(r, 9);
  if (auto last = rows.opt_int64(r, 7)) s.last_message = MessageId(*last);
  s.last_activity = rows.int64(r, 8);
  return s;
}

}  // namespace

Result<ReadOutcome> PostgresStore::mark_message_read(MessageId id, UserId user, Timestamp now) {
  return write([&](Tx& tx) -> Result<ReadOutcome> {
    MISSIVE_TRY(Rows found, tx.query("SELECT m.conversation_id FROM message_recipient r "
                                     "JOIN message m ON m.id = r.message_id "
                                     "WHERE r.message_id = $1 AND r.recipient_id = $2 LIMIT 1",
                                     id, user));
    if (found.empty()) {
      return fail(ErrorCode::not_found,
                  fmt::format("message {} was not sent to user {}", id.value, user.value));
    }
    const ConversationId conv = found.id<ConversationId>(0, 0);
    MISSIVE_TRY(auto member, lock_membership(tx, conv, user));
    // Under the lock (or, without a membership, on the records themselves): what is unread
    // now cannot change before commit.
    MISSIVE_TRY(Rows records, tx.query("SELECT count(*) FILTER (WHERE NOT is_read) FROM "
                                       "(SELECT is_read FROM message_recipient "
                                       "WHERE message_id = $1 AND recipient_id = $2 FOR UPDATE) r",
                                       id, user));
    const std::int64_t unread = records.int64(0, 0);
    ReadOutcome outcome;
    if (unread > 0) {
      outcome.messages_marked = 1;
      MISSIVE_TRY(Rows stats,
                  tx.query("UPDATE message_group_stat SET reads = reads + 1 WHERE message_id = $1 "
                           "AND group_id IN (SELECT recipient_group_id FROM message_recipient "
                           "WHERE message_id = $1 AND recipient_id = $2 AND NOT is_read)",
                           id, user));
      MISSIVE_TRY(Rows count,
                  tx.query("UPDATE message SET read_count = read_count + 1, "
                           "delivered_count = delivered_count + (EXISTS (SELECT 1 FROM "
                           "message_recipient d WHERE d.message_id = $1 AND d.recipient_id = $2 "
                           "AND d.delivered_at IS NULL))::int WHERE id = $1",
                           id, user));
      MISSIVE_TRY(Rows marked,
                  tx.query("UPDATE message_recipient SET is_read = true, read_at = $3, "
                           "delivered_at = coalesce(delivered_at, $3) "
                           "WHERE message_id = $1 AND recipient_id = $2 AND NOT is_read",
                           id, user, now));
      MISSIVE_TRY(Rows entry,
                  tx.query(MISSIVE_PG_QUEUE_ENTRIES
                           "SELECT m.creator_id, 'status', m.conversation_id, m.seq, m.id, $2, "
                           "'read', 0, false, NULL, $3 FROM message m WHERE m.id = $1 "
                           "AND NOT EXISTS (SELECT 1 FROM message_fanout f "
                           "WHERE f.message_id = m.id)",
                           id, user, now));
      MISSIVE_TRY_STATUS(queue_read_webhooks(tx, id, user, now));
    }
    if (!member) return outcome;
    outcome.read_seq = member->read_seq;
    if (unread == 0) return outcome;  // nothing changed, so the watermark cannot move either
    // The watermark may cross every message up to the first one still unread for the user;
    // messages without a record for the user (their own) do not stop it.
    const Seq from = std::max(member->read_seq, member->join_seq);
    MISSIVE_TRY(Rows first,
                tx.query("SELECT min(m.seq) FROM message m JOIN message_recipient r "
                         "ON r.message_id = m.id AND r.recipient_id = $4 "
                         "WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq <= $3 "
                         "AND NOT r.is_read",
                         conv, from, member->visible_max(), user));
    Seq target = member->visible_max();
    if (!first.empty() && !first.null(0, 0)) target = first.int64(0, 0) - 1;
    if (target > member->read_seq) {
      MISSIVE_TRY_STATUS(set_read_seq(tx, conv, user, target));
      outcome.read_seq = target;
    }
    // The user's other devices learn of the read even when the watermark stays below it.
    MISSIVE_TRY_STATUS(queue_read_entry(tx, conv, user, outcome.read_seq, now, id));
    return outcome;
  });
}

Result<ReadOutcome> PostgresStore::mark_conversation_read(ConversationId id, UserId user,
                                                          Seq up_to, Timestamp now) {
  return write([&](Tx& tx) -> Result<ReadOutcome> {
    MISSIVE_TRY(auto member, lock_membership(tx, id, user));
    if (!member) {
      return fail(ErrorCode::not_found,
                  fmt::format("user {} is not a member of conversation {}", user.value, id.value));
    }
    const Seq target = std::max(member->read_seq, std::min(up_to, member->visible_max()));
    // Records at or below the old watermark are already read (every path that moves it marks
    // them), so only the newly covered range is touched.
    const Seq after = std::max(member->join_seq, member->read_seq);
    ReadOutcome outcome;
    MISSIVE_TRY(outcome.messages_marked, mark_range_read(tx, id, user, after, target, now));
    if (target > member->read_seq) {
      MISSIVE_TRY_STATUS(set_read_seq(tx, id, user, target));
      MISSIVE_TRY_STATUS(queue_read_entry(tx, id, user, target, now));
    }
    outcome.read_seq = target;
    return outcome;
  });
}

Result<std::vector<ConversationSummary>> PostgresStore::conversations(UserId user, Timestamp now) {
  return read([&](Tx& tx) -> Result<std::vector<ConversationSummary>> {
    MISSIVE_TRY(Rows rows, tx.query(MISSIVE_PG_SUMMARY_SELECT
                                    "WHERE cm.user_id = $2 ORDER BY activity DESC, c.id DESC",
                                    now, user));
    std::vector<ConversationSummary> out;
    for (int r = 0; r < rows.size(); ++r) out.push_back(summary_from_row(rows, r));
    return out;
  });
}

Result<ConversationSummary> PostgresStore::conversation(ConversationId id, UserId user,
                                                        Timestamp now) {
  return read([&](Tx& tx) -> Result<ConversationSummary> {
    MISSIVE_TRY(Rows rows, tx.query(MISSIVE_PG_SUMMARY_SELECT "WHERE cm.user_id = $2 AND c.id = $3",
                                    now, user, id));
    if (rows.empty()) {
      return fail(ErrorCode::not_found,
                  fmt::format("user {} is not a member of conversation {}", user.value, id.value));
    }
    return summary_from_row(rows, 0);
  });
}

}  // namespace missive::postgres
