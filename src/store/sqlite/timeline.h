#pragma once
// Writing sync timeline entries inside the writer's transaction (see the "sync timeline"
// comment in store/store.h for which event writes what).
//
// An operation queues its entries in the writer connection's scratch table temp.sync_pending
// (set-based: INSERT ... SELECT with MISSIVE_QUEUE_ENTRIES), and the Writer's before-commit
// step flushes the queue once per batch (batch_scratch.h): every user's queued entries take
// the next seqs of their timeline, in queue order, and the users are recorded for the commit
// listener.

#include <optional>

#include "core/error.h"
#include "core/ids.h"
#include "core/sync.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

// Prefix of a statement queueing entries: follow it with a SELECT of (user_id, kind,
// conversation_id, conv_seq, message_id, other_user_id, status, number, is_final, expiry, at).
#define MISSIVE_QUEUE_ENTRIES                                                              \
  "INSERT INTO temp.sync_pending (user_id, kind, conversation_id, conv_seq, message_id, "  \
  "other_user_id, status, number, is_final, expiry, at) "

// Creates its scratch tables on the writer's connection (create_batch_scratch does, at open).
Status create_timeline_scratch(Db& db);

// Queues a read entry: `user`'s watermark in `conversation` is `read_seq` (it rose, or
// `message` above it was read on its own).
Status queue_read_entry(Db& db, ConversationId conversation, UserId user, Seq read_seq,
                        Timestamp at, std::optional<MessageId> message = std::nullopt);

// Queues an expiry entry (with the message's current expiry date) for the creator of
// `message` and once for each of its recipients.
Status queue_expiry_entries(Db& db, MessageId message, Timestamp at);

// Writes the queued entries to sync_timeline with their seqs, empties the queue, and appends
// their users to db.timeline_users(). Called once per batch, before the COMMIT.
Status flush_timeline(Db& db);

}  // namespace missive::sqlite
