// open_postgres_store: connecting and migrating; the timeline listener.

#include "store/postgres/postgres_store.h"

#include "store/postgres/migrations.h"
#include "store/postgres/postgres_store_impl.h"

namespace missive {

Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& options) {
  if (options.url.empty()) return fail(ErrorCode::invalid, "no PostgreSQL URL given");
  auto store = std::make_unique<postgres::PostgresStore>(options);
  {
    MISSIVE_TRY(postgres::Pool::Lease lease, store->pool().acquire());
    MISSIVE_TRY_STATUS(postgres::migrate(lease.conn()));
  }
  return std::unique_ptr<Store>(std::move(store));
}

namespace postgres {

void PostgresStore::set_timeline_listener(TimelineListener listener) {
  listener_ = std::move(listener);
}

}  // namespace postgres
}  // namespace missive
