// Full-text search of the PostgreSQL store. search() is not ported yet: it returns
// not_implemented() (ErrorCode::internal). The index it will use is already kept by every
// send: message.search, a generated tsvector over search_subject / search_body /
// search_tails (text prepared as for FTS5, store/sqlite/search_text.h), indexed by GIN.

#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"

namespace missive::postgres {

Result<SearchHits> PostgresStore::search(const MessageSearch&) {
  return std::unexpected(not_implemented());
}

// GIN keeps itself: autovacuum merges its pending list. Nothing to do in steps.
Result<bool> PostgresStore::maintain_search_index(int) { return false; }

}  // namespace missive::postgres
