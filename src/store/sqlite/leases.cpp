// Node leases of the SQLite store. One server process owns an SQLite database, so a lease
// only has to be exclusive between its threads: a map under a mutex, not a table.

#include "store/sqlite/sqlite_store_impl.h"

namespace missive::sqlite {

Result<bool> SqliteStore::acquire_lease(const std::string& name, const std::string& holder,
                                        Timestamp now, std::int64_t ttl_ms) {
  std::lock_guard lock(leases_mutex_);
  auto it = leases_.find(name);
  if (it != leases_.end() && it->second.holder != holder && it->second.expires_at > now) {
    return false;
  }
  leases_[name] = Lease{.holder = holder, .expires_at = now + ttl_ms};
  return true;
}

Status SqliteStore::release_lease(const std::string& name, const std::string& holder) {
  std::lock_guard lock(leases_mutex_);
  if (auto it = leases_.find(name); it != leases_.end() && it->second.holder == holder) {
    leases_.erase(it);
  }
  return {};
}

}  // namespace missive::sqlite
