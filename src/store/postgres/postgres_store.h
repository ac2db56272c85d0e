#pragma once
// The PostgreSQL backend of the Store (libpq): a bounded connection pool, one transaction per
// operation retried on serialization failures and deadlocks, gap-free sequences under row
// locks. Several server nodes may share one database. Layout: store/postgres/README.md.

#include <memory>
#include <string>

#include "core/error.h"
#include "store/store.h"

namespace missive {

// How a search finds the visible hits (store/postgres/search.cpp): chosen per query, or forced
// (for tests, so that both statements run on small data).
enum class PostgresSearchPlan { automatic, hits_first, visible_first };

struct PostgresOptions {
  // A libpq connection URI or key=value string, e.g. postgres://missive@db:5432/missive.
  // Tables live in the first schema of the connection's search_path (options=-csearch_path=).
  std::string url;
  int connections = 8;  // at most this many connections are open at once
  PostgresSearchPlan search_plan = PostgresSearchPlan::automatic;
  // true: create the schema when absent and upgrade it when older than this build. false:
  // leave it alone, and refuse (unavailable) a schema that is not this build's version.
  bool migrate = true;
};

// Connects, creates or upgrades the schema (unless !options.migrate), and returns the store.
// unavailable if the database cannot be reached, a migration fails, the schema is newer than
// this build, or (without migrate) the schema is absent or older.
Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& options);

// Creates or upgrades the schema (`missive migrate`): the versions before and after.
// unavailable as open_postgres_store.
Result<SchemaMigration> migrate_postgres_schema(const std::string& url);
inline Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url) {
  return open_postgres_store(PostgresOptions{url});
}

}  // namespace missive
