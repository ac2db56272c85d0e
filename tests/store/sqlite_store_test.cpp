// The SQLite backend: its conformance instantiation, plus what only it has — schema
// migrations, group commit, commit-failure recovery and readers that never wait for the
// writer.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"
#include "store_test_support.h"

namespace missive::testing {
namespace {

std::string db_path(const std::filesystem::path& dir) { return (dir / "data" / "missive.db").string(); }

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
                         ::testing::Values(StoreBackend{
                             "Sqlite",
                             [](const std::filesystem::path& dir) {
                               return open_sqlite_store(SqliteOptions{db_path(dir)});
                             }}),
                         [](const auto& param_info) { return param_info.param.name; });

INSTANTIATE_TEST_SUITE_P(Sqlite, Uploads,
                         ::testing::Values(StoreBackend{
                             "Sqlite",
                             [](const std::filesystem::path& dir) {
                               return open_sqlite_store(SqliteOptions{db_path(dir)});
                             }}),
                         [](const auto& param_info) { return param_info.param.name; });

INSTANTIATE_TEST_SUITE_P(Sqlite, Notifications,
                         ::testing::Values(StoreBackend{
                             "Sqlite",
                             [](const std::filesystem::path& dir) {
                               return open_sqlite_store(SqliteOptions{db_path(dir)});
                             }}),
                         [](const auto& param_info) { return param_info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Sqlite, SearchConformance,
    ::testing::Values(
        StoreBackend{"Automatic",
                     [](const std::filesystem::path& dir) {
                       return open_sqlite_store(SqliteOptions{db_path(dir)});
                     }},
        StoreBackend{"HitsFirst",
                     [](const std::filesystem::path& dir) {
                       SqliteOptions options{db_path(dir)};
                       options.search_plan = SearchPlan::hits_first;
                       return open_sqlite_store(options);
                     }},
        StoreBackend{"VisibleFirst",
                     [](const std::filesystem::path& dir) {
                       SqliteOptions options{db_path(dir)};
                       options.search_plan = SearchPlan::visible_first;
                       return open_sqlite_store(options);
                     }},
        StoreBackend{"MergeWalk",
                     [](const std::filesystem::path& dir) {
                       SqliteOptions options{db_path(dir)};
                       options.search_plan = SearchPlan::merge_walk;
                       return open_sqlite_store(options);
                     }},
        StoreBackend{"MergeLookups",
                     [](const std::filesystem::path& dir) {
                       SqliteOptions options{db_path(dir)};
                       options.search_plan = SearchPlan::merge_lookups;
                       return open_sqlite_store(options);
                     }}),
    [](const auto& param_info) { return param_info.param.name; });

NewUser new_user(const std::string& handle) { return NewUser{handle, "F", "L", "x", {}, false, 1}; }

class SqliteStoreTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = db_path(dir_.path());
};

TEST_F(SqliteStoreTest, CreatesTheFileAndItsDirectoryInWalMode) {
  auto store = must(open_sqlite_store(SqliteOptions{path_}));
  EXPECT_TRUE(std::filesystem::exists(path_));
  auto db = must(sqlite::Db::open(path_, sqlite::OpenMode::read_only));
  auto stmt = must(db->prepare("PRAGMA journal_mode"));
  ASSERT_TRUE(must(stmt.step()));
  EXPECT_EQ(stmt.text(0), "wal");
}

TEST_F(SqliteStoreTest, NestedUseOfOneStatementDoesNotDisturbIt) {
  std::filesystem::create_directories(dir_.path() / "data");
  auto db = must(sqlite::Db::open(path_, sqlite::OpenMode::read_write_create));
  must(db->exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1), (2), (3);"));
  static constexpr const char* kSql = "SELECT v FROM t WHERE v >= ? ORDER BY v";
  auto outer = must(db->prepare(kSql));
  outer.bind(1);
  ASSERT_TRUE(must(outer.step()));
  {
    auto inner = must(db->prepare(kSql));  // still in use above: a one-off copy
    inner.bind(3);
    ASSERT_TRUE(must(inner.step()));
    EXPECT_EQ(inner.int64(0), 3);
  }
  ASSERT_TRUE(must(outer.step()));
  EXPECT_EQ(outer.int64(0), 2);
}

TEST_F(SqliteStoreTest, UpgradesADatabaseFromEveryOlderVersion) {
  // Every version a database can have: 0 (new) and each step's (the numbers may have gaps).
  std::vector<int> versions = {0};
  for (const auto& step : sqlite::migrations()) versions.push_back(step.version);
  for (int version : versions) {
    SCOPED_TRACE(fmt::format("from version {}", version));
    TempDir dir;
    std::string path = db_path(dir.path());
    std::filesystem::create_directories(dir.path() / "data");
    {
      auto db = must(sqlite::Db::open(path, sqlite::OpenMode::read_write_create));
      must(sqlite::migrate(*db, version));
      EXPECT_EQ(must(sqlite::schema_version(*db)), version);
    }
    {
      auto store = must(open_sqlite_store(SqliteOptions{path}));
      must(store->create_user(new_user("ada")));
    }
    auto db = must(sqlite::Db::open(path, sqlite::OpenMode::read_only));
    EXPECT_EQ(must(sqlite::schema_version(*db)), sqlite::latest_schema_version());
    auto store = must(open_sqlite_store(SqliteOptions{path}));
    EXPECT_EQ(must(store->get_user_by_handle("ada")).handle, "ada");
  }
}

// Version 5 keeps member counts by trigger: a database upgraded from version 4 counts the
// groups it already has (active memberships of active users), and keeps counting after.
TEST_F(SqliteStoreTest, UpgradeToVersion5CountsExistingMembers) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  {
    auto db = must(sqlite::Db::open(path_, sqlite::OpenMode::read_write_create));
    must(sqlite::migrate(*db, 4));
    must(db->exec(
        "INSERT INTO user (id, handle, first_name, last_name, password_hash, is_active, created_at) "
        "VALUES (1, 'o', 'O', 'O', 'x', 1, 0), (2, 'a', 'A', 'A', 'x', 1, 0), "
        "(3, 'b', 'B', 'B', 'x', 0, 0), (4, 'c', 'C', 'C', 'x', 1, 0);"
        "INSERT INTO grp (id, name, owner_id, created_at) VALUES (1, 'g', 1, 0);"
        "INSERT INTO user_group (group_id, user_id, is_active) VALUES (1, 2, 1), (1, 3, 1), (1, 4, 0);"));
  }
  auto store = must(open_sqlite_store(SqliteOptions{path_}));
  EXPECT_EQ(must(store->get_group(GroupId(1))).member_count, 1);  // b inactive, c removed
  must(store->set_user_active(UserId(3), true));
  must(store->add_member(GroupId(1), UserId(4)));
  EXPECT_EQ(must(store->get_group(GroupId(1))).member_count, 3);
}

// Version 8 adds email settings to existing users: no address, every kind of email on, no
// digest yet; the outbox starts empty and events queue into it.
TEST_F(SqliteStoreTest, UpgradeToVersion8GivesExistingUsersDefaultEmailSettings) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  {
    auto db = must(sqlite::Db::open(path_, sqlite::OpenMode::read_write_create));
    must(sqlite::migrate(*db, 7));
    must(db->exec(
        "INSERT INTO user (id, handle, first_name, last_name, password_hash, created_at) "
        "VALUES (1, 'ada', 'A', 'L', 'x', 1), (2, 'bob', 'B', 'L', 'x', 1);"));
  }
  auto store = must(open_sqlite_store(SqliteOptions{path_}));
  EmailSettings settings = must(store->email_settings(UserId(2)));
  EXPECT_EQ(settings.address, std::nullopt);
  EXPECT_EQ(settings.pending, std::nullopt);
  EXPECT_TRUE(settings.reminders);
  EXPECT_TRUE(settings.digest);
  EXPECT_TRUE(must(store->list_webhooks()).empty());
  EXPECT_EQ(must(store->outbox_counts()).queued, 0);
  must(store->create_webhook(NewWebhook{"https://hooks.example/", "whsec_eA==",
                                        event_bit(NotificationEvent::message_sent), "", 1}));
  NewMessage nm;
  nm.creator = UserId(1);
  nm.create_date = 2;
  nm.conversation.low = UserId(1);
  nm.conversation.high = UserId(2);
  nm.recipients = {RecipientRef{UserId(2), GroupId()}};
  must(store->send_message(nm));
  EXPECT_EQ(must(store->outbox_counts()).queued, 1);
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromANewerVersion) {
  { must(open_sqlite_store(SqliteOptions{path_})); }
  {
    auto db = must(sqlite::Db::open(path_, sqlite::OpenMode::read_write_create));
    std::string sql = fmt::format("PRAGMA user_version = {}", sqlite::latest_schema_version() + 1);
    must(db->exec(sql.c_str()));
  }
  auto refused = open_sqlite_store(SqliteOptions{path_});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos) << refused.error().message;
}

TEST_F(SqliteStoreTest, AFailedCommitFailsItsBatchAndTheStoreCarriesOn) {
  std::atomic<bool> fail_next{false};
  SqliteOptions options{path_};
  options.fail_commit = [&](std::size_t) { return fail_next.exchange(false); };
  auto store = must(open_sqlite_store(options));
  must(store->create_user(new_user("before")));
  fail_next = true;
  auto lost = store->create_user(new_user("lost"));
  EXPECT_EQ(status(lost), "unavailable");
  EXPECT_EQ(status(store->get_user_by_handle("lost")), "not_found");
  EXPECT_EQ(status(store->create_user(new_user("lost"))), "ok");  // nothing half-written
  EXPECT_EQ(must(store->count_users()), 2);
}

TEST_F(SqliteStoreTest, OneBatchCommitsItsGoodJobsAndRollsBackItsBadOnes) {
  std::mutex mutex;
  std::vector<std::size_t> batches;
  std::atomic<bool> hold_first{true};
  SqliteOptions options{path_};
  options.fail_commit = [&](std::size_t jobs) {
    // Holding the first commit lets the other writers queue up behind it.
    if (hold_first.exchange(false)) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::lock_guard lock(mutex);
    batches.push_back(jobs);
    return false;
  };
  auto store = must(open_sqlite_store(options));
  must(store->create_user(new_user("taken")));

  constexpr int kThreads = 16;
  std::vector<std::string> results(kThreads);
  std::vector<std::thread> threads;
  hold_first = true;
  threads.emplace_back([&] { results[0] = status(store->create_user(new_user("first"))); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (int t = 1; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Odd threads collide with an existing handle.
      std::string handle = t % 2 == 1 ? "taken" : fmt::format("u{}", t);
      results[t] = status(store->create_user(new_user(handle)));
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(results[t], t % 2 == 1 ? "conflict" : "ok") << "thread " << t;
  }
  std::size_t largest = 0;
  for (std::size_t b : batches) largest = std::max(largest, b);
  EXPECT_GT(largest, 1u) << "writers were not grouped into one commit";
  EXPECT_EQ(must(store->count_users()), 1 + kThreads / 2);
}

TEST_F(SqliteStoreTest, AVersion3DatabaseWithMessagesGainsTimelinesLazily) {
  std::filesystem::create_directories(dir_.path() / "data");
  {
    auto db = must(sqlite::Db::open(path_, sqlite::OpenMode::read_write_create));
    must(sqlite::migrate(*db, 3));
    must(db->exec(
        "INSERT INTO user (id, handle, first_name, last_name, password_hash, created_at) "
        "VALUES (1, 'ada', 'A', 'L', 'x', 1), (2, 'bob', 'B', 'L', 'x', 1);"
        "INSERT INTO conversation (id, kind, user_low, user_high, max_seq, created_at) "
        "VALUES (1, 'direct', 1, 2, 1, 1);"
        "INSERT INTO conversation_member VALUES (1, 1, 0, NULL, 1), (1, 2, 0, NULL, 0);"
        "INSERT INTO message (id, conversation_id, seq, creator_id, subject, body, root_id, "
        "create_date, recipient_count) VALUES (1, 1, 1, 1, 's', 'b', 1, 1, 1);"
        "INSERT INTO message_recipient (message_id, recipient_id) VALUES (1, 2);"));
  }
  auto store = must(open_sqlite_store(SqliteOptions{path_}));
  EXPECT_EQ(must(store->get_message(MessageId(1))).delivered_count, 0);
  EXPECT_EQ(must(store->recipient_statuses(MessageId(1))).at(0).delivered_at, std::nullopt);
  EXPECT_EQ(must(store->sync_state(UserId(2))).last, 0);
  NewMessage nm;
  nm.creator = UserId(1);
  nm.create_date = 2;
  nm.conversation.low = UserId(1);
  nm.conversation.high = UserId(2);
  nm.recipients = {RecipientRef{UserId(2), GroupId()}};
  Message sent = must(store->send_message(nm)).message;
  EXPECT_EQ(sent.seq, 2);
  SyncPage page = must(store->sync(SyncQuery{UserId(2), 0, 10, 3}));
  ASSERT_EQ(page.entries.size(), 1u);
  EXPECT_EQ(page.entries[0].seq, 1);
  EXPECT_EQ(page.entries[0].message, std::optional<MessageId>(sent.id));
}

TEST_F(SqliteStoreTest, WritesMakeNoTemporaryFiles) {
  // Every job runs in a SAVEPOINT; a statement journal that spilled to a temporary file would
  // cost a file created, written and deleted per batch (it did, before temp_store=MEMORY).
  const std::filesystem::path temp = dir_.path() / "sqlite-temp";
  std::filesystem::create_directories(temp);
  const int watch = inotify_init1(IN_NONBLOCK);
  ASSERT_GE(watch, 0);
  ASSERT_GE(inotify_add_watch(watch, temp.c_str(), IN_CREATE), 0);
  sqlite3_temp_directory = sqlite3_mprintf("%s", temp.c_str());

  auto store = must(open_sqlite_store(SqliteOptions{path_}));
  const UserId ada = must(store->create_user(new_user("ada"))).id;
  const UserId bob = must(store->create_user(new_user("bob"))).id;
  for (int i = 0; i < 20; ++i) {
    NewMessage m;
    m.creator = ada;
    m.subject = fmt::format("report {}", i);
    m.body = std::string(3000, 'x');
    m.create_date = 1'700'000'000'000 + i;
    m.conversation = ConversationKey{ConversationKind::direct, std::min(ada, bob), std::max(ada, bob)};
    m.recipients = {RecipientRef{bob, GroupId()}};
    must(store->send_message(m));
  }
  store.reset();

  char events[4096];
  const ssize_t got = read(watch, events, sizeof events);
  close(watch);
  sqlite3_free(sqlite3_temp_directory);
  sqlite3_temp_directory = nullptr;
  EXPECT_LT(got, 0) << "SQLite created a temporary file while writing";
}

TEST_F(SqliteStoreTest, TheTimelineListenerHearsOnlyOfCommittedJobs) {
  std::atomic<bool> fail_next{false};
  std::atomic<bool> hold_next{false};
  SqliteOptions options{path_};
  options.fail_commit = [&](std::size_t) {
    // Holding a commit lets the other writers queue up behind it.
    if (hold_next.exchange(false)) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return fail_next.exchange(false);
  };
  auto store = must(open_sqlite_store(options));
  std::vector<UserId> ids;
  for (int i = 0; i < 9; ++i) ids.push_back(must(store->create_user(new_user(fmt::format("u{}", i)))).id);
  std::mutex mutex;
  std::vector<std::vector<UserId>> calls;
  store->set_timeline_listener([&](const std::vector<UserId>& users) {
    std::lock_guard lock(mutex);
    calls.push_back(users);
  });
  auto direct = [&](int from, int to) {
    NewMessage nm;
    nm.creator = ids[from];
    nm.create_date = 5;
    nm.conversation.low = std::min(ids[from], ids[to]);
    nm.conversation.high = std::max(ids[from], ids[to]);
    nm.recipients = {RecipientRef{ids[to], GroupId()}};
    return nm;
  };

  fail_next = true;
  EXPECT_EQ(status(store->send_message(direct(0, 1))), "unavailable");
  EXPECT_TRUE(calls.empty()) << "a failed commit reported users";
  EXPECT_EQ(must(store->sync_state(ids[0])).last, 0);

  // One batch: three good sends and two that fail after queueing their entries.
  hold_next = true;
  std::vector<std::thread> threads;
  threads.emplace_back([&] { must(store->send_message(direct(0, 1))); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (int pair : {2, 4}) {
    threads.emplace_back([&, pair] { must(store->send_message(direct(pair, pair + 1))); });
  }
  for (int pair : {6, 7}) {
    threads.emplace_back([&, pair] {
      NewMessage bad = direct(pair, 8);
      bad.reminders = ReminderSchedule{};
      bad.reminders->period_days = 0;
      EXPECT_NE(status(store->send_message(bad)), "ok");
    });
  }
  for (auto& t : threads) t.join();
  std::vector<UserId> told;
  for (const auto& call : calls) {
    EXPECT_TRUE(std::is_sorted(call.begin(), call.end()));
    EXPECT_EQ(std::adjacent_find(call.begin(), call.end()), call.end()) << "a user told twice";
    told.insert(told.end(), call.begin(), call.end());
  }
  std::sort(told.begin(), told.end());
  EXPECT_EQ(told, (std::vector<UserId>{ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]}));
  EXPECT_LT(calls.size(), 3u) << "the good sends were not grouped into one commit";
  for (int u : {6, 7, 8}) EXPECT_EQ(must(store->sync_state(ids[u])).last, 0);
}

TEST_F(SqliteStoreTest, ReadsDoNotWaitForTheWriter) {
  std::promise<void> read_done;
  std::shared_future<void> read_done_future = read_done.get_future().share();
  std::atomic<bool> hold{false};
  std::atomic<bool> read_finished_first{false};
  SqliteOptions options{path_};
  options.fail_commit = [&](std::size_t) {
    if (hold.exchange(false)) {
      read_finished_first =
          read_done_future.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    }
    return false;
  };
  auto store = must(open_sqlite_store(options));
  User ada = must(store->create_user(new_user("ada")));
  hold = true;
  std::thread writer([&] { must(store->create_user(new_user("bob"))); });
  while (hold) std::this_thread::yield();  // the writer now sits inside its transaction
  EXPECT_EQ(must(store->get_user(ada.id)).handle, "ada");
  EXPECT_EQ(status(store->get_user_by_handle("bob")), "not_found");  // not committed yet
  read_done.set_value();
  writer.join();
  EXPECT_TRUE(read_finished_first);
  EXPECT_EQ(status(store->get_user_by_handle("bob")), "ok");  // visible once it returned
}

}  // namespace
}  // namespace missive::testing
