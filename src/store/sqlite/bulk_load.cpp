#include "store/sqlite/bulk_load.h"

#include <map>
#include <tuple>
#include <vector>

#include "store/sqlite/rows.h"
#include "store/sqlite/search_text.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {
namespace {

struct Conversation {
  ConversationId id;
  Seq max_seq = 0;
};

using Key = std::tuple<int, std::int64_t, std::int64_t, std::int64_t>;

Key key_of(const ConversationKey& k) {
  return {static_cast<int>(k.kind), k.low.value, k.high.value, k.group.value};
}

}  // namespace

Status bulk_load(const std::string& path, const std::function<bool(NewMessage&)>& next,
                 const std::function<void(const Message&, const NewMessage&)>& loaded,
                 int batch) {
  MISSIVE_TRY(auto db, Db::open(path, OpenMode::read_write_create));
  MISSIVE_TRY_STATUS(db->exec("PRAGMA synchronous = OFF"));
  std::map<Key, Conversation> conversations;
  std::int64_t next_id = 1;
  {
    MISSIVE_SQL(stmt, *db, "SELECT coalesce(max(id), 0) + 1 FROM message");
    MISSIVE_TRY(bool row, stmt.step());
    if (row) next_id = stmt.int64(0);
  }
  NewMessage nm;
  bool more = true;
  std::vector<Conversation*> touched;
  while (more) {
    MISSIVE_TRY_STATUS(db->exec("BEGIN IMMEDIATE"));
    touched.clear();
    for (int i = 0; i < batch && (more = next(nm)); ++i) {
      Conversation& conv = conversations[key_of(nm.conversation)];
      touched.push_back(&conv);
      if (!conv.id.valid()) {
        MISSIVE_SQL(stmt, *db,
                    "INSERT INTO conversation (kind, user_low, user_high, group_id, max_seq, "
                    "created_at) VALUES (?, ?, ?, ?, 0, ?) RETURNING id");
        const bool direct = nm.conversation.kind == ConversationKind::direct;
        stmt.bind(kind_name(nm.conversation.kind),
                  direct ? std::optional<UserId>(nm.conversation.low) : std::nullopt,
                  direct ? std::optional<UserId>(nm.conversation.high) : std::nullopt,
                  direct ? std::nullopt : std::optional<GroupId>(nm.conversation.group),
                  nm.create_date);
        MISSIVE_TRY(bool row, stmt.step());
        if (!row) return fail(ErrorCode::unavailable, "conversation not created");
        conv.id = stmt.id<ConversationId>(0);
      }
      Message m;
      m.id = MessageId(next_id++);
      m.conversation = conv.id;
      m.seq = ++conv.max_seq;
      m.creator = nm.creator;
      m.subject = nm.subject;
      m.body = nm.body;
      m.root = m.id;
      m.create_date = nm.create_date;
      {
        MISSIVE_SQL(stmt, *db,
                    "INSERT INTO message (id, conversation_id, seq, creator_id, subject, body, "
                    "root_id, create_date, recipient_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        stmt.bind(m.id, m.conversation, m.seq, m.creator, m.subject, m.body, m.root,
                  m.create_date, nm.recipients.size());
        MISSIVE_TRY_STATUS(stmt.run());
      }
      {
        MISSIVE_SQL(stmt, *db,
                    "INSERT INTO message_fts (rowid, subject, body, tails) VALUES (?, ?, ?, ?)");
        stmt.bind(m.id, index_text(m.subject), index_text(m.body),
                  index_tails(m.subject + "\n" + m.body));
        MISSIVE_TRY_STATUS(stmt.run());
      }
      for (const RecipientRef& r : nm.recipients) {
        MISSIVE_SQL(stmt, *db,
                    "INSERT INTO message_recipient (message_id, recipient_id, recipient_group_id) "
                    "VALUES (?, ?, ?)");
        stmt.bind(m.id, r.user, r.group.valid() ? r.group.value : 0);
        MISSIVE_TRY_STATUS(stmt.run());
      }
      loaded(m, nm);
    }
    for (const Conversation* conv : touched) {
      MISSIVE_SQL(stmt, *db, "UPDATE conversation SET max_seq = ? WHERE id = ? AND max_seq < ?");
      stmt.bind(conv->max_seq, conv->id, conv->max_seq);
      MISSIVE_TRY_STATUS(stmt.run());
    }
    MISSIVE_TRY_STATUS(db->exec("COMMIT"));
  }
  return {};
}

}  // namespace missive::sqlite
