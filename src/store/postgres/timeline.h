#pragma once
// Writing sync timeline entries inside a write transaction (see the "sync timeline" comment
// in store/store.h for which event writes what), as in store/sqlite/timeline.h.
//
// An operation queues its entries in the connection's temporary table pg_temp.sync_pending
// (set-based: INSERT ... SELECT with MISSIVE_PG_QUEUE_ENTRIES); PostgresStore::write calls
// flush_timeline at the end of each transaction: it locks the users' sync_user rows in user
// id order (SELECT ... FOR UPDATE), gives their entries the next seqs in queue order, and
// records the users in tx.timeline_users for the commit listener. The row lock keeps each
// timeline gap-free across concurrent transactions and nodes.

#include <optional>

#include "core/error.h"
#include "core/ids.h"
#include "core/types.h"
#include "store/postgres/transaction.h"

namespace missive::postgres {

// Prefix of a statement queueing entries: follow it with a SELECT of (user_id, kind,
// conversation_id, conv_seq, message_id, other_user_id, status, number, is_final, expiry, at).
#define MISSIVE_PG_QUEUE_ENTRIES                                                            \
  "INSERT INTO pg_temp.sync_pending (user_id, kind, conversation_id, conv_seq, message_id, " \
  "other_user_id, status, number, is_final, expiry, at) "

// SQL that creates the queue on a new connection (Pool's init).
extern const char* const kTimelineSessionSql;

// Queues a read entry: `user`'s watermark in `conversation` is `read_seq`.
Status queue_read_entry(Tx& tx, ConversationId conversation, UserId user, Seq read_seq,
                        Timestamp at, std::optional<MessageId> message = std::nullopt);

// Queues an expiry entry for the creator of `message` and once for each of its recipients.
Status queue_expiry_entries(Tx& tx, MessageId message, Timestamp at);

// Writes the queued entries to sync_timeline with their seqs, empties the queue and adds
// their users to tx.timeline_users. Called by PostgresStore::write before COMMIT.
Status flush_timeline(Tx& tx);

}  // namespace missive::postgres
