// The dashboard reads of the PostgreSQL store: not ported yet. Each operation returns not_implemented()
// (ErrorCode::internal) until it is written here, following users_groups.cpp.

#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"

namespace missive::postgres {

Result<std::vector<Message>> PostgresStore::sent_messages(const DashboardQuery&) {
  return std::unexpected(not_implemented());
}

Result<std::vector<GroupReadStat>> PostgresStore::read_stats(MessageId) {
  return std::unexpected(not_implemented());
}

Result<std::vector<RecipientStatus>> PostgresStore::recipient_statuses(MessageId) {
  return std::unexpected(not_implemented());
}

}  // namespace missive::postgres
