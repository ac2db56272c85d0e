#pragma once
// Column lists and row -> domain value conversions shared by the PostgreSQL store's
// operations (the counterpart of store/sqlite/rows.h).

#include "core/error.h"
#include "core/types.h"
#include "store/postgres/pg.h"

namespace missive::postgres {

// Column lists as macros so they splice into string-literal SQL. The *_from_row functions
// read them starting at column `first`.
#define MISSIVE_PG_USER_COLUMNS                                                        \
  "u.id, u.handle, u.first_name, u.last_name, u.attributes, u.is_admin, u.is_active, " \
  "u.created_at, u.permissions"
inline constexpr int kUserColumns = 9;

#define MISSIVE_PG_MESSAGE_COLUMNS                                                         \
  "m.id, m.conversation_id, m.seq, m.creator_id, m.client_msg_id, m.subject, m.body, "     \
  "m.parent_id, m.root_id, m.create_date, m.expiry_date, m.metadata, m.flags, m.sent_to, " \
  "m.recipient_count, m.read_count, m.delivered_count, m.attachments"
inline constexpr int kMessageColumns = 18;

// Group columns followed by the active member count.
#define MISSIVE_PG_GROUP_COLUMNS                                             \
  "g.id, g.name, g.rule, g.owner_id, g.is_active, g.created_at, "            \
  "(SELECT count(*) FROM user_group ug JOIN users mu ON mu.id = ug.user_id " \
  " WHERE ug.group_id = g.id AND ug.is_active AND mu.is_active), "           \
  "g.senders, g.sender_ids"
inline constexpr int kGroupColumns = 9;

// The caller's reminders of inbox row (m, r): count, latest sent_at, whether the latest was
// the final one. Spliced after an inbox query's other columns (group by m.id, r.recipient_id).
#define MISSIVE_PG_INBOX_REMINDER_COLUMNS                                                  \
  "(SELECT count(*) FROM reminder x WHERE x.message_id = m.id "                            \
  " AND x.recipient_id = r.recipient_id), "                                                \
  "(SELECT max(x.sent_at) FROM reminder x WHERE x.message_id = m.id "                      \
  " AND x.recipient_id = r.recipient_id), "                                                \
  "(SELECT x.is_final FROM reminder x WHERE x.message_id = m.id "                          \
  " AND x.recipient_id = r.recipient_id ORDER BY x.number DESC LIMIT 1)"

// The recipient's view of a message: message columns, then all-read, latest read_at, the
// groups (comma-separated), and the reminder columns. From message m JOIN message_recipient r
// grouped by m.id, r.recipient_id.
#define MISSIVE_PG_INBOX_COLUMNS                                                            \
  MISSIVE_PG_MESSAGE_COLUMNS ", bool_and(r.is_read), max(r.read_at), "                      \
  "string_agg(r.recipient_group_id::text, ','), " MISSIVE_PG_INBOX_REMINDER_COLUMNS

Result<User> user_from_row(const Rows& rows, int row, int first = 0);
Result<std::vector<User>> users_from_rows(const Rows& rows);
Result<Message> message_from_row(const Rows& rows, int row, int first = 0);
Result<Group> group_from_row(const Rows& rows, int row, int first = 0);
// A row of MISSIVE_PG_INBOX_COLUMNS.
Result<InboxItem> inbox_item_from_row(const Rows& rows, int row);
// "3,0,5" -> the non-zero group ids, ascending, distinct.
std::vector<GroupId> parse_groups(std::string_view text);

std::string_view kind_name(ConversationKind kind);
ConversationKind kind_from_name(std::string_view name);

// Limits a caller-supplied page size to what one query may return (as SQLite: 0..1000).
int clamp_limit(int limit);

}  // namespace missive::postgres
