#pragma once
// Marking a user's recipient records read over a range of a conversation, with the dashboard
// counters; shared by the send path (the sender's watermark) and the read paths.

#include <cstdint>

#include "core/error.h"
#include "core/types.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

// Marks read, at `now`, every unread recipient record of `user` for the messages of
// `conversation` with seq in (after, up_to], and counts each such message once in
// message.read_count and once per group in message_group_stat.reads, and queues a status
// (read) timeline entry for the creator of each such message unless its fan-out was deferred,
// and a message_read webhook row per subscribed endpoint for each such message.
// Returns how many messages went from unread to read. The caller queues the read entry when
// it raises the watermark. Call inside the writer's transaction.
Result<std::int64_t> mark_range_read(Db& db, ConversationId conversation, UserId user,
                                     Seq after, Seq up_to, Timestamp now);

}  // namespace missive::sqlite
