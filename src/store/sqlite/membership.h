#pragma once
// Conversation membership as a send leaves it: the members become exactly the message's
// audience (sender + recipients). Shared by the send path and the deferred fan-out, which
// runs the same steps at other times (joins per chunk, leaves at the end).

#include "core/error.h"
#include "core/types.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

// Members of `conv` other than `creator` who are not recipients of message `id` (seq `seq`)
// stop seeing anything after the previous message. Members who joined at or after `seq`, and
// creators of later messages, are left alone (a deferred fan-out finishes after them).
Status leave_non_recipients(Db& db, ConversationId conv, MessageId id, Seq seq, UserId creator);

// Recipients of `id` with user ids in [first, last] join, or rejoin, seeing `seq` onward.
Status join_recipients(Db& db, ConversationId conv, MessageId id, Seq seq, UserId first,
                       UserId last);

// The sender is a member and their watermark moves to `seq` (a read entry for them), marking
// the records it newly covers read.
Status advance_sender(Db& db, ConversationId conv, Seq seq, UserId creator, Timestamp now);

}  // namespace missive::sqlite
