#pragma once
// Column lists and row -> domain value conversions shared by the SQLite store's operations.

#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/types.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

// Column lists as macros so they splice into string-literal SQL (the statement cache keys on
// literals). The *_from_row functions read them starting at column `first`.
#define MISSIVE_USER_COLUMNS                                                           \
  "u.id, u.handle, u.first_name, u.last_name, u.attributes, u.is_admin, u.is_active, " \
  "u.created_at, u.permissions"
inline constexpr int kUserColumns = 9;

#define MISSIVE_MESSAGE_COLUMNS                                                            \
  "m.id, m.conversation_id, m.seq, m.creator_id, m.client_msg_id, m.subject, m.body, "     \
  "m.parent_id, m.root_id, m.create_date, m.expiry_date, m.metadata, m.flags, m.sent_to, " \
  "m.recipient_count, m.read_count, m.delivered_count, m.attachments"
inline constexpr int kMessageColumns = 18;

// Group columns followed by the active member count.
#define MISSIVE_GROUP_COLUMNS                                                     \
  "g.id, g.name, g.rule, g.owner_id, g.is_active, g.created_at, g.member_count, " \
  "g.senders, g.sender_ids"
inline constexpr int kGroupColumns = 9;

Result<User> user_from_row(const Stmt& stmt, int first = 0);
Result<Message> message_from_row(const Stmt& stmt, int first = 0);
Result<Group> group_from_row(const Stmt& stmt, int first = 0);

// `group_concat` of recipient_group_id values -> the non-zero group ids, ascending.
std::vector<GroupId> parse_groups(std::string_view text);
// An inbox row: message columns, then all-read, latest read_at, group list.
Result<InboxItem> inbox_item_from_row(const Stmt& stmt);

std::string_view kind_name(ConversationKind kind);
ConversationKind kind_from_name(std::string_view name);

// Limits a caller-supplied page size to what one query may return.
int clamp_limit(int limit);

}  // namespace missive::sqlite
