#include "store/sqlite/search_filter.h"

#include <sqlite3.h>

#include <algorithm>
#include <functional>

namespace missive::sqlite {
namespace {

void visible(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  auto* set = argc == 2 ? static_cast<VisibleSet*>(sqlite3_value_pointer(argv[0], kVisibleSetType))
                        : nullptr;
  if (set == nullptr || set->ids == nullptr) {
    sqlite3_result_error(ctx, "missive_visible: no visible set bound", -1);
    return;
  }
  if (set->exhausted || set->checked++ >= set->budget) {
    set->exhausted = true;
    sqlite3_result_int(ctx, 1);
    return;
  }
  sqlite3_result_int(ctx, set->contains(sqlite3_value_int64(argv[1])) ? 1 : 0);
}

}  // namespace

bool VisibleSet::contains(std::int64_t id) {
  const std::vector<std::int64_t>& v = *ids;
  if (next > 0 && v[next - 1] <= id) {  // asked out of order: search from the start
    next = static_cast<std::size_t>(
        std::lower_bound(v.begin(), v.end(), id, std::greater<>()) - v.begin());
  }
  while (next < v.size() && v[next] > id) ++next;
  return next < v.size() && v[next] == id;
}

Status register_search_filter(Db& db) {
  // Not SQLITE_DETERMINISTIC: the answer depends on the bound set's state. DIRECTONLY: only
  // our statements call it, never a view or trigger.
  if (sqlite3_create_function_v2(db.handle(), "missive_visible", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                 nullptr, visible, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail(ErrorCode::unavailable, "cannot register the search visibility function");
  }
  return {};
}

}  // namespace missive::sqlite
