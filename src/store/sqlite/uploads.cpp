// Uploads, the blobs they share, and releasing what nothing references, in the SQLite store
// (docs/attachments.md, "Storage"). Attaching uploads to a message is part of the send
// (messages.cpp calls attach_uploads).

#include "core/attachment_json.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/sqlite/uploads.h"
#include "store/upload_rules.h"

namespace missive::sqlite {
namespace {

// The upload columns, then its blob's (NULL while receiving).
#define MISSIVE_UPLOAD_COLUMNS                                                             \
  "u.id, u.owner_id, u.client_upload_id, u.name, u.declared_type, u.type, u.size, "        \
  "u.stored, u.sha256, u.created_at, u.expires_at, u.message_refs, b.blob_key, b.media, " \
  "b.thumbnail_key"
#define MISSIVE_UPLOAD_FROM " FROM upload u LEFT JOIN blob b ON b.sha256 = u.sha256 "

Result<Upload> upload_from_row(const Stmt& stmt) {
  Upload u;
  u.id = stmt.id<UploadId>(0);
  u.owner = stmt.id<UserId>(1);
  u.client_upload_id = stmt.opt_text(2);
  u.name = stmt.text(3);
  u.declared_type = stmt.text(4);
  u.type = stmt.text(5);
  u.size = stmt.int64(6);
  u.offset = stmt.int64(7);
  if (auto sha = stmt.opt_text(8)) {
    u.sha256 = std::move(*sha);
    u.state = UploadState::complete;
  }
  u.created_at = stmt.int64(9);
  u.expires_at = stmt.opt_int64(10);
  u.message_refs = stmt.int64(11);
  if (u.state == UploadState::complete) {
    u.blob_key = stmt.opt_text(12).value_or("");
    MISSIVE_TRY(u.media, media_from_json(stmt.opt_text(13).value_or(kNoMediaJson)));
    u.thumbnail_key = stmt.opt_text(14).value_or("");
  }
  return u;
}

Result<Upload> load_upload(Db& db, UploadId id) {
  MISSIVE_SQL(stmt, db, "SELECT " MISSIVE_UPLOAD_COLUMNS MISSIVE_UPLOAD_FROM "WHERE u.id = ?");
  stmt.bind(id);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return no_upload(id);
  return upload_from_row(stmt);
}

// Removes an upload row; a complete one gives its blob a reference back.
Status remove_upload(Db& db, UploadId id) {
  {
    MISSIVE_SQL(stmt, db,
                "UPDATE blob SET refs = refs - 1 "
                "WHERE sha256 = (SELECT sha256 FROM upload WHERE id = ?)");
    stmt.bind(id);
    MISSIVE_TRY_STATUS(stmt.run());
  }
  MISSIVE_SQL(stmt, db, "DELETE FROM upload WHERE id = ?");
  stmt.bind(id);
  return stmt.run();
}

}  // namespace

Result<std::vector<Attachment>> attach_uploads(Db& db, UserId creator,
                                               const std::vector<UploadId>& ids, Timestamp now) {
  std::vector<Attachment> out;
  for (UploadId id : ids) {
    auto loaded = load_upload(db, id);
    std::optional<Upload> upload;
    if (loaded) {
      upload = std::move(*loaded);
    } else if (loaded.error().code != ErrorCode::not_found) {
      return std::unexpected(loaded.error());
    }
    MISSIVE_TRY(Attachment a, attachable(id, upload, creator, now));
    out.push_back(std::move(a));
  }
  return out;
}

Status link_attachments(Db& db, MessageId message, const std::vector<Attachment>& attachments) {
  for (const Attachment& a : attachments) {
    {
      MISSIVE_SQL(stmt, db, "INSERT INTO message_attachment (upload_id, message_id) VALUES (?, ?)");
      stmt.bind(a.id, message);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    MISSIVE_SQL(stmt, db,
                "UPDATE upload SET message_refs = message_refs + 1, expires_at = NULL "
                "WHERE id = ?");
    stmt.bind(a.id);
    MISSIVE_TRY_STATUS(stmt.run());
  }
  return {};
}

Result<UploadCreated> SqliteStore::create_upload(const NewUpload& n) {
  return write([&](Db& db) -> Result<UploadCreated> {
    if (n.client_upload_id) {
      MISSIVE_SQL(stmt, db, "SELECT id FROM upload WHERE owner_id = ? AND client_upload_id = ?");
      stmt.bind(n.owner, n.client_upload_id);
      MISSIVE_TRY(bool row, stmt.step());
      if (row) {
        MISSIVE_TRY(Upload existing, load_upload(db, stmt.id<UploadId>(0)));
        return UploadCreated{std::move(existing), true};
      }
    }
    MISSIVE_SQL(stmt, db,
                "INSERT INTO upload (owner_id, client_upload_id, name, declared_type, size, "
                "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id");
    stmt.bind(n.owner, n.client_upload_id, n.name, n.declared_type, n.size, n.created_at,
              n.expires_at);
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) return fail(ErrorCode::unavailable, "database error: no upload id");
    const UploadId id = stmt.id<UploadId>(0);
    MISSIVE_TRY(Upload created, load_upload(db, id));
    return UploadCreated{std::move(created), false};
  });
}

Result<Upload> SqliteStore::get_upload(UploadId id) {
  return read([&](Db& db) { return load_upload(db, id); });
}

Result<Upload> SqliteStore::advance_upload(UploadId id, std::int64_t from, std::int64_t to) {
  return write([&](Db& db) -> Result<Upload> {
    MISSIVE_SQL(stmt, db,
                "UPDATE upload SET stored = ?3 "
                "WHERE id = ?1 AND stored = ?2 AND sha256 IS NULL AND ?3 <= size");
    stmt.bind(id, from, to);
    MISSIVE_TRY_STATUS(stmt.run());
    MISSIVE_TRY(Upload u, load_upload(db, id));
    if (db.changes() == 0) return offset_moved(id, u.offset, from);
    return u;
  });
}

Result<std::optional<Upload>> SqliteStore::complete_upload(const UploadCompletion& c) {
  return write([&](Db& db) -> Result<std::optional<Upload>> {
    MISSIVE_TRY(Upload u, load_upload(db, c.upload));
    MISSIVE_TRY_STATUS(completable(u));
    MISSIVE_SQL(blob, db, "SELECT deleting FROM blob WHERE sha256 = ?");
    blob.bind(c.sha256);
    MISSIVE_TRY(bool exists, blob.step());
    const bool live = exists && !blob.boolean(0);
    if (live) {
      MISSIVE_SQL(stmt, db, "UPDATE blob SET refs = refs + 1 WHERE sha256 = ?");
      stmt.bind(c.sha256);
      MISSIVE_TRY_STATUS(stmt.run());
    } else if (c.new_key.empty()) {
      return std::optional<Upload>();
    } else {
      // New content, or content the sweeper is deleting under its old key: the row takes the
      // new key (and forgets the old previews, whose storage is going too).
      MISSIVE_SQL(stmt, db,
                  "INSERT INTO blob (sha256, blob_key, size, refs) VALUES (?1, ?2, ?3, 1) "
                  "ON CONFLICT (sha256) DO UPDATE SET blob_key = ?2, refs = 1, deleting = 0, "
                  "media = '{\"preview\":\"none\"}', thumbnail_key = NULL");
      stmt.bind(c.sha256, c.new_key, u.size);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    MISSIVE_SQL(stmt, db, "UPDATE upload SET sha256 = ?, type = ? WHERE id = ?");
    stmt.bind(c.sha256, c.type, c.upload);
    MISSIVE_TRY_STATUS(stmt.run());
    MISSIVE_TRY(Upload done, load_upload(db, c.upload));
    return std::optional<Upload>(std::move(done));
  });
}

Result<Upload> SqliteStore::set_upload_media(UploadId id, const MediaInfo& media,
                                             const std::string& thumbnail_key, Timestamp now) {
  return write([&](Db& db) -> Result<Upload> {
    MISSIVE_TRY(Upload u, load_upload(db, id));
    MISSIVE_TRY_STATUS(has_content(u));
    {
      MISSIVE_SQL(stmt, db, "UPDATE blob SET media = ?, thumbnail_key = ? WHERE sha256 = ?");
      stmt.bind(media_to_json(media),
                thumbnail_key.empty() ? std::optional<std::string>() : thumbnail_key, u.sha256);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    // Everyone who sees a message carrying an upload of these bytes, once per message.
    MISSIVE_SQL(stmt, db,
                MISSIVE_QUEUE_ENTRIES
                "SELECT DISTINCT v.user_id, 'attachment', m.conversation_id, m.seq, m.id, NULL, "
                "NULL, a.upload_id, 0, NULL, ?2 "
                "FROM upload up JOIN message_attachment a ON a.upload_id = up.id "
                "JOIN message m ON m.id = a.message_id "
                "JOIN (SELECT m2.id AS message_id, m2.creator_id AS user_id FROM message m2 "
                "      UNION SELECT r.message_id, r.recipient_id FROM message_recipient r) v "
                "  ON v.message_id = m.id "
                "WHERE up.sha256 = ?1");
    stmt.bind(u.sha256, now);
    MISSIVE_TRY_STATUS(stmt.run());
    return load_upload(db, id);
  });
}

Status SqliteStore::delete_upload(UploadId id, UserId owner) {
  return write([&](Db& db) -> Status {
    MISSIVE_TRY(Upload u, load_upload(db, id));
    MISSIVE_TRY_STATUS(terminable(u, owner));
    return remove_upload(db, id);
  });
}

Result<Upload> SqliteStore::visible_upload(UploadId id, UserId user, Timestamp now) {
  return read([&](Db& db) -> Result<Upload> {
    MISSIVE_SQL(stmt, db,
                "SELECT " MISSIVE_UPLOAD_COLUMNS MISSIVE_UPLOAD_FROM
                "WHERE u.id = ?1 AND ((u.owner_id = ?2 AND u.message_refs = 0) OR EXISTS ("
                "  SELECT 1 FROM message_attachment a JOIN message m ON m.id = a.message_id "
                "  WHERE a.upload_id = ?1 AND (m.expiry_date IS NULL OR m.expiry_date > ?3) "
                "  AND (m.creator_id = ?2 OR EXISTS (SELECT 1 FROM message_recipient r "
                "       WHERE r.message_id = m.id AND r.recipient_id = ?2))))");
    stmt.bind(id, user, now);
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) return no_attachment(id);
    return upload_from_row(stmt);
  });
}

Result<std::int64_t> SqliteStore::storage_used(UserId owner) {
  return read([&](Db& db) -> Result<std::int64_t> {
    MISSIVE_SQL(stmt, db, "SELECT coalesce(sum(size), 0) FROM upload WHERE owner_id = ?");
    stmt.bind(owner);
    MISSIVE_TRY(bool row, stmt.step());
    return row ? stmt.int64(0) : 0;
  });
}

Result<UploadSweep> SqliteStore::sweep_uploads(Timestamp now, Timestamp expired_before,
                                               int limit) {
  return write([&](Db& db) -> Result<UploadSweep> {
    UploadSweep out;
    // The attachments of messages that expired before `expired_before`.
    MISSIVE_SQL(expired, db,
                "SELECT a.upload_id, a.message_id FROM message_attachment a "
                "JOIN message m ON m.id = a.message_id "
                "WHERE m.expiry_date IS NOT NULL AND m.expiry_date < ? LIMIT ?");
    expired.bind(expired_before, limit);
    std::vector<std::pair<UploadId, MessageId>> links;
    for (;;) {
      MISSIVE_TRY(bool row, expired.step());
      if (!row) break;
      links.emplace_back(expired.id<UploadId>(0), expired.id<MessageId>(1));
    }
    for (const auto& [upload, message] : links) {
      {
        MISSIVE_SQL(stmt, db, "DELETE FROM message_attachment WHERE upload_id = ? AND message_id = ?");
        stmt.bind(upload, message);
        MISSIVE_TRY_STATUS(stmt.run());
      }
      bool unreferenced = false;
      {
        MISSIVE_SQL(stmt, db,
                    "UPDATE upload SET message_refs = message_refs - 1 WHERE id = ? "
                    "RETURNING message_refs");
        stmt.bind(upload);
        MISSIVE_TRY(bool row, stmt.step());
        unreferenced = row && stmt.int64(0) == 0;
        MISSIVE_TRY(bool more, stmt.step());  // finishes the statement
        (void)more;
      }
      if (unreferenced) {
        MISSIVE_TRY_STATUS(remove_upload(db, upload));
        ++out.removed_uploads;
      }
    }
    // Uploads no message took in time.
    MISSIVE_SQL(stale, db,
                "SELECT id, sha256 IS NULL FROM upload WHERE expires_at IS NOT NULL "
                "AND expires_at <= ? LIMIT ?");
    stale.bind(now, limit);
    std::vector<std::pair<UploadId, bool>> stale_uploads;
    for (;;) {
      MISSIVE_TRY(bool row, stale.step());
      if (!row) break;
      stale_uploads.emplace_back(stale.id<UploadId>(0), stale.boolean(1));
    }
    for (const auto& [upload, receiving] : stale_uploads) {
      MISSIVE_TRY_STATUS(remove_upload(db, upload));
      ++out.removed_uploads;
      if (receiving) out.removed_receiving.push_back(upload);
    }
    // Blobs nothing references: claimed, so a new upload of the same bytes takes a new key.
    MISSIVE_SQL(dead, db,
                "UPDATE blob SET deleting = 1 WHERE sha256 IN (SELECT sha256 FROM blob "
                "WHERE refs = 0 AND deleting = 0 LIMIT ?) RETURNING blob_key, thumbnail_key");
    dead.bind(limit);
    for (;;) {
      MISSIVE_TRY(bool row, dead.step());
      if (!row) break;
      out.dead_blobs.push_back(dead.text(0));
      if (auto thumbnail = dead.opt_text(1)) out.dead_blobs.push_back(std::move(*thumbnail));
    }
    return out;
  });
}

Status SqliteStore::forget_blobs(const std::vector<std::string>& keys) {
  return write([&](Db& db) -> Status {
    for (const std::string& key : keys) {
      MISSIVE_SQL(stmt, db, "DELETE FROM blob WHERE blob_key = ? AND deleting = 1");
      stmt.bind(key);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    return {};
  });
}

Result<std::vector<std::string>> SqliteStore::blob_keys() {
  return read([&](Db& db) -> Result<std::vector<std::string>> {
    MISSIVE_SQL(stmt, db,
                "SELECT blob_key FROM blob UNION "
                "SELECT thumbnail_key FROM blob WHERE thumbnail_key IS NOT NULL ORDER BY 1");
    std::vector<std::string> keys;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return keys;
      keys.push_back(stmt.text(0));
    }
  });
}

}  // namespace missive::sqlite
