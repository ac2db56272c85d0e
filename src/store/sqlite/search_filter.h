#pragma once
// missive_visible(set, rowid): whether `rowid` is one of the user's visible message ids, so
// that a walk over the index keeps only those inside SQLite instead of returning every hit to
// the caller (a row handed back costs more than the check). `set` is a VisibleSet bound with
// Stmt::bind_pointer (sqlite3_bind_pointer, type kVisibleSetType), which SQL text cannot forge.
// The set also counts the rows it was asked about and stops the walk at a budget: from then
// on every call answers true and `exhausted` is set, so the caller sees the next row, notices
// and stops stepping.
//
// Thread-safety: registered per connection; a VisibleSet belongs to the statement it is bound
// to, on the thread that uses the connection.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

inline constexpr const char* kVisibleSetType = "missive_visible_set";

struct VisibleSet {
  const std::vector<std::int64_t>* ids = nullptr;  // newest first, no duplicates
  std::int64_t budget = 0;  // rows that may be checked before the walk stops
  std::int64_t checked = 0;
  bool exhausted = false;
  std::size_t next = 0;  // ids[next..] are all <= the last id asked about

  // Whether `id` is in the set. Fast when asked in descending order (a merge), correct in any.
  bool contains(std::int64_t id);
};

// Registers missive_visible on `db`. unavailable if SQLite refuses it.
Status register_search_filter(Db& db);

}  // namespace missive::sqlite
