// Sending and fetching messages in the PostgreSQL store.

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "core/attachment_json.h"
#include "core/json_values.h"
#include "store/fanout_audience.h"
#include "store/postgres/membership.h"
#include "store/postgres/notifications.h"
#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"
#include "store/postgres/timeline.h"
#include "store/postgres/uploads.h"
#include "store/search_text.h"

namespace missive::postgres {
namespace {

Result<Message> load_message(Tx& tx, MessageId id) {
  MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_MESSAGE_COLUMNS
                                  " FROM message m WHERE m.id = $1",
                                  id));
  if (rows.empty()) return fail(ErrorCode::not_found, fmt::format("no message {}", id.value));
  return message_from_row(rows, 0);
}

Result<std::optional<Message>> find_by_client_id(Tx& tx, UserId creator,
                                                 const std::string& client_msg_id) {
  MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_MESSAGE_COLUMNS
                                  " FROM message m WHERE m.creator_id = $1 "
                                  "AND m.client_msg_id = $2",
                                  creator, client_msg_id));
  if (rows.empty()) return std::optional<Message>();
  MISSIVE_TRY(Message m, message_from_row(rows, 0));
  return std::optional<Message>(std::move(m));
}

std::optional<ConversationId> first_id(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return rows.id<ConversationId>(0, 0);
}

// The conversation of `key`, created if it does not exist yet. Two sends creating the same
// direct or group conversation at once: the second's INSERT waits for the first and does
// nothing, and the SELECT after it sees the committed row.
Result<ConversationId> find_or_create_conversation(Tx& tx, const ConversationKey& key,
                                                   Timestamp now) {
  switch (key.kind) {
    case ConversationKind::direct: {
      UserId low = std::min(key.low, key.high);
      UserId high = std::max(key.low, key.high);
      if (!low.valid() || low == high) {
        return fail(ErrorCode::invalid, "a direct conversation needs two different users");
      }
      constexpr const char* kFind =
          "SELECT id FROM conversation WHERE kind = 'direct' AND user_low = $1 AND user_high = $2";
      MISSIVE_TRY(Rows found, tx.query(kFind, low, high));
      if (auto id = first_id(found)) return *id;
      MISSIVE_TRY(Rows inserted,
                  tx.query("INSERT INTO conversation (kind, user_low, user_high, max_seq, "
                           "created_at) VALUES ('direct', $1, $2, 0, $3) "
                           "ON CONFLICT (user_low, user_high) WHERE kind = 'direct' DO NOTHING "
                           "RETURNING id",
                           low, high, now));
      if (auto id = first_id(inserted)) return *id;
      MISSIVE_TRY(Rows again, tx.query(kFind, low, high));
      if (auto id = first_id(again)) return *id;
      break;
    }
    case ConversationKind::group: {
      if (!key.group.valid()) return fail(ErrorCode::invalid, "a group conversation needs a group");
      constexpr const char* kFind =
          "SELECT id FROM conversation WHERE kind = 'group' AND group_id = $1";
      MISSIVE_TRY(Rows found, tx.query(kFind, key.group));
      if (auto id = first_id(found)) return *id;
      MISSIVE_TRY(Rows inserted,
                  tx.query("INSERT INTO conversation (kind, group_id, max_seq, created_at) "
                           "VALUES ('group', $1, 0, $2) "
                           "ON CONFLICT (group_id) WHERE kind = 'group' DO NOTHING RETURNING id",
                           key.group, now));
      if (auto id = first_id(inserted)) return *id;
      MISSIVE_TRY(Rows again, tx.query(kFind, key.group));
      if (auto id = first_id(again)) return *id;
      break;
    }
    case ConversationKind::multi: {
      if (!key.existing) {
        MISSIVE_TRY(Rows inserted,
                    tx.query("INSERT INTO conversation (kind, max_seq, created_at) "
                             "VALUES ('multi', 0, $1) RETURNING id",
                             now));
        return inserted.id<ConversationId>(0, 0);
      }
      MISSIVE_TRY(Rows found, tx.query("SELECT id FROM conversation WHERE id = $1", *key.existing));
      if (auto id = first_id(found)) return *id;
      return fail(ErrorCode::not_found, fmt::format("no conversation {}", key.existing->value));
    }
  }
  return fail(ErrorCode::unavailable, "database error: conversation not created");
}

Status insert_reminder_schedule(Tx& tx, const ReminderSchedule& s) {
  MISSIVE_TRY(Rows rows,
              tx.query("INSERT INTO reminder_schedule (message_id, period_days, anchor_day, "
                       "expiry_day, deactivate, next_remind_at, last_remind_at, due_at, "
                       "rounds_sent, final_sent, stopped_at, closed_at, version) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0)",
                       s.message, s.period_days, s.anchor_day, s.expiry_day,
                       s.deactivate_non_responders, s.next_remind_at, s.last_remind_at, s.due_at,
                       s.rounds_sent, s.final_sent, s.stopped_at, s.closed_at));
  return {};
}

constexpr std::int64_t kNoCursor = std::numeric_limits<std::int64_t>::max();

}  // namespace

Result<SendOutcome> PostgresStore::send_message(const NewMessage& nm) {
  std::string flags = flags_to_json(nm.flags);
  std::vector<RecipientRef> recipients = nm.recipients;
  std::sort(recipients.begin(), recipients.end());
  recipients.erase(std::unique(recipients.begin(), recipients.end()), recipients.end());
  std::erase_if(recipients, [&](const RecipientRef& r) { return r.user == nm.creator; });
  std::int64_t distinct_users = 0;
  std::vector<std::int64_t> recipient_users, recipient_groups;
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    if (i == 0 || recipients[i].user != recipients[i - 1].user) ++distinct_users;
    recipient_users.push_back(recipients[i].user.value);
    recipient_groups.push_back(recipients[i].group.valid() ? recipients[i].group.value : 0);
  }
  // Prepared as for FTS5, then ASCII punctuation as spaces so that PostgreSQL's parser splits
  // words where unicode61 does (store/search_text.h). The body's words depend on the
  // attachments' names, known inside the transaction.
  const std::string search_subject = ascii_words(index_text(nm.subject));
  // A deferred send's audience, encoded once, outside the transaction.
  const bool deferred = nm.defer_fanout && !recipients.empty();
  const std::string audience = deferred ? encode_audience(recipients) : std::string();

  auto sent = write([&](Tx& tx) -> Result<SendOutcome> {
    if (nm.client_msg_id) {
      MISSIVE_TRY(auto original, find_by_client_id(tx, nm.creator, *nm.client_msg_id));
      if (original) return SendOutcome{std::move(*original), true};
    }
    std::optional<MessageId> root;
    if (nm.parent) {
      MISSIVE_TRY(Rows parent, tx.query("SELECT root_id FROM message WHERE id = $1", *nm.parent));
      if (parent.empty()) {
        return fail(ErrorCode::not_found, fmt::format("no message {}", nm.parent->value));
      }
      root = parent.id<MessageId>(0, 0);
    }
    // The uploads are locked before the conversation (the lock order in uploads.cpp).
    Message m;
    MISSIVE_TRY(m.attachments, attach_uploads(tx, nm.creator, nm.attachments, nm.create_date));
    m.body = nm.body;
    // The indexed body, attachment names included, prepared before the conversation's lock
    // (held until commit) is taken.
    const std::string body_words = searchable_body(m);
    const std::string search_body = ascii_words(index_text(body_words));
    const std::string search_tails = index_tails(nm.subject + "\n" + body_words);
    MISSIVE_TRY(ConversationId conv,
                find_or_create_conversation(tx, nm.conversation, nm.create_date));
    // The seq is taken under the conversation row's lock, held until commit: concurrent sends
    // to this conversation (from any node) queue here, so seqs are gap-free and in commit
    // order; a send that rolls back gives its number back.
    MISSIVE_TRY(Rows bumped, tx.query("UPDATE conversation SET max_seq = max_seq + 1 "
                                      "WHERE id = $1 RETURNING max_seq",
                                      conv));
    if (bumped.empty()) return fail(ErrorCode::not_found, fmt::format("no conversation {}", conv.value));
    const Seq seq = bumped.int64(0, 0);
    // The id is drawn first so that a root message can name itself as root in its INSERT.
    MISSIVE_TRY(Rows next, tx.query("SELECT nextval(pg_get_serial_sequence('message', 'id'))"));
    const MessageId id = next.id<MessageId>(0, 0);

    m.id = id;
    m.conversation = conv;
    m.seq = seq;
    m.creator = nm.creator;
    m.client_msg_id = nm.client_msg_id;
    m.subject = nm.subject;
    m.parent = nm.parent;
    m.root = root.value_or(id);
    m.create_date = nm.create_date;
    m.expiry_date = nm.expiry_date;
    m.metadata_json = nm.metadata_json;
    m.flags = nm.flags;
    m.sent_to = nm.sent_to;
    m.recipient_count = distinct_users;
    {
      Params p;
      p.add(m.id).add(m.conversation).add(m.seq).add(m.creator).add(m.client_msg_id)
          .add(m.subject).add(m.body).add(m.parent).add(m.root).add(m.create_date)
          .add(m.expiry_date).add(m.metadata_json).add(flags).add(m.sent_to)
          .add(m.recipient_count).add(search_subject).add(search_body).add(search_tails)
          .add(attachments_to_json(m.attachments));
      MISSIVE_TRY(Rows inserted,
                  tx.exec("INSERT INTO message (id, conversation_id, seq, creator_id, "
                          "client_msg_id, subject, body, parent_id, root_id, create_date, "
                          "expiry_date, metadata, flags, sent_to, recipient_count, read_count, "
                          "search_subject, search_body, search_tails, attachments) VALUES ($1, "
                          "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, $16, "
                          "$17, $18, $19)",
                          p));
    }
    MISSIVE_TRY_STATUS(link_attachments(tx, id, m.attachments));
    // A deferred send writes only the frozen audience here; fan_out_next writes the records,
    // joins, leaves, group counters and the recipients' entries later, in chunks.
    if (deferred) {
      MISSIVE_TRY(Rows frozen, tx.query("INSERT INTO message_fanout (message_id, recipients, total) "
                                        "VALUES ($1, $2, $3)",
                                        id, audience,
                                        static_cast<std::int64_t>(recipients.size())));
    } else if (!recipients.empty()) {
      // Every recipient record in one statement.
      MISSIVE_TRY(Rows records,
                  tx.query("INSERT INTO message_recipient (message_id, recipient_id, "
                           "recipient_group_id, is_read) SELECT $1, u, g, false "
                           "FROM unnest($2::bigint[], $3::bigint[]) AS a(u, g)",
                           id, recipient_users, recipient_groups));
      MISSIVE_TRY(Rows stats,
                  tx.query("INSERT INTO message_group_stat (message_id, group_id, recipients, "
                           "reads) SELECT message_id, recipient_group_id, count(*), 0 "
                           "FROM message_recipient WHERE message_id = $1 "
                           "GROUP BY message_id, recipient_group_id",
                           id));
    }
    // One message entry per user, however many groups reached them.
    MISSIVE_TRY(Rows entries,
                tx.query(MISSIVE_PG_QUEUE_ENTRIES
                         "SELECT u, 'message', $3::bigint, $4::bigint, $1::bigint, NULL::bigint, "
                         "NULL::text, 0, false, NULL::bigint, $5::bigint FROM ("
                         "SELECT $2::bigint AS u UNION ALL SELECT DISTINCT recipient_id "
                         "FROM message_recipient WHERE message_id = $1) AS audience",
                         id, nm.creator, conv, seq, nm.create_date));
    if (!deferred) {
      MISSIVE_TRY_STATUS(leave_non_recipients(tx, conv, id, seq, nm.creator));
      MISSIVE_TRY_STATUS(join_recipients(tx, conv, id, seq, UserId(0), UserId(kNoCursor)));
    }
    MISSIVE_TRY_STATUS(advance_sender(tx, conv, seq, nm.creator, nm.create_date));
    // Deferred or not, the message is sent now: one row per endpoint, not per recipient.
    MISSIVE_TRY_STATUS(queue_sent_webhooks(tx, id, nm.creator, nm.create_date));
    if (nm.reminders) {
      ReminderSchedule schedule = *nm.reminders;
      schedule.message = id;
      MISSIVE_TRY_STATUS(insert_reminder_schedule(tx, schedule));
    }
    return SendOutcome{std::move(m), false};
  });
  // Two sends with one client id raced: the loser's INSERT hit the unique constraint on
  // (creator_id, client_msg_id) and rolled back. It answers with the winner's message.
  if (!sent && sent.error().code == ErrorCode::conflict && nm.client_msg_id) {
    MISSIVE_TRY(auto original, find_sent_message(nm.creator, *nm.client_msg_id));
    if (original) return SendOutcome{std::move(*original), true};
  }
  return sent;
}

Result<Message> PostgresStore::get_message(MessageId id) {
  return read([&](Tx& tx) { return load_message(tx, id); });
}

Result<std::optional<Message>> PostgresStore::find_sent_message(UserId creator,
                                                                const std::string& client_msg_id) {
  return read([&](Tx& tx) { return find_by_client_id(tx, creator, client_msg_id); });
}

Result<InboxItem> PostgresStore::get_inbox_item(MessageId id, UserId user) {
  return read([&](Tx& tx) -> Result<InboxItem> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_INBOX_COLUMNS
                                    " FROM message_recipient r JOIN message m "
                                    "ON m.id = r.message_id "
                                    "WHERE r.message_id = $1 AND r.recipient_id = $2 "
                                    "GROUP BY m.id, r.recipient_id",
                                    id, user));
    if (rows.empty()) {
      return fail(ErrorCode::not_found,
                  fmt::format("message {} was not sent to user {}", id.value, user.value));
    }
    return inbox_item_from_row(rows, 0);
  });
}

Result<std::vector<Message>> PostgresStore::get_thread(MessageId root) {
  return read([&](Tx& tx) -> Result<std::vector<Message>> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_MESSAGE_COLUMNS
                                    " FROM message m WHERE m.root_id = $1 ORDER BY m.id",
                                    root));
    if (rows.empty()) return fail(ErrorCode::not_found, fmt::format("no thread {}", root.value));
    std::vector<Message> thread;
    for (int r = 0; r < rows.size(); ++r) {
      MISSIVE_TRY(Message m, message_from_row(rows, r));
      thread.push_back(std::move(m));
    }
    return thread;
  });
}

Result<std::vector<InboxItem>> PostgresStore::inbox(const InboxQuery& q) {
  return read([&](Tx& tx) -> Result<std::vector<InboxItem>> {
    MISSIVE_TRY(Rows rows,
                tx.query("SELECT " MISSIVE_PG_INBOX_COLUMNS
                         " FROM message_recipient r JOIN message m ON m.id = r.message_id "
                         "WHERE r.recipient_id = $1 AND r.message_id < $2 "
                         "AND (m.expiry_date IS NULL OR m.expiry_date > $3) "
                         "AND ($4::bigint IS NULL OR m.creator_id = $4) "
                         "GROUP BY m.id, r.recipient_id "
                         "HAVING (NOT $5::boolean OR NOT bool_and(r.is_read)) "
                         "AND ($6::bigint IS NULL OR bool_or(r.recipient_group_id = $6)) "
                         "ORDER BY m.id DESC LIMIT $7",
                         q.user, q.before ? q.before->value : kNoCursor, q.now, q.sender,
                         q.unread_only, q.group, clamp_limit(q.limit)));
    std::vector<InboxItem> items;
    for (int r = 0; r < rows.size(); ++r) {
      MISSIVE_TRY(InboxItem item, inbox_item_from_row(rows, r));
      items.push_back(std::move(item));
    }
    return items;
  });
}

Result<Message> PostgresStore::set_expiry(MessageId id, std::optional<Timestamp> expiry,
                                          Timestamp now) {
  return write([&](Tx& tx) -> Result<Message> {
    // "IS DISTINCT FROM": an unchanged expiry (a retried PATCH or withdrawal whose first
    // answer was lost) writes nothing, so devices do not get the same expiry entry twice.
    MISSIVE_TRY(Rows rows, tx.query("UPDATE message SET expiry_date = $1 WHERE id = $2"
                                    " AND expiry_date IS DISTINCT FROM $1::bigint",
                                    expiry, id));
    if (rows.affected() == 0) {
      MISSIVE_TRY(Rows found, tx.query("SELECT 1 FROM message WHERE id = $1", id));
      if (found.empty()) return fail(ErrorCode::not_found, fmt::format("no message {}", id.value));
      return load_message(tx, id);
    }
    MISSIVE_TRY_STATUS(queue_expiry_entries(tx, id, now));
    return load_message(tx, id);
  });
}

}  // namespace missive::postgres
