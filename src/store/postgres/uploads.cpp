// Uploads, the blobs they share, and releasing what nothing references, in the PostgreSQL
// store (docs/attachments.md). Attaching uploads to a message is part of the send
// (messages.cpp calls attach_uploads). The rules and their errors are shared with the SQLite
// store (store/upload_rules.h); what differs is locking, since several nodes write at once.
//
// Locks, always in this order: upload rows (by id), then the conversation and sync_user rows
// of a send, or the blob row. A completion locks its upload, then its blob; a send locks its
// uploads before the conversation; the sweep claims links, uploads and blobs with
// FOR UPDATE SKIP LOCKED, so two nodes sweeping at once take different rows.

#include <algorithm>
#include <unordered_map>

#include "core/attachment_json.h"
#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"
#include "store/postgres/timeline.h"
#include "store/postgres/uploads.h"
#include "store/upload_rules.h"

namespace missive::postgres {
namespace {

// The upload columns, then its blob's (NULL while receiving).
#define MISSIVE_PG_UPLOAD_COLUMNS                                                          \
  "u.id, u.owner_id, u.client_upload_id, u.name, u.declared_type, u.type, u.size, "        \
  "u.stored, u.sha256, u.created_at, u.expires_at, u.message_refs, b.blob_key, b.media, " \
  "b.thumbnail_key"
#define MISSIVE_PG_UPLOAD_FROM " FROM upload u LEFT JOIN blob b ON b.sha256 = u.sha256 "

Result<Upload> upload_from_row(const Rows& rows, int r) {
  Upload u;
  u.id = rows.id<UploadId>(r, 0);
  u.owner = rows.id<UserId>(r, 1);
  u.client_upload_id = rows.opt_text(r, 2);
  u.name = rows.text(r, 3);
  u.declared_type = rows.text(r, 4);
  u.type = rows.text(r, 5);
  u.size = rows.int64(r, 6);
  u.offset = rows.int64(r, 7);
  if (auto sha = rows.opt_text(r, 8)) {
    u.sha256 = std::move(*sha);
    u.state = UploadState::complete;
  }
  u.created_at = rows.int64(r, 9);
  u.expires_at = rows.opt_int64(r, 10);
  u.message_refs = rows.int64(r, 11);
  if (u.state == UploadState::complete) {
    u.blob_key = rows.opt_text(r, 12).value_or("");
    MISSIVE_TRY(u.media, media_from_json(rows.opt_text(r, 13).value_or(kNoMediaJson)));
    u.thumbnail_key = rows.opt_text(r, 14).value_or("");
  }
  return u;
}

Result<Upload> load_upload(Tx& tx, UploadId id) {
  MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_UPLOAD_COLUMNS MISSIVE_PG_UPLOAD_FROM
                                  "WHERE u.id = $1",
                                  id));
  if (rows.empty()) return no_upload(id);
  return upload_from_row(rows, 0);
}

// Locks the upload's row until the transaction ends; not_found if there is none.
Status lock_upload(Tx& tx, UploadId id) {
  MISSIVE_TRY(Rows rows, tx.query("SELECT 1 FROM upload WHERE id = $1 FOR UPDATE", id));
  if (rows.empty()) return no_upload(id);
  return {};
}

// Removes an upload row (locked by the caller); a complete one gives its blob a reference
// back.
Status remove_upload(Tx& tx, UploadId id) {
  MISSIVE_TRY(Rows released, tx.query("UPDATE blob SET refs = refs - 1 "
                                      "WHERE sha256 = (SELECT sha256 FROM upload WHERE id = $1)",
                                      id));
  MISSIVE_TRY(Rows deleted, tx.query("DELETE FROM upload WHERE id = $1", id));
  return {};
}

}  // namespace

Result<std::vector<Attachment>> attach_uploads(Tx& tx, UserId creator,
                                               const std::vector<UploadId>& ids, Timestamp now) {
  std::vector<Attachment> out;
  if (ids.empty()) return out;
  std::vector<std::int64_t> values;
  for (UploadId id : ids) values.push_back(id.value);
  // Locked until the send commits, in id order: a sweep cannot remove an upload between
  // this check and link_attachments, and two sends of one upload queue here.
  MISSIVE_TRY(Rows locked, tx.query("SELECT id FROM upload WHERE id = ANY($1::bigint[]) "
                                    "ORDER BY id FOR UPDATE",
                                    values));
  MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_UPLOAD_COLUMNS MISSIVE_PG_UPLOAD_FROM
                                  "WHERE u.id = ANY($1::bigint[])",
                                  values));
  std::unordered_map<std::int64_t, Upload> found;
  for (int r = 0; r < rows.size(); ++r) {
    MISSIVE_TRY(Upload u, upload_from_row(rows, r));
    const std::int64_t key = u.id.value;
    found.emplace(key, std::move(u));
  }
  for (UploadId id : ids) {
    std::optional<Upload> upload;
    if (auto it = found.find(id.value); it != found.end()) upload = it->second;
    MISSIVE_TRY(Attachment a, attachable(id, upload, creator, now));
    out.push_back(std::move(a));
  }
  return out;
}

Status link_attachments(Tx& tx, MessageId message, const std::vector<Attachment>& attachments) {
  if (attachments.empty()) return {};
  std::vector<std::int64_t> ids;
  for (const Attachment& a : attachments) ids.push_back(a.id.value);
  MISSIVE_TRY(Rows linked, tx.query("INSERT INTO message_attachment (upload_id, message_id) "
                                    "SELECT u, $1 FROM unnest($2::bigint[]) AS a(u)",
                                    message, ids));
  MISSIVE_TRY(Rows referenced, tx.query("UPDATE upload SET message_refs = message_refs + 1, "
                                        "expires_at = NULL WHERE id = ANY($1::bigint[])",
                                        ids));
  return {};
}

Result<UploadCreated> PostgresStore::create_upload(const NewUpload& n) {
  return write([&](Tx& tx) -> Result<UploadCreated> {
    constexpr const char* kFind =
        "SELECT id FROM upload WHERE owner_id = $1 AND client_upload_id = $2";
    if (n.client_upload_id) {
      MISSIVE_TRY(Rows found, tx.query(kFind, n.owner, *n.client_upload_id));
      if (!found.empty()) {
        MISSIVE_TRY(Upload existing, load_upload(tx, found.id<UploadId>(0, 0)));
        return UploadCreated{std::move(existing), true};
      }
    }
    // A racing creation with the same client id (another node): this INSERT waits for it and
    // does nothing, and the SELECT after it sees the committed row.
    MISSIVE_TRY(Rows inserted,
                tx.query("INSERT INTO upload (owner_id, client_upload_id, name, declared_type, "
                         "size, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                         "ON CONFLICT (owner_id, client_upload_id) DO NOTHING RETURNING id",
                         n.owner, n.client_upload_id, n.name, n.declared_type, n.size,
                         n.created_at, n.expires_at));
    if (inserted.empty() && n.client_upload_id) {
      MISSIVE_TRY(Rows again, tx.query(kFind, n.owner, *n.client_upload_id));
      if (!again.empty()) {
        MISSIVE_TRY(Upload existing, load_upload(tx, again.id<UploadId>(0, 0)));
        return UploadCreated{std::move(existing), true};
      }
    }
    if (inserted.empty()) return fail(ErrorCode::unavailable, "database error: no upload id");
    MISSIVE_TRY(Upload created, load_upload(tx, inserted.id<UploadId>(0, 0)));
    return UploadCreated{std::move(created), false};
  });
}

Result<Upload> PostgresStore::get_upload(UploadId id) {
  return read([&](Tx& tx) { return load_upload(tx, id); });
}

Result<Upload> PostgresStore::advance_upload(UploadId id, std::int64_t from, std::int64_t to) {
  return write([&](Tx& tx) -> Result<Upload> {
    // The compare-and-set: a concurrent advance (from any node) holds the row; this UPDATE
    // waits for it and re-checks `stored = from` against the committed offset.
    MISSIVE_TRY(Rows advanced, tx.query("UPDATE upload SET stored = $3 WHERE id = $1 "
                                        "AND stored = $2 AND sha256 IS NULL AND $3 <= size",
                                        id, from, to));
    MISSIVE_TRY(Upload u, load_upload(tx, id));
    if (advanced.affected() == 0) return offset_moved(id, u.offset, from);
    return u;
  });
}

Result<std::optional<Upload>> PostgresStore::complete_upload(const UploadCompletion& c) {
  return write([&](Tx& tx) -> Result<std::optional<Upload>> {
    // The upload's lock makes a second completion of it wait, then find it complete.
    MISSIVE_TRY_STATUS(lock_upload(tx, c.upload));
    MISSIVE_TRY(Upload u, load_upload(tx, c.upload));
    MISSIVE_TRY_STATUS(completable(u));
    // A live blob (not claimed by a sweep) gains a reference under its row lock; a sweep
    // that claimed it first makes this UPDATE find no live row once it commits.
    MISSIVE_TRY(Rows shared, tx.query("UPDATE blob SET refs = refs + 1 "
                                      "WHERE sha256 = $1 AND NOT deleting",
                                      c.sha256));
    if (shared.affected() == 0) {
      if (c.new_key.empty()) return std::optional<Upload>();
      // New content, or content a sweep is deleting under its old key: the row takes the new
      // key (and forgets the old previews, whose storage is going too). A completion of the
      // same content that committed since the UPDATE above made the row live again: this
      // one shares it, and the content under new_key is left to the orphan sweep.
      MISSIVE_TRY(Rows blob,
                  tx.query("INSERT INTO blob (sha256, blob_key, size, refs) "
                           "VALUES ($1, $2, $3, 1) ON CONFLICT (sha256) DO UPDATE SET "
                           "blob_key = CASE WHEN blob.deleting THEN excluded.blob_key "
                           "  ELSE blob.blob_key END, "
                           "refs = CASE WHEN blob.deleting THEN 1 ELSE blob.refs + 1 END, "
                           "media = CASE WHEN blob.deleting THEN $4 ELSE blob.media END, "
                           "thumbnail_key = CASE WHEN blob.deleting THEN NULL "
                           "  ELSE blob.thumbnail_key END, "
                           "deleting = false",
                           c.sha256, c.new_key, u.size, kNoMediaJson));
    }
    MISSIVE_TRY(Rows done, tx.query("UPDATE upload SET sha256 = $1, type = $2 WHERE id = $3",
                                    c.sha256, c.type, c.upload));
    MISSIVE_TRY(Upload completed, load_upload(tx, c.upload));
    return std::optional<Upload>(std::move(completed));
  });
}

Result<Upload> PostgresStore::set_upload_media(UploadId id, const MediaInfo& media,
                                               const std::string& thumbnail_key, Timestamp now) {
  return write([&](Tx& tx) -> Result<Upload> {
    MISSIVE_TRY(Upload u, load_upload(tx, id));
    MISSIVE_TRY_STATUS(has_content(u));
    MISSIVE_TRY(Rows updated,
                tx.query("UPDATE blob SET media = $1, thumbnail_key = $2 WHERE sha256 = $3",
                         media_to_json(media),
                         thumbnail_key.empty() ? std::optional<std::string>() : thumbnail_key,
                         u.sha256));
    // Everyone who sees a message carrying an upload of these bytes, once per message.
    MISSIVE_TRY(Rows queued,
                tx.query(MISSIVE_PG_QUEUE_ENTRIES
                         "SELECT DISTINCT v.user_id, 'attachment'::text, m.conversation_id, m.seq, "
                         "m.id, NULL::bigint, NULL::text, a.upload_id, false, NULL::bigint, "
                         "$2::bigint "
                         "FROM upload up JOIN message_attachment a ON a.upload_id = up.id "
                         "JOIN message m ON m.id = a.message_id "
                         "JOIN (SELECT m2.id AS message_id, m2.creator_id AS user_id "
                         "      FROM message m2 UNION SELECT r.message_id, r.recipient_id "
                         "      FROM message_recipient r) v ON v.message_id = m.id "
                         "WHERE up.sha256 = $1",
                         u.sha256, now));
    return load_upload(tx, id);
  });
}

Status PostgresStore::delete_upload(UploadId id, UserId owner) {
  return write([&](Tx& tx) -> Status {
    MISSIVE_TRY_STATUS(lock_upload(tx, id));
    MISSIVE_TRY(Upload u, load_upload(tx, id));
    MISSIVE_TRY_STATUS(terminable(u, owner));
    return remove_upload(tx, id);
  });
}

Result<Upload> PostgresStore::visible_upload(UploadId id, UserId user, Timestamp now) {
  return read([&](Tx& tx) -> Result<Upload> {
    MISSIVE_TRY(Rows rows,
                tx.query("SELECT " MISSIVE_PG_UPLOAD_COLUMNS MISSIVE_PG_UPLOAD_FROM
                         "WHERE u.id = $1 AND ((u.owner_id = $2 AND u.message_refs = 0) OR "
                         "EXISTS (SELECT 1 FROM message_attachment a JOIN message m "
                         "  ON m.id = a.message_id WHERE a.upload_id = $1 "
                         "  AND (m.expiry_date IS NULL OR m.expiry_date > $3) "
                         "  AND (m.creator_id = $2 OR EXISTS (SELECT 1 FROM message_recipient r "
                         "       WHERE r.message_id = m.id AND r.recipient_id = $2))))",
                         id, user, now));
    if (rows.empty()) return no_attachment(id);
    return upload_from_row(rows, 0);
  });
}

Result<std::int64_t> PostgresStore::storage_used(UserId owner) {
  return read([&](Tx& tx) -> Result<std::int64_t> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT coalesce(sum(size), 0)::bigint FROM upload "
                                    "WHERE owner_id = $1",
                                    owner));
    return rows.empty() ? 0 : rows.int64(0, 0);
  });
}

Result<UploadSweep> PostgresStore::sweep_uploads(Timestamp now, Timestamp expired_before,
                                                 int limit) {
  const std::int64_t rows_per_step = std::max(limit, 0);
  return write([&](Tx& tx) -> Result<UploadSweep> {
    UploadSweep out;
    // The attachments of messages that expired before `expired_before`. Each link is
    // claimed (a sweep on another node skips it), removed, and its upload loses a
    // reference under the upload's row lock: exactly one sweep sees the count reach 0.
    MISSIVE_TRY(Rows expired,
                tx.query("SELECT a.upload_id, a.message_id FROM message_attachment a "
                         "JOIN message m ON m.id = a.message_id "
                         "WHERE m.expiry_date IS NOT NULL AND m.expiry_date < $1 "
                         "ORDER BY a.upload_id, a.message_id LIMIT $2 "
                         "FOR UPDATE OF a SKIP LOCKED",
                         expired_before, rows_per_step));
    for (int r = 0; r < expired.size(); ++r) {
      const UploadId upload = expired.id<UploadId>(r, 0);
      const MessageId message = expired.id<MessageId>(r, 1);
      MISSIVE_TRY(Rows unlinked, tx.query("DELETE FROM message_attachment "
                                          "WHERE upload_id = $1 AND message_id = $2",
                                          upload, message));
      MISSIVE_TRY(Rows left, tx.query("UPDATE upload SET message_refs = message_refs - 1 "
                                      "WHERE id = $1 RETURNING message_refs",
                                      upload));
      if (!left.empty() && left.int64(0, 0) == 0) {
        MISSIVE_TRY_STATUS(remove_upload(tx, upload));
        ++out.removed_uploads;
      }
    }
    // Uploads no message took in time. A send holding one (about to attach it) is skipped;
    // one that attached it first has cleared expires_at, which the lock re-checks.
    MISSIVE_TRY(Rows stale, tx.query("SELECT id, sha256 IS NULL FROM upload "
                                     "WHERE expires_at IS NOT NULL AND expires_at <= $1 "
                                     "ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
                                     now, rows_per_step));
    for (int r = 0; r < stale.size(); ++r) {
      const UploadId upload = stale.id<UploadId>(r, 0);
      MISSIVE_TRY_STATUS(remove_upload(tx, upload));
      ++out.removed_uploads;
      if (stale.boolean(r, 1)) out.removed_receiving.push_back(upload);
    }
    // Blobs nothing references: claimed, so a new upload of the same bytes takes a new key.
    // A completion holding the row (adding a reference) is skipped; one that committed first
    // has raised refs, which the lock re-checks.
    MISSIVE_TRY(Rows dead,
                tx.query("UPDATE blob SET deleting = true WHERE sha256 IN ("
                         "SELECT sha256 FROM blob WHERE refs = 0 AND NOT deleting "
                         "ORDER BY sha256 LIMIT $1 FOR UPDATE SKIP LOCKED) "
                         "RETURNING blob_key, thumbnail_key",
                         rows_per_step));
    for (int r = 0; r < dead.size(); ++r) {
      out.dead_blobs.emplace_back(dead.text(r, 0));
      if (auto thumbnail = dead.opt_text(r, 1)) out.dead_blobs.push_back(std::move(*thumbnail));
    }
    return out;
  });
}

Status PostgresStore::forget_blobs(const std::vector<std::string>& keys) {
  if (keys.empty()) return {};
  return write([&](Tx& tx) -> Status {
    MISSIVE_TRY(Rows deleted, tx.query("DELETE FROM blob WHERE blob_key = ANY($1::text[]) "
                                       "AND deleting",
                                       keys));
    return {};
  });
}

Result<std::vector<std::string>> PostgresStore::blob_keys() {
  return read([&](Tx& tx) -> Result<std::vector<std::string>> {
    // Byte order, as the SQLite store's.
    MISSIVE_TRY(Rows rows, tx.query("SELECT k FROM (SELECT blob_key FROM blob UNION "
                                    "SELECT thumbnail_key FROM blob "
                                    "WHERE thumbnail_key IS NOT NULL) AS keys(k) "
                                    "ORDER BY k COLLATE \"C\""));
    std::vector<std::string> keys;
    keys.reserve(static_cast<std::size_t>(rows.size()));
    for (int r = 0; r < rows.size(); ++r) keys.emplace_back(rows.text(r, 0));
    return keys;
  });
}

}  // namespace missive::postgres
