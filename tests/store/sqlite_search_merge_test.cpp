// The search index's background merge (Store::maintain_search_index) beside concurrent sends:
// the merge steps run alone in their own transactions, so they never share a transaction or
// a savepoint with a send, including sends that fail and are rolled back inside a batch.
// After the run the database and the FTS5 index must be sound and every sent message found.
//
// MISSIVE_MERGE_STRESS_ROUNDS (environment) repeats the run that many times (default 1).

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"
#include "store_test_support.h"

namespace missive::testing {
namespace {

NewUser new_user(const std::string& handle) { return NewUser{handle, "F", "L", "x", {}, false, 1}; }

NewMessage direct_message(UserId from, UserId to, std::string subject, std::string body) {
  NewMessage m;
  m.creator = from;
  m.subject = std::move(subject);
  m.body = std::move(body);
  m.create_date = 1'700'000'000'000;
  m.conversation.kind = ConversationKind::direct;
  m.conversation.low = std::min(from, to);
  m.conversation.high = std::max(from, to);
  m.recipients = {RecipientRef{to, GroupId()}};
  return m;
}

std::vector<std::string> rows(sqlite::Db& db, const char* sql) {
  std::vector<std::string> out;
  auto stmt = must(db.prepare(sql));
  while (must(stmt.step())) out.push_back(stmt.text(0));
  return out;
}

int hits(Store& store, UserId user, const std::string& text) {
  MessageSearch s;
  s.user = user;
  s.match = must(SearchQuery::parse(text)).root();
  s.now = 1'700'000'000'001;
  s.limit = 50;
  return static_cast<int>(must(store.search(s)).hits.size());
}

// One run: kSenders threads send (one send in kBadEvery fails after its index row was
// written: its recipient does not exist) while another thread runs small merge steps.
void merge_beside_sends(const std::filesystem::path& dir, int round) {
  constexpr int kSenders = 8;
  constexpr int kPerSender = 300;
  constexpr int kBadEvery = 7;
  const std::string path = (dir / fmt::format("r{}", round) / "missive.db").string();
  SqliteOptions options{path};
  options.sync_commits = false;  // speed only: the commits and their order are the same
  auto store = must(open_sqlite_store(options));
  std::vector<UserId> users;
  for (int i = 0; i < kSenders + 1; ++i) users.push_back(must(store->create_user(new_user(fmt::format("u{}", i)))).id);
  const UserId reader = users.back();

  std::atomic<int> senders_left{kSenders};
  std::atomic<int> merge_steps_with_work{0};
  std::atomic<int> merge_errors{0};
  std::vector<std::thread> threads;
  std::vector<int> bad_ok(kSenders, 0);
  for (int t = 0; t < kSenders; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerSender; ++i) {
        const bool bad = i % kBadEvery == kBadEvery - 1;
        // Common words make long doclists to merge; the token makes each message findable.
        std::string body = fmt::format("tok{}x{} update release notes deploy 交付周二 w{}", t, i, i % 50);
        NewMessage m = direct_message(users[t], reader, fmt::format("subject {}", i), body);
        if (bad) m.recipients = {RecipientRef{UserId(999'999), GroupId()}};
        auto sent = store->send_message(m);
        if (bad) {
          if (sent) ++bad_ok[t];
        } else {
          EXPECT_TRUE(sent) << sent.error().message;
        }
      }
      --senders_left;
    });
  }
  threads.emplace_back([&] {
    // Steps as small as possible so that many of them fall between the send batches.
    while (senders_left.load() > 0) {
      auto more = store->maintain_search_index(4);
      if (!more) {
        ++merge_errors;
      } else if (*more) {
        ++merge_steps_with_work;
      }
    }
  });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kSenders; ++t) EXPECT_EQ(bad_ok[t], 0) << "a failing send succeeded";
  EXPECT_EQ(merge_errors.load(), 0);
  // Then merge until FTS5 reports nothing left, as the server does in the background.
  int tail_steps = 0;
  while (must(store->maintain_search_index(64))) ASSERT_LT(++tail_steps, 100'000);
  EXPECT_GT(merge_steps_with_work.load() + tail_steps, 0) << "no merge step did any work";

  for (int t = 0; t < kSenders; ++t) {
    for (int i = 0; i < kPerSender; ++i) {
      const bool bad = i % kBadEvery == kBadEvery - 1;
      EXPECT_EQ(hits(*store, reader, fmt::format("tok{}x{}", t, i)), bad ? 0 : 1)
          << "tok" << t << "x" << i;
    }
  }
  store.reset();

  auto db = must(sqlite::Db::open(path, sqlite::OpenMode::read_write_create));
  EXPECT_EQ(rows(*db, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  // For a contentless table FTS5 checks the index's own consistency (no content to compare).
  must(db->exec("INSERT INTO message_fts (message_fts) VALUES ('integrity-check')"));
  const int good = kSenders * (kPerSender - kPerSender / kBadEvery);
  EXPECT_EQ(rows(*db, "SELECT count(*) FROM message"), std::vector<std::string>{std::to_string(good)});
  EXPECT_EQ(rows(*db, "SELECT count(*) FROM message_fts_docsize"),
            std::vector<std::string>{std::to_string(good)});
}

TEST(SqliteSearchMerge, MergeStepsBesideConcurrentSendsKeepTheIndexSound) {
  TempDir dir;
  int rounds = 1;
  if (const char* env = std::getenv("MISSIVE_MERGE_STRESS_ROUNDS")) rounds = std::max(1, std::atoi(env));
  for (int r = 0; r < rounds; ++r) {
    SCOPED_TRACE(fmt::format("round {}", r));
    merge_beside_sends(dir.path(), r);
    if (::testing::Test::HasFailure()) return;
    std::filesystem::remove_all(dir.path() / fmt::format("r{}", r));
  }
}

TEST(SqliteSearchMerge, AMergeStepRunsAloneAndReportsWhenNothingIsLeft) {
  TempDir dir;
  std::atomic<int> commits{0};
  SqliteOptions options{(dir.path() / "missive.db").string()};
  options.fail_commit = [&](std::size_t) {
    ++commits;
    return false;
  };
  auto store = must(open_sqlite_store(options));
  EXPECT_FALSE(must(store->maintain_search_index(16)));  // an empty index has nothing to merge
  UserId a = must(store->create_user(new_user("a"))).id;
  UserId b = must(store->create_user(new_user("b"))).id;
  // Each send commits alone here: one new level-0 segment each, so merges have work.
  for (int i = 0; i < 40; ++i) {
    must(store->send_message(direct_message(a, b, "s", fmt::format("word{} common", i))));
  }
  int steps = 0;
  const int before = commits.load();
  while (must(store->maintain_search_index(1))) ++steps;
  EXPECT_GT(steps, 0);
  EXPECT_EQ(commits.load() - before, steps + 1) << "each step is one commit of its own";
  EXPECT_FALSE(must(store->maintain_search_index(16)));
  for (int i = 0; i < 40; ++i) EXPECT_EQ(hits(*store, b, fmt::format("word{}", i)), 1);
  EXPECT_EQ(hits(*store, b, "common"), 40);
}

}  // namespace
}  // namespace missive::testing
