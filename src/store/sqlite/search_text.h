#pragma once
// How the SQLite store indexes text for search and turns a parsed query into an FTS5 MATCH
// expression. The format is described in docs/search.md.
//
// Text written without spaces (see is_unspaced_script) has no word boundaries FTS5's
// unicode61 tokenizer could use, so each run of it is indexed as overlapping two-character
// tokens ("项目交付" -> "项目 目交 交付"), and the run's last character goes to a third column
// (`tails`), so that phrases stay contiguous. A query term's run becomes the phrase of its
// bigrams, so any substring of two or more characters is found; a single character becomes
// a prefix query, which matches the bigrams it starts and the tails it ends.
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "core/search_query.h"

namespace missive::sqlite {

// `text` as it is handed to the FTS5 index (unicode61, diacritics removed).
std::string index_text(std::string_view text);
// The `tails` column for `text`: the last character of each unspaced run, space-separated.
std::string index_tails(std::string_view text);

// The MATCH expression for `query`. Every term is a quoted FTS5 string, so nothing the user
// typed is read as FTS5 syntax (column filters, NEAR, ^, +, -): only AND/OR/NOT from the
// parsed tree are operators.
std::string fts5_match(const SearchNode& query);

// One MATCH expression per phrase of fts5_match(query), in the same order (the order FTS5
// numbers phrases in); empty for a phrase under the excluded side of a NOT, which never
// occurs in a hit.
std::vector<std::string> fts5_phrases(const SearchNode& query);

}  // namespace missive::sqlite
