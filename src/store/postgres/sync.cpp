// The sync timeline of the PostgreSQL store: pulling entries, delivery marks, range pulls of a
// conversation, and pruning. The entries themselves are written by each event's own
// operation (timeline.h).

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"
#include "store/postgres/timeline.h"

namespace missive::postgres {
namespace {

Result<SyncState> load_state(Tx& tx, UserId user, bool lock) {
  MISSIVE_TRY(Rows rows, lock ? tx.query("SELECT last_seq, floor_seq, delivered_seq FROM sync_user "
                                         "WHERE user_id = $1 FOR UPDATE",
                                         user)
                              : tx.query("SELECT last_seq, floor_seq, delivered_seq FROM sync_user "
                                         "WHERE user_id = $1",
                                         user));
  if (rows.empty()) return SyncState{};
  return SyncState{rows.int64(0, 0), rows.int64(0, 1), rows.int64(0, 2)};
}

EntryKind entry_kind_from_name(std::string_view name) {
  if (name == "read") return EntryKind::read;
  if (name == "status") return EntryKind::status;
  if (name == "expiry") return EntryKind::expiry;
  if (name == "reminder") return EntryKind::reminder;
  if (name == "attachment") return EntryKind::attachment;
  return EntryKind::message;
}

// Entry columns, then the message columns (NULL unless a message entry).
Result<SyncEntry> entry_from_row(const Rows& rows, int r, Timestamp now) {
  SyncEntry e;
  e.seq = rows.int64(r, 0);
  e.kind = entry_kind_from_name(rows.text(r, 1));
  e.conversation = rows.id<ConversationId>(r, 2);
  e.conv_seq = rows.int64(r, 3);
  if (auto id = rows.opt_int64(r, 4)) e.message = MessageId(*id);
  if (auto other = rows.opt_int64(r, 5)) e.user = UserId(*other);
  if (auto status = rows.opt_text(r, 6)) {
    e.status = *status == "read" ? DeliveryStatus::read : DeliveryStatus::delivered;
  }
  e.number = rows.int64(r, 7);
  e.is_final = rows.boolean(r, 8);
  e.expiry = rows.opt_int64(r, 9);
  e.at = rows.int64(r, 10);
  // An attachment entry keeps the upload's id in the number column.
  if (e.kind == EntryKind::attachment) {
    e.attachment = UploadId(e.number);
    e.number = 0;
  }
  constexpr int kFirstMessageColumn = 11;
  if (e.kind == EntryKind::message && !rows.null(r, kFirstMessageColumn)) {
    MISSIVE_TRY(Message m, message_from_row(rows, r, kFirstMessageColumn));
    if (m.is_active(now)) e.content = std::move(m);
  }
  return e;
}

}  // namespace

Result<SyncPage> PostgresStore::sync(const SyncQuery& q) {
  return read([&](Tx& tx) -> Result<SyncPage> {
    SyncPage page;
    MISSIVE_TRY(page.state, load_state(tx, q.user, false));
    MISSIVE_TRY(Rows rows,
                tx.query("SELECT t.seq, t.kind, t.conversation_id, t.conv_seq, t.message_id, "
                         "t.other_user_id, t.status, t.number, t.is_final, t.expiry, t.at, "
                         MISSIVE_PG_MESSAGE_COLUMNS " FROM sync_timeline t "
                         "LEFT JOIN message m ON t.kind = 'message' AND m.id = t.message_id "
                         "WHERE t.user_id = $1 AND t.seq > $2 ORDER BY t.seq LIMIT $3",
                         q.user, q.since, clamp_limit(q.limit)));
    for (int r = 0; r < rows.size(); ++r) {
      MISSIVE_TRY(SyncEntry e, entry_from_row(rows, r, q.now));
      page.entries.push_back(std::move(e));
    }
    return page;
  });
}

Result<SyncState> PostgresStore::sync_state(UserId user) {
  return read([&](Tx& tx) { return load_state(tx, user, false); });
}

Result<std::int64_t> PostgresStore::mark_delivered(UserId user, SyncSeq up_to, Timestamp now) {
  // Most pulls and acks find nothing new: answer those from a read-only snapshot.
  MISSIVE_TRY(SyncState seen, sync_state(user));
  if (std::min(up_to, seen.last) <= seen.delivered) return 0;
  return write([&](Tx& tx) -> Result<std::int64_t> {
    // The sync_user row's lock serialises this user's delivery marks. The senders' rows are
    // locked with it, in user id order like every other timeline write: the status entries
    // written below lock them anyway, and taking the user's row first would deadlock with a
    // send from one of them (which locks sender, then recipient, in id order). The range is
    // fixed before the lock: up to the last entry the snapshot above saw (later entries are
    // marked by the next ack), from its `delivered`, which only grows.
    const SyncSeq last = std::min(up_to, seen.last);
    MISSIVE_TRY(Rows locked,
                tx.query("SELECT user_id FROM sync_user WHERE user_id = $1 OR user_id IN ("
                         "SELECT m.creator_id FROM sync_timeline t JOIN message m "
                         "ON m.id = t.message_id WHERE t.user_id = $1 AND t.seq > $2 "
                         "AND t.seq <= $3 AND t.kind = 'message') ORDER BY user_id FOR UPDATE",
                         user, seen.delivered, last));
    MISSIVE_TRY(SyncState state, load_state(tx, user, true));
    const SyncSeq to = last;
    if (to <= state.delivered) return 0;
    // The messages of the user's message entries in (delivered, to] that still have a
    // record of the user not yet delivered (the user's own messages have none).
#define MISSIVE_PG_NEWLY_DELIVERED                                                         \
  "SELECT t.message_id FROM sync_timeline t WHERE t.user_id = $1 AND t.seq > $2 "          \
  "AND t.seq <= $3 AND t.kind = 'message' AND EXISTS (SELECT 1 FROM message_recipient r "  \
  "WHERE r.message_id = t.message_id AND r.recipient_id = $1 AND r.delivered_at IS NULL)"
    MISSIVE_TRY(Rows counted, tx.query("UPDATE message SET delivered_count = delivered_count + 1 "
                                       "WHERE id IN (" MISSIVE_PG_NEWLY_DELIVERED ")",
                                       user, state.delivered, to));
    const std::int64_t delivered = counted.affected();
    if (delivered > 0) {
      MISSIVE_TRY(Rows queued,
                  tx.query(MISSIVE_PG_QUEUE_ENTRIES
                           "SELECT m.creator_id, 'status', m.conversation_id, m.seq, m.id, $1, "
                           "'delivered', 0, false, NULL, $4 FROM message m "
                           "WHERE m.id IN (" MISSIVE_PG_NEWLY_DELIVERED ") "
                           "AND NOT EXISTS (SELECT 1 FROM message_fanout f "
                           "WHERE f.message_id = m.id) ORDER BY m.id",
                           user, state.delivered, to, now));
      MISSIVE_TRY(Rows marked,
                  tx.query("UPDATE message_recipient SET delivered_at = $4 "
                           "WHERE recipient_id = $1 AND delivered_at IS NULL AND message_id IN ("
                           "SELECT t.message_id FROM sync_timeline t WHERE t.user_id = $1 "
                           "AND t.seq > $2 AND t.seq <= $3 AND t.kind = 'message')",
                           user, state.delivered, to, now));
    }
#undef MISSIVE_PG_NEWLY_DELIVERED
    MISSIVE_TRY(Rows moved, tx.query("UPDATE sync_user SET delivered_seq = $2 WHERE user_id = $1",
                                     user, to));
    return delivered;
  });
}

Result<std::vector<MessageSlot>> PostgresStore::conversation_messages(const MessageRange& range) {
  return read([&](Tx& tx) -> Result<std::vector<MessageSlot>> {
    MISSIVE_TRY(Rows member, tx.query("SELECT coalesce(cm.leave_seq, c.max_seq) "
                                      "FROM conversation_member cm "
                                      "JOIN conversation c ON c.id = cm.conversation_id "
                                      "WHERE cm.conversation_id = $1 AND cm.user_id = $2",
                                      range.conversation, range.user));
    if (member.empty()) {
      return fail(ErrorCode::not_found,
                  fmt::format("user {} is not a member of conversation {}", range.user.value,
                              range.conversation.value));
    }
    const Seq visible_max = member.int64(0, 0);
    const int limit = clamp_limit(range.limit);
    Seq low = std::max<Seq>(range.after, 0) + 1;
    Seq high = range.before ? std::min(*range.before - 1, visible_max) : visible_max;
    if (limit == 0 || high < low) return std::vector<MessageSlot>{};
    if (range.newest_first) {
      low = std::max(low, high - limit + 1);
    } else {
      high = std::min(high, low + limit - 1);
    }
    // Visible: the user sent it, or has a record of it; and it is still active.
    MISSIVE_TRY(Rows rows,
                tx.query("SELECT " MISSIVE_PG_MESSAGE_COLUMNS " FROM message m "
                         "WHERE m.conversation_id = $1 AND m.seq >= $2 AND m.seq <= $3 "
                         "AND (m.expiry_date IS NULL OR m.expiry_date > $5) "
                         "AND (m.creator_id = $4 OR EXISTS (SELECT 1 FROM message_recipient r "
                         "WHERE r.message_id = m.id AND r.recipient_id = $4))",
                         range.conversation, low, high, range.user, range.now));
    std::map<Seq, Message> visible;
    for (int r = 0; r < rows.size(); ++r) {
      MISSIVE_TRY(Message m, message_from_row(rows, r));
      Seq seq = m.seq;
      visible.emplace(seq, std::move(m));
    }
    std::vector<MessageSlot> slots;
    slots.reserve(static_cast<std::size_t>(high - low + 1));
    auto add = [&](Seq seq) {
      MessageSlot slot{seq, std::nullopt};
      if (auto it = visible.find(seq); it != visible.end()) slot.message = std::move(it->second);
      slots.push_back(std::move(slot));
    };
    if (range.newest_first) {
      for (Seq seq = high; seq >= low; --seq) add(seq);
    } else {
      for (Seq seq = low; seq <= high; ++seq) add(seq);
    }
    return slots;
  });
}

Result<std::int64_t> PostgresStore::prune_timeline(Timestamp before) {
  return write([&](Tx& tx) -> Result<std::int64_t> {
    // The users' counter rows are locked in user id order, as flush_timeline locks them, so
    // pruning and sends do not deadlock and no seq is handed out below a moving floor.
    MISSIVE_TRY(Rows locked, tx.query("SELECT user_id FROM sync_user WHERE user_id IN ("
                                      "SELECT DISTINCT user_id FROM sync_timeline WHERE at < $1) "
                                      "ORDER BY user_id FOR UPDATE",
                                      before));
    if (locked.empty()) return 0;
    MISSIVE_TRY(Rows raised,
                tx.query("UPDATE sync_user SET floor_seq = p.top FROM (SELECT user_id, "
                         "max(seq) AS top FROM sync_timeline WHERE at < $1 GROUP BY user_id) p "
                         "WHERE sync_user.user_id = p.user_id AND p.top > sync_user.floor_seq",
                         before));
    // Everything at or below a floor goes, even an entry whose `at` is later than `before`
    // (entry times need not rise with seq): a floor means nothing below it is kept.
    std::vector<std::int64_t> users;
    for (int r = 0; r < locked.size(); ++r) users.push_back(locked.int64(r, 0));
    MISSIVE_TRY(Rows deleted,
                tx.query("DELETE FROM sync_timeline t USING sync_user s "
                         "WHERE s.user_id = t.user_id AND t.user_id = ANY($1::bigint[]) "
                         "AND t.seq <= s.floor_seq",
                         users));
    return deleted.affected();
  });
}

}  // namespace missive::postgres
