#pragma once
// Relevance paging shared by every store backend: a search ranks windows of the newest
// `window` visible hits, continuing into the next (older) window until the page is full.
// Backends supply only how candidates are found (their SQL); the walk and the cursor
// arithmetic are the same everywhere, so pages and cursors mean the same on every backend.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "core/error.h"
#include "store/store.h"

namespace missive {

struct SearchCandidate {
  MessageId id;
  double score = 0;  // lower ranks first
};

inline constexpr std::int64_t kSearchNoUpper = std::numeric_limits<std::int64_t>::max();

// Fills `page` with up to `limit` hits of `search` in relevance order and returns the cursor
// of the following page. `candidates(upper, count)` returns the newest `count` visible hits
// with ids <= upper that pass every filter, newest first, with their scores.
template <class Candidates>
Result<std::optional<SearchCursor>> ranked_search_page(const MessageSearch& search, int limit,
                                                       std::vector<SearchCandidate>& page,
                                                       Candidates&& candidates) {
  const int window = std::max(1, search.window);
  std::int64_t upper = search.cursor ? search.cursor->upper.value : kSearchNoUpper;
  std::int64_t offset = search.cursor ? search.cursor->offset : 0;
  for (;;) {
    MISSIVE_TRY(std::vector<SearchCandidate> ranked, candidates(upper, window));
    if (ranked.empty()) return std::nullopt;
    const bool full = ranked.size() == static_cast<std::size_t>(window);
    const std::int64_t window_upper = ranked.front().id.value;  // fixed for later pages
    const std::int64_t oldest = ranked.back().id.value;
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const SearchCandidate& a, const SearchCandidate& b) {
                       return a.score < b.score;  // ties keep the newest-first order
                     });
    const auto size = static_cast<std::int64_t>(ranked.size());
    while (offset < size && page.size() < static_cast<std::size_t>(limit)) {
      page.push_back(ranked[static_cast<std::size_t>(offset++)]);
    }
    if (offset < size) return SearchCursor{MessageId(window_upper), offset};
    if (!full) return std::nullopt;
    upper = oldest - 1;
    offset = 0;
    if (page.size() == static_cast<std::size_t>(limit)) return SearchCursor{MessageId(upper), 0};
  }
}

}  // namespace missive
