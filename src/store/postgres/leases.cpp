// Node leases of the PostgreSQL store (table node_lease): one row per lease name. Taking a
// lease is one upsert: ON CONFLICT DO UPDATE locks the row and re-checks its WHERE on the
// newest version, so of two nodes racing for a free or expired lease exactly one gets it.

#include "store/postgres/postgres_store_impl.h"

namespace missive::postgres {

Result<bool> PostgresStore::acquire_lease(const std::string& name, const std::string& holder,
                                          Timestamp now, std::int64_t ttl_ms) {
  return write([&](Tx& tx) -> Result<bool> {
    MISSIVE_TRY(Rows rows,
                tx.query("INSERT INTO node_lease (name, holder, expires_at) "
                         "VALUES ($1, $2, $3::bigint) ON CONFLICT (name) DO UPDATE "
                         "SET holder = excluded.holder, expires_at = excluded.expires_at "
                         "WHERE node_lease.holder = excluded.holder "
                         "OR node_lease.expires_at <= $4::bigint",
                         name, holder, now + ttl_ms, now));
    return rows.affected() == 1;
  });
}

Status PostgresStore::release_lease(const std::string& name, const std::string& holder) {
  return write([&](Tx& tx) -> Status {
    MISSIVE_TRY(Rows rows,
                tx.query("DELETE FROM node_lease WHERE name = $1 AND holder = $2", name, holder));
    return {};
  });
}

}  // namespace missive::postgres
