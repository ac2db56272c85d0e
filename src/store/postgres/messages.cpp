// Messages (send, reads of messages, threads, inbox, expiry) of the PostgreSQL store: not ported yet. Each operation returns not_implemented()
// (ErrorCode::internal) until it is written here, following users_groups.cpp.

#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"

namespace missive::postgres {

Result<SendOutcome> PostgresStore::send_message(const NewMessage&) {
  return std::unexpected(not_implemented());
}

Result<Message> PostgresStore::get_message(MessageId) { return std::unexpected(not_implemented()); }

Result<std::optional<Message>> PostgresStore::find_sent_message(UserId, const std::string&) {
  return std::unexpected(not_implemented());
}

Result<InboxItem> PostgresStore::get_inbox_item(MessageId, UserId) {
  return std::unexpected(not_implemented());
}

Result<std::vector<Message>> PostgresStore::get_thread(MessageId) {
  return std::unexpected(not_implemented());
}

Result<std::vector<InboxItem>> PostgresStore::inbox(const InboxQuery&) {
  return std::unexpected(not_implemented());
}

Result<Message> PostgresStore::set_expiry(MessageId, std::optional<Timestamp>, Timestamp) {
  return std::unexpected(not_implemented());
}

}  // namespace missive::postgres
