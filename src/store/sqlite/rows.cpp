#include "store/sqlite/rows.h"

#include <algorithm>
#include <charconv>

#include "core/attachment_json.h"
#include "core/json_values.h"

namespace missive::sqlite {

namespace {
// Stored text that no longer parses is damage, not bad input.
Error corrupt(std::string_view what, const Error& error) {
  return Error{ErrorCode::unavailable,
               std::string("database error: stored ") + std::string(what) +
                   " is corrupt: " + error.message};
}
}  // namespace

Result<User> user_from_row(const Stmt& stmt, int first) {
  User user;
  user.id = stmt.id<UserId>(first);
  user.handle = stmt.text(first + 1);
  user.first_name = stmt.text(first + 2);
  user.last_name = stmt.text(first + 3);
  auto attributes = attributes_from_json(stmt.text(first + 4));
  if (!attributes) return std::unexpected(corrupt("attributes", attributes.error()));
  user.attributes = std::move(*attributes);
  user.is_admin = stmt.boolean(first + 5);
  user.is_active = stmt.boolean(first + 6);
  user.created_at = stmt.int64(first + 7);
  auto permissions = permissions_from_text(stmt.text(first + 8));
  if (!permissions) return std::unexpected(corrupt("permissions", permissions.error()));
  user.permissions = std::move(*permissions);
  return user;
}

Result<Message> message_from_row(const Stmt& stmt, int first) {
  Message m;
  m.id = stmt.id<MessageId>(first);
  m.conversation = stmt.id<ConversationId>(first + 1);
  m.seq = stmt.int64(first + 2);
  m.creator = stmt.id<UserId>(first + 3);
  m.client_msg_id = stmt.opt_text(first + 4);
  m.subject = stmt.text(first + 5);
  m.body = stmt.text(first + 6);
  if (auto parent = stmt.opt_int64(first + 7)) m.parent = MessageId(*parent);
  m.root = stmt.id<MessageId>(first + 8);
  m.create_date = stmt.int64(first + 9);
  m.expiry_date = stmt.opt_int64(first + 10);
  m.metadata_json = stmt.text(first + 11);
  auto flags = flags_from_json(stmt.text(first + 12));
  if (!flags) return std::unexpected(corrupt("flags", flags.error()));
  m.flags = std::move(*flags);
  m.sent_to = stmt.text(first + 13);
  m.recipient_count = stmt.int64(first + 14);
  m.read_count = stmt.int64(first + 15);
  m.delivered_count = stmt.int64(first + 16);
  auto attachments = attachments_from_json(stmt.text(first + 17));
  if (!attachments) return std::unexpected(corrupt("attachments", attachments.error()));
  m.attachments = std::move(*attachments);
  return m;
}

Result<Group> group_from_row(const Stmt& stmt, int first) {
  Group g;
  g.id = stmt.id<GroupId>(first);
  g.name = stmt.text(first + 1);
  g.rule = stmt.opt_text(first + 2);
  g.owner = stmt.id<UserId>(first + 3);
  g.is_active = stmt.boolean(first + 4);
  g.created_at = stmt.int64(first + 5);
  g.member_count = g.rule ? 0 : stmt.int64(first + 6);
  auto senders = parse_senders(stmt.text(first + 7));
  if (!senders) return std::unexpected(corrupt("senders", senders.error()));
  g.senders = *senders;
  auto sender_ids = user_ids_from_text(stmt.text(first + 8));
  if (!sender_ids) return std::unexpected(corrupt("sender_ids", sender_ids.error()));
  g.sender_ids = std::move(*sender_ids);
  return g;
}

std::string_view kind_name(ConversationKind kind) {
  switch (kind) {
    case ConversationKind::direct:
      return "direct";
    case ConversationKind::group:
      return "group";
    case ConversationKind::multi:
      return "multi";
  }
  return "multi";
}

ConversationKind kind_from_name(std::string_view name) {
  if (name == "direct") return ConversationKind::direct;
  if (name == "group") return ConversationKind::group;
  return ConversationKind::multi;
}

int clamp_limit(int limit) { return std::clamp(limit, 0, 1000); }

std::vector<GroupId> parse_groups(std::string_view text) {
  std::vector<GroupId> groups;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    std::int64_t value = 0;
    std::from_chars(part.data(), part.data() + part.size(), value);
    if (value > 0) groups.emplace_back(value);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  return groups;
}

// Reads an inbox row: message columns, then all-read, latest read_at, group list, and the
// MISSIVE_INBOX_REMINDER_COLUMNS.
Result<InboxItem> inbox_item_from_row(const Stmt& stmt) {
  MISSIVE_TRY(Message m, message_from_row(stmt));
  InboxItem item;
  item.message = std::move(m);
  item.is_read = stmt.boolean(kMessageColumns);
  if (item.is_read) item.read_at = stmt.opt_int64(kMessageColumns + 1);
  item.via_groups = parse_groups(stmt.text(kMessageColumns + 2));
  item.reminder_count = stmt.int64(kMessageColumns + 3);
  item.last_reminded_at = stmt.opt_int64(kMessageColumns + 4);
  item.final_reminder = item.reminder_count > 0 && stmt.boolean(kMessageColumns + 5);
  return item;
}

}  // namespace missive::sqlite
