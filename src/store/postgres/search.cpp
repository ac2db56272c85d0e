// Full-text search of the PostgreSQL store: not ported yet. Each operation returns not_implemented()
// (ErrorCode::internal) until it is written here, following users_groups.cpp.

#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"

namespace missive::postgres {

Result<SearchHits> PostgresStore::search(const MessageSearch&) {
  return std::unexpected(not_implemented());
}

Result<bool> PostgresStore::maintain_search_index(int) { return std::unexpected(not_implemented()); }

}  // namespace missive::postgres
