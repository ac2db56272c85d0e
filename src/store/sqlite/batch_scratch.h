#pragma once
// Work a write job queues for the end of its batch (Writer's before-commit step): the job's
// sync timeline entries (timeline.h) and its search index rows. Both queues are temp tables
// of the writer's connection, so a job rolled back to its savepoint takes its rows with it.
//
// Why at the end of the batch: FTS5 flushes its pending terms into a new index segment at
// every savepoint, so indexing inside each job's savepoint wrote one tiny segment per message
// (and the merges to match); and numbering the timeline entries costs half a dozen statements
// with a window function, which once per batch is cheap. Both still happen in the batch's
// transaction: a message is searchable and on its timelines the moment its send is
// acknowledged.

#include "core/error.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

// Creates the scratch tables on the writer's connection (once, at open).
Status create_batch_scratch(Db& db);

// Queues the search index row of message `rowid` (text prepared by index_text/index_tails).
Status queue_search_row(Db& db, std::int64_t rowid, const std::string& subject,
                        const std::string& body, const std::string& tails);

// Writes what the batch's jobs queued: the search rows (one FTS5 segment for the batch), then
// the timeline entries with their seqs (flush_timeline). Runs once, before the COMMIT.
Status flush_batch_scratch(Db& db);

}  // namespace missive::sqlite
