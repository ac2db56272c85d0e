#pragma once
// missive_in(set, id): whether `id` is in a sorted set of message ids held by the caller, so
// that a walk over the index's hits keeps only the user's messages inside SQLite instead of
// returning every hit to the caller (a row handed back costs more than the check). `set` is an
// IdSet bound with Stmt::bind_pointer (sqlite3_bind_pointer, type kIdSetType), which SQL text
// cannot forge.
// The set also stops a walk that has passed its last id (in the walk's direction) or that
// costs more than looking the set's remaining ids up would: from then on every call answers
// true and `exhausted` is set, so the caller sees the next row, notices and stops stepping.
// (Stopping here rather than with a rowid bound in SQL matters: FTS5 leaves rowid bounds for
// SQLite to check again on every row, which costs a sixth of a long walk.)
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
  // The walk stops once it has checked `slack + per_id * (passed + 1)` rows, `passed` being
  // the ids it has walked past (in the direction of `ascending`): walking then costs more per
  // id than a lookup. The default never stops.
  std::int64_t per_id = std::numeric_limits<std::int64_t>::max();
  std::int64_t slack = 0;
  bool ascending = false;
  std::int64_t checked = 0;
  bool exhausted = false;
  std::size_t next = 0;  // ids[0, next) > the last id asked about >= ids[next]

  // Whether `id` is in the set. Fast when asked in ascending or descending order (a merge);
  // correct in any order.
  bool contains(std::int64_t id);
  // Counts one more row checked, `id`; true once the walk should stop: `id` is past the last
  // id in the walk's direction, or the walk costs too much (see per_id).
  bool walked_too_far(std::int64_t id);
};

// Registers missive_in on `db`. unavailable if SQLite refuses it.
Status register_search_filter(Db& db);

}  // namespace missive::sqlite
