#pragma once
// Conversation membership windows, the sender's watermark on send, and marking a range read
// (with the dashboard counters): shared by the send path and the read paths, as in
// store/sqlite/membership.h and read_marks.h.

#include <cstdint>

#include "core/error.h"
#include "core/types.h"
#include "store/postgres/transaction.h"

namespace missive::postgres {

// Closes (at seq - 1) the membership of every active member who is neither the creator nor
// a recipient of message `id`.
Status leave_non_recipients(Tx& tx, ConversationId conv, MessageId id, Seq seq, UserId creator);

// Opens (join_seq = seq - 1) a membership for every recipient of `id` with user id in
// [first, last] who has none or whose membership was closed.
Status join_recipients(Tx& tx, ConversationId conv, MessageId id, Seq seq, UserId first,
                       UserId last);

// The creator's membership on send: joined if needed, watermark raised to `seq` (their
// earlier records below it marked read).
Status advance_sender(Tx& tx, ConversationId conv, Seq seq, UserId creator, Timestamp now);

// Marks read, at `now`, every unread recipient record of `user` for the messages of
// `conversation` with seq in (after, up_to], counts each such message once in
// message.read_count and once per group in message_group_stat.reads, and queues a status
// (read) entry for each creator unless the fan-out was deferred, and a message_read webhook
// row per subscribed endpoint for each such message. Returns how many messages
// went from unread to read. The caller queues the read entry when it raises the watermark.
Result<std::int64_t> mark_range_read(Tx& tx, ConversationId conversation, UserId user,
                                     Seq after, Seq up_to, Timestamp now);

}  // namespace missive::postgres
