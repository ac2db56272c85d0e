// What only the SQLite backend's search has: the text it indexes, the MATCH expressions it
// compiles, and the version 2 migration that indexes messages written before it.

#include <fmt/format.h>

#include "store/sqlite/migrations.h"
#include "store/sqlite/search_text.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"
#include "store_test_support.h"

namespace missive::testing {
namespace {

std::string match(std::string_view text) {
  auto query = SearchQuery::parse(text);
  EXPECT_TRUE(query) << text;
  return query ? sqlite::fts5_match(query->root()) : "";
}

TEST(SqliteSearchText, UnspacedRunsBecomeBigramsAndTails) {
  EXPECT_EQ(sqlite::index_text("项目交付周二 ok"), " 项目 目交 交付 付周 周二  ok");
  EXPECT_EQ(sqlite::index_tails("项目交付周二 ok 东"), "二 东");
  EXPECT_EQ(sqlite::index_text("plain text"), "plain text");
  EXPECT_EQ(sqlite::index_tails("plain text"), "");
}

TEST(SqliteSearchText, EveryTermIsQuotedSoUserTextIsNeverSyntax) {
  EXPECT_EQ(match("deploy"), "\" deploy\"");
  EXPECT_EQ(match("deliv*"), "\" deliv\" *");
  EXPECT_EQ(match("a NOT (b OR c)"), "(\" a\" NOT (\" b\" OR \" c\"))");
  EXPECT_EQ(match("NEAR(x y)"), "(\" NEAR\" AND (\" x\" AND \" y\"))");
  EXPECT_EQ(match("subject:x"), "\" subject:x\"");
  EXPECT_EQ(match("say\"\"hi\"\""), "(\" say\" AND \" hi\")");
  EXPECT_EQ(match("\"it\"\"s\""), "(\" it\" AND \" s\")");
}

TEST(SqliteSearchText, UnspacedTermsBecomeBigramPhrases) {
  EXPECT_EQ(match("交付"), "\" 交付\"");
  EXPECT_EQ(match("项目交付"), "\" 项目 目交 交付\"");
  EXPECT_EQ(match("交"), "\" 交\" *");
  EXPECT_EQ(match("iPhone交付"), "\" iPhone 交付\"");
}

TEST(SqliteSearchMigration, MessagesWrittenBeforeVersion2AreIndexed) {
  TempDir dir;
  const std::string path = (dir.path() / "missive.db").string();
  {
    auto db = must(sqlite::Db::open(path, sqlite::OpenMode::read_write_create));
    must(sqlite::migrate(*db, 1));
    must(db->exec(
        "INSERT INTO user (id, handle, first_name, last_name, password_hash, created_at) "
        "VALUES (1, 'ada', 'A', 'L', 'x', 1), (2, 'bob', 'B', 'K', 'x', 1);"
        "INSERT INTO conversation (id, kind, user_low, user_high, max_seq, created_at) "
        "VALUES (1, 'direct', 1, 2, 1, 1);"
        "INSERT INTO message (id, conversation_id, seq, creator_id, subject, body, root_id, "
        "create_date) VALUES (1, 1, 1, 1, 'Old news', '项目交付周二', 1, 1);"
        "INSERT INTO message_recipient (message_id, recipient_id) VALUES (1, 2);"));
  }
  auto store = must(open_sqlite_store(SqliteOptions{path}));
  MessageSearch s;
  s.user = UserId(2);
  s.match = must(SearchQuery::parse("交付 old")).root();
  s.now = 2;
  SearchHits hits = must(store->search(s));
  ASSERT_EQ(hits.hits.size(), 1u);
  EXPECT_EQ(hits.hits[0].item.message.subject, "Old news");
}

}  // namespace
}  // namespace missive::testing
