// The sync timeline of the SQLite store: pulling entries, delivery marks, range pulls of a
// conversation, and pruning. The entries themselves are written by each event's own
// operation (timeline.h).

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace missive::sqlite {
namespace {

Result<SyncState> load_state(Db& db, UserId user) {
  MISSIVE_SQL(stmt, db,
              "SELECT last_seq, floor_seq, delivered_seq FROM sync_user WHERE user_id = ?");
  stmt.bind(user);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return SyncState{};
  return SyncState{stmt.int64(0), stmt.int64(1), stmt.int64(2)};
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
Result<SyncEntry> entry_from_row(const Stmt& stmt, Timestamp now) {
  SyncEntry e;
  e.seq = stmt.int64(0);
  e.kind = entry_kind_from_name(stmt.text(1));
  e.conversation = stmt.id<ConversationId>(2);
  e.conv_seq = stmt.int64(3);
  if (auto id = stmt.opt_int64(4)) e.message = MessageId(*id);
  if (auto other = stmt.opt_int64(5)) e.user = UserId(*other);
  if (auto status = stmt.opt_text(6)) {
    e.status = *status == "read" ? DeliveryStatus::read : DeliveryStatus::delivered;
  }
  e.number = stmt.int64(7);
  e.is_final = stmt.boolean(8);
  e.expiry = stmt.opt_int64(9);
  e.at = stmt.int64(10);
  // An attachment entry keeps the upload's id in the number column.
  if (e.kind == EntryKind::attachment) {
    e.attachment = UploadId(e.number);
    e.number = 0;
  }
  constexpr int kFirstMessageColumn = 11;
  if (e.kind == EntryKind::message && !stmt.is_null(kFirstMessageColumn)) {
    MISSIVE_TRY(Message m, message_from_row(stmt, kFirstMessageColumn));
    if (m.is_active(now)) e.content = std::move(m);
  }
  return e;
}

}  // namespace

void SqliteStore::set_timeline_listener(TimelineListener listener) {
  writer_.set_commit_listener(std::move(listener));
}

Result<SyncPage> SqliteStore::sync(const SyncQuery& q) {
  return read([&](Db& db) -> Result<SyncPage> {
    SyncPage page;
    MISSIVE_TRY(page.state, load_state(db, q.user));
    MISSIVE_SQL(stmt, db,
                "SELECT t.seq, t.kind, t.conversation_id, t.conv_seq, t.message_id, "
                "t.other_user_id, t.status, t.number, t.is_final, t.expiry, t.at, "
                MISSIVE_MESSAGE_COLUMNS " FROM sync_timeline t "
                "LEFT JOIN message m ON t.kind = 'message' AND m.id = t.message_id "
                "WHERE t.user_id = ? AND t.seq > ? ORDER BY t.seq LIMIT ?");
    stmt.bind(q.user, q.since, clamp_limit(q.limit));
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return page;
      MISSIVE_TRY(SyncEntry e, entry_from_row(stmt, q.now));
      page.entries.push_back(std::move(e));
    }
  });
}

Result<SyncState> SqliteStore::sync_state(UserId user) {
  return read([&](Db& db) { return load_state(db, user); });
}

namespace {

// mark_delivered's writes for one user, inside the writer's transaction.
Result<std::int64_t> mark_delivered_in(Db& db, UserId user, SyncSeq up_to, Timestamp now) {
  MISSIVE_TRY(SyncState state, load_state(db, user));
  const SyncSeq to = std::min(up_to, state.last);
  if (to <= state.delivered) return 0;
  // The messages of the user's message entries in (delivered, to] that still have a
  // record of the user not yet delivered (the user's own messages have none).
#define MISSIVE_NEWLY_DELIVERED                                                            \
  "SELECT t.message_id FROM sync_timeline t WHERE t.user_id = ?1 AND t.seq > ?2 "          \
  "AND t.seq <= ?3 AND t.kind = 'message' AND EXISTS (SELECT 1 FROM message_recipient r "  \
  "WHERE r.message_id = t.message_id AND r.recipient_id = ?1 AND r.delivered_at IS NULL)"
  std::int64_t delivered = 0;
  {
    MISSIVE_SQL(stmt, db,
                "UPDATE message SET delivered_count = delivered_count + 1 "
                "WHERE id IN (" MISSIVE_NEWLY_DELIVERED ")");
    stmt.bind(user, state.delivered, to);
    MISSIVE_TRY_STATUS(stmt.run());
    delivered = db.changes();
  }
  if (delivered > 0) {
    {
      MISSIVE_SQL(stmt, db,
                  MISSIVE_QUEUE_ENTRIES
                  "SELECT m.creator_id, 'status', m.conversation_id, m.seq, m.id, ?1, "
                  "'delivered', 0, 0, NULL, ?4 FROM message m "
                  "WHERE m.id IN (" MISSIVE_NEWLY_DELIVERED ") "
                  "AND NOT EXISTS (SELECT 1 FROM message_fanout f WHERE f.message_id = m.id) "
                  "ORDER BY m.id");
      stmt.bind(user, state.delivered, to, now);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    MISSIVE_SQL(stmt, db,
                "UPDATE message_recipient SET delivered_at = ?4 "
                "WHERE recipient_id = ?1 AND delivered_at IS NULL AND message_id IN ("
                "SELECT t.message_id FROM sync_timeline t WHERE t.user_id = ?1 "
                "AND t.seq > ?2 AND t.seq <= ?3 AND t.kind = 'message')");
    stmt.bind(user, state.delivered, to, now);
    MISSIVE_TRY_STATUS(stmt.run());
  }
#undef MISSIVE_NEWLY_DELIVERED
  MISSIVE_SQL(stmt, db, "UPDATE sync_user SET delivered_seq = ?2 WHERE user_id = ?1");
  stmt.bind(user, to);
  MISSIVE_TRY_STATUS(stmt.run());
  return delivered;
}

}  // namespace

Result<std::int64_t> SqliteStore::mark_delivered(UserId user, SyncSeq up_to, Timestamp now) {
  // Most pulls and acks find nothing new: answer those from a read connection, without
  // queueing behind the writer.
  MISSIVE_TRY(SyncState seen, sync_state(user));
  if (std::min(up_to, seen.last) <= seen.delivered) return 0;
  return write([&](Db& db) { return mark_delivered_in(db, user, up_to, now); });
}

Result<std::int64_t> SqliteStore::mark_delivered(const std::vector<DeliveryMark>& marks, Timestamp now) {
  if (marks.empty()) return 0;
  return write([&](Db& db) -> Result<std::int64_t> {
    std::int64_t delivered = 0;
    for (const DeliveryMark& mark : marks) {
      MISSIVE_TRY(const std::int64_t one, mark_delivered_in(db, mark.user, mark.up_to, now));
      delivered += one;
    }
    return delivered;
  });
}

Result<std::vector<MessageSlot>> SqliteStore::conversation_messages(const MessageRange& range) {
  return read([&](Db& db) -> Result<std::vector<MessageSlot>> {
    Seq visible_max = 0;
    {
      MISSIVE_SQL(stmt, db,
                  "SELECT coalesce(cm.leave_seq, c.max_seq) FROM conversation_member cm "
                  "JOIN conversation c ON c.id = cm.conversation_id "
                  "WHERE cm.conversation_id = ? AND cm.user_id = ?");
      stmt.bind(range.conversation, range.user);
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) {
        return fail(ErrorCode::not_found,
                    fmt::format("user {} is not a member of conversation {}", range.user.value,
                                range.conversation.value));
      }
      visible_max = stmt.int64(0);
    }
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
    std::map<Seq, Message> visible;
    MISSIVE_SQL(stmt, db,
                "SELECT " MISSIVE_MESSAGE_COLUMNS " FROM message m "
                "WHERE m.conversation_id = ?1 AND m.seq >= ?2 AND m.seq <= ?3 "
                "AND (m.expiry_date IS NULL OR m.expiry_date > ?5) "
                "AND (m.creator_id = ?4 OR EXISTS (SELECT 1 FROM message_recipient r "
                "WHERE r.message_id = m.id AND r.recipient_id = ?4))");
    stmt.bind(range.conversation, low, high, range.user, range.now);
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) break;
      MISSIVE_TRY(Message m, message_from_row(stmt));
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

Result<std::int64_t> SqliteStore::prune_timeline(Timestamp before) {
  return write([&](Db& db) -> Result<std::int64_t> {
    {
      MISSIVE_SQL(stmt, db,
                  "INSERT INTO temp.prune_floor (user_id, top) SELECT user_id, max(seq) "
                  "FROM sync_timeline WHERE at < ? GROUP BY user_id");
      stmt.bind(before);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    {
      MISSIVE_SQL(stmt, db,
                  "UPDATE sync_user SET floor_seq = p.top FROM temp.prune_floor p "
                  "WHERE sync_user.user_id = p.user_id AND p.top > sync_user.floor_seq");
      MISSIVE_TRY_STATUS(stmt.run());
    }
    // Everything at or below a floor goes, even an entry whose `at` is later than `before`
    // (entry times need not rise with seq): a floor means nothing below it is kept.
    std::int64_t deleted = 0;
    {
      MISSIVE_SQL(stmt, db,
                  "DELETE FROM sync_timeline WHERE user_id IN (SELECT user_id FROM "
                  "temp.prune_floor) AND seq <= (SELECT s.floor_seq FROM sync_user s "
                  "WHERE s.user_id = sync_timeline.user_id)");
      MISSIVE_TRY_STATUS(stmt.run());
      deleted = db.changes();
    }
    MISSIVE_SQL(clear, db, "DELETE FROM temp.prune_floor");
    MISSIVE_TRY_STATUS(clear.run());
    return deleted;
  });
}

}  // namespace missive::sqlite
