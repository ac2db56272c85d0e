#pragma once
// Outbox rows that other operations queue in their own transaction (store.h,
// "notifications"): reminder rounds, deactivations, sends and reads. Each is one set-based
// INSERT ... SELECT whose webhook part starts from webhook_endpoint (CROSS JOIN keeps it the
// outer loop), so a store without endpoints pays one probe of an empty table per event, never
// work per recipient. Call inside the writer's transaction.

#include <cstdint>

#include "core/error.h"
#include "core/ids.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

// For the reminder rows with ids above `after_reminder` (one round just inserted): an email
// row per reminded user with a confirmed address and reminder emails on, and a webhook row
// per reminded user and subscribed endpoint.
Status queue_reminder_notifications(Db& db, std::int64_t after_reminder, bool is_final,
                                    Timestamp now);

// A user_deactivated webhook row per user deactivated for `message` at `now` and subscribed
// endpoint.
Status queue_deactivation_webhooks(Db& db, MessageId message, Timestamp now);

// A message_sent webhook row per subscribed endpoint.
Status queue_sent_webhooks(Db& db, MessageId message, UserId creator, Timestamp now);

// A message_read webhook row per subscribed endpoint for `message`, which `reader` is about
// to read (the caller has checked a record of theirs is unread).
Status queue_read_webhooks(Db& db, MessageId message, UserId reader, Timestamp now);

// A message_read webhook row per subscribed endpoint and message of `conversation` with seq
// in (after, up_to] that still has an unread record of `reader`: call before marking them.
Status queue_range_read_webhooks(Db& db, ConversationId conversation, UserId reader, Seq after,
                                 Seq up_to, Timestamp now);

}  // namespace missive::sqlite
