#pragma once
// Outbox rows that other operations queue in their own transaction (store.h,
// "notifications"), as in store/sqlite/notifications.h: reminder rounds, deactivations, sends
// and reads, each one set-based INSERT ... SELECT joined to webhook_endpoint, so a store
// without endpoints pays a scan of an empty table per event, never work per recipient.
//
// They read the endpoints without locking them: an endpoint disabled while an event commits
// may still get that event's row queued (the delivery checks the endpoint anyway).

#include <cstdint>
#include <vector>

#include "core/error.h"
#include "core/ids.h"
#include "store/postgres/transaction.h"

namespace missive::postgres {

// For the reminder rows `reminders` (one round just inserted): an email row per reminded
// user with a confirmed address and reminder emails on, and a webhook row per reminded user
// and subscribed endpoint.
Status queue_reminder_notifications(Tx& tx, const std::vector<std::int64_t>& reminders,
                                    bool is_final, Timestamp now);

// A user_deactivated webhook row per user of `users` (deactivated for `message`) and
// subscribed endpoint.
Status queue_deactivation_webhooks(Tx& tx, MessageId message,
                                   const std::vector<std::int64_t>& users, Timestamp now);

// A message_sent webhook row per subscribed endpoint.
Status queue_sent_webhooks(Tx& tx, MessageId message, UserId creator, Timestamp now);

// A message_read webhook row per subscribed endpoint for `message`, which `reader` is about
// to read (the caller has checked a record of theirs is unread).
Status queue_read_webhooks(Tx& tx, MessageId message, UserId reader, Timestamp now);

// A message_read webhook row per subscribed endpoint and message of `conversation` with seq
// in (after, up_to] that still has an unread record of `reader`: call before marking them.
Status queue_range_read_webhooks(Tx& tx, ConversationId conversation, UserId reader, Seq after,
                                 Seq up_to, Timestamp now);

}  // namespace missive::postgres
