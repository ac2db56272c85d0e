// Notifications in the PostgreSQL store (docs/notifications.md): users' email settings,
// webhook endpoints, the outbox (claims, results, the log, replays) and digest passes; and the
// rows other operations queue in their transactions (notifications.h). The same operations
// and rules as SQLite's (store/sqlite/notifications.cpp; shared: store/notification_rules.h).
// What PostgreSQL adds is locking, since several nodes deliver at once:
// - claim_notifications takes due rows with FOR UPDATE SKIP LOCKED: two nodes claiming at
//   once take different rows, and a row claimed meanwhile is re-checked under its lock.
// - Locks, always in this order: the webhook endpoint row, then notification rows. Results
//   (finish_notification), updates and deletes of an endpoint lock it before touching its
//   rows, so disabling an endpoint and finishing one of its deliveries never deadlock.
// - queue_digests locks the users it digests (FOR NO KEY UPDATE SKIP LOCKED) and re-checks
//   they are due under the lock: two nodes' passes digest each user once.

#include "store/postgres/notifications.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "store/notification_rules.h"
#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"

namespace missive::postgres {
namespace {

// Prefix of a statement queueing outbox rows (state queued, no attempts yet): follow it with
// a SELECT of (channel, event, user_id, message_id, number, endpoint_id, payload, created_at,
// next_attempt_at, deadline, destination), parameters cast to their columns' types.
#define MISSIVE_PG_QUEUE_NOTIFICATIONS                                                   \
  "INSERT INTO notification (channel, event, user_id, message_id, number, endpoint_id, " \
  "payload, created_at, next_attempt_at, deadline, destination) "

// An endpoint `e` subscribed to the event whose bit is $4.
#define MISSIVE_PG_SUBSCRIBED "e.enabled AND NOT e.deleted AND (e.events & $4::bigint) <> 0"

#define MISSIVE_PG_NOTIFICATION_COLUMNS                                                     \
  "n.id, n.channel, n.event, n.user_id, n.message_id, n.number, n.endpoint_id, n.payload, " \
  "n.state, n.attempts, n.created_at, n.next_attempt_at, n.deadline, n.sent_at, "           \
  "n.last_error, n.destination"

#define MISSIVE_PG_WEBHOOK_COLUMNS \
  "id, url, secret, events, description, enabled, disabled_reason, failing_since, created_at"

std::int64_t bit(NotificationEvent event) { return event_bit(event); }

Result<Notification> notification_from_row(const Rows& rows, int r) {
  Notification n;
  n.id = rows.id<NotificationId>(r, 0);
  MISSIVE_TRY(n.channel, stored_channel(rows.text(r, 1)));
  MISSIVE_TRY(n.event, stored_event(rows.text(r, 2)));
  n.user = UserId(rows.opt_int64(r, 3).value_or(0));
  n.message = MessageId(rows.opt_int64(r, 4).value_or(0));
  n.number = rows.int64(r, 5);
  n.endpoint = WebhookId(rows.opt_int64(r, 6).value_or(0));
  n.payload = std::string(rows.text(r, 7));
  MISSIVE_TRY(n.state, stored_state(rows.text(r, 8)));
  n.attempts = rows.int64(r, 9);
  n.created_at = rows.int64(r, 10);
  n.next_attempt_at = rows.int64(r, 11);
  n.deadline = rows.int64(r, 12);
  n.sent_at = rows.opt_int64(r, 13);
  n.last_error = rows.opt_text(r, 14);
  n.destination = rows.opt_text(r, 15);
  return n;
}

Result<std::vector<Notification>> notifications_from(const Rows& rows) {
  std::vector<Notification> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int r = 0; r < rows.size(); ++r) {
    MISSIVE_TRY(Notification n, notification_from_row(rows, r));
    out.push_back(std::move(n));
  }
  return out;
}

WebhookEndpoint webhook_from_row(const Rows& rows, int r) {
  WebhookEndpoint w;
  w.id = rows.id<WebhookId>(r, 0);
  w.url = std::string(rows.text(r, 1));
  w.secret = std::string(rows.text(r, 2));
  w.events = static_cast<std::uint32_t>(rows.int64(r, 3));
  w.description = std::string(rows.text(r, 4));
  w.enabled = rows.boolean(r, 5);
  w.disabled_reason = rows.opt_text(r, 6);
  w.failing_since = rows.opt_int64(r, 7);
  w.created_at = rows.int64(r, 8);
  return w;
}

Result<Notification> load_notification(Tx& tx, NotificationId id) {
  MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_NOTIFICATION_COLUMNS
                                  " FROM notification n WHERE n.id = $1",
                                  id));
  if (rows.empty()) return no_notification(id);
  return notification_from_row(rows, 0);
}

// Deleted endpoints are gone for every operation but the log.
Result<WebhookEndpoint> load_webhook(Tx& tx, WebhookId id) {
  MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_WEBHOOK_COLUMNS
                                  " FROM webhook_endpoint WHERE id = $1 AND NOT deleted",
                                  id));
  if (rows.empty()) return no_webhook(id);
  return webhook_from_row(rows, 0);
}

// As load_webhook, the row locked until commit (before any of its notification rows).
Result<WebhookEndpoint> lock_webhook(Tx& tx, WebhookId id) {
  MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_WEBHOOK_COLUMNS
                                  " FROM webhook_endpoint WHERE id = $1 AND NOT deleted "
                                  "FOR UPDATE",
                                  id));
  if (rows.empty()) return no_webhook(id);
  return webhook_from_row(rows, 0);
}

Result<EmailSettings> load_email_settings(Tx& tx, UserId user) {
  MISSIVE_TRY(Rows rows, tx.query("SELECT email, email_pending, email_reminders, email_digest "
                                  "FROM users WHERE id = $1",
                                  user));
  if (rows.empty()) return no_user(user);
  return EmailSettings{rows.opt_text(0, 0), rows.opt_text(0, 1), rows.boolean(0, 2),
                       rows.boolean(0, 3)};
}

// Cancels the user's queued email rows: every event, or only `event` and `also`.
Status cancel_emails(Tx& tx, UserId user, std::optional<NotificationEvent> event = std::nullopt,
                     std::optional<NotificationEvent> also = std::nullopt) {
  std::optional<std::string_view> first, second;
  if (event) first = event_name(*event);
  if (also) second = event_name(*also);
  MISSIVE_TRY(Rows rows, tx.query("UPDATE notification SET state = 'cancelled' "
                                  "WHERE user_id = $1 AND channel = 'email' AND state = 'queued' "
                                  "AND ($2::text IS NULL OR event = $2 OR event = $3::text)",
                                  user, first, second));
  return {};
}

// Fails every queued row of the endpoint (locked by the caller): nothing more goes to it.
Status fail_endpoint_rows(Tx& tx, WebhookId endpoint, std::string_view reason) {
  MISSIVE_TRY(Rows rows, tx.query("UPDATE notification SET state = 'failed', last_error = $2 "
                                  "WHERE endpoint_id = $1 AND state = 'queued'",
                                  endpoint, endpoint_disabled_error(reason)));
  return {};
}

// A webhook row about one message per endpoint subscribed to `event`.
Status queue_message_webhooks(Tx& tx, NotificationEvent event, MessageId message, UserId user,
                              Timestamp now) {
  MISSIVE_TRY(
      Rows rows,
      tx.query(MISSIVE_PG_QUEUE_NOTIFICATIONS
               "SELECT 'webhook', $1::text, $5::bigint, $6::bigint, 0, e.id, '{}', "
               "$2::bigint, $2::bigint, $3::bigint, e.url FROM webhook_endpoint e "
               "WHERE " MISSIVE_PG_SUBSCRIBED,
               event_name(event), now, notification_deadline(now), bit(event), user, message));
  return {};
}

// The filters of list_notifications after its index condition; $1 channel, $2 state,
// $3 endpoint, $4 user, $5 before, $6 limit.
#define MISSIVE_PG_LIST_FILTERS                                                                \
  "($1::text IS NULL OR n.channel = $1) AND ($2::text IS NULL OR n.state = $2) "               \
  "AND ($3::bigint IS NULL OR n.endpoint_id = $3) AND ($4::bigint IS NULL OR n.user_id = $4) " \
  "AND n.id < $5 ORDER BY n.id DESC LIMIT $6"

// A message counts for a digest when the user's record is unread and undelivered, and it was
// created at or before $3 and has not expired at $4 (columns of r and m).
#define MISSIVE_PG_DIGEST_UNSEEN                                              \
  "NOT r.is_read AND r.delivered_at IS NULL AND m.create_date <= $3::bigint " \
  "AND (m.expiry_date IS NULL OR m.expiry_date > $4::bigint)"

}  // namespace

Status queue_reminder_notifications(Tx& tx, const std::vector<std::int64_t>& reminders,
                                    bool is_final, Timestamp now) {
  const NotificationEvent event =
      is_final ? NotificationEvent::final_reminder : NotificationEvent::reminder;
  MISSIVE_TRY(Rows emails,
              tx.query(MISSIVE_PG_QUEUE_NOTIFICATIONS
                       "SELECT 'email', $1::text, x.recipient_id, x.message_id, x.number, "
                       "NULL::bigint, '{}', $2::bigint, $2::bigint, $3::bigint, u.email "
                       "FROM reminder x JOIN users u ON u.id = x.recipient_id "
                       "WHERE x.id = ANY($4::bigint[]) AND u.email IS NOT NULL "
                       "AND u.email_reminders ORDER BY x.id",
                       event_name(event), now, notification_deadline(now), reminders));
  MISSIVE_TRY(Rows hooks,
              tx.query(MISSIVE_PG_QUEUE_NOTIFICATIONS
                       "SELECT 'webhook', $1::text, x.recipient_id, x.message_id, x.number, "
                       "e.id, '{}', $2::bigint, $2::bigint, $3::bigint, e.url "
                       "FROM webhook_endpoint e CROSS JOIN reminder x "
                       "WHERE " MISSIVE_PG_SUBSCRIBED " AND x.id = ANY($5::bigint[]) "
                       "ORDER BY x.id, e.id",
                       event_name(event), now, notification_deadline(now), bit(event), reminders));
  return {};
}

Status queue_deactivation_webhooks(Tx& tx, MessageId message,
                                   const std::vector<std::int64_t>& users, Timestamp now) {
  const NotificationEvent event = NotificationEvent::user_deactivated;
  MISSIVE_TRY(
      Rows rows,
      tx.query(MISSIVE_PG_QUEUE_NOTIFICATIONS
               "SELECT 'webhook', $1::text, d.u, $5::bigint, 0, e.id, '{}', $2::bigint, "
               "$2::bigint, $3::bigint, e.url "
               "FROM webhook_endpoint e CROSS JOIN unnest($6::bigint[]) AS d(u) "
               "WHERE " MISSIVE_PG_SUBSCRIBED " ORDER BY d.u, e.id",
               event_name(event), now, notification_deadline(now), bit(event), message, users));
  return {};
}

Status queue_sent_webhooks(Tx& tx, MessageId message, UserId creator, Timestamp now) {
  return queue_message_webhooks(tx, NotificationEvent::message_sent, message, creator, now);
}

Status queue_read_webhooks(Tx& tx, MessageId message, UserId reader, Timestamp now) {
  return queue_message_webhooks(tx, NotificationEvent::message_read, message, reader, now);
}

Status queue_range_read_webhooks(Tx& tx, ConversationId conversation, UserId reader, Seq after,
                                 Seq up_to, Timestamp now) {
  const NotificationEvent event = NotificationEvent::message_read;
  Params p;
  p.add(event_name(event))
      .add(now)
      .add(notification_deadline(now))
      .add(bit(event))
      .add(reader)
      .add(conversation)
      .add(after)
      .add(up_to);
  MISSIVE_TRY(Rows rows,
              tx.exec(MISSIVE_PG_QUEUE_NOTIFICATIONS
                      "SELECT 'webhook', $1::text, $5::bigint, m.id, 0, e.id, '{}', $2::bigint, "
                      "$2::bigint, $3::bigint, e.url "
                      "FROM webhook_endpoint e CROSS JOIN message m "
                      "WHERE " MISSIVE_PG_SUBSCRIBED " AND m.conversation_id = $6 "
                      "AND m.seq > $7 AND m.seq <= $8 AND EXISTS (SELECT 1 FROM "
                      "message_recipient r WHERE r.message_id = m.id "
                      "AND r.recipient_id = $5 AND NOT r.is_read) ORDER BY m.seq, e.id",
                      p));
  return {};
}

// --- email ---

Result<EmailSettings> PostgresStore::email_settings(UserId user) {
  return read([&](Tx& tx) { return load_email_settings(tx, user); });
}

Result<EmailSettings> PostgresStore::request_email_change(const EmailChange& change) {
  return write([&](Tx& tx) -> Result<EmailSettings> {
    MISSIVE_TRY(Rows updated,
                tx.query("UPDATE users SET email_pending = $1, "
                         "email_token_hash = $2, email_token_expires = $3 "
                         "WHERE id = $4",
                         change.address, change.token_hash, change.expires_at, change.user));
    if (updated.affected() == 0) return no_user(change.user);
    // The earlier request's link no longer works: its email need not go out.
    MISSIVE_TRY_STATUS(cancel_emails(tx, change.user, NotificationEvent::email_confirmation));
    Params p;
    p.add(event_name(NotificationEvent::email_confirmation))
        .add(change.user)
        .add(confirmation_payload(change.address, change.token))
        .add(change.now)
        .add(notification_deadline(change.now))
        .add(change.address);
    MISSIVE_TRY(Rows queued, tx.exec(MISSIVE_PG_QUEUE_NOTIFICATIONS
                                     "VALUES ('email', $1, $2, NULL, 0, NULL, $3, $4, $4, $5, $6)",
                                     p));
    return load_email_settings(tx, change.user);
  });
}

Result<EmailSettings> PostgresStore::clear_email(UserId user) {
  return write([&](Tx& tx) -> Result<EmailSettings> {
    MISSIVE_TRY(Rows updated, tx.query("UPDATE users SET email = NULL, email_pending = NULL, "
                                       "email_token_hash = NULL, email_token_expires = NULL "
                                       "WHERE id = $1",
                                       user));
    if (updated.affected() == 0) return no_user(user);
    MISSIVE_TRY_STATUS(cancel_emails(tx, user));
    return load_email_settings(tx, user);
  });
}

Result<UserId> PostgresStore::confirm_email(const std::string& token_hash, Timestamp now) {
  return write([&](Tx& tx) -> Result<UserId> {
    // The conditions are re-checked under the row's lock: of two confirmations of one token,
    // the second finds it used.
    MISSIVE_TRY(Rows rows, tx.query("UPDATE users SET email = email_pending, "
                                    "email_pending = NULL, email_token_hash = NULL, "
                                    "email_token_expires = NULL WHERE email_token_hash = $1 "
                                    "AND email_token_expires > $2 AND email_pending IS NOT NULL "
                                    "RETURNING id",
                                    token_hash, now));
    if (rows.empty()) return no_email_token();
    return rows.id<UserId>(0, 0);
  });
}

Result<EmailSettings> PostgresStore::set_email_preferences(UserId user,
                                                           const EmailPreferences& preferences) {
  return write([&](Tx& tx) -> Result<EmailSettings> {
    MISSIVE_TRY(Rows updated,
                tx.query("UPDATE users SET email_reminders = coalesce($1::boolean, "
                         "email_reminders), email_digest = coalesce($2::boolean, email_digest) "
                         "WHERE id = $3",
                         preferences.reminders, preferences.digest, user));
    if (updated.affected() == 0) return no_user(user);
    // What the user no longer wants is not sent, even if it was queued before.
    if (preferences.reminders == false) {
      MISSIVE_TRY_STATUS(
          cancel_emails(tx, user, NotificationEvent::reminder, NotificationEvent::final_reminder));
    }
    if (preferences.digest == false) {
      MISSIVE_TRY_STATUS(cancel_emails(tx, user, NotificationEvent::digest));
    }
    return load_email_settings(tx, user);
  });
}

// --- webhook endpoints ---

Result<WebhookEndpoint> PostgresStore::create_webhook(const NewWebhook& webhook) {
  return write([&](Tx& tx) -> Result<WebhookEndpoint> {
    MISSIVE_TRY(Rows rows,
                tx.query("INSERT INTO webhook_endpoint (url, secret, events, "
                         "description, created_at) VALUES ($1, $2, $3, $4, $5) "
                         "RETURNING " MISSIVE_PG_WEBHOOK_COLUMNS,
                         webhook.url, webhook.secret, static_cast<std::int64_t>(webhook.events),
                         webhook.description, webhook.created_at));
    if (rows.empty()) return fail(ErrorCode::unavailable, "database error: webhook not created");
    return webhook_from_row(rows, 0);
  });
}

Result<WebhookEndpoint> PostgresStore::get_webhook(WebhookId id) {
  return read([&](Tx& tx) { return load_webhook(tx, id); });
}

Result<std::vector<WebhookEndpoint>> PostgresStore::list_webhooks() {
  return read([&](Tx& tx) -> Result<std::vector<WebhookEndpoint>> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_WEBHOOK_COLUMNS
                                    " FROM webhook_endpoint WHERE NOT deleted ORDER BY id"));
    std::vector<WebhookEndpoint> out;
    for (int r = 0; r < rows.size(); ++r) out.push_back(webhook_from_row(rows, r));
    return out;
  });
}

Result<WebhookEndpoint> PostgresStore::update_webhook(WebhookId id, const WebhookUpdate& update) {
  return write([&](Tx& tx) -> Result<WebhookEndpoint> {
    MISSIVE_TRY(WebhookEndpoint before, lock_webhook(tx, id));
    std::optional<std::int64_t> events;
    if (update.events) events = *update.events;
    Params p;
    p.add(update.url)
        .add(update.secret)
        .add(events)
        .add(update.description)
        .add(update.enabled)
        .add(id);
    MISSIVE_TRY(Rows updated,
                tx.exec("UPDATE webhook_endpoint SET url = coalesce($1::text, url), "
                        "secret = coalesce($2::text, secret), "
                        "events = coalesce($3::bigint, events), "
                        "description = coalesce($4::text, description), "
                        "enabled = coalesce($5::boolean, enabled), "
                        "disabled_reason = CASE WHEN $5::boolean THEN NULL "
                        "ELSE disabled_reason END, "
                        "failing_since = CASE WHEN $5::boolean THEN NULL ELSE failing_since END "
                        "WHERE id = $6",
                        p));
    // Queued deliveries go where the endpoint now is (a corrected URL), and none go to an
    // endpoint an admin turned off.
    if (update.url && *update.url != before.url) {
      MISSIVE_TRY(Rows moved, tx.query("UPDATE notification SET destination = $1 "
                                       "WHERE endpoint_id = $2 AND state = 'queued'",
                                       *update.url, id));
    }
    if (update.enabled == false && before.enabled) {
      MISSIVE_TRY_STATUS(fail_endpoint_rows(tx, id, ""));
    }
    return load_webhook(tx, id);
  });
}

Status PostgresStore::delete_webhook(WebhookId id) {
  return write([&](Tx& tx) -> Status {
    MISSIVE_TRY(Rows deleted, tx.query("UPDATE webhook_endpoint SET deleted = true, "
                                       "enabled = false WHERE id = $1 AND NOT deleted",
                                       id));
    if (deleted.affected() == 0) return no_webhook(id);
    MISSIVE_TRY(Rows cancelled, tx.query("UPDATE notification SET state = 'cancelled' "
                                         "WHERE endpoint_id = $1 AND state = 'queued'",
                                         id));
    return {};
  });
}

// --- the outbox ---

Result<std::vector<Notification>> PostgresStore::claim_notifications(const NotificationClaim& c) {
  return write([&](Tx& tx) -> Result<std::vector<Notification>> {
    MISSIVE_TRY(Rows rows,
                tx.query("WITH due AS (SELECT id FROM notification WHERE state = 'queued' "
                         "AND next_attempt_at <= $2::bigint "
                         "AND (claimed_until IS NULL OR claimed_until <= $2::bigint) "
                         "ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) "
                         "UPDATE notification n SET claimed_by = $1, "
                         "claimed_until = $2::bigint + $3::bigint FROM due WHERE n.id = due.id "
                         "RETURNING " MISSIVE_PG_NOTIFICATION_COLUMNS,
                         c.holder, c.now, c.lease_ms, clamp_limit(c.limit)));
    MISSIVE_TRY(std::vector<Notification> claimed, notifications_from(rows));
    // RETURNING gives no order.
    std::sort(claimed.begin(), claimed.end(), [](const Notification& a, const Notification& b) {
      return std::tie(a.next_attempt_at, a.id) < std::tie(b.next_attempt_at, b.id);
    });
    return claimed;
  });
}

Status PostgresStore::finish_notification(const NotificationResult& r) {
  return write([&](Tx& tx) -> Status {
    MISSIVE_TRY(Rows found, tx.query("SELECT endpoint_id FROM notification WHERE id = $1", r.id));
    if (found.empty()) return no_notification(r.id);
    // Invalid for an email row.
    WebhookId endpoint(found.opt_int64(0, 0).value_or(0));
    // The endpoint first (the lock order above); a deleted one is left alone.
    if (endpoint.valid()) {
      MISSIVE_TRY(Rows locked, tx.query("SELECT 1 FROM webhook_endpoint WHERE id = $1 "
                                        "AND NOT deleted FOR UPDATE",
                                        endpoint));
      if (locked.empty()) endpoint = WebhookId();
    }
    // The holder is checked under the row's lock. A row cancelled or failed while the attempt
    // ran stays so, unless it went out.
    Params p;
    p.add(r.id).add(state_name(r.state)).add(r.error).add(r.now).add(r.next_attempt_at)
        .add(r.holder).add(std::int64_t{r.attempted ? 1 : 0});
    MISSIVE_TRY(Rows updated,
                tx.exec("UPDATE notification SET "
                        "state = CASE WHEN state = 'queued' OR $2::text = 'sent' THEN $2::text "
                        "ELSE state END, attempts = attempts + $7::bigint, "
                        "last_error = coalesce($3::text, last_error), "
                        "sent_at = CASE WHEN $2::text = 'sent' THEN $4::bigint ELSE sent_at END, "
                        "next_attempt_at = CASE WHEN $2::text = 'queued' THEN $5::bigint "
                        "ELSE next_attempt_at END, claimed_by = NULL, claimed_until = NULL "
                        "WHERE id = $1 AND claimed_by = $6",
                        p));
    if (updated.affected() == 0) return claim_lost(r.id, r.holder);
    if (!endpoint.valid() || !r.attempted) return {};
    if (r.state == NotificationState::sent) {
      MISSIVE_TRY(Rows healthy, tx.query("UPDATE webhook_endpoint SET failing_since = NULL "
                                         "WHERE id = $1",
                                         endpoint));
    } else if (r.state != NotificationState::cancelled) {
      MISSIVE_TRY(Rows failing, tx.query("UPDATE webhook_endpoint SET failing_since = "
                                         "coalesce(failing_since, $1) WHERE id = $2",
                                         r.now, endpoint));
    }
    if (!r.disable_endpoint) return {};
    MISSIVE_TRY(Rows disabled, tx.query("UPDATE webhook_endpoint SET enabled = false, "
                                        "disabled_reason = $1 WHERE id = $2",
                                        *r.disable_endpoint, endpoint));
    return fail_endpoint_rows(tx, endpoint, *r.disable_endpoint);
  });
}

Result<Notification> PostgresStore::get_notification(NotificationId id) {
  return read([&](Tx& tx) { return load_notification(tx, id); });
}

Result<std::vector<Notification>> PostgresStore::list_notifications(const NotificationQuery& q) {
  return read([&](Tx& tx) -> Result<std::vector<Notification>> {
    // One statement per index: an endpoint's or a user's log is read from its own index,
    // newest first, not filtered out of the whole outbox.
    std::string_view sql = "SELECT " MISSIVE_PG_NOTIFICATION_COLUMNS
                           " FROM notification n WHERE " MISSIVE_PG_LIST_FILTERS;
    if (q.endpoint) {
      sql = "SELECT " MISSIVE_PG_NOTIFICATION_COLUMNS
            " FROM notification n WHERE n.endpoint_id = $3 AND " MISSIVE_PG_LIST_FILTERS;
    } else if (q.user) {
      sql = "SELECT " MISSIVE_PG_NOTIFICATION_COLUMNS
            " FROM notification n WHERE n.user_id = $4 AND " MISSIVE_PG_LIST_FILTERS;
    }
    std::optional<std::string_view> channel, state;
    if (q.channel) channel = channel_name(*q.channel);
    if (q.state) state = state_name(*q.state);
    Params p;
    p.add(channel)
        .add(state)
        .add(q.endpoint)
        .add(q.user)
        .add(q.before ? q.before->value : std::numeric_limits<std::int64_t>::max())
        .add(clamp_limit(q.limit));
    MISSIVE_TRY(Rows rows, tx.exec(sql, p));
    return notifications_from(rows);
  });
}

Result<Notification> PostgresStore::replay_notification(NotificationId id, Timestamp now) {
  return write([&](Tx& tx) -> Result<Notification> {
    MISSIVE_TRY(Rows rows, tx.query("UPDATE notification n SET state = 'queued', "
                                    "next_attempt_at = $2, deadline = $3, claimed_by = NULL, "
                                    "claimed_until = NULL WHERE n.id = $1 "
                                    "RETURNING " MISSIVE_PG_NOTIFICATION_COLUMNS,
                                    id, now, notification_deadline(now)));
    if (rows.empty()) return no_notification(id);
    return notification_from_row(rows, 0);
  });
}

Result<OutboxCounts> PostgresStore::outbox_counts() {
  return read([&](Tx& tx) -> Result<OutboxCounts> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT state, count(*), min(created_at) FROM notification "
                                    "GROUP BY state"));
    OutboxCounts counts;
    for (int r = 0; r < rows.size(); ++r) {
      MISSIVE_TRY(NotificationState state, stored_state(rows.text(r, 0)));
      const std::int64_t n = rows.int64(r, 1);
      switch (state) {
        case NotificationState::queued:
          counts.queued = n;
          counts.oldest_queued_at = rows.opt_int64(r, 2);
          break;
        case NotificationState::sent:
          counts.sent = n;
          break;
        case NotificationState::failed:
          counts.failed = n;
          break;
        case NotificationState::cancelled:
          counts.cancelled = n;
          break;
      }
    }
    return counts;
  });
}

Result<std::int64_t> PostgresStore::queue_digests(const DigestPass& pass) {
  return write([&](Tx& tx) -> Result<std::int64_t> {
    // Due users with something to tell, so users with nothing never take a pass's places;
    // locked, and re-checked under the lock, so another node's pass skips them.
    Params due_params;
    due_params.add(pass.now)
        .add(pass.interval_ms)
        .add(pass.unseen_before)
        .add(pass.now)
        .add(clamp_limit(pass.limit));
    MISSIVE_TRY(Rows due,
                tx.exec("SELECT u.id, u.digest_cursor, u.email FROM users u "
                        "WHERE u.email IS NOT NULL AND u.email_digest AND u.is_active "
                        "AND (u.digest_at IS NULL OR u.digest_at <= $1::bigint - $2::bigint) "
                        "AND EXISTS (SELECT 1 FROM message_recipient r JOIN message m "
                        "ON m.id = r.message_id WHERE r.recipient_id = u.id "
                        "AND r.message_id > u.digest_cursor AND " MISSIVE_PG_DIGEST_UNSEEN ") "
                        "ORDER BY u.id LIMIT $5 FOR NO KEY UPDATE OF u SKIP LOCKED",
                        due_params));
    // At least one row, so the count and the new cursor are known even when the digest
    // lists none.
    const int listed = std::max(1, pass.max_messages);
    std::int64_t queued = 0;
    for (int u = 0; u < due.size(); ++u) {
      const UserId user = due.id<UserId>(u, 0);
      Params p;
      p.add(user).add(due.int64(u, 1)).add(pass.unseen_before).add(pass.now).add(listed);
      MISSIVE_TRY(Rows rows,
                  tx.exec("SELECT r.message_id, count(*) OVER () FROM message_recipient r "
                          "JOIN message m ON m.id = r.message_id WHERE r.recipient_id = $1 "
                          "AND r.message_id > $2 AND " MISSIVE_PG_DIGEST_UNSEEN " "
                          "GROUP BY r.message_id ORDER BY r.message_id DESC LIMIT $5",
                          p));
      if (rows.empty()) continue;
      std::vector<MessageId> messages;
      for (int r = 0; r < rows.size() && r < pass.max_messages; ++r) {
        messages.push_back(rows.id<MessageId>(r, 0));
      }
      const MessageId newest = rows.id<MessageId>(0, 0);
      Params row;
      row.add(event_name(NotificationEvent::digest))
          .add(user)
          .add(digest_payload(messages, rows.int64(0, 1)))
          .add(pass.now)
          .add(notification_deadline(pass.now))
          .add(std::string(due.text(u, 2)));
      MISSIVE_TRY(Rows inserted, tx.exec(MISSIVE_PG_QUEUE_NOTIFICATIONS
                                         "VALUES ('email', $1, $2, NULL, 0, NULL, $3, $4, $4, "
                                         "$5, $6)",
                                         row));
      MISSIVE_TRY(Rows moved, tx.query("UPDATE users SET digest_cursor = $1, digest_at = $2 "
                                       "WHERE id = $3",
                                       newest, pass.now, user));
      ++queued;
    }
    return queued;
  });
}

}  // namespace missive::postgres
