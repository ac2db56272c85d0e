// The SQLite search's plans give the same pages: the merge plan as chosen per query (which
// walks oldest first when every visible hit is wanted, and switches from walking to lookups
// once walking costs more), forced to walk every hit, forced to look every message up, and
// the two SQL plans, on a store large enough for the automatic choice to switch, for a user
// who sees many messages and users who see few, common and rare terms, both orders, paging
// through several relevance windows. Also the id set the walks filter with.

#include <algorithm>
#include <map>
#include <random>

#include <fmt/format.h>

#include "store/sqlite/search_filter.h"
#include "store/sqlite/sqlite_store.h"
#include "store_test_support.h"

namespace missive::testing {
namespace {

TEST(SqliteSearchIdSet, FindsIdsWalkedEitherWayOrOutOfOrder) {
  const std::vector<std::int64_t> ids = {90, 70, 50, 30, 10};
  sqlite::IdSet set{.ids = &ids};
  std::vector<std::int64_t> found;
  for (std::int64_t id = 100; id > 0; --id) {
    if (set.contains(id)) found.push_back(id);
  }
  EXPECT_EQ(found, ids);
  found.clear();
  for (std::int64_t id = 1; id <= 100; ++id) {
    if (set.contains(id)) found.push_back(id);
  }
  EXPECT_EQ(found, (std::vector<std::int64_t>{10, 30, 50, 70, 90}));
  for (std::int64_t id : {50, 91, 10, 70, 11, 90, 30, 0}) {
    EXPECT_EQ(set.contains(id), std::count(ids.begin(), ids.end(), id) == 1) << id;
  }
}

TEST(SqliteSearchIdSet, StopsAWalkThatPassesTooFewIds) {
  const std::vector<std::int64_t> ids = {1000, 900, 100};
  sqlite::IdSet set{.ids = &ids, .per_id = 10, .slack = 5};
  // Walking down from 1000, having passed one id (1000): stops at the 25th row, when
  // 25 - 5 rows beyond the slack reach 10 per id for 1 + 1 ids.
  int checked = 0;
  for (std::int64_t id = 1000; id > 0 && !set.walked_too_far(id); --id) {
    (void)set.contains(id);
    ++checked;
  }
  EXPECT_TRUE(set.exhausted);
  EXPECT_EQ(checked, 24);
  sqlite::IdSet unlimited{.ids = &ids};
  for (int i = 0; i < 100'000; ++i) ASSERT_FALSE(unlimited.walked_too_far(500));
  EXPECT_TRUE(unlimited.walked_too_far(99));  // past the last id, walking down
  sqlite::IdSet up{.ids = &ids, .ascending = true};
  EXPECT_FALSE(up.walked_too_far(1000));
  EXPECT_TRUE(up.walked_too_far(1001));  // past the last id, walking up
}

std::string db_path(const TempDir& dir) { return (dir.path() / "data" / "missive.db").string(); }

// Every page of `search` (ids, scores and cursors), as text to compare.
std::string all_pages(Store& store, MessageSearch search) {
  std::string out;
  for (int page = 0; page < 500; ++page) {
    SearchHits hits = must(store.search(search));
    for (const SearchHit& h : hits.hits) out += fmt::format(" {}:{:.12g}", h.item.message.id.value, h.score);
    if (!hits.next) return out;
    out += fmt::format(" | next {}.{} |", hits.next->upper.value, hits.next->offset);
    search.cursor = hits.next;
  }
  ADD_FAILURE() << "did not end";
  return out;
}

TEST(SqliteSearchPlans, EveryPlanGivesTheSamePagesForFewAndManyVisibleMessages) {
  TempDir dir;
  std::vector<UserId> users;
  std::vector<std::int64_t> expired;
  {
    auto store = must(open_sqlite_store(SqliteOptions{.path = db_path(dir), .sync_commits = false}));
    for (const char* handle : {"heavy", "light", "sparse", "s1", "s2", "s3"}) {
      users.push_back(must(store->create_user(NewUser{handle, "F", "L", "x", {}, false, 1})).id);
    }
    // 3,000 messages with "common" in each: heavy receives every third one, light every
    // 200th, sparse every 150th; "rare" in every 97th, the phrase in every 7th.
    std::mt19937_64 rng(5);
    for (int i = 0; i < 3000; ++i) {
      UserId from = users[3 + static_cast<std::size_t>(i % 3)];
      UserId to = users[3 + static_cast<std::size_t>((i + 1) % 3)];
      if (i % 3 == 0) to = users[0];
      if (i % 200 == 1) to = users[1];
      if (i % 150 == 7) to = users[2];
      if (i % 400 == 3) std::swap(from, to);  // now and then the reader is the sender
      if (from == to) continue;
      NewMessage m;
      m.creator = from;
      m.create_date = 1'700'000'000'000 + i;
      m.subject = i % 11 == 0 ? "common subject" : "note";
      m.body = fmt::format("common words {} {}", std::string(1 + rng() % 6, 'x'),
                           i % 7 == 0 ? "alpha beta" : "beta alpha");
      if (i % 97 == 0) m.body += " rare";
      if (i % 13 == 0) m.body += " common common";
      m.conversation = ConversationKey{.kind = ConversationKind::direct,
                                       .low = std::min(from, to), .high = std::max(from, to)};
      m.recipients.push_back(RecipientRef{to, GroupId()});
      Message sent = must(store->send_message(m)).message;
      if (i % 31 == 0) expired.push_back(sent.id.value);
    }
    for (std::int64_t id : expired) must(store->set_expiry(MessageId(id), 1, 2));
  }

  const std::vector<std::pair<std::string, SearchPlan>> plans = {
      {"automatic", SearchPlan::automatic},         {"merge_walk", SearchPlan::merge_walk},
      {"merge_lookups", SearchPlan::merge_lookups}, {"hits_first", SearchPlan::hits_first},
      {"visible_first", SearchPlan::visible_first}};
  std::map<std::string, std::string> expected;  // query -> pages under the automatic plan
  for (const auto& [name, plan] : plans) {
    SqliteOptions options{.path = db_path(dir)};
    options.search_plan = plan;
    auto store = must(open_sqlite_store(options));
    for (UserId user : {users[0], users[1], users[2]}) {
      for (const char* text :
           {"common", "rare", "\"alpha beta\"", "common NOT rare", "rare OR \"alpha bet\"*"}) {
        for (SearchSort sort : {SearchSort::relevance, SearchSort::date}) {
          for (bool include_expired : {false, true}) {
            if (include_expired && text != std::string_view("common")) continue;
            MessageSearch s{.user = user, .match = must(SearchQuery::parse(text)).root(),
                            .limit = 30, .now = 1'800'000'000'000};
            s.sort = sort;
            s.window = 90;  // the heavy user's common hits span many windows
            s.include_expired = include_expired;
            const std::string key = fmt::format("user {} {} {} {}", user.value, text,
                                                sort == SearchSort::date ? "date" : "relevance",
                                                include_expired);
            const std::string pages = all_pages(*store, s);
            if (plan == SearchPlan::automatic) {
              expected[key] = pages;
            } else {
              EXPECT_EQ(pages, expected[key]) << name << ": " << key;
            }
          }
        }
      }
    }
  }
  // The comparison means something: the heavy user pages through many windows of hits.
  const std::string& heavy = expected["user 1 common relevance false"];
  EXPECT_GT(std::count(heavy.begin(), heavy.end(), '|'), 40);
  EXPECT_NE(expected["user 2 common date false"], "");
  EXPECT_NE(expected["user 3 \"alpha beta\" relevance false"], "");
  EXPECT_NE(expected["user 1 rare relevance false"], "");
}

}  // namespace
}  // namespace missive::testing
