#include "store/postgres/rows.h"

#include <algorithm>
#include <charconv>

#include "core/attachment_json.h"
#include "core/json_values.h"

namespace missive::postgres {
namespace {
// Stored text that no longer parses is damage, not bad input.
Error corrupt(std::string_view what, const Error& error) {
  return Error{ErrorCode::unavailable,
               std::string("database error: stored ") + std::string(what) +
                   " is corrupt: " + error.message};
}
}  // namespace

Result<User> user_from_row(const Rows& rows, int row, int first) {
  User user;
  user.id = rows.id<UserId>(row, first);
  user.handle = rows.text(row, first + 1);
  user.first_name = rows.text(row, first + 2);
  user.last_name = rows.text(row, first + 3);
  auto attributes = attributes_from_json(rows.text(row, first + 4));
  if (!attributes) return std::unexpected(corrupt("attributes", attributes.error()));
  user.attributes = std::move(*attributes);
  user.is_admin = rows.boolean(row, first + 5);
  user.is_active = rows.boolean(row, first + 6);
  user.created_at = rows.int64(row, first + 7);
  auto permissions = permissions_from_text(rows.text(row, first + 8));
  if (!permissions) return std::unexpected(corrupt("permissions", permissions.error()));
  user.permissions = std::move(*permissions);
  return user;
}

Result<std::vector<User>> users_from_rows(const Rows& rows) {
  std::vector<User> users;
  users.reserve(static_cast<std::size_t>(rows.size()));
  for (int r = 0; r < rows.size(); ++r) {
    MISSIVE_TRY(User user, user_from_row(rows, r));
    users.push_back(std::move(user));
  }
  return users;
}

Result<Message> message_from_row(const Rows& rows, int row, int first) {
  Message m;
  m.id = rows.id<MessageId>(row, first);
  m.conversation = rows.id<ConversationId>(row, first + 1);
  m.seq = rows.int64(row, first + 2);
  m.creator = rows.id<UserId>(row, first + 3);
  m.client_msg_id = rows.opt_text(row, first + 4);
  m.subject = rows.text(row, first + 5);
  m.body = rows.text(row, first + 6);
  if (auto parent = rows.opt_int64(row, first + 7)) m.parent = MessageId(*parent);
  m.root = rows.id<MessageId>(row, first + 8);
  m.create_date = rows.int64(row, first + 9);
  m.expiry_date = rows.opt_int64(row, first + 10);
  m.metadata_json = rows.text(row, first + 11);
  auto flags = flags_from_json(rows.text(row, first + 12));
  if (!flags) return std::unexpected(corrupt("flags", flags.error()));
  m.flags = std::move(*flags);
  m.sent_to = rows.text(row, first + 13);
  m.recipient_count = rows.int64(row, first + 14);
  m.read_count = rows.int64(row, first + 15);
  m.delivered_count = rows.int64(row, first + 16);
  auto attachments = attachments_from_json(rows.text(row, first + 17));
  if (!attachments) return std::unexpected(corrupt("attachments", attachments.error()));
  m.attachments = std::move(*attachments);
  return m;
}

Result<Group> group_from_row(const Rows& rows, int row, int first) {
  Group g;
  g.id = rows.id<GroupId>(row, first);
  g.name = rows.text(row, first + 1);
  g.rule = rows.opt_text(row, first + 2);
  g.owner = rows.id<UserId>(row, first + 3);
  g.is_active = rows.boolean(row, first + 4);
  g.created_at = rows.int64(row, first + 5);
  g.member_count = g.rule ? 0 : rows.int64(row, first + 6);
  auto senders = parse_senders(rows.text(row, first + 7));
  if (!senders) return std::unexpected(corrupt("senders", senders.error()));
  g.senders = *senders;
  auto sender_ids = user_ids_from_text(rows.text(row, first + 8));
  if (!sender_ids) return std::unexpected(corrupt("sender_ids", sender_ids.error()));
  g.sender_ids = std::move(*sender_ids);
  return g;
}

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

Result<InboxItem> inbox_item_from_row(const Rows& rows, int row) {
  MISSIVE_TRY(Message m, message_from_row(rows, row));
  InboxItem item;
  item.message = std::move(m);
  item.is_read = rows.boolean(row, kMessageColumns);
  if (item.is_read) item.read_at = rows.opt_int64(row, kMessageColumns + 1);
  item.via_groups = parse_groups(rows.text(row, kMessageColumns + 2));
  item.reminder_count = rows.int64(row, kMessageColumns + 3);
  item.last_reminded_at = rows.opt_int64(row, kMessageColumns + 4);
  item.final_reminder = item.reminder_count > 0 && rows.boolean(row, kMessageColumns + 5);
  return item;
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

}  // namespace missive::postgres
