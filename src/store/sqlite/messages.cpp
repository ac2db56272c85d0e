// Sending and fetching messages in the SQLite store.

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "core/attachment_json.h"
#include "core/json_values.h"
#include "store/search_text.h"
#include "store/fanout_audience.h"
#include "store/sqlite/batch_scratch.h"
#include "store/sqlite/membership.h"
#include "store/sqlite/notifications.h"
#include "store/sqlite/reminders.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/search_text.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/sqlite/uploads.h"

namespace missive::sqlite {
namespace {

Result<Message> load_message(Db& db, MessageId id) {
  MISSIVE_SQL(stmt, db, "SELECT " MISSIVE_MESSAGE_COLUMNS " FROM message m WHERE m.id = ?");
  stmt.bind(id);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return fail(ErrorCode::not_found, fmt::format("no message {}", id.value));
  return message_from_row(stmt);
}

Result<std::optional<Message>> find_by_client_id(Db& db, UserId creator,
                                                 const std::string& client_msg_id) {
  MISSIVE_SQL(stmt, db,
              "SELECT " MISSIVE_MESSAGE_COLUMNS
              " FROM message m WHERE m.creator_id = ? AND m.client_msg_id = ?");
  stmt.bind(creator, client_msg_id);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return std::optional<Message>();
  MISSIVE_TRY(Message m, message_from_row(stmt));
  return std::optional<Message>(std::move(m));
}

struct ConversationRow {
  ConversationId id;
  Seq max_seq = 0;
};

// Reads (id, max_seq) from a statement already bound; nullopt when there is no row.
Result<std::optional<ConversationRow>> fetch_conversation(Stmt& stmt) {
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return std::optional<ConversationRow>();
  return std::optional<ConversationRow>(ConversationRow{stmt.id<ConversationId>(0), stmt.int64(1)});
}

Result<ConversationRow> insert_conversation(Db& db, ConversationKind kind, std::optional<UserId> low,
                                            std::optional<UserId> high, std::optional<GroupId> group,
                                            Timestamp now) {
  MISSIVE_SQL(stmt, db,
              "INSERT INTO conversation (kind, user_low, user_high, group_id, max_seq, created_at) "
              "VALUES (?, ?, ?, ?, 0, ?) RETURNING id");
  stmt.bind(kind_name(kind), low, high, group, now);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return fail(ErrorCode::unavailable, "database error: conversation not created");
  return ConversationRow{stmt.id<ConversationId>(0), 0};
}

Result<ConversationRow> find_or_create_conversation(Db& db, const ConversationKey& key,
                                                    Timestamp now) {
  switch (key.kind) {
    case ConversationKind::direct: {
      UserId low = std::min(key.low, key.high);
      UserId high = std::max(key.low, key.high);
      if (!low.valid() || low == high) {
        return fail(ErrorCode::invalid, "a direct conversation needs two different users");
      }
      MISSIVE_SQL(stmt, db,
                  "SELECT id, max_seq FROM conversation "
                  "WHERE kind = 'direct' AND user_low = ? AND user_high = ?");
      stmt.bind(low, high);
      MISSIVE_TRY(auto found, fetch_conversation(stmt));
      if (found) return *found;
      return insert_conversation(db, key.kind, low, high, std::nullopt, now);
    }
    case ConversationKind::group: {
      if (!key.group.valid()) return fail(ErrorCode::invalid, "a group conversation needs a group");
      MISSIVE_SQL(stmt, db,
                  "SELECT id, max_seq FROM conversation WHERE kind = 'group' AND group_id = ?");
      stmt.bind(key.group);
      MISSIVE_TRY(auto found, fetch_conversation(stmt));
      if (found) return *found;
      return insert_conversation(db, key.kind, std::nullopt, std::nullopt, key.group, now);
    }
    case ConversationKind::multi:
      break;
  }
  if (!key.existing) {
    return insert_conversation(db, key.kind, std::nullopt, std::nullopt, std::nullopt, now);
  }
  MISSIVE_SQL(stmt, db, "SELECT id, max_seq FROM conversation WHERE id = ?");
  stmt.bind(*key.existing);
  MISSIVE_TRY(auto found, fetch_conversation(stmt));
  if (!found) {
    return fail(ErrorCode::not_found, fmt::format("no conversation {}", key.existing->value));
  }
  return *found;
}

constexpr Seq kNoCursor = std::numeric_limits<std::int64_t>::max();

}  // namespace

Result<SendOutcome> SqliteStore::send_message(const NewMessage& nm) {
  std::string flags = flags_to_json(nm.flags);
  std::vector<RecipientRef> recipients = nm.recipients;
  std::sort(recipients.begin(), recipients.end());
  recipients.erase(std::unique(recipients.begin(), recipients.end()), recipients.end());
  std::erase_if(recipients, [&](const RecipientRef& r) { return r.user == nm.creator; });
  std::int64_t distinct_users = 0;
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    if (i == 0 || recipients[i].user != recipients[i - 1].user) ++distinct_users;
  }
  // A deferred send's audience, encoded before the writer's turn rather than during it.
  const bool deferred = nm.defer_fanout && !recipients.empty();
  const std::string audience = deferred ? encode_audience(recipients) : std::string();

  return write([&](Db& db) -> Result<SendOutcome> {
    if (nm.client_msg_id) {
      MISSIVE_TRY(auto original, find_by_client_id(db, nm.creator, *nm.client_msg_id));
      if (original) return SendOutcome{std::move(*original), true};
    }
    std::optional<MessageId> root;
    if (nm.parent) {
      MISSIVE_SQL(parent, db, "SELECT root_id FROM message WHERE id = ?");
      parent.bind(*nm.parent);
      MISSIVE_TRY(bool row, parent.step());
      if (!row) return fail(ErrorCode::not_found, fmt::format("no message {}", nm.parent->value));
      root = parent.id<MessageId>(0);
    }
    MISSIVE_TRY(std::vector<Attachment> attachments,
                attach_uploads(db, nm.creator, nm.attachments, nm.create_date));
    MISSIVE_TRY(ConversationRow conv, find_or_create_conversation(db, nm.conversation,
                                                                  nm.create_date));
    const Seq seq = conv.max_seq + 1;
    {
      MISSIVE_SQL(stmt, db, "UPDATE conversation SET max_seq = ? WHERE id = ?");
      stmt.bind(seq, conv.id);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    // The id is chosen here (what SQLite would pick for the rowid) so a root message can
    // name itself as root in the same INSERT; only this thread writes.
    MessageId id;
    {
      MISSIVE_SQL(stmt, db, "SELECT coalesce(max(id), 0) + 1 FROM message");
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return fail(ErrorCode::unavailable, "database error: no message id");
      id = stmt.id<MessageId>(0);
    }
    Message m;
    m.id = id;
    m.conversation = conv.id;
    m.seq = seq;
    m.creator = nm.creator;
    m.client_msg_id = nm.client_msg_id;
    m.subject = nm.subject;
    m.body = nm.body;
    m.parent = nm.parent;
    m.root = root.value_or(id);
    m.create_date = nm.create_date;
    m.expiry_date = nm.expiry_date;
    m.metadata_json = nm.metadata_json;
    m.flags = nm.flags;
    m.sent_to = nm.sent_to;
    m.recipient_count = distinct_users;
    m.attachments = std::move(attachments);
    {
      MISSIVE_SQL(stmt, db,
                  "INSERT INTO message (id, conversation_id, seq, creator_id, client_msg_id, "
                  "subject, body, parent_id, root_id, create_date, expiry_date, metadata, flags, "
                  "sent_to, recipient_count, read_count, attachments) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)");
      stmt.bind(m.id, m.conversation, m.seq, m.creator, m.client_msg_id, m.subject, m.body,
                m.parent, m.root, m.create_date, m.expiry_date, m.metadata_json, flags, m.sent_to,
                m.recipient_count, attachments_to_json(m.attachments));
      MISSIVE_TRY_STATUS(stmt.run());
    }
    MISSIVE_TRY_STATUS(link_attachments(db, id, m.attachments));
    // Indexed at the end of the send's batch, in its transaction: a message is searchable
    // once acknowledged. Attachment names are words of the body.
    const std::string body_words = searchable_body(m);
    MISSIVE_TRY_STATUS(queue_search_row(db, id.value, index_text(m.subject), index_text(body_words),
                                        index_tails(m.subject + "\n" + body_words)));
    // A deferred send writes only the frozen audience here; fan_out_next writes the records,
    // joins, leaves, group counters and the recipients' entries later, in chunks.
    if (deferred) {
      MISSIVE_SQL(stmt, db,
                  "INSERT INTO message_fanout (message_id, recipients, total) VALUES (?, ?, ?)");
      stmt.bind(id, audience, recipients.size());
      MISSIVE_TRY_STATUS(stmt.run());
    } else {
      for (const RecipientRef& r : recipients) {
        MISSIVE_SQL(stmt, db,
                    "INSERT INTO message_recipient (message_id, recipient_id, recipient_group_id, "
                    "is_read) VALUES (?, ?, ?, 0)");
        stmt.bind(id, r.user, r.group.valid() ? r.group.value : 0);
        MISSIVE_TRY_STATUS(stmt.run());
      }
      MISSIVE_SQL(stmt, db,
                  "INSERT INTO message_group_stat (message_id, group_id, recipients, reads) "
                  "SELECT message_id, recipient_group_id, count(*), 0 FROM message_recipient "
                  "WHERE message_id = ? GROUP BY recipient_group_id");
      stmt.bind(id);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    {
      // One message entry per user, however many groups reached them.
      MISSIVE_SQL(stmt, db,
                  MISSIVE_QUEUE_ENTRIES
                  "SELECT ?2, 'message', ?3, ?4, ?1, NULL, NULL, 0, 0, NULL, ?5 UNION ALL "
                  "SELECT DISTINCT recipient_id, 'message', ?3, ?4, ?1, NULL, NULL, 0, 0, NULL, ?5 "
                  "FROM message_recipient WHERE message_id = ?1");
      stmt.bind(id, nm.creator, conv.id, seq, nm.create_date);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    if (!deferred) {
      MISSIVE_TRY_STATUS(leave_non_recipients(db, conv.id, id, seq, nm.creator));
      MISSIVE_TRY_STATUS(join_recipients(db, conv.id, id, seq, UserId(0),
                                         UserId(std::numeric_limits<std::int64_t>::max())));
    }
    MISSIVE_TRY_STATUS(advance_sender(db, conv.id, seq, nm.creator, nm.create_date));
    // Deferred or not, the message is sent now: one row per endpoint, not per recipient.
    MISSIVE_TRY_STATUS(queue_sent_webhooks(db, id, nm.creator, nm.create_date));
    if (nm.reminders) {
      ReminderSchedule schedule = *nm.reminders;
      schedule.message = id;
      MISSIVE_TRY_STATUS(insert_reminder_schedule(db, schedule));
    }
    return SendOutcome{std::move(m), false};
  });
}

Result<Message> SqliteStore::get_message(MessageId id) {
  return read([&](Db& db) { return load_message(db, id); });
}

Result<std::optional<Message>> SqliteStore::find_sent_message(UserId creator,
                                                              const std::string& client_msg_id) {
  return read([&](Db& db) { return find_by_client_id(db, creator, client_msg_id); });
}

Result<InboxItem> SqliteStore::get_inbox_item(MessageId id, UserId user) {
  return read([&](Db& db) -> Result<InboxItem> {
    MISSIVE_SQL(stmt, db,
                "SELECT " MISSIVE_MESSAGE_COLUMNS
                ", min(r.is_read), max(r.read_at), group_concat(r.recipient_group_id), "
                MISSIVE_INBOX_REMINDER_COLUMNS
                " FROM message_recipient r JOIN message m ON m.id = r.message_id "
                "WHERE r.message_id = ? AND r.recipient_id = ? GROUP BY r.message_id");
    stmt.bind(id, user);
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) {
      return fail(ErrorCode::not_found,
                  fmt::format("message {} was not sent to user {}", id.value, user.value));
    }
    return inbox_item_from_row(stmt);
  });
}

Result<std::vector<Message>> SqliteStore::get_thread(MessageId root) {
  return read([&](Db& db) -> Result<std::vector<Message>> {
    MISSIVE_SQL(stmt, db,
                "SELECT " MISSIVE_MESSAGE_COLUMNS " FROM message m WHERE m.root_id = ? "
                "ORDER BY m.id");
    stmt.bind(root);
    std::vector<Message> thread;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) break;
      MISSIVE_TRY(Message m, message_from_row(stmt));
      thread.push_back(std::move(m));
    }
    if (thread.empty()) return fail(ErrorCode::not_found, fmt::format("no thread {}", root.value));
    return thread;
  });
}

Result<std::vector<InboxItem>> SqliteStore::inbox(const InboxQuery& q) {
  return read([&](Db& db) -> Result<std::vector<InboxItem>> {
    MISSIVE_SQL(stmt, db,
                "SELECT " MISSIVE_MESSAGE_COLUMNS
                ", min(r.is_read), max(r.read_at), group_concat(r.recipient_group_id), "
                MISSIVE_INBOX_REMINDER_COLUMNS
                " FROM message_recipient r JOIN message m ON m.id = r.message_id "
                "WHERE r.recipient_id = ?1 AND r.message_id < ?2 "
                "AND (m.expiry_date IS NULL OR m.expiry_date > ?3) "
                "AND (?4 IS NULL OR m.creator_id = ?4) "
                "GROUP BY r.message_id "
                "HAVING (?5 = 0 OR min(r.is_read) = 0) "
                "AND (?6 IS NULL OR max(r.recipient_group_id = ?6) = 1) "
                "ORDER BY r.message_id DESC LIMIT ?7");
    stmt.bind(q.user, q.before ? q.before->value : kNoCursor, q.now, q.sender, q.unread_only,
              q.group, clamp_limit(q.limit));
    std::vector<InboxItem> items;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return items;
      MISSIVE_TRY(InboxItem item, inbox_item_from_row(stmt));
      items.push_back(std::move(item));
    }
  });
}

Result<Message> SqliteStore::set_expiry(MessageId id, std::optional<Timestamp> expiry,
                                        Timestamp now) {
  return write([&](Db& db) -> Result<Message> {
    // "IS NOT": an unchanged expiry (a retried PATCH or withdrawal whose first answer was
    // lost) writes nothing, so devices do not get the same expiry entry twice.
    MISSIVE_SQL(stmt, db,
                "UPDATE message SET expiry_date = ? WHERE id = ? AND expiry_date IS NOT ?");
    stmt.bind(expiry, id, expiry);
    MISSIVE_TRY_STATUS(stmt.run());
    if (db.changes() == 0) {
      MISSIVE_SQL(exists, db, "SELECT 1 FROM message WHERE id = ?");
      exists.bind(id);
      MISSIVE_TRY(bool found, exists.step());
      if (!found) return fail(ErrorCode::not_found, fmt::format("no message {}", id.value));
      return load_message(db, id);
    }
    MISSIVE_TRY_STATUS(queue_expiry_entries(db, id, now));
    return load_message(db, id);
  });
}

}  // namespace missive::sqlite
