// Deferred fan-out of the PostgreSQL store: not ported yet. Each operation returns not_implemented()
// (ErrorCode::internal) until it is written here, following users_groups.cpp.

#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"

namespace missive::postgres {

Result<std::optional<FanoutStep>> PostgresStore::fan_out_next(int, Timestamp) {
  return std::unexpected(not_implemented());
}

}  // namespace missive::postgres
