// Full-text search of the PostgreSQL store: the parsed query as a tsquery over message.search
// (a tsvector of the text prepared by store/search_text.h, configuration missive_search, GIN
// index), with visibility and every filter in the same statement, ranked by ts_rank within
// windows of the newest visible hits exactly as the SQLite store ranks by BM25
// (store/sqlite/search.cpp). docs/search.md, "PostgreSQL", describes the mapping.
//
// The tsquery is never built from the user's text by string pasting: each term's prepared
// text goes to phraseto_tsquery as a parameter (the server tokenizes and normalises it and
// renders the lexemes quoted), and only the operators of the parsed tree (& | ! and the
// prefix marker :*) are added around those renderings; the result is bound as $1::tsquery.

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"
#include "store/search_paging.h"
#include "store/search_text.h"

namespace missive::postgres {
namespace {

constexpr std::int64_t kNoUpper = kSearchNoUpper;

// ts_rank's weights, in the order D, C, B, A: tails (C) 0.5, body (B) 1, subject (A) 3 as
// SQLite's columns weigh, scaled to ts_rank's range (at most 1). D is not used.
constexpr const char* kRankWeights = "{0.1,0.16666667,0.33333333,1.0}";
// ts_rank normalisation 1: the score divided by log2(1 + words in the message), so that a
// word in a short message counts more than in a long one (BM25's length normalisation).
// Lower is better, as in the SQLite store: the score is -ts_rank.

// Each term's prepared text as a phrase tsquery, rendered as text, in the order given.
constexpr const char* kTermQueries =
    "SELECT phraseto_tsquery('missive_search', u.t)::text "
    "FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY u.i";

// A user who sees fewer messages than this is served visible first (see Searcher::visible_first).
constexpr int kFewVisible = 4000;

// Parameters of both candidate statements:
//   $1 tsquery  $2 user  $3 highest id  $4 how many  $5 now  $6 include own expired
//   $7 sender  $8 group  $9 conversation  $10 from  $11 to  $12 unread only  $13 thread top
//   $14 rank weights  $15 sent with reminders only  $16 carrying attachments only
#define MISSIVE_PG_SEARCH_SCORE "-ts_rank($14::float4[], m.search, $1::tsquery, 1)"
#define MISSIVE_PG_SEARCH_FILTERS                                                       \
  " AND (m.expiry_date IS NULL OR m.expiry_date > $5::bigint"                           \
  "      OR ($6::boolean AND m.creator_id = $2::bigint))"                               \
  " AND ($7::bigint IS NULL OR m.creator_id = $7::bigint)"                              \
  " AND ($8::bigint IS NULL OR EXISTS (SELECT 1 FROM message_recipient g"               \
  "      WHERE g.message_id = m.id AND g.recipient_group_id = $8::bigint"               \
  "      AND (g.recipient_id = $2::bigint OR m.creator_id = $2::bigint)))"              \
  " AND ($9::bigint IS NULL OR m.conversation_id = $9::bigint)"                         \
  " AND ($10::bigint IS NULL OR m.create_date >= $10::bigint)"                          \
  " AND ($11::bigint IS NULL OR m.create_date < $11::bigint)"                           \
  " AND (NOT $12::boolean OR EXISTS (SELECT 1 FROM message_recipient u"                 \
  "      WHERE u.message_id = m.id AND u.recipient_id = $2::bigint AND NOT u.is_read))" \
  " AND ($13::bigint IS NULL OR m.id IN (WITH RECURSIVE sub(id) AS (SELECT $13::bigint" \
  "      UNION ALL SELECT c.id FROM message c JOIN sub ON c.parent_id = sub.id)"        \
  "      SELECT id FROM sub))"                                                          \
  " AND (NOT $15::boolean OR EXISTS (SELECT 1 FROM reminder_schedule h"                 \
  "      WHERE h.message_id = m.id))"                                                   \
  " AND (NOT $16::boolean OR m.attachments <> '[]')"                                    \
  " ORDER BY m.id DESC LIMIT $4::bigint"

// Hits first: the newest $4 hits (GIN index, or the primary key walked backwards with the
// match checked per row, as the planner prefers) that the user may see.
constexpr const char* kHitsFirst =
    "SELECT m.id, " MISSIVE_PG_SEARCH_SCORE
    " FROM message m"
    " WHERE m.search @@ $1::tsquery AND m.id <= $3::bigint"
    " AND (m.creator_id = $2::bigint OR EXISTS (SELECT 1 FROM message_recipient v"
    "      WHERE v.message_id = m.id AND v.recipient_id = $2::bigint))" MISSIVE_PG_SEARCH_FILTERS;

// Visible first: the user's received and sent messages (by their indexes), each checked
// against the tsquery. Its cost is bounded by what the user sees, however common the words.
constexpr const char* kVisibleFirst =
    "SELECT m.id, " MISSIVE_PG_SEARCH_SCORE
    " FROM message m"
    " WHERE m.id IN (SELECT r.message_id FROM message_recipient r"
    "      WHERE r.recipient_id = $2::bigint AND r.message_id <= $3::bigint"
    "      UNION ALL SELECT s.id FROM message s"
    "      WHERE s.creator_id = $2::bigint AND s.id <= $3::bigint)"
    " AND m.search @@ $1::tsquery" MISSIVE_PG_SEARCH_FILTERS;

// How many messages the user sees with ids <= $2, counted up to $3 (by the indexes alone).
constexpr const char* kCountVisible =
    "SELECT (SELECT count(*) FROM (SELECT 1 FROM message_recipient"
    "        WHERE recipient_id = $1::bigint AND message_id <= $2::bigint LIMIT $3::bigint) a)"
    "     + (SELECT count(*) FROM (SELECT 1 FROM message"
    "        WHERE creator_id = $1::bigint AND id <= $2::bigint LIMIT $3::bigint) b)";

// The user's view of each hit ($1: ids, $2: user): for their own messages, read.
constexpr const char* kLoadHits =
    "SELECT " MISSIVE_PG_MESSAGE_COLUMNS
    ", coalesce(bool_and(r.is_read), true), max(r.read_at),"
    " coalesce(string_agg(r.recipient_group_id::text, ','), ''), " MISSIVE_PG_INBOX_REMINDER_COLUMNS
    " FROM message m LEFT JOIN message_recipient r"
    " ON r.message_id = m.id AND r.recipient_id = $2::bigint"
    " WHERE m.id = ANY($1::bigint[]) GROUP BY m.id, r.recipient_id";

void collect_terms(const SearchNode& node, std::vector<PreparedTerm>& out) {
  if (node.kind == SearchNode::Kind::term) {
    out.push_back(prepare_term(node.term));
    return;
  }
  for (const SearchNode& child : node.children) collect_terms(child, out);
}

// The tsquery text of `node`; nullopt when it can match nothing (a term without any lexeme,
// e.g. only characters the parser drops). `lexemes[next]` is the rendering of the next term.
std::optional<std::string> compile(const SearchNode& node, const std::vector<PreparedTerm>& terms,
                                   const std::vector<std::string>& lexemes, std::size_t& next) {
  if (node.kind == SearchNode::Kind::term) {
    const std::size_t at = next++;
    std::string text = lexemes[at];
    if (text.empty()) return std::nullopt;
    // The prefix marker goes on the phrase's last lexeme, as FTS5's `"a b" *` does.
    if (terms[at].prefix && text.back() == '\'') text += ":*";
    return "(" + text + ")";
  }
  std::vector<std::optional<std::string>> parts;
  for (const SearchNode& child : node.children)
    parts.push_back(compile(child, terms, lexemes, next));
  switch (node.kind) {
    case SearchNode::Kind::all_of: {
      std::string out;
      for (const auto& part : parts) {
        if (!part) return std::nullopt;
        out += out.empty() ? "(" : " & ";
        out += *part;
      }
      return out + ")";
    }
    case SearchNode::Kind::any_of: {
      std::string out;
      for (const auto& part : parts) {
        if (!part) continue;
        out += out.empty() ? "(" : " | ";
        out += *part;
      }
      if (out.empty()) return std::nullopt;
      return out + ")";
    }
    case SearchNode::Kind::but_not:
      if (parts.size() != 2 || !parts[0]) return std::nullopt;
      if (!parts[1]) return parts[0];
      return "(" + *parts[0] + " & !" + *parts[1] + ")";
    case SearchNode::Kind::term:
      break;
  }
  return std::nullopt;
}

using Candidate = SearchCandidate;

class Searcher {
 public:
  Searcher(Tx& tx, const MessageSearch& search, PostgresSearchPlan plan)
      : tx_(tx), search_(search), plan_(plan) {}

  Result<SearchHits> run() {
    MISSIVE_TRY(std::optional<std::string> tsquery, compile_query());
    SearchHits out;
    if (!tsquery) return out;  // nothing can match
    tsquery_ = std::move(*tsquery);
    const int limit = std::max(1, clamp_limit(search_.limit));  // a page has room for a hit
    std::vector<Candidate> page;
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
    MISSIVE_TRY(out.hits, load(page));
    return out;
  }

 private:
  Result<std::optional<std::string>> compile_query() {
    std::vector<PreparedTerm> terms;
    collect_terms(search_.match, terms);
    std::vector<std::string> texts;
    for (const PreparedTerm& t : terms) texts.push_back(ascii_words(t.text));  // as indexed
    MISSIVE_TRY(Rows rows, tx_.query(kTermQueries, texts));
    std::vector<std::string> lexemes;
    for (int r = 0; r < rows.size(); ++r) lexemes.emplace_back(rows.text(r, 0));
    if (lexemes.size() != terms.size()) {
      return fail(ErrorCode::unavailable, "database error: the search terms could not be read");
    }
    std::size_t next = 0;
    return compile(search_.match, terms, lexemes, next);
  }

  // Relevance: the shared window walk (store/search_paging.h) over this store's candidates.
  Result<std::optional<SearchCursor>> ranked_page(int limit, std::vector<Candidate>& page) {
    return ranked_search_page(search_, limit, page, [this](std::int64_t upper, int count) {
      return candidates(upper, count);
    });
  }

  // Whether to walk the user's messages rather than the hits: for a user who sees few
  // messages that bounds the work whatever the words; for the others the planner's choice
  // over the hits (GIN for rare words) is the better one.
  Result<bool> visible_first(std::int64_t upper) {
    if (plan_ != PostgresSearchPlan::automatic) return plan_ == PostgresSearchPlan::visible_first;
    MISSIVE_TRY(Rows rows, tx_.query(kCountVisible, search_.user, upper,
                                     static_cast<std::int64_t>(kFewVisible)));
    return !rows.empty() && rows.int64(0, 0) < kFewVisible;
  }

  // The newest `count` visible hits with ids <= upper that pass every filter, newest first.
  Result<std::vector<Candidate>> candidates(std::int64_t upper, int count) {
    const MessageSearch& s = search_;
    MISSIVE_TRY(bool by_visible, visible_first(upper));
    MISSIVE_TRY(Rows rows, tx_.query(by_visible ? kVisibleFirst : kHitsFirst, tsquery_, s.user,
                                     upper, static_cast<std::int64_t>(count), s.now,
                                     s.include_expired, s.sender, s.group, s.conversation, s.from,
                                     s.to, s.unread_only, s.thread, kRankWeights, s.has_reminder,
                                     s.has_attachment));
    std::vector<Candidate> found;
    found.reserve(static_cast<std::size_t>(rows.size()));
    for (int r = 0; r < rows.size(); ++r) {
      found.push_back(Candidate{rows.id<MessageId>(r, 0), rows.real(r, 1)});
    }
    return found;
  }

  Result<std::vector<SearchHit>> load(const std::vector<Candidate>& page) {
    std::vector<SearchHit> hits;
    if (page.empty()) return hits;
    std::vector<std::int64_t> ids;
    for (const Candidate& c : page) ids.push_back(c.id.value);
    MISSIVE_TRY(Rows rows, tx_.query(kLoadHits, ids, search_.user));
    std::unordered_map<std::int64_t, InboxItem> items;
    for (int r = 0; r < rows.size(); ++r) {
      MISSIVE_TRY(InboxItem item, inbox_item_from_row(rows, r));
      const std::int64_t id = item.message.id.value;
      items.emplace(id, std::move(item));
    }
    for (const Candidate& c : page) {
      auto it = items.find(c.id.value);
      if (it == items.end()) {
        return fail(ErrorCode::unavailable, "database error: a search hit vanished");
      }
      hits.push_back(SearchHit{std::move(it->second), c.score});
    }
    return hits;
  }

  Tx& tx_;
  const MessageSearch& search_;
  const PostgresSearchPlan plan_;
  std::string tsquery_;
};

}  // namespace

Result<SearchHits> PostgresStore::search(const MessageSearch& search) {
  return read([&](Tx& tx) -> Result<SearchHits> {
    // Plan each statement with its values: a generic plan (which PostgreSQL switches a
    // prepared statement to after five runs) cannot tell a rare word from a common one and
    // would pick one way of finding hits for both.
    MISSIVE_TRY_STATUS(tx.conn.run("SET LOCAL plan_cache_mode = force_custom_plan"));
    return Searcher(tx, search, search_plan_).run();
  });
}

// GIN keeps itself: autovacuum merges its pending list. Nothing to do in steps.
Result<bool> PostgresStore::maintain_search_index(int) { return false; }

}  // namespace missive::postgres
