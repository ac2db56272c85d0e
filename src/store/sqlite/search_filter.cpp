#include "store/sqlite/search_filter.h"

#include <sqlite3.h>


namespace missive::sqlite {
namespace {

void in_set(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  auto* set = argc == 2 ? static_cast<IdSet*>(sqlite3_value_pointer(argv[0], kIdSetType)) : nullptr;
  if (set == nullptr || set->ids == nullptr) {
    sqlite3_result_error(ctx, "missive_in: no id set bound", -1);
    return;
  }
  const sqlite3_int64 id = sqlite3_value_int64(argv[1]);
  if (set->walked_too_far(id)) {
    sqlite3_result_int(ctx, 1);
    return;
  }
  sqlite3_result_int(ctx, set->contains(id) ? 1 : 0);
}

}  // namespace

bool IdSet::contains(std::int64_t id) {
  const std::vector<std::int64_t>& v = *ids;
  // Keeps v[0, next) > id >= v[next]: a few steps when asked in order, either way.
  while (next < v.size() && v[next] > id) ++next;
  while (next > 0 && v[next - 1] <= id) --next;
  return next < v.size() && v[next] == id;
}

bool IdSet::walked_too_far(std::int64_t id) {
  if (exhausted) return true;
  if (ids->empty() || (ascending ? id > ids->front() : id < ids->back())) {
    exhausted = true;
    return true;
  }
  const std::int64_t over = ++checked - slack;
  if (over <= 0) return false;
  const auto passed = static_cast<std::int64_t>(ascending ? ids->size() - next : next);
  exhausted = over / per_id > passed;  // over >= per_id * (passed + 1), without overflow
  return exhausted;
}

Status register_search_filter(Db& db) {
  // Not SQLITE_DETERMINISTIC: the answer depends on the bound set's state. DIRECTONLY: only
  // our statements call it, never a view or trigger.
  if (sqlite3_create_function_v2(db.handle(), "missive_in", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, nullptr,
                                 in_set, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail(ErrorCode::unavailable, "cannot register the search id-set function");
  }
  return {};
}

}  // namespace missive::sqlite
