// The sync timeline (reads, delivery, pruning) of the PostgreSQL store: not ported yet. Each operation returns not_implemented()
// (ErrorCode::internal) until it is written here, following users_groups.cpp.

#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"

namespace missive::postgres {

Result<SyncPage> PostgresStore::sync(const SyncQuery&) { return std::unexpected(not_implemented()); }

Result<SyncState> PostgresStore::sync_state(UserId) { return std::unexpected(not_implemented()); }

Result<std::int64_t> PostgresStore::mark_delivered(UserId, SyncSeq, Timestamp) {
  return std::unexpected(not_implemented());
}

Result<std::vector<MessageSlot>> PostgresStore::conversation_messages(const MessageRange&) {
  return std::unexpected(not_implemented());
}

Result<std::int64_t> PostgresStore::prune_timeline(Timestamp) {
  return std::unexpected(not_implemented());
}

}  // namespace missive::postgres
