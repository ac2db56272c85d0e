#pragma once
// missive_in(set, id): whether `id` is in a sorted set of message ids held by the caller, so
// that a walk over an index keeps only those inside SQLite instead of returning every row to
// the caller (a row handed back costs more than the check). The search's merge plan walks the
// index's hits against the user's visible ids, and the few-hits plan walks the user's
// messages against the hits. `set` is an IdSet bound with Stmt::bind_pointer
// (sqlite3_bind_pointer, type kIdSetType), which SQL text cannot forge.
// The set also counts the rows it was asked about and can stop a walk at a budget: from then
// on every call answers true and `exhausted` is set, so the caller sees the next row, notices
// and stops stepping.
//
// Thread-safety: registered per connection; an IdSet belongs to the statement it is bound to,
// on the thread that uses the connection.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/error.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

inline constexpr const char* kIdSetType = "missive_id_set";

struct IdSet {
  const std::vector<std::int64_t>* ids = nullptr;  // newest first, no duplicates
  // Rows that may be checked before the walk stops.
  std::int64_t budget = std::numeric_limits<std::int64_t>::max();
  std::int64_t checked = 0;
  bool exhausted = false;
  std::size_t next = 0;  // ids[next..] are all <= the last id asked about

  // Whether `id` is in the set. Fast when asked in ascending or descending order (a merge);
  // correct in any order.
  bool contains(std::int64_t id);
};

// Registers missive_in on `db`. unavailable if SQLite refuses it.
Status register_search_filter(Db& db);

}  // namespace missive::sqlite
