#pragma once
// How the SQLite store turns a parsed query into an FTS5 MATCH expression. The indexed text
// and each term are prepared by store/search_text.h (shared with the PostgreSQL store); the
// format is described in docs/search.md.
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "core/search_query.h"
#include "store/search_text.h"

namespace missive::sqlite {

using missive::index_tails;
using missive::index_text;

// The MATCH expression for `query`. Every term is a quoted FTS5 string, so nothing the user
// typed is read as FTS5 syntax (column filters, NEAR, ^, +, -): only AND/OR/NOT from the
// parsed tree are operators.
std::string fts5_match(const SearchNode& query);

// One MATCH expression per phrase of fts5_match(query), in the same order (the order FTS5
// numbers phrases in); empty for a phrase under the excluded side of a NOT, which never
// occurs in a hit.
std::vector<std::string> fts5_phrases(const SearchNode& query);

}  // namespace missive::sqlite
