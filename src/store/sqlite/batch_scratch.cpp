#include "store/sqlite/batch_scratch.h"

#include "store/sqlite/timeline.h"

namespace missive::sqlite {

Status create_batch_scratch(Db& db) {
  MISSIVE_TRY_STATUS(create_timeline_scratch(db));
  return db.exec(
      "CREATE TEMP TABLE IF NOT EXISTS search_pending ("
      "  rowid_ INTEGER PRIMARY KEY, subject TEXT NOT NULL, body TEXT NOT NULL, "
      "  tails TEXT NOT NULL)");
}

Status queue_search_row(Db& db, std::int64_t rowid, const std::string& subject,
                        const std::string& body, const std::string& tails) {
  MISSIVE_SQL(stmt, db,
              "INSERT INTO temp.search_pending (rowid_, subject, body, tails) VALUES (?, ?, ?, ?)");
  stmt.bind(rowid, subject, body, tails);
  return stmt.run();
}

namespace {

Status flush_search_rows(Db& db) {
  {
    MISSIVE_SQL(any, db, "SELECT 1 FROM temp.search_pending LIMIT 1");
    MISSIVE_TRY(bool row, any.step());
    if (!row) return {};
  }
  {
    MISSIVE_SQL(stmt, db,
                "INSERT INTO message_fts (rowid, subject, body, tails) "
                "SELECT rowid_, subject, body, tails FROM temp.search_pending ORDER BY rowid_");
    MISSIVE_TRY_STATUS(stmt.run());
  }
  MISSIVE_SQL(clear, db, "DELETE FROM temp.search_pending");
  return clear.run();
}

}  // namespace

Status flush_batch_scratch(Db& db) {
  MISSIVE_TRY_STATUS(flush_search_rows(db));
  return flush_timeline(db);
}

}  // namespace missive::sqlite
