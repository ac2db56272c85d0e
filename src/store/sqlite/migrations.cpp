#include "store/sqlite/migrations.h"

#include <fmt/format.h>

#include "store/sqlite/search_text.h"

namespace missive::sqlite {
namespace {

// Version 1: users, sessions, groups, conversations, messages, recipient records and the
// dashboard counters. Group id 0 in message_recipient / message_group_stat means "sent
// directly" (0 rather than NULL so it can be part of the primary key).
constexpr const char* kV1 = R"sql(
CREATE TABLE user (
  id            INTEGER PRIMARY KEY,
  handle        TEXT    NOT NULL UNIQUE,
  first_name    TEXT    NOT NULL,
  last_name     TEXT    NOT NULL,
  password_hash TEXT    NOT NULL,
  attributes    TEXT    NOT NULL DEFAULT '{}',
  is_admin      INTEGER NOT NULL DEFAULT 0,
  is_active     INTEGER NOT NULL DEFAULT 1,
  created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE session (
  token_hash TEXT    PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES user(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
CREATE INDEX session_by_user ON session(user_id);

CREATE TABLE grp (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL UNIQUE,
  rule       TEXT,
  owner_id   INTEGER NOT NULL REFERENCES user(id),
  is_active  INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE user_group (
  group_id  INTEGER NOT NULL REFERENCES grp(id),
  user_id   INTEGER NOT NULL REFERENCES user(id),
  is_active INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (group_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_group_by_user ON user_group(user_id);

CREATE TABLE conversation (
  id         INTEGER PRIMARY KEY,
  kind       TEXT    NOT NULL CHECK (kind IN ('direct', 'group', 'multi')),
  user_low   INTEGER REFERENCES user(id),
  user_high  INTEGER REFERENCES user(id),
  group_id   INTEGER REFERENCES grp(id),
  max_seq    INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX conversation_direct ON conversation(user_low, user_high)
  WHERE kind = 'direct';
CREATE UNIQUE INDEX conversation_group ON conversation(group_id) WHERE kind = 'group';

CREATE TABLE conversation_member (
  conversation_id INTEGER NOT NULL REFERENCES conversation(id),
  user_id         INTEGER NOT NULL REFERENCES user(id),
  join_seq        INTEGER NOT NULL,
  leave_seq       INTEGER,
  read_seq        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX conversation_member_by_user ON conversation_member(user_id);

CREATE TABLE message (
  id              INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversation(id),
  seq             INTEGER NOT NULL,
  creator_id      INTEGER NOT NULL REFERENCES user(id),
  client_msg_id   TEXT,
  subject         TEXT    NOT NULL,
  body            TEXT    NOT NULL,
  parent_id       INTEGER REFERENCES message(id),
  root_id         INTEGER NOT NULL,
  create_date     INTEGER NOT NULL,
  expiry_date     INTEGER,
  metadata        TEXT    NOT NULL DEFAULT '{}',
  flags           TEXT    NOT NULL DEFAULT '[]',
  sent_to         TEXT    NOT NULL DEFAULT '',
  recipient_count INTEGER NOT NULL DEFAULT 0,
  read_count      INTEGER NOT NULL DEFAULT 0,
  UNIQUE (creator_id, client_msg_id),
  UNIQUE (conversation_id, seq)
) STRICT;
CREATE INDEX message_by_creator ON message(creator_id, id DESC);
CREATE INDEX message_by_root ON message(root_id, id);

CREATE TABLE message_recipient (
  message_id         INTEGER NOT NULL REFERENCES message(id),
  recipient_id       INTEGER NOT NULL REFERENCES user(id),
  recipient_group_id INTEGER NOT NULL DEFAULT 0,
  is_read            INTEGER NOT NULL DEFAULT 0,
  read_at            INTEGER,
  delivered_at       INTEGER,
  PRIMARY KEY (message_id, recipient_id, recipient_group_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_recipient_inbox ON message_recipient(recipient_id, message_id DESC, is_read);

CREATE TABLE message_group_stat (
  message_id INTEGER NOT NULL REFERENCES message(id),
  group_id   INTEGER NOT NULL,
  recipients INTEGER NOT NULL,
  reads      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (message_id, group_id)
) STRICT, WITHOUT ROWID;
)sql";

// Version 2: full-text search. A contentless FTS5 table (the text lives in `message`; the
// index keeps only tokens), rowid = message id, written in the send's transaction. Text is
// prepared by search_text.h (unspaced scripts as bigrams, run-final characters in `tails`).
// message_by_parent serves the search's thread filter (replies under a message).
constexpr const char* kV2 = R"sql(
CREATE VIRTUAL TABLE message_fts USING fts5(
  subject, body, tails,
  content = '',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE INDEX message_by_parent ON message(parent_id);
)sql";

// Indexes the messages written before version 2.
Status index_existing_messages(Db& db) {
  MISSIVE_SQL(rows, db, "SELECT id, subject, body FROM message ORDER BY id");
  for (;;) {
    MISSIVE_TRY(bool row, rows.step());
    if (!row) return {};
    const std::string subject = rows.text(1);
    const std::string body = rows.text(2);
    MISSIVE_SQL(insert, db,
                "INSERT INTO message_fts (rowid, subject, body, tails) VALUES (?, ?, ?, ?)");
    insert.bind(rows.int64(0), index_text(subject), index_text(body),
                index_tails(subject + "\n" + body));
    MISSIVE_TRY_STATUS(insert.run());
  }
}

// Version 3: reminders. reminder_schedule holds one row per message sent with reminders;
// reminder one row per reminder sent to one recipient (number = the message's round);
// reminder_deactivation the recipients deactivated when the message expired.
constexpr const char* kV3 = R"sql(
CREATE TABLE reminder_schedule (
  message_id       INTEGER PRIMARY KEY REFERENCES message(id),
  period_days      INTEGER NOT NULL CHECK (period_days >= 1),
  anchor_day       INTEGER NOT NULL,
  expiry_day       INTEGER NOT NULL,
  deactivate       INTEGER NOT NULL DEFAULT 0,
  next_remind_at   INTEGER,
  last_remind_at   INTEGER,
  due_at           INTEGER,
  rounds_sent      INTEGER NOT NULL DEFAULT 0,
  final_sent       INTEGER NOT NULL DEFAULT 0,
  stopped_at       INTEGER,
  closed_at        INTEGER,
  version          INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX reminder_schedule_due ON reminder_schedule(due_at) WHERE due_at IS NOT NULL;

CREATE TABLE reminder (
  id           INTEGER PRIMARY KEY,
  message_id   INTEGER NOT NULL REFERENCES message(id),
  recipient_id INTEGER NOT NULL REFERENCES user(id),
  number       INTEGER NOT NULL,
  is_final     INTEGER NOT NULL DEFAULT 0,
  sent_at      INTEGER NOT NULL,
  UNIQUE (message_id, recipient_id, number)
) STRICT;
CREATE INDEX reminder_by_recipient ON reminder(recipient_id, id DESC);

CREATE TABLE reminder_deactivation (
  message_id     INTEGER NOT NULL REFERENCES message(id),
  user_id        INTEGER NOT NULL REFERENCES user(id),
  deactivated_at INTEGER NOT NULL,
  PRIMARY KEY (message_id, user_id)
) STRICT, WITHOUT ROWID;
)sql";

// Version 4: multi-device sync (docs/protocol.md). sync_user holds each user's timeline
// counters (last seq handed out, the floor below which entries were pruned, how far message
// entries were marked delivered); a user gets a row with their first entry. sync_timeline
// holds the entries; kind-specific columns are NULL/0 where a kind has none. message_fanout
// holds the frozen audience of each send whose fan-out was deferred ("user,group,user,group,
// ..." sorted by user then group) and how many of those records have been written.
constexpr const char* kV4 = R"sql(
ALTER TABLE message ADD COLUMN delivered_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE sync_user (
  user_id       INTEGER PRIMARY KEY REFERENCES user(id),
  last_seq      INTEGER NOT NULL DEFAULT 0,
  floor_seq     INTEGER NOT NULL DEFAULT 0,
  delivered_seq INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE sync_timeline (
  user_id         INTEGER NOT NULL,
  seq             INTEGER NOT NULL,
  kind            TEXT    NOT NULL
                  CHECK (kind IN ('message', 'read', 'status', 'expiry', 'reminder')),
  conversation_id INTEGER NOT NULL,
  conv_seq        INTEGER NOT NULL DEFAULT 0,
  message_id      INTEGER,
  other_user_id   INTEGER,
  status          TEXT CHECK (status IS NULL OR status IN ('delivered', 'read')),
  number          INTEGER NOT NULL DEFAULT 0,
  is_final        INTEGER NOT NULL DEFAULT 0,
  expiry          INTEGER,
  at              INTEGER NOT NULL,
  PRIMARY KEY (user_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX sync_timeline_by_at ON sync_timeline(at);

CREATE TABLE message_fanout (
  message_id INTEGER PRIMARY KEY REFERENCES message(id),
  recipients TEXT    NOT NULL,
  total      INTEGER NOT NULL,
  done       INTEGER NOT NULL DEFAULT 0,
  finished   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX message_fanout_pending ON message_fanout(message_id) WHERE finished = 0;
)sql";

// Version 5: a group's member count (active memberships of active users) kept by triggers on
// every membership and user change, instead of a count over user_group on every read of the
// group — which is on the send path and made adding a member cost O(members).
constexpr const char* kV5 = R"sql(
ALTER TABLE grp ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE grp SET member_count =
  (SELECT count(*) FROM user_group ug JOIN user u ON u.id = ug.user_id
   WHERE ug.group_id = grp.id AND ug.is_active = 1 AND u.is_active = 1);

CREATE TRIGGER user_group_counted_insert AFTER INSERT ON user_group
WHEN NEW.is_active = 1 AND (SELECT is_active FROM user WHERE id = NEW.user_id) = 1
BEGIN
  UPDATE grp SET member_count = member_count + 1 WHERE id = NEW.group_id;
END;

CREATE TRIGGER user_group_counted_update AFTER UPDATE OF is_active ON user_group
WHEN (OLD.is_active = 1) <> (NEW.is_active = 1)
     AND (SELECT is_active FROM user WHERE id = NEW.user_id) = 1
BEGIN
  UPDATE grp SET member_count = member_count + (CASE WHEN NEW.is_active = 1 THEN 1 ELSE -1 END)
  WHERE id = NEW.group_id;
END;

CREATE TRIGGER user_group_counted_delete AFTER DELETE ON user_group
WHEN OLD.is_active = 1 AND (SELECT is_active FROM user WHERE id = OLD.user_id) = 1
BEGIN
  UPDATE grp SET member_count = member_count - 1 WHERE id = OLD.group_id;
END;

CREATE TRIGGER user_counted_active AFTER UPDATE OF is_active ON user
WHEN (OLD.is_active = 1) <> (NEW.is_active = 1)
BEGIN
  UPDATE grp SET member_count = member_count + (CASE WHEN NEW.is_active = 1 THEN 1 ELSE -1 END)
  WHERE id IN (SELECT group_id FROM user_group WHERE user_id = NEW.id AND is_active = 1);
END;
)sql";

// Version 6: who may see and reach whom (docs/security.md, "Permissions"). A user's
// permissions and a group's sender list are comma-separated text (core/permissions.h); the
// organisation's policy is one row, absent until an admin sets it (the defaults apply).
constexpr const char* kV6 = R"sql(
ALTER TABLE user ADD COLUMN permissions TEXT NOT NULL DEFAULT '';
ALTER TABLE grp ADD COLUMN senders TEXT NOT NULL DEFAULT 'members';
ALTER TABLE grp ADD COLUMN sender_ids TEXT NOT NULL DEFAULT '';

CREATE TABLE org_policy (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  create_groups      TEXT    NOT NULL,
  create_rule_groups TEXT    NOT NULL,
  large_audience     INTEGER NOT NULL,
  see_attributes     TEXT    NOT NULL
) STRICT;
)sql";

// Version 7: attachments (docs/attachments.md, "Storage"). A blob row per distinct content
// (sha256), counting the complete uploads that hold it (refs); its key changes when content
// that was being deleted arrives again, so the sweeper never deletes what a new row names.
// What decoding found belongs to the blob, so every upload of the same bytes shares it. A
// message keeps a JSON snapshot of its attachments; message_attachment lets access checks
// and the sweep find the messages that carry an upload. sync_timeline is rebuilt because its
// kind CHECK gains 'attachment' (whose number column holds the upload id).
constexpr const char* kV7 = R"sql(
CREATE TABLE blob (
  sha256        TEXT    PRIMARY KEY,
  blob_key      TEXT    NOT NULL UNIQUE,
  size          INTEGER NOT NULL,
  refs          INTEGER NOT NULL,
  deleting      INTEGER NOT NULL DEFAULT 0,
  media         TEXT    NOT NULL DEFAULT '{"preview":"none"}',
  thumbnail_key TEXT
) STRICT;
CREATE INDEX blob_dead ON blob(sha256) WHERE refs = 0 AND deleting = 0;

CREATE TABLE upload (
  id               INTEGER PRIMARY KEY,
  owner_id         INTEGER NOT NULL REFERENCES user(id),
  client_upload_id TEXT,
  name             TEXT    NOT NULL,
  declared_type    TEXT    NOT NULL,
  type             TEXT    NOT NULL DEFAULT '',
  size             INTEGER NOT NULL,
  stored           INTEGER NOT NULL DEFAULT 0,
  sha256           TEXT,
  created_at       INTEGER NOT NULL,
  expires_at       INTEGER,
  message_refs     INTEGER NOT NULL DEFAULT 0,
  UNIQUE (owner_id, client_upload_id)
) STRICT;
CREATE INDEX upload_by_owner ON upload(owner_id);
CREATE INDEX upload_expiring ON upload(expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE message_attachment (
  upload_id  INTEGER NOT NULL,
  message_id INTEGER NOT NULL REFERENCES message(id),
  PRIMARY KEY (upload_id, message_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_attachment_by_message ON message_attachment(message_id);

ALTER TABLE message ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';

CREATE TABLE sync_timeline_v7 (
  user_id         INTEGER NOT NULL,
  seq             INTEGER NOT NULL,
  kind            TEXT    NOT NULL
                  CHECK (kind IN ('message', 'read', 'status', 'expiry', 'reminder',
                                  'attachment')),
  conversation_id INTEGER NOT NULL,
  conv_seq        INTEGER NOT NULL DEFAULT 0,
  message_id      INTEGER,
  other_user_id   INTEGER,
  status          TEXT CHECK (status IS NULL OR status IN ('delivered', 'read')),
  number          INTEGER NOT NULL DEFAULT 0,
  is_final        INTEGER NOT NULL DEFAULT 0,
  expiry          INTEGER,
  at              INTEGER NOT NULL,
  PRIMARY KEY (user_id, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO sync_timeline_v7 SELECT * FROM sync_timeline;
DROP TABLE sync_timeline;
ALTER TABLE sync_timeline_v7 RENAME TO sync_timeline;
CREATE INDEX sync_timeline_by_at ON sync_timeline(at);
)sql";

// Version 8: notifications (docs/notifications.md). A user's email address (confirmed, and
// one pending with its token's hash and expiry), which kinds of email they want, and where
// their digests stand (digest_cursor: the last message id a digest covered). Webhook
// endpoints are deleted softly, so the delivery log keeps naming them. notification is the
// outbox: one row per email or webhook delivery, queued in the transaction of its event;
// destination is the address or URL at queue time. notification_due serves claims, the
// other indexes the log by endpoint and by user (and cancelling a user's queued rows).
constexpr const char* kV8 = R"sql(
ALTER TABLE user ADD COLUMN email TEXT;
ALTER TABLE user ADD COLUMN email_pending TEXT;
ALTER TABLE user ADD COLUMN email_token_hash TEXT;
ALTER TABLE user ADD COLUMN email_token_expires INTEGER;
ALTER TABLE user ADD COLUMN email_reminders INTEGER NOT NULL DEFAULT 1;
ALTER TABLE user ADD COLUMN email_digest INTEGER NOT NULL DEFAULT 1;
ALTER TABLE user ADD COLUMN digest_cursor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user ADD COLUMN digest_at INTEGER;
CREATE INDEX user_email_token ON user(email_token_hash) WHERE email_token_hash IS NOT NULL;
CREATE INDEX user_digest ON user(id) WHERE email IS NOT NULL AND email_digest = 1;

CREATE TABLE webhook_endpoint (
  id              INTEGER PRIMARY KEY,
  url             TEXT    NOT NULL,
  secret          TEXT    NOT NULL,
  events          INTEGER NOT NULL,
  description     TEXT    NOT NULL DEFAULT '',
  enabled         INTEGER NOT NULL DEFAULT 1,
  disabled_reason TEXT,
  failing_since   INTEGER,
  created_at      INTEGER NOT NULL,
  deleted         INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE notification (
  id              INTEGER PRIMARY KEY,
  channel         TEXT    NOT NULL CHECK (channel IN ('email', 'webhook')),
  event           TEXT    NOT NULL
                  CHECK (event IN ('message.sent', 'message.read', 'reminder.sent',
                                   'reminder.final', 'user.deactivated', 'digest',
                                   'email.confirmation')),
  user_id         INTEGER,
  message_id      INTEGER,
  number          INTEGER NOT NULL DEFAULT 0,
  endpoint_id     INTEGER,
  payload         TEXT    NOT NULL DEFAULT '{}',
  state           TEXT    NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'sent', 'failed', 'cancelled')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  deadline        INTEGER NOT NULL,
  claimed_by      TEXT,
  claimed_until   INTEGER,
  sent_at         INTEGER,
  last_error      TEXT,
  destination     TEXT
) STRICT;
CREATE INDEX notification_due ON notification(next_attempt_at) WHERE state = 'queued';
CREATE INDEX notification_by_endpoint ON notification(endpoint_id, id)
  WHERE endpoint_id IS NOT NULL;
CREATE INDEX notification_by_user ON notification(user_id, id) WHERE user_id IS NOT NULL;
)sql";

constexpr Migration kMigrations[] = {
    {1, kV1}, {2, kV2, index_existing_messages}, {3, kV3}, {4, kV4}, {5, kV5}, {6, kV6},
    {7, kV7}, {8, kV8},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations[std::size(kMigrations) - 1].version; }

Result<int> schema_version(Db& db) {
  MISSIVE_SQL(stmt, db, "PRAGMA user_version");
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return fail(ErrorCode::unavailable, "cannot read the schema version");
  return static_cast<int>(stmt.int64(0));
}

Status migrate(Db& db) { return migrate(db, latest_schema_version()); }

Status migrate(Db& db, int target_version) {
  MISSIVE_TRY(int current, schema_version(db));
  if (current > latest_schema_version()) {
    return fail(ErrorCode::unavailable,
                fmt::format("the database has schema version {}, newer than the {} this "
                            "build of missive knows; run a newer missive",
                            current, latest_schema_version()));
  }
  for (const Migration& step : kMigrations) {
    if (step.version <= current || step.version > target_version) continue;
    // IMMEDIATE takes the write lock first, so two processes opening the same file cannot
    // both apply a step; the version is re-read under the lock.
    MISSIVE_TRY_STATUS(db.exec("BEGIN IMMEDIATE"));
    auto applied = [&]() -> Status {
      MISSIVE_TRY(int now, schema_version(db));
      if (now >= step.version) return {};
      MISSIVE_TRY_STATUS(db.exec(step.sql));
      if (step.after != nullptr) MISSIVE_TRY_STATUS(step.after(db));
      // PRAGMA takes no parameters; the version is our own integer.
      std::string set = fmt::format("PRAGMA user_version = {}", step.version);
      MISSIVE_TRY_STATUS(db.exec(set.c_str()));
      return db.exec("COMMIT");
    }();
    if (!applied) {
      if (db.in_transaction()) (void)db.exec("ROLLBACK");
      return std::unexpected(Error{
          applied.error().code,
          fmt::format("schema migration to version {} failed: {}", step.version,
                      applied.error().message)});
    }
    if (db.in_transaction()) MISSIVE_TRY_STATUS(db.exec("COMMIT"));
  }
  return {};
}

}  // namespace missive::sqlite
