#pragma once
// missive_rank(message_fts, idfs): BM25 as FTS5's bm25() computes it (k1 = 1.2, b = 0.75,
// columns subject 3, body 1, tails 0.5), except that the inverse document frequency of each
// phrase is given by the caller ("idf0 idf1 ...", one per phrase of the MATCH expression, in
// order) instead of being counted over every hit. FTS5's bm25() counts the hits of every
// phrase on each new query, and a lookup by rowid is a new query: for a common word that is a
// scan of hundreds of thousands of rows per candidate. Lower is better, as with bm25().
//
// Thread-safety: registered per connection; runs on the thread that uses the connection.

#include "core/error.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

// Registers missive_rank on `db`. unavailable if this SQLite has no FTS5.
Status register_search_rank(Db& db);

}  // namespace missive::sqlite
