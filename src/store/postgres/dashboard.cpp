// The dashboard reads of the PostgreSQL store (counters kept by the send and read paths).

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"

namespace missive::postgres {
namespace {

Status require_message(Tx& tx, MessageId id) {
  MISSIVE_TRY(Rows rows, tx.query("SELECT 1 FROM message WHERE id = $1", id));
  if (rows.empty()) return fail(ErrorCode::not_found, fmt::format("no message {}", id.value));
  return {};
}

}  // namespace

Result<std::vector<Message>> PostgresStore::sent_messages(const DashboardQuery& q) {
  return read([&](Tx& tx) -> Result<std::vector<Message>> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_MESSAGE_COLUMNS " FROM message m "
                                    "WHERE m.creator_id = $1 AND m.id < $2 "
                                    "ORDER BY m.id DESC LIMIT $3",
                                    q.creator,
                                    q.before ? q.before->value
                                             : std::numeric_limits<std::int64_t>::max(),
                                    clamp_limit(q.limit)));
    std::vector<Message> out;
    for (int r = 0; r < rows.size(); ++r) {
      MISSIVE_TRY(Message m, message_from_row(rows, r));
      out.push_back(std::move(m));
    }
    return out;
  });
}

Result<std::vector<GroupReadStat>> PostgresStore::read_stats(MessageId id) {
  return read([&](Tx& tx) -> Result<std::vector<GroupReadStat>> {
    MISSIVE_TRY_STATUS(require_message(tx, id));
    MISSIVE_TRY(Rows rows, tx.query("SELECT s.group_id, coalesce(g.name, ''), s.recipients, "
                                    "s.reads FROM message_group_stat s "
                                    "LEFT JOIN grp g ON g.id = s.group_id "
                                    "WHERE s.message_id = $1 ORDER BY s.group_id",
                                    id));
    std::vector<GroupReadStat> out;
    for (int r = 0; r < rows.size(); ++r) {
      out.push_back(GroupReadStat{rows.id<GroupId>(r, 0), std::string(rows.text(r, 1)),
                                  rows.int64(r, 2), rows.int64(r, 3)});
    }
    return out;
  });
}

Result<std::vector<RecipientStatus>> PostgresStore::recipient_statuses(MessageId id) {
  return read([&](Tx& tx) -> Result<std::vector<RecipientStatus>> {
    MISSIVE_TRY_STATUS(require_message(tx, id));
    // COLLATE "C": handles in byte order, as SQLite sorts them, whatever the database's locale.
    MISSIVE_TRY(Rows rows,
                tx.query("SELECT r.recipient_id, u.handle, u.first_name, u.last_name, "
                         "r.recipient_group_id, coalesce(g.name, ''), r.is_read, r.read_at, "
                         "u.is_active, r.delivered_at "
                         "FROM message_recipient r JOIN users u ON u.id = r.recipient_id "
                         "LEFT JOIN grp g ON g.id = r.recipient_group_id "
                         "WHERE r.message_id = $1 "
                         "ORDER BY r.recipient_group_id, u.handle COLLATE \"C\"",
                         id));
    std::vector<RecipientStatus> out;
    for (int r = 0; r < rows.size(); ++r) {
      RecipientStatus s;
      s.user = rows.id<UserId>(r, 0);
      s.handle = rows.text(r, 1);
      s.full_name = std::string(rows.text(r, 2)) + " " + std::string(rows.text(r, 3));
      s.group = rows.id<GroupId>(r, 4);
      s.group_name = rows.text(r, 5);
      s.is_read = rows.boolean(r, 6);
      s.read_at = rows.opt_int64(r, 7);
      s.user_is_active = rows.boolean(r, 8);
      s.delivered_at = rows.opt_int64(r, 9);
      out.push_back(std::move(s));
    }
    return out;
  });
}

Result<std::vector<ReadBucket>> PostgresStore::read_history(const ReadHistoryQuery& query) {
  return read([&](Tx& tx) -> Result<std::vector<ReadBucket>> {
    MISSIVE_TRY_STATUS(require_message(tx, query.message));
    // A user reached through two groups has two records: their first read counts once, as
    // in message.read_count.
    MISSIVE_TRY(Rows rows,
                tx.query("SELECT (first_read - $2) / $3 AS bucket, count(*), max(first_read) "
                         "FROM (SELECT min(read_at) AS first_read FROM message_recipient "
                         "WHERE message_id = $1 AND is_read GROUP BY recipient_id) f "
                         "GROUP BY bucket ORDER BY bucket",
                         query.message, query.origin, std::max<Timestamp>(1, query.bucket_ms)));
    std::vector<ReadBucket> out;
    for (int r = 0; r < rows.size(); ++r) {
      out.push_back(ReadBucket{rows.int64(r, 2), rows.int64(r, 1)});
    }
    return out;
  });
}

}  // namespace missive::postgres
