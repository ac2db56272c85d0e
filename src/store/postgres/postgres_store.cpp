// open_postgres_store: connecting and migrating; the timeline listener.

#include "store/postgres/postgres_store.h"

#include <fmt/format.h>

#include "store/postgres/migrations.h"
#include "store/postgres/postgres_store_impl.h"

namespace missive {

Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& options) {
  if (options.url.empty()) return fail(ErrorCode::invalid, "no PostgreSQL URL given");
  auto store = std::make_unique<postgres::PostgresStore>(options);
  {
    MISSIVE_TRY(postgres::Pool::Lease lease, store->pool().acquire());
    if (options.migrate) {
      MISSIVE_TRY_STATUS(postgres::migrate(lease.conn()));
    } else {
      MISSIVE_TRY(const int version, postgres::schema_version(lease.conn()));
      if (version != postgres::latest_schema_version()) {
        return fail(ErrorCode::unavailable,
                    fmt::format("the database has schema version {}, this missive needs {}; "
                                "run `missive migrate --store URL` first",
                                version, postgres::latest_schema_version()));
      }
    }
  }
  return std::unique_ptr<Store>(std::move(store));
}

Result<SchemaMigration> migrate_postgres_schema(const std::string& url) {
  if (url.empty()) return fail(ErrorCode::invalid, "no PostgreSQL URL given");
  postgres::Pool pool(url, 1);
  MISSIVE_TRY(postgres::Pool::Lease lease, pool.acquire());
  SchemaMigration out;
  MISSIVE_TRY(out.from, postgres::schema_version(lease.conn()));
  MISSIVE_TRY_STATUS(postgres::migrate(lease.conn()));
  MISSIVE_TRY(out.to, postgres::schema_version(lease.conn()));
  return out;
}

namespace postgres {

void PostgresStore::set_timeline_listener(TimelineListener listener) {
  listener_ = std::move(listener);
}

}  // namespace postgres
}  // namespace missive
