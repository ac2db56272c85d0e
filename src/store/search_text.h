#pragma once
// How message text is prepared for the full-text indexes of both stores (SQLite FTS5 and
// PostgreSQL tsvector), and how a query term is prepared the same way. docs/search.md
// describes the format.
//
// Text written without spaces (see is_unspaced_script) has no word boundaries a word
// tokenizer could use, so each run of it is indexed as overlapping two-character tokens
// ("项目交付" -> "项目 目交 交付"), and the run's last character goes to a third column
// (`tails`), so that phrases stay contiguous. A query term's run becomes the phrase of its
// bigrams, so any substring of two or more characters is found; a single character becomes
// a prefix query, which matches the bigrams it starts and the tails it ends.
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>

#include "core/search_query.h"
#include "core/types.h"

namespace missive {

// The body a message is indexed with: its body, then its attachments' file names, so a search
// finds a file by name.
std::string searchable_body(const Message& message);

// `text` as it is handed to the index (the index's tokenizer then folds case and diacritics).
std::string index_text(std::string_view text);
// The `tails` column for `text`: the last character of each unspaced run, space-separated.
std::string index_tails(std::string_view text);

// `text` with every ASCII character other than a letter or a digit replaced by a space. FTS5's
// unicode61 separates words at each of them; PostgreSQL's parser instead keeps e-mail
// addresses, URLs, host names, paths and numbers like 1.2.3 as single tokens, so the
// PostgreSQL store passes its indexed text and its query terms through this first, and both
// backends split `ada@example.com` into `ada example com`. Other bytes are kept.
std::string ascii_words(std::string_view text);

// A query term prepared like index_text: `text` is searched as a phrase (its words, or
// bigrams, next to each other in order); `prefix`: its last word may be a prefix.
struct PreparedTerm {
  std::string text;
  bool prefix = false;
};
PreparedTerm prepare_term(const SearchTerm& term);

}  // namespace missive
