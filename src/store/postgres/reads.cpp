// Read tracking and conversation summaries of the PostgreSQL store: not ported yet. Each operation returns not_implemented()
// (ErrorCode::internal) until it is written here, following users_groups.cpp.

#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"

namespace missive::postgres {

Result<ReadOutcome> PostgresStore::mark_message_read(MessageId, UserId, Timestamp) {
  return std::unexpected(not_implemented());
}

Result<ReadOutcome> PostgresStore::mark_conversation_read(ConversationId, UserId, Seq, Timestamp) {
  return std::unexpected(not_implemented());
}

Result<std::vector<ConversationSummary>> PostgresStore::conversations(UserId, Timestamp) {
  return std::unexpected(not_implemented());
}

Result<ConversationSummary> PostgresStore::conversation(ConversationId, UserId, Timestamp) {
  return std::unexpected(not_implemented());
}

}  // namespace missive::postgres
