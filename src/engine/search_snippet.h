#pragma once
// Snippets of search hits: a short stretch of the text around the first match, with every
// match in it between « and ». Not part of the engine's API.
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "core/search_query.h"

namespace missive::engine_detail {

inline constexpr std::string_view kMarkOpen = "\u00AB";   // «
inline constexpr std::string_view kMarkClose = "\u00BB";  // »

// Up to about 160 bytes of `text` around the first match of any of `terms` (ASCII letters
// compared case-insensitively; prefixes extend to the end of the word), with "…" where it was
// cut. With no match: the start of `text`, unmarked. Line breaks become spaces.
std::string make_snippet(std::string_view text, const std::vector<SearchTerm>& terms);

// Whether any of `terms` occurs in `text` as make_snippet would mark it.
bool contains_match(std::string_view text, const std::vector<SearchTerm>& terms);

}  // namespace missive::engine_detail
