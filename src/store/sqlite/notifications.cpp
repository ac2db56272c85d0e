// Notifications in the SQLite store (docs/notifications.md): users' email settings, webhook
// endpoints, the outbox (claims, results, the log, replays) and digest passes; and the rows
// other operations queue in their transactions (notifications.h). What both backends decide
// without SQL is in store/notification_rules.h.
//
// The single writer makes every write here atomic: a claim's select and update run in one
// write job, so two claims never take the same row.

#include "store/sqlite/notifications.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "store/notification_rules.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace missive::sqlite {
namespace {

// Prefix of a statement queueing outbox rows (state queued, no attempts yet): follow it with
// a SELECT of (channel, event, user_id, message_id, number, endpoint_id, payload, created_at,
// next_attempt_at, deadline, destination).
#define MISSIVE_QUEUE_NOTIFICATIONS                                                      \
  "INSERT INTO notification (channel, event, user_id, message_id, number, endpoint_id, " \
  "payload, created_at, next_attempt_at, deadline, destination) "

#define MISSIVE_NOTIFICATION_COLUMNS                                               \
  "id, channel, event, user_id, message_id, number, endpoint_id, payload, state, " \
  "attempts, created_at, next_attempt_at, deadline, sent_at, last_error, destination"

#define MISSIVE_WEBHOOK_COLUMNS \
  "id, url, secret, events, description, enabled, disabled_reason, failing_since, created_at"

std::int64_t bit(NotificationEvent event) { return event_bit(event); }

Result<Notification> notification_from_row(const Stmt& stmt) {
  Notification n;
  n.id = stmt.id<NotificationId>(0);
  MISSIVE_TRY(n.channel, stored_channel(stmt.text(1)));
  MISSIVE_TRY(n.event, stored_event(stmt.text(2)));
  n.user = UserId(stmt.opt_int64(3).value_or(0));
  n.message = MessageId(stmt.opt_int64(4).value_or(0));
  n.number = stmt.int64(5);
  n.endpoint = WebhookId(stmt.opt_int64(6).value_or(0));
  n.payload = stmt.text(7);
  MISSIVE_TRY(n.state, stored_state(stmt.text(8)));
  n.attempts = stmt.int64(9);
  n.created_at = stmt.int64(10);
  n.next_attempt_at = stmt.int64(11);
  n.deadline = stmt.int64(12);
  n.sent_at = stmt.opt_int64(13);
  n.last_error = stmt.opt_text(14);
  n.destination = stmt.opt_text(15);
  return n;
}

Result<std::vector<Notification>> notifications_from(Stmt& stmt) {
  std::vector<Notification> out;
  for (;;) {
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) return out;
    MISSIVE_TRY(Notification n, notification_from_row(stmt));
    out.push_back(std::move(n));
  }
}

WebhookEndpoint webhook_from_row(const Stmt& stmt) {
  WebhookEndpoint w;
  w.id = stmt.id<WebhookId>(0);
  w.url = stmt.text(1);
  w.secret = stmt.text(2);
  w.events = static_cast<std::uint32_t>(stmt.int64(3));
  w.description = stmt.text(4);
  w.enabled = stmt.boolean(5);
  w.disabled_reason = stmt.opt_text(6);
  w.failing_since = stmt.opt_int64(7);
  w.created_at = stmt.int64(8);
  return w;
}

Result<Notification> load_notification(Db& db, NotificationId id) {
  MISSIVE_SQL(stmt, db, "SELECT " MISSIVE_NOTIFICATION_COLUMNS " FROM notification WHERE id = ?");
  stmt.bind(id);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return no_notification(id);
  return notification_from_row(stmt);
}

// Deleted endpoints are gone for every operation but the log.
Result<WebhookEndpoint> load_webhook(Db& db, WebhookId id) {
  MISSIVE_SQL(stmt, db,
              "SELECT " MISSIVE_WEBHOOK_COLUMNS
              " FROM webhook_endpoint WHERE id = ? AND deleted = 0");
  stmt.bind(id);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return no_webhook(id);
  return webhook_from_row(stmt);
}

Result<EmailSettings> load_email_settings(Db& db, UserId user) {
  MISSIVE_SQL(stmt, db,
              "SELECT email, email_pending, email_reminders, email_digest FROM user WHERE id = ?");
  stmt.bind(user);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return no_user(user);
  return EmailSettings{stmt.opt_text(0), stmt.opt_text(1), stmt.boolean(2), stmt.boolean(3)};
}

// Cancels the user's queued email rows: every event, or only `event` and `also`.
Status cancel_emails(Db& db, UserId user, std::optional<NotificationEvent> event = std::nullopt,
                     std::optional<NotificationEvent> also = std::nullopt) {
  std::optional<std::string_view> first, second;
  if (event) first = event_name(*event);
  if (also) second = event_name(*also);
  MISSIVE_SQL(stmt, db,
              "UPDATE notification SET state = 'cancelled' WHERE user_id = ?1 "
              "AND channel = 'email' AND state = 'queued' "
              "AND (?2 IS NULL OR event = ?2 OR event = ?3)");
  stmt.bind(user, first, second);
  return stmt.run();
}

// Fails every queued row of the endpoint: nothing more goes to it.
Status fail_endpoint_rows(Db& db, WebhookId endpoint, std::string_view reason) {
  MISSIVE_SQL(stmt, db,
              "UPDATE notification SET state = 'failed', last_error = ?2 "
              "WHERE endpoint_id = ?1 AND state = 'queued'");
  stmt.bind(endpoint, endpoint_disabled_error(reason));
  return stmt.run();
}

// The filters of list_notifications after its index condition; ?1 channel, ?2 state,
// ?3 endpoint, ?4 user, ?5 before, ?6 limit.
#define MISSIVE_LIST_FILTERS                                                           \
  "(?1 IS NULL OR channel = ?1) AND (?2 IS NULL OR state = ?2) "                       \
  "AND (?3 IS NULL OR endpoint_id = ?3) AND (?4 IS NULL OR user_id = ?4) AND id < ?5 " \
  "ORDER BY id DESC LIMIT ?6"

struct DigestUser {
  UserId id;
  std::int64_t cursor = 0;
  std::string email;
};

// A message counts for a digest when the user's record is unread and undelivered, and it was
// created at or before ?3 and has not expired at ?4 (columns of r and m).
#define MISSIVE_DIGEST_UNSEEN                                         \
  "r.is_read = 0 AND r.delivered_at IS NULL AND m.create_date <= ?3 " \
  "AND (m.expiry_date IS NULL OR m.expiry_date > ?4)"

// A webhook row about one message per endpoint subscribed to `event`.
Status queue_message_webhooks(Db& db, NotificationEvent event, MessageId message, UserId user,
                              Timestamp now) {
  MISSIVE_SQL(stmt, db,
              MISSIVE_QUEUE_NOTIFICATIONS
              "SELECT 'webhook', ?1, ?5, ?6, 0, e.id, '{}', ?2, ?2, ?3, e.url "
              "FROM webhook_endpoint e "
              "WHERE e.enabled = 1 AND e.deleted = 0 AND (e.events & ?4) <> 0");
  stmt.bind(event_name(event), now, notification_deadline(now), bit(event), user, message);
  return stmt.run();
}

}  // namespace

Status queue_reminder_notifications(Db& db, std::int64_t after_reminder, bool is_final,
                                    Timestamp now) {
  const NotificationEvent event =
      is_final ? NotificationEvent::final_reminder : NotificationEvent::reminder;
  {
    MISSIVE_SQL(stmt, db,
                MISSIVE_QUEUE_NOTIFICATIONS
                "SELECT 'email', ?1, x.recipient_id, x.message_id, x.number, NULL, '{}', ?2, ?2, "
                "?3, u.email FROM reminder x JOIN user u ON u.id = x.recipient_id "
                "WHERE x.id > ?4 AND u.email IS NOT NULL AND u.email_reminders = 1");
    stmt.bind(event_name(event), now, notification_deadline(now), after_reminder);
    MISSIVE_TRY_STATUS(stmt.run());
  }
  MISSIVE_SQL(stmt, db,
              MISSIVE_QUEUE_NOTIFICATIONS
              "SELECT 'webhook', ?1, x.recipient_id, x.message_id, x.number, e.id, '{}', ?2, ?2, "
              "?3, e.url FROM webhook_endpoint e CROSS JOIN reminder x "
              "WHERE e.enabled = 1 AND e.deleted = 0 AND (e.events & ?5) <> 0 AND x.id > ?4");
  stmt.bind(event_name(event), now, notification_deadline(now), after_reminder, bit(event));
  return stmt.run();
}

Status queue_deactivation_webhooks(Db& db, MessageId message, Timestamp now) {
  const NotificationEvent event = NotificationEvent::user_deactivated;
  MISSIVE_SQL(stmt, db,
              MISSIVE_QUEUE_NOTIFICATIONS
              "SELECT 'webhook', ?1, d.user_id, d.message_id, 0, e.id, '{}', ?2, ?2, ?3, e.url "
              "FROM webhook_endpoint e CROSS JOIN reminder_deactivation d "
              "WHERE e.enabled = 1 AND e.deleted = 0 AND (e.events & ?4) <> 0 "
              "AND d.message_id = ?5 AND d.deactivated_at = ?2");
  stmt.bind(event_name(event), now, notification_deadline(now), bit(event), message);
  return stmt.run();
}

Status queue_sent_webhooks(Db& db, MessageId message, UserId creator, Timestamp now) {
  return queue_message_webhooks(db, NotificationEvent::message_sent, message, creator, now);
}

Status queue_read_webhooks(Db& db, MessageId message, UserId reader, Timestamp now) {
  return queue_message_webhooks(db, NotificationEvent::message_read, message, reader, now);
}

Status queue_range_read_webhooks(Db& db, ConversationId conversation, UserId reader, Seq after,
                                 Seq up_to, Timestamp now) {
  const NotificationEvent event = NotificationEvent::message_read;
  MISSIVE_SQL(stmt, db,
              MISSIVE_QUEUE_NOTIFICATIONS
              "SELECT 'webhook', ?1, ?5, m.id, 0, e.id, '{}', ?2, ?2, ?3, e.url "
              "FROM webhook_endpoint e CROSS JOIN message m "
              "WHERE e.enabled = 1 AND e.deleted = 0 AND (e.events & ?4) <> 0 "
              "AND m.conversation_id = ?6 AND m.seq > ?7 AND m.seq <= ?8 "
              "AND EXISTS (SELECT 1 FROM message_recipient r WHERE r.message_id = m.id "
              "AND r.recipient_id = ?5 AND r.is_read = 0)");
  stmt.bind(event_name(event), now, notification_deadline(now), bit(event), reader, conversation,
            after, up_to);
  return stmt.run();
}

// --- email ---

Result<EmailSettings> SqliteStore::email_settings(UserId user) {
  return read([&](Db& db) { return load_email_settings(db, user); });
}

Result<EmailSettings> SqliteStore::request_email_change(const EmailChange& change) {
  return write([&](Db& db) -> Result<EmailSettings> {
    {
      MISSIVE_SQL(stmt, db,
                  "UPDATE user SET email_pending = ?, email_token_hash = ?, "
                  "email_token_expires = ? WHERE id = ?");
      stmt.bind(change.address, change.token_hash, change.expires_at, change.user);
      MISSIVE_TRY_STATUS(stmt.run());
      if (db.changes() == 0) return no_user(change.user);
    }
    // The earlier request's link no longer works: its email need not go out.
    MISSIVE_TRY_STATUS(cancel_emails(db, change.user, NotificationEvent::email_confirmation));
    MISSIVE_SQL(stmt, db,
                MISSIVE_QUEUE_NOTIFICATIONS "VALUES ('email', ?, ?, NULL, 0, NULL, ?, ?, ?, ?, ?)");
    stmt.bind(event_name(NotificationEvent::email_confirmation), change.user,
              confirmation_payload(change.address, change.token), change.now, change.now,
              notification_deadline(change.now), change.address);
    MISSIVE_TRY_STATUS(stmt.run());
    return load_email_settings(db, change.user);
  });
}

Result<EmailSettings> SqliteStore::clear_email(UserId user) {
  return write([&](Db& db) -> Result<EmailSettings> {
    MISSIVE_SQL(stmt, db,
                "UPDATE user SET email = NULL, email_pending = NULL, email_token_hash = NULL, "
                "email_token_expires = NULL WHERE id = ?");
    stmt.bind(user);
    MISSIVE_TRY_STATUS(stmt.run());
    if (db.changes() == 0) return no_user(user);
    MISSIVE_TRY_STATUS(cancel_emails(db, user));
    return load_email_settings(db, user);
  });
}

Result<UserId> SqliteStore::confirm_email(const std::string& token_hash, Timestamp now) {
  return write([&](Db& db) -> Result<UserId> {
    MISSIVE_SQL(stmt, db,
                "UPDATE user SET email = email_pending, email_pending = NULL, "
                "email_token_hash = NULL, email_token_expires = NULL "
                "WHERE email_token_hash = ?1 AND email_token_expires > ?2 "
                "AND email_pending IS NOT NULL RETURNING id");
    stmt.bind(token_hash, now);
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) return no_email_token();
    return stmt.id<UserId>(0);
  });
}

Result<EmailSettings> SqliteStore::set_email_preferences(UserId user,
                                                         const EmailPreferences& preferences) {
  return write([&](Db& db) -> Result<EmailSettings> {
    {
      MISSIVE_SQL(stmt, db,
                  "UPDATE user SET email_reminders = coalesce(?, email_reminders), "
                  "email_digest = coalesce(?, email_digest) WHERE id = ?");
      stmt.bind(preferences.reminders, preferences.digest, user);
      MISSIVE_TRY_STATUS(stmt.run());
      if (db.changes() == 0) return no_user(user);
    }
    // What the user no longer wants is not sent, even if it was queued before.
    if (preferences.reminders == false) {
      MISSIVE_TRY_STATUS(
          cancel_emails(db, user, NotificationEvent::reminder, NotificationEvent::final_reminder));
    }
    if (preferences.digest == false) {
      MISSIVE_TRY_STATUS(cancel_emails(db, user, NotificationEvent::digest));
    }
    return load_email_settings(db, user);
  });
}

// --- webhook endpoints ---

Result<WebhookEndpoint> SqliteStore::create_webhook(const NewWebhook& webhook) {
  return write([&](Db& db) -> Result<WebhookEndpoint> {
    MISSIVE_SQL(stmt, db,
                "INSERT INTO webhook_endpoint (url, secret, events, description, created_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING " MISSIVE_WEBHOOK_COLUMNS);
    stmt.bind(webhook.url, webhook.secret, static_cast<std::int64_t>(webhook.events),
              webhook.description, webhook.created_at);
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) return fail(ErrorCode::unavailable, "database error: webhook not created");
    return webhook_from_row(stmt);
  });
}

Result<WebhookEndpoint> SqliteStore::get_webhook(WebhookId id) {
  return read([&](Db& db) { return load_webhook(db, id); });
}

Result<std::vector<WebhookEndpoint>> SqliteStore::list_webhooks() {
  return read([&](Db& db) -> Result<std::vector<WebhookEndpoint>> {
    MISSIVE_SQL(stmt, db,
                "SELECT " MISSIVE_WEBHOOK_COLUMNS
                " FROM webhook_endpoint WHERE deleted = 0 "
                "ORDER BY id");
    std::vector<WebhookEndpoint> out;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return out;
      out.push_back(webhook_from_row(stmt));
    }
  });
}

Result<WebhookEndpoint> SqliteStore::update_webhook(WebhookId id, const WebhookUpdate& update) {
  return write([&](Db& db) -> Result<WebhookEndpoint> {
    MISSIVE_TRY(WebhookEndpoint before, load_webhook(db, id));
    std::optional<std::int64_t> events;
    if (update.events) events = *update.events;
    {
      MISSIVE_SQL(stmt, db,
                  "UPDATE webhook_endpoint SET url = coalesce(?1, url), "
                  "secret = coalesce(?2, secret), events = coalesce(?3, events), "
                  "description = coalesce(?4, description), enabled = coalesce(?5, enabled), "
                  "disabled_reason = CASE WHEN ?5 = 1 THEN NULL ELSE disabled_reason END, "
                  "failing_since = CASE WHEN ?5 = 1 THEN NULL ELSE failing_since END "
                  "WHERE id = ?6");
      stmt.bind(update.url, update.secret, events, update.description, update.enabled, id);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    // Queued deliveries go where the endpoint now is (a corrected URL), and none go to an
    // endpoint an admin turned off.
    if (update.url && *update.url != before.url) {
      MISSIVE_SQL(stmt, db,
                  "UPDATE notification SET destination = ? WHERE endpoint_id = ? "
                  "AND state = 'queued'");
      stmt.bind(*update.url, id);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    if (update.enabled == false && before.enabled) {
      MISSIVE_TRY_STATUS(fail_endpoint_rows(db, id, ""));
    }
    return load_webhook(db, id);
  });
}

Status SqliteStore::delete_webhook(WebhookId id) {
  return write([&](Db& db) -> Status {
    {
      MISSIVE_SQL(stmt, db,
                  "UPDATE webhook_endpoint SET deleted = 1, enabled = 0 "
                  "WHERE id = ? AND deleted = 0");
      stmt.bind(id);
      MISSIVE_TRY_STATUS(stmt.run());
      if (db.changes() == 0) return no_webhook(id);
    }
    MISSIVE_SQL(stmt, db,
                "UPDATE notification SET state = 'cancelled' WHERE endpoint_id = ? "
                "AND state = 'queued'");
    stmt.bind(id);
    return stmt.run();
  });
}

// --- the outbox ---

Result<std::vector<Notification>> SqliteStore::claim_notifications(const NotificationClaim& c) {
  return write([&](Db& db) -> Result<std::vector<Notification>> {
    MISSIVE_SQL(stmt, db,
                "UPDATE notification SET claimed_by = ?1, claimed_until = ?2 + ?3 "
                "WHERE id IN (SELECT id FROM notification WHERE state = 'queued' "
                "AND next_attempt_at <= ?2 AND (claimed_until IS NULL OR claimed_until <= ?2) "
                "ORDER BY next_attempt_at, id LIMIT ?4) "
                "RETURNING " MISSIVE_NOTIFICATION_COLUMNS);
    stmt.bind(c.holder, c.now, c.lease_ms, clamp_limit(c.limit));
    MISSIVE_TRY(std::vector<Notification> claimed, notifications_from(stmt));
    // RETURNING gives no order.
    std::sort(claimed.begin(), claimed.end(), [](const Notification& a, const Notification& b) {
      return std::tie(a.next_attempt_at, a.id) < std::tie(b.next_attempt_at, b.id);
    });
    return claimed;
  });
}

Status SqliteStore::finish_notification(const NotificationResult& r) {
  return write([&](Db& db) -> Status {
    WebhookId endpoint;  // invalid for an email row
    {
      MISSIVE_SQL(stmt, db, "SELECT claimed_by, endpoint_id FROM notification WHERE id = ?");
      stmt.bind(r.id);
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return no_notification(r.id);
      if (stmt.opt_text(0) != r.holder) return claim_lost(r.id, r.holder);
      endpoint = WebhookId(stmt.opt_int64(1).value_or(0));
    }
    {
      // A row cancelled or failed while the attempt ran stays so, unless it went out.
      MISSIVE_SQL(stmt, db,
                  "UPDATE notification SET "
                  "state = CASE WHEN state = 'queued' OR ?2 = 'sent' THEN ?2 ELSE state END, "
                  "attempts = attempts + ?6, last_error = coalesce(?3, last_error), "
                  "sent_at = CASE WHEN ?2 = 'sent' THEN ?4 ELSE sent_at END, "
                  "next_attempt_at = CASE WHEN ?2 = 'queued' THEN ?5 ELSE next_attempt_at END, "
                  "claimed_by = NULL, claimed_until = NULL WHERE id = ?1");
      stmt.bind(r.id, state_name(r.state), r.error, r.now, r.next_attempt_at, r.attempted ? 1 : 0);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    if (!endpoint.valid() || !r.attempted) return {};
    if (r.state == NotificationState::sent) {
      MISSIVE_SQL(stmt, db, "UPDATE webhook_endpoint SET failing_since = NULL WHERE id = ?");
      stmt.bind(endpoint);
      MISSIVE_TRY_STATUS(stmt.run());
    } else if (r.state != NotificationState::cancelled) {
      MISSIVE_SQL(stmt, db,
                  "UPDATE webhook_endpoint SET failing_since = coalesce(failing_since, ?) "
                  "WHERE id = ?");
      stmt.bind(r.now, endpoint);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    if (!r.disable_endpoint) return {};
    {
      MISSIVE_SQL(stmt, db,
                  "UPDATE webhook_endpoint SET enabled = 0, disabled_reason = ? WHERE id = ?");
      stmt.bind(*r.disable_endpoint, endpoint);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    return fail_endpoint_rows(db, endpoint, *r.disable_endpoint);
  });
}

Result<Notification> SqliteStore::get_notification(NotificationId id) {
  return read([&](Db& db) { return load_notification(db, id); });
}

Result<std::vector<Notification>> SqliteStore::list_notifications(const NotificationQuery& q) {
  return read([&](Db& db) -> Result<std::vector<Notification>> {
    // One statement per index: an endpoint's or a user's log is read from its own index,
    // newest first, not filtered out of the whole outbox.
    std::string_view sql =
        "SELECT " MISSIVE_NOTIFICATION_COLUMNS " FROM notification WHERE " MISSIVE_LIST_FILTERS;
    if (q.endpoint) {
      sql = "SELECT " MISSIVE_NOTIFICATION_COLUMNS
            " FROM notification WHERE endpoint_id = ?3 AND " MISSIVE_LIST_FILTERS;
    } else if (q.user) {
      sql = "SELECT " MISSIVE_NOTIFICATION_COLUMNS
            " FROM notification WHERE user_id = ?4 AND " MISSIVE_LIST_FILTERS;
    }
    MISSIVE_SQL(stmt, db, sql);
    std::optional<std::string_view> channel, state;
    if (q.channel) channel = channel_name(*q.channel);
    if (q.state) state = state_name(*q.state);
    stmt.bind(channel, state, q.endpoint, q.user,
              q.before ? q.before->value : std::numeric_limits<std::int64_t>::max(),
              clamp_limit(q.limit));
    return notifications_from(stmt);
  });
}

Result<Notification> SqliteStore::replay_notification(NotificationId id, Timestamp now) {
  return write([&](Db& db) -> Result<Notification> {
    MISSIVE_SQL(stmt, db,
                "UPDATE notification SET state = 'queued', next_attempt_at = ?2, deadline = ?3, "
                "claimed_by = NULL, claimed_until = NULL WHERE id = ?1");
    stmt.bind(id, now, notification_deadline(now));
    MISSIVE_TRY_STATUS(stmt.run());
    if (db.changes() == 0) return no_notification(id);
    return load_notification(db, id);
  });
}

Result<OutboxCounts> SqliteStore::outbox_counts() {
  return read([&](Db& db) -> Result<OutboxCounts> {
    MISSIVE_SQL(stmt, db,
                "SELECT state, count(*), min(created_at) FROM notification GROUP BY state");
    OutboxCounts counts;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return counts;
      MISSIVE_TRY(NotificationState state, stored_state(stmt.text(0)));
      const std::int64_t n = stmt.int64(1);
      switch (state) {
        case NotificationState::queued:
          counts.queued = n;
          counts.oldest_queued_at = stmt.opt_int64(2);
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
  });
}

Result<std::int64_t> SqliteStore::queue_digests(const DigestPass& pass) {
  return write([&](Db& db) -> Result<std::int64_t> {
    // Due users with something to tell, so users with nothing never take a pass's places.
    std::vector<DigestUser> due;
    {
      MISSIVE_SQL(stmt, db,
                  "SELECT u.id, u.digest_cursor, u.email FROM user u "
                  "WHERE u.email IS NOT NULL AND u.email_digest = 1 AND u.is_active = 1 "
                  "AND (u.digest_at IS NULL OR u.digest_at <= ?1 - ?2) "
                  "AND EXISTS (SELECT 1 FROM message_recipient r JOIN message m "
                  "ON m.id = r.message_id WHERE r.recipient_id = u.id "
                  "AND r.message_id > u.digest_cursor AND " MISSIVE_DIGEST_UNSEEN
                  ") "
                  "ORDER BY u.id LIMIT ?5");
      stmt.bind(pass.now, pass.interval_ms, pass.unseen_before, pass.now, clamp_limit(pass.limit));
      for (;;) {
        MISSIVE_TRY(bool row, stmt.step());
        if (!row) break;
        due.push_back(DigestUser{stmt.id<UserId>(0), stmt.int64(1), stmt.text(2)});
      }
    }
    // At least one row, so the count and the new cursor are known even when the digest
    // lists none.
    const int listed = std::max(1, pass.max_messages);
    std::int64_t queued = 0;
    for (const DigestUser& user : due) {
      std::vector<MessageId> messages;
      std::int64_t count = 0;
      {
        MISSIVE_SQL(stmt, db,
                    "SELECT r.message_id, count(*) OVER () FROM message_recipient r "
                    "JOIN message m ON m.id = r.message_id WHERE r.recipient_id = ?1 "
                    "AND r.message_id > ?2 AND " MISSIVE_DIGEST_UNSEEN
                    " "
                    "GROUP BY r.message_id ORDER BY r.message_id DESC LIMIT ?5");
        stmt.bind(user.id, user.cursor, pass.unseen_before, pass.now, listed);
        for (;;) {
          MISSIVE_TRY(bool row, stmt.step());
          if (!row) break;
          messages.push_back(stmt.id<MessageId>(0));
          count = stmt.int64(1);
        }
      }
      if (messages.empty()) continue;
      const MessageId newest = messages.front();
      if (static_cast<int>(messages.size()) > pass.max_messages) {
        messages.resize(static_cast<std::size_t>(std::max(0, pass.max_messages)));
      }
      {
        MISSIVE_SQL(stmt, db,
                    MISSIVE_QUEUE_NOTIFICATIONS
                    "VALUES ('email', ?, ?, NULL, 0, NULL, ?, ?, ?, ?, ?)");
        stmt.bind(event_name(NotificationEvent::digest), user.id, digest_payload(messages, count),
                  pass.now, pass.now, notification_deadline(pass.now), user.email);
        MISSIVE_TRY_STATUS(stmt.run());
      }
      MISSIVE_SQL(stmt, db, "UPDATE user SET digest_cursor = ?, digest_at = ? WHERE id = ?");
      stmt.bind(newest, pass.now, user.id);
      MISSIVE_TRY_STATUS(stmt.run());
      ++queued;
    }
    return queued;
  });
}

}  // namespace missive::sqlite
