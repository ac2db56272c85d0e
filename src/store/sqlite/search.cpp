// Full-text search in the SQLite store: FTS5 hits joined to what the user may see.

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "store/sqlite/reminders.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/search_filter.h"
#include "store/sqlite/search_text.h"
#include "store/search_paging.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace missive::sqlite {
namespace {

constexpr std::int64_t kNoUpper = kSearchNoUpper;
// Document frequencies for the IDF are counted up to here: beyond it a word is common and
// counting further would cost more than the ranking it refines.
constexpr int kIdfCountCap = 1000;
// Plan choice (see is_dense): fewer hits than this -> hits first; a user with fewer received
// messages than kFewVisible -> visible first.
constexpr int kFewHits = 64;
constexpr int kFewVisible = 4000;
// Beyond kFewVisible: at least this many hits -> visible first.
constexpr int kDenseHits = 500;
// The merge plan serves users who see at most kMaxVisible messages. Looking one message up in
// the index costs about as much as walking kLookupInHits hits (13-20 us against 0.05-0.5 us):
// the walk switches to lookups once it has walked more than that many hits per visible
// message it passed, plus kWalkSlack.
constexpr int kMaxVisible = 50'000;
constexpr std::int64_t kLookupInHits = 64;
constexpr std::int64_t kWalkSlack = 1000;

// Parameters shared by both candidate statements:
//   ?1 MATCH expression  ?2 user  ?3 highest id  ?4 how many candidates  ?5 now
//   ?6 include own expired  ?7 sender  ?8 group  ?9 conversation  ?10 from  ?11 to
//   ?12 unread only  ?13 thread top  ?14 the phrases' IDFs (see search_rank.h)
//   ?15 sent with reminders only  ?16 carrying attachments only
#define MISSIVE_SEARCH_SCORE "missive_rank(message_fts, ?14)"
#define MISSIVE_SEARCH_FILTERS                                                              \
  " AND (m.expiry_date IS NULL OR m.expiry_date > ?5 OR (?6 = 1 AND m.creator_id = ?2))"    \
  " AND (?7 IS NULL OR m.creator_id = ?7)"                                                  \
  " AND (?8 IS NULL OR EXISTS (SELECT 1 FROM message_recipient g WHERE g.message_id = m.id" \
  "      AND g.recipient_group_id = ?8 AND (g.recipient_id = ?2 OR m.creator_id = ?2)))"    \
  " AND (?9 IS NULL OR m.conversation_id = ?9)"                                             \
  " AND (?10 IS NULL OR m.create_date >= ?10)"                                              \
  " AND (?11 IS NULL OR m.create_date < ?11)"                                               \
  " AND (?12 = 0 OR EXISTS (SELECT 1 FROM message_recipient u WHERE u.message_id = m.id"    \
  "      AND u.recipient_id = ?2 AND u.is_read = 0))"                                       \
  " AND (?13 IS NULL OR m.id IN (WITH RECURSIVE sub(id) AS (SELECT ?13 UNION ALL"           \
  "      SELECT c.id FROM message c JOIN sub ON c.parent_id = sub.id) SELECT id FROM sub))"  \
  " AND (?15 = 0 OR EXISTS (SELECT 1 FROM reminder_schedule h WHERE h.message_id = m.id))" \
  " AND (?16 = 0 OR m.attachments <> '[]')"

// Hits first: walks the index newest first and keeps what the user may see. Cheap when the
// words are rare.
constexpr const char* kHitsFirst =
    "SELECT message_fts.rowid, " MISSIVE_SEARCH_SCORE
    " FROM message_fts CROSS JOIN message m ON m.id = message_fts.rowid"
    " WHERE message_fts MATCH ?1 AND message_fts.rowid <= ?3"
    " AND (m.creator_id = ?2 OR EXISTS (SELECT 1 FROM message_recipient v"
    "      WHERE v.message_id = m.id AND v.recipient_id = ?2))" MISSIVE_SEARCH_FILTERS
    " ORDER BY message_fts.rowid DESC LIMIT ?4";

// Visible first: walks the user's received messages newest first (one recipient record per
// message) and looks each up in the index by rowid; the same for the messages they sent. The
// newest `count` of the two lists together are among the newest `count` of each. The cost is
// bounded by what the user can see, not by how common the words are.
constexpr const char* kReceivedFirst =
    "SELECT r.message_id, " MISSIVE_SEARCH_SCORE
    " FROM message_recipient r CROSS JOIN message m ON m.id = r.message_id"
    " CROSS JOIN message_fts ON message_fts.rowid = r.message_id"
    " WHERE r.recipient_id = ?2 AND r.message_id <= ?3"
    " AND r.recipient_group_id = (SELECT min(x.recipient_group_id) FROM message_recipient x"
    "      WHERE x.message_id = r.message_id AND x.recipient_id = ?2)"
    " AND message_fts MATCH ?1" MISSIVE_SEARCH_FILTERS
    " ORDER BY r.message_id DESC LIMIT ?4";
constexpr const char* kSentFirst =
    "SELECT m.id, " MISSIVE_SEARCH_SCORE
    " FROM message m CROSS JOIN message_fts ON message_fts.rowid = m.id"
    " WHERE m.creator_id = ?2 AND m.id <= ?3 AND message_fts MATCH ?1" MISSIVE_SEARCH_FILTERS
    " ORDER BY m.id DESC LIMIT ?4";

// Used by the merge plan (Searcher::merge): the user's messages, the hits among them newest
// or oldest first (?1 MATCH expression ?2 highest id ?3 lowest id ?4 scored ?5 IdSet ?6 IDFs),
// one message checked against the expiry rule or every filter, one message looked up and
// scored.
constexpr const char* kVisibleIds =
    "SELECT message_id FROM message_recipient WHERE recipient_id = ?1 AND message_id <= ?2 "
    "UNION ALL SELECT id FROM message WHERE creator_id = ?1 AND id <= ?2 LIMIT ?3";
// The walks stop past the last visible message themselves (IdSet): a rowid bound only where
// it saves walking.
constexpr const char* kWalkNewestFirst =
    "SELECT rowid, CASE WHEN ?4 THEN missive_rank(message_fts, ?6) ELSE 0 END FROM message_fts"
    " WHERE message_fts MATCH ?1 AND missive_in(?5, rowid) ORDER BY rowid DESC";
constexpr const char* kWalkNewestFirstBelow =
    "SELECT rowid, CASE WHEN ?4 THEN missive_rank(message_fts, ?6) ELSE 0 END FROM message_fts"
    " WHERE message_fts MATCH ?1 AND rowid <= ?2 AND missive_in(?5, rowid) ORDER BY rowid DESC";
constexpr const char* kWalkOldestFirst =
    "SELECT rowid, CASE WHEN ?4 THEN missive_rank(message_fts, ?6) ELSE 0 END FROM message_fts"
    " WHERE message_fts MATCH ?1 AND rowid >= ?3 AND missive_in(?5, rowid) ORDER BY rowid ASC";
constexpr const char* kPassesFilters =
    "SELECT 1 FROM message m WHERE m.id = ?1" MISSIVE_SEARCH_FILTERS;
constexpr const char* kNotExpired =
    "SELECT 1 FROM message m WHERE m.id = ?1"
    " AND (m.expiry_date IS NULL OR m.expiry_date > ?2 OR (?3 = 1 AND m.creator_id = ?4))";
// (Its IDFs are ?3: it once used MISSIVE_SEARCH_SCORE's ?14, left unbound, so lookups ranked
// with every IDF at 1.)
constexpr const char* kScoreOne =
    "SELECT missive_rank(message_fts, ?3) FROM message_fts WHERE message_fts MATCH ?1 AND rowid = ?2";

using Candidate = SearchCandidate;

class Searcher {
 public:
  Searcher(Db& db, const MessageSearch& search, SearchPlan plan)
      : db_(db),
        search_(search),
        match_(fts5_match(search.match)),
        plan_(plan),
        has_filters_(search.sender || search.group || search.conversation || search.from ||
                     search.to || search.unread_only || search.thread || search.has_reminder ||
                     search.has_attachment) {}

  Result<SearchHits> run() {
    const int limit = clamp_limit(search_.limit);
    MISSIVE_TRY(idfs_, phrase_idfs());
    std::vector<Candidate> page;
    SearchHits out;
    if (search_.sort == SearchSort::date) {
      const std::int64_t upper = search_.cursor ? search_.cursor->upper.value : kNoUpper;
      MISSIVE_TRY(page, candidates(upper, limit + 1));
      if (page.size() > static_cast<std::size_t>(limit)) {
        page.resize(static_cast<std::size_t>(limit));
        out.next = SearchCursor{MessageId(page.back().id.value - 1), 0};
      }
      for (Candidate& c : page) c.score = 0;
    } else {
      MISSIVE_TRY(out.next, ranked_page(limit, page));
    }
    for (const Candidate& c : page) {
      MISSIVE_TRY(InboxItem item, load(c.id));
      out.hits.push_back(SearchHit{std::move(item), c.score});
    }
    return out;
  }

 private:
  // Relevance: the shared window walk (store/search_paging.h) over this store's candidates.
  Result<std::optional<SearchCursor>> ranked_page(int limit, std::vector<Candidate>& page) {
    return ranked_search_page(search_, limit, page, [this](std::int64_t upper, int count) {
      return candidates(upper, count);
    });
  }

  // The newest `count` visible hits with ids <= upper that pass every filter, newest first.
  Result<std::vector<Candidate>> candidates(std::int64_t upper, int count) {
    if (plan_ == SearchPlan::hits_first || plan_ == SearchPlan::visible_first) {
      return sql_plan(upper, count);
    }
    MISSIVE_TRY(auto visible, visible_ids(upper));
    if (!visible) return sql_plan(upper, count);
    return merge(*visible, upper, count);
  }

  // The SQL plans (hits first, visible first), for users who see more than kMaxVisible.
  Result<std::vector<Candidate>> sql_plan(std::int64_t upper, int count) {
    MISSIVE_TRY(bool dense, is_dense(upper));
    std::vector<Candidate> found;
    for (const char* sql : dense ? std::vector{kReceivedFirst, kSentFirst} : std::vector{kHitsFirst}) {
      MISSIVE_TRY(auto stmt, db_.prepare(sql));
      const MessageSearch& s = search_;
      stmt.bind(match_, s.user, upper, count, s.now, s.include_expired, s.sender, s.group,
                s.conversation, s.from, s.to, s.unread_only, s.thread, idfs_, s.has_reminder,
                s.has_attachment);
      for (;;) {
        MISSIVE_TRY(bool row, stmt.step());
        if (!row) break;
        found.push_back(Candidate{stmt.id<MessageId>(0), stmt.real(1)});
      }
    }
    std::sort(found.begin(), found.end(),
              [](const Candidate& a, const Candidate& b) { return a.id > b.id; });
    if (found.size() > static_cast<std::size_t>(count)) found.resize(static_cast<std::size_t>(count));
    return found;
  }

  // Every message the user may see with an id <= upper, newest first; nullopt for a user who
  // sees more than kMaxVisible (the SQL plans serve them).
  Result<std::optional<std::vector<std::int64_t>>> visible_ids(std::int64_t upper) {
    MISSIVE_SQL(stmt, db_, kVisibleIds);
    stmt.bind(search_.user, upper, kMaxVisible + 1);
    std::vector<std::int64_t> ids;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) break;
      ids.push_back(stmt.int64(0));
    }
    if (ids.size() > static_cast<std::size_t>(kMaxVisible)) return std::nullopt;
    std::sort(ids.begin(), ids.end(), std::greater<>());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return std::optional<std::vector<std::int64_t>>(std::move(ids));
  }

  // The merge plan: walks the hits newest first down to the user's oldest message (`visible`,
  // newest first), keeping inside SQLite only the user's (missive_in, a merge with the sorted
  // ids), scored in the same pass; once the walk costs more per visible message than a lookup
  // (IdSet::per_id), it looks the rest up one by one instead. Matches are checked against the
  // filters, newest first, until `count` pass.
  Result<std::vector<Candidate>> merge(const std::vector<std::int64_t>& visible,
                                       std::int64_t upper, int count) {
    std::vector<Candidate> found;
    if (visible.empty()) return found;
    const bool scored = search_.sort == SearchSort::relevance;
    // `score`: known when the walk found the hit; nullopt: look `id` up (is it a hit? score).
    auto accept = [&](std::int64_t id, std::optional<double> score) -> Result<bool> {
      if (!score) {
        MISSIVE_SQL(stmt, db_, kScoreOne);
        stmt.bind(match_, id, idfs_);
        MISSIVE_TRY(bool hit, stmt.step());
        if (!hit) return false;
        score = stmt.real(0);
      }
      MISSIVE_TRY(bool passes, passes_filters(id));
      if (!passes) return false;
      found.push_back(Candidate{MessageId(id), *score});
      return found.size() >= static_cast<std::size_t>(count);
    };
    // Every visible hit is wanted when there are no more visible messages than `count`: the
    // order of the walk does not matter then, and FTS5 walks oldest first faster.
    const bool ascending = visible.size() <= static_cast<std::size_t>(count);
    std::size_t begin = 0;  // visible[begin, end) are undecided
    std::size_t end = visible.size();
    bool full = false;
    if (plan_ != SearchPlan::merge_lookups) {
      IdSet set{.ids = &visible, .ascending = ascending};
      if (plan_ == SearchPlan::automatic) {
        set.per_id = kLookupInHits;
        set.slack = kWalkSlack;
      }
      const char* sql = ascending              ? kWalkOldestFirst
                        : upper == kNoUpper ? kWalkNewestFirst
                                            : kWalkNewestFirstBelow;
      MISSIVE_SQL(walk, db_, sql);
      walk.bind(match_, upper, visible.back(), scored);
      walk.bind_pointer(&set, kIdSetType);
      walk.bind(idfs_);
      while (!full) {
        MISSIVE_TRY(bool row, walk.step());
        if (!row) {  // walked every hit between the newest and the oldest visible message
          begin = end;
          break;
        }
        const std::int64_t hit = walk.int64(0);
        if (set.exhausted) {  // `hit` was not checked: it and those not yet walked are undecided
          if (ascending) {
            while (end > begin && visible[end - 1] < hit) --end;
          } else {
            while (begin < end && visible[begin] > hit) ++begin;
          }
          break;
        }
        MISSIVE_TRY(full, accept(hit, walk.real(1)));
      }
    }
    for (std::size_t i = begin; i < end && !full; ++i) {
      MISSIVE_TRY(full, accept(visible[i], std::nullopt));
    }
    if (ascending) {
      std::sort(found.begin(), found.end(),
                [](const Candidate& a, const Candidate& b) { return a.id > b.id; });
    }
    return found;
  }

  // Whether the message `id`, which the user may see, passes the expiry rule and the filters.
  Result<bool> passes_filters(std::int64_t id) {
    const MessageSearch& s = search_;
    if (!has_filters_) {  // the expiry rule alone: a smaller statement, often run
      MISSIVE_SQL(stmt, db_, kNotExpired);
      stmt.bind(id, s.now, s.include_expired, s.user);
      return stmt.step();
    }
    MISSIVE_SQL(stmt, db_, kPassesFilters);
    stmt.bind(id, s.user, nullptr, nullptr, s.now, s.include_expired, s.sender, s.group,
              s.conversation, s.from, s.to, s.unread_only, s.thread, nullptr, s.has_reminder,
              s.has_attachment);
    return stmt.step();
  }

  // Whether to walk the user's messages (visible first) rather than the hits. Counting is
  // capped at each step so that deciding costs little: very few hits -> hits first; a user
  // who sees few messages -> visible first; otherwise whichever is known to be smaller.
  Result<bool> is_dense(std::int64_t upper) {
    if (plan_ != SearchPlan::automatic) return plan_ == SearchPlan::visible_first;
    MISSIVE_TRY(std::int64_t few_hits, count_hits(upper, kFewHits));
    if (few_hits < kFewHits) return false;
    {
      MISSIVE_SQL(stmt, db_,
                  "SELECT count(*) FROM (SELECT 1 FROM message_recipient WHERE recipient_id = ?1 "
                  "AND message_id <= ?2 LIMIT ?3)");
      stmt.bind(search_.user, upper, kFewVisible);
      MISSIVE_TRY(bool row, stmt.step());
      if (row && stmt.int64(0) < kFewVisible) return true;
    }
    MISSIVE_TRY(std::int64_t hits, count_hits(upper, kDenseHits));
    return hits >= kDenseHits;
  }

  Result<std::int64_t> count_hits(std::int64_t upper, int cap) {
    MISSIVE_SQL(stmt, db_,
                "SELECT count(*) FROM (SELECT rowid FROM message_fts WHERE message_fts MATCH ?1 "
                "AND rowid <= ?2 LIMIT ?3)");
    stmt.bind(match_, upper, cap);
    MISSIVE_TRY(bool row, stmt.step());
    return row ? stmt.int64(0) : 0;
  }

  // "idf0 idf1 ...": BM25's log((N - n + 0.5) / (n + 0.5)) per phrase, floored at 1e-6 as
  // FTS5 does, with n counted up to kIdfCountCap and N the number of messages.
  Result<std::string> phrase_idfs() {
    double total = 0;
    {
      MISSIVE_SQL(stmt, db_, "SELECT coalesce(max(id), 0) FROM message");
      MISSIVE_TRY(bool row, stmt.step());
      total = row ? static_cast<double>(stmt.int64(0)) : 0.0;
    }
    const std::vector<std::string> phrases = fts5_phrases(search_.match);
    // One phrase: its IDF multiplies every score alike and cannot change the order.
    if (phrases.size() == 1) return std::string("1");
    std::string out;
    for (const std::string& phrase : phrases) {
      double idf = 0;
      if (!phrase.empty()) {
        MISSIVE_SQL(stmt, db_,
                    "SELECT count(*) FROM (SELECT 1 FROM message_fts WHERE message_fts MATCH ?1 "
                    "LIMIT ?2)");
        stmt.bind(phrase, kIdfCountCap);
        MISSIVE_TRY(bool row, stmt.step());
        const double n = row ? static_cast<double>(stmt.int64(0)) : 0.0;
        idf = std::max(1e-6, std::log((total - n + 0.5) / (n + 0.5)));
      }
      out += fmt::format("{} ", idf);
    }
    return out;
  }

  Result<InboxItem> load(MessageId id) {
    MISSIVE_SQL(stmt, db_,
                "SELECT " MISSIVE_MESSAGE_COLUMNS
                ", coalesce(min(r.is_read), 1), max(r.read_at), "
                "coalesce(group_concat(r.recipient_group_id), ''), "
                MISSIVE_INBOX_REMINDER_COLUMNS " FROM message m "
                "LEFT JOIN message_recipient r ON r.message_id = m.id AND r.recipient_id = ?2 "
                "WHERE m.id = ?1 GROUP BY m.id");
    stmt.bind(id, search_.user);
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) return fail(ErrorCode::unavailable, "database error: a search hit vanished");
    return inbox_item_from_row(stmt);
  }

  Db& db_;
  const MessageSearch& search_;
  const std::string match_;
  std::string idfs_;
  const SearchPlan plan_;
  const bool has_filters_;  // any filter beyond the expiry rule
};

}  // namespace

Result<SearchHits> SqliteStore::search(const MessageSearch& search) {
  return read([&](Db& db) { return Searcher(db, search, search_plan_).run(); });
}


// FTS5 keeps the index as levels of segments; every lookup probes each segment, so fewer
// segments make searches faster (docs/search.md, "Measured"). Inserts merge automatically
// only once a level holds 4 segments (automerge); this step merges any level holding 2 or
// more ('usermerge' 2), so that after enough steps each level keeps at most one segment: the
// fewest probes without rewriting the whole index as 'optimize' would. It runs alone in a
// plain transaction of the writer (no savepoint, no other write in it): a merge issued inside
// the batched send transactions once ended in "database disk image is malformed" (SQLite
// 3.40.1) and is not done.
Result<bool> SqliteStore::maintain_search_index(int pages) {
  constexpr int kUserMerge = 2;
  pages = std::max(pages, 1);
  return write_alone([&](Db& db) -> Result<bool> {
    {
      MISSIVE_SQL(config, db, "SELECT v FROM message_fts_config WHERE k = 'usermerge'");
      MISSIVE_TRY(bool row, config.step());
      if (!row || config.is_null(0) || config.int64(0) != kUserMerge) {
        MISSIVE_SQL(set, db,
                    "INSERT INTO message_fts (message_fts, rank) VALUES ('usermerge', ?)");
        set.bind(kUserMerge);
        MISSIVE_TRY_STATUS(set.run());
      }
    }
    MISSIVE_SQL(merge, db, "INSERT INTO message_fts (message_fts, rank) VALUES ('merge', ?)");
    merge.bind(pages);
    const std::int64_t before = db.total_changes();
    MISSIVE_TRY_STATUS(merge.run());
    // FTS5's documented test: fewer than 2 changes means the merge found nothing to do.
    return db.total_changes() - before >= 2;
  });
}

}  // namespace missive::sqlite
