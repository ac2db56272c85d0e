// The PostgreSQL backend: its conformance instantiation, plus what only it has — the pool,
// transactions retried on deadlock, error mapping, migrations, and uploads on two nodes at once.
//
// The server: MISSIVE_TEST_PG (a URL), or the file named by MISSIVE_TEST_PG_FILE holding one
// (ctest starts a private server with scripts/test_postgres.sh and sets it). Without either,
// every test here is skipped. Each store gets a schema of its own (named after its test
// directory, so reopening finds the same data); the schemas are dropped when the process
// ends.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "store/postgres/migrations.h"
#include "store/postgres/pg.h"
#include "store/postgres/pool.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/transaction.h"
#include "store_test_support.h"

namespace missive::testing {
namespace {

using postgres::Conn;
using postgres::Pool;
using postgres::Rows;
using postgres::Tx;
using postgres::TxMode;

std::string server_url() {
  if (const char* url = std::getenv("MISSIVE_TEST_PG"); url != nullptr && *url != '\0') return url;
  if (const char* file = std::getenv("MISSIVE_TEST_PG_FILE"); file != nullptr && *file != '\0') {
    std::ifstream in(file);
    std::string url;
    std::getline(in, url);
    return url;
  }
  return "";
}

// The server URL with the schema first on the search_path (public after it: extensions).
std::string url_with_schema(const std::string& schema) {
  std::string url = server_url();
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  return fmt::format("{}{}options=-csearch_path%3D{},public", url, sep, schema);
}

// Schemas created by this process, dropped at its end.
std::mutex schemas_mutex;
std::vector<std::string> schemas;

Result<std::string> make_schema(const std::filesystem::path& dir) {
  std::string schema = "t_";
  for (char c : dir.filename().string()) {
    schema += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  }
  MISSIVE_TRY(std::unique_ptr<Conn> conn, Conn::open(server_url()));
  MISSIVE_TRY_STATUS(conn->run(fmt::format("CREATE SCHEMA IF NOT EXISTS {}", schema)));
  std::lock_guard lock(schemas_mutex);
  if (std::find(schemas.begin(), schemas.end(), schema) == schemas.end()) schemas.push_back(schema);
  return schema;
}

class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (server_url().empty()) {
      GTEST_SKIP() << "no PostgreSQL: set MISSIVE_TEST_PG or MISSIVE_TEST_PG_FILE";
    }
  }
  void TearDown() override {
    if (server_url().empty()) return;
    auto conn = Conn::open(server_url());
    if (!conn) return;
    std::lock_guard lock(schemas_mutex);
    for (const std::string& s : schemas) {
      (void)(*conn)->run(fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", s));
    }
  }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);

Result<std::unique_ptr<Store>> open_in(const std::filesystem::path& dir) {
  MISSIVE_TRY(std::string schema, make_schema(dir));
  return open_postgres_store(url_with_schema(schema));
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformance,
                         ::testing::Values(StoreBackend{"Postgres", open_in}),
                         [](const auto& param_info) { return param_info.param.name; });
INSTANTIATE_TEST_SUITE_P(Postgres, Uploads,
                         ::testing::Values(StoreBackend{"Postgres", open_in}),
                         [](const auto& param_info) { return param_info.param.name; });
INSTANTIATE_TEST_SUITE_P(Postgres, Notifications,
                         ::testing::Values(StoreBackend{"Postgres", open_in}),
                         [](const auto& param_info) { return param_info.param.name; });
// Search with the automatic plan choice and with each statement forced.
Result<std::unique_ptr<Store>> open_with_plan(const std::filesystem::path& dir,
                                              PostgresSearchPlan plan) {
  MISSIVE_TRY(std::string schema, make_schema(dir));
  PostgresOptions options{url_with_schema(schema)};
  options.search_plan = plan;
  return open_postgres_store(options);
}
INSTANTIATE_TEST_SUITE_P(
    Postgres, SearchConformance,
    ::testing::Values(
        StoreBackend{"Automatic", open_in},
        StoreBackend{"HitsFirst",
                     [](const std::filesystem::path& dir) {
                       return open_with_plan(dir, PostgresSearchPlan::hits_first);
                     }},
        StoreBackend{"VisibleFirst",
                     [](const std::filesystem::path& dir) {
                       return open_with_plan(dir, PostgresSearchPlan::visible_first);
                     }}),
    [](const auto& param_info) { return param_info.param.name; });

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = must(make_schema(dir_.path()));
    url_ = url_with_schema(schema_);
  }

  TempDir dir_;
  std::string schema_;
  std::string url_;
};

NewUser new_user(const std::string& handle) { return NewUser{handle, "F", "L", "x", {}, false, 1}; }

TEST_F(PostgresStoreTest, ReopeningKeepsTheDataAndTheSchemaVersion) {
  UserId ada;
  {
    auto store = must(open_postgres_store(url_));
    ada = must(store->create_user(new_user("ada"))).id;
  }
  auto store = must(open_postgres_store(url_));
  EXPECT_EQ(must(store->get_user(ada)).handle, "ada");
  EXPECT_EQ(must(store->create_user(new_user("bob"))).id.value, ada.value + 1);
  auto conn = must(Conn::open(url_));
  EXPECT_EQ(must(postgres::schema_version(*conn)), postgres::latest_schema_version());
}

TEST_F(PostgresStoreTest, ANewerSchemaIsRefused) {
  must(open_postgres_store(url_));
  auto conn = must(Conn::open(url_));
  must(conn->run("INSERT INTO schema_version (version) VALUES (99)"));
  auto reopened = open_postgres_store(url_);
  ASSERT_FALSE(reopened);
  EXPECT_EQ(status(reopened), "unavailable");
  EXPECT_NE(reopened.error().message.find("newer"), std::string::npos) << reopened.error().message;
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsUnavailable) {
  // Port 1 on 127.0.0.1: nothing listens there.
  auto store = open_postgres_store("postgres://postgres@127.0.0.1:1/postgres?connect_timeout=2");
  EXPECT_EQ(status(store), "unavailable");
}

TEST_F(PostgresStoreTest, ErrorsMapToCodes) {
  auto conn = must(Conn::open(url_));
  must(conn->run("CREATE TABLE t (k integer PRIMARY KEY)"));
  must(conn->query("INSERT INTO t VALUES ($1::integer)", 1));
  auto dup = conn->query("INSERT INTO t VALUES ($1::integer)", 1);
  EXPECT_EQ(status(dup), "conflict");
  EXPECT_EQ(conn->last_sqlstate(), "23505");
  auto bad = conn->query("SELECT no_such_column FROM t");
  EXPECT_EQ(status(bad), "unavailable");
  EXPECT_FALSE(conn->retryable());
  // The connection is still good.
  EXPECT_EQ(must(conn->query("SELECT count(*) FROM t")).int64(0, 0), 1);
}

TEST_F(PostgresStoreTest, ParametersRoundTripNullsAndText) {
  auto conn = must(Conn::open(url_));
  std::optional<std::string> none;
  Rows rows = must(conn->query("SELECT $1::text, $2::text IS NULL, $3::bigint, $4::boolean",
                               std::string("naïve 'quoted' \"text\""), none,
                               std::int64_t{-9'000'000'000'000}, true));
  EXPECT_EQ(rows.text(0, 0), "naïve 'quoted' \"text\"");
  EXPECT_TRUE(rows.boolean(0, 1));
  EXPECT_EQ(rows.int64(0, 2), -9'000'000'000'000);
  EXPECT_TRUE(rows.boolean(0, 3));
}

// Two transactions lock two rows in opposite orders: PostgreSQL aborts one with a deadlock,
// with_transaction runs it again, and both commit.
TEST_F(PostgresStoreTest, DeadlockedTransactionsAreRetried) {
  {
    auto conn = must(Conn::open(url_));
    must(conn->run("CREATE TABLE acct (id integer PRIMARY KEY, n integer NOT NULL);"
                   "INSERT INTO acct VALUES (1, 0), (2, 0);"));
  }
  Pool pool(url_, 2);
  std::atomic<int> attempts{0};
  std::atomic<int> arrived{0};
  auto transfer = [&](int first, int second) {
    return postgres::with_transaction(pool, TxMode::write, [&](Tx& tx) -> Status {
      int attempt = ++attempts;
      MISSIVE_TRY(Rows a, tx.query("UPDATE acct SET n = n + 1 WHERE id = $1::integer", first));
      if (attempt <= 2) {  // the first two attempts meet while each holds its first row
        ++arrived;
        while (arrived < 2) std::this_thread::yield();
      }
      MISSIVE_TRY(Rows b, tx.query("UPDATE acct SET n = n + 1 WHERE id = $1::integer", second));
      return {};
    });
  };
  Status one, two;
  std::thread t1([&] { one = transfer(1, 2); });
  std::thread t2([&] { two = transfer(2, 1); });
  t1.join();
  t2.join();
  EXPECT_TRUE(one) << (one ? "" : one.error().message);
  EXPECT_TRUE(two) << (two ? "" : two.error().message);
  // At least one retry (PostgreSQL may abort both sides when their deadlock checks run at
  // once; both are then retried).
  EXPECT_GE(attempts.load(), 3);
  auto conn = must(Conn::open(url_));
  Rows sums = must(conn->query("SELECT sum(n) FROM acct"));
  EXPECT_EQ(sums.int64(0, 0), 4);  // each committed once: nothing of the aborted try kept
}

TEST_F(PostgresStoreTest, PoolOpensAtMostItsSizeAndWaits) {
  Pool pool(url_, 2, std::chrono::milliseconds(200));
  auto a = must(pool.acquire());
  auto b = must(pool.acquire());
  auto c = pool.acquire();  // none free within 200 ms
  EXPECT_EQ(status(c), "unavailable");
  std::thread giver([lease = std::move(a)]() mutable {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto done = std::move(lease);
  });
  Pool::Lease d = must(pool.acquire());  // gets the returned one
  giver.join();
  EXPECT_EQ(must(d.conn().query("SELECT 1")).int64(0, 0), 1);
}

TEST_F(PostgresStoreTest, ConcurrentCreatesGetDistinctIdsAndOneWinsAHandle) {
  auto store = must(open_postgres_store(PostgresOptions{url_, 4}));
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        if (store->create_user(new_user(fmt::format("u{}-{}", t, i)))) ++created;
        auto same = store->create_user(new_user("contested"));
        if (!same && same.error().code == ErrorCode::conflict) ++conflicts;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), 80);
  EXPECT_EQ(conflicts.load(), 79);
  EXPECT_EQ(must(store->count_users()), 81);
}

TEST_F(PostgresStoreTest, SearchIndexNeedsNoUpkeep) {
  auto store = must(open_postgres_store(url_));
  EXPECT_FALSE(must(store->maintain_search_index(100)));
}

// A query tree without any lexeme (an empty term, punctuation PostgreSQL drops) is answered
// with no hits, never with an SQL error from an empty tsquery.
TEST_F(PostgresStoreTest, SearchWithoutLexemesFindsNothing) {
  auto store = must(open_postgres_store(url_));
  MessageSearch search;
  search.user = must(store->create_user(new_user("ada"))).id;
  for (std::string text : {"", " ", "...", "&|!", "<->", ":*", "\"\\", "{,}"}) {
    search.match.term.text = text;
    for (bool prefix : {false, true}) {
      search.match.term.prefix = prefix;
      auto r = store->search(search);
      ASSERT_TRUE(r) << text << ": " << r.error().message;
      EXPECT_TRUE(r->hits.empty());
      EXPECT_FALSE(r->next);
    }
  }
}

// A NUL byte in a term (valid UTF-8, so the parser lets it through) is a separator, not the
// end of the statement's parameter.
TEST_F(PostgresStoreTest, SearchTermWithNulByteIsAnswered) {
  auto store = must(open_postgres_store(url_));
  const UserId ada = must(store->create_user(new_user("ada"))).id;
  const UserId bob = must(store->create_user(new_user("bob"))).id;
  NewMessage nm;
  nm.creator = ada;
  nm.subject = "s";
  nm.body = "alpha beta";
  nm.create_date = 1;
  nm.conversation.kind = ConversationKind::direct;
  nm.conversation.low = std::min(ada, bob);
  nm.conversation.high = std::max(ada, bob);
  nm.recipients = {RecipientRef{bob, GroupId()}};
  must(store->send_message(nm));
  MessageSearch search;
  search.user = bob;
  search.now = 2;
  search.match.term.text = std::string("alpha\0beta", 10);
  auto r = store->search(search);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->hits.size(), 1u);
}

// --- uploads on several nodes: two stores on one schema, as two servers share a database ---

// A sha256-shaped content id for round `i`.
std::string content(int i) { return fmt::format("{:064x}", i + 1); }

// A receiving upload of `owner`, fully stored, `expires_at` an hour after `now`.
Result<Upload> stored_upload(Store& store, UserId owner, Timestamp now) {
  MISSIVE_TRY(UploadCreated created,
              store.create_upload(NewUpload{owner, std::nullopt, "f.bin",
                                            "application/octet-stream", 10, now,
                                            now + 3'600'000}));
  return store.advance_upload(created.upload.id, 0, 10);
}

// complete_upload as a server calls it: without a key first, then with a fresh one.
Result<Upload> finish(Store& store, UploadId id, const std::string& sha, const std::string& key,
                      Timestamp now) {
  UploadCompletion c{id, sha, "application/octet-stream", "", now};
  MISSIVE_TRY(std::optional<Upload> done, store.complete_upload(c));
  if (done) return *done;
  c.new_key = key;
  MISSIVE_TRY(done, store.complete_upload(c));
  if (!done) return fail(ErrorCode::internal, "complete_upload with a key answered nothing");
  return *done;
}

std::int64_t count(const std::string& url, const std::string& sql) {
  auto conn = must(Conn::open(url));
  return must(conn->query(sql)).int64(0, 0);
}

TEST_F(PostgresStoreTest, AdvancesFromOneOffsetOnTwoNodesMoveItOnce) {
  auto one = must(open_postgres_store(PostgresOptions{url_, 4}));
  auto two = must(open_postgres_store(PostgresOptions{url_, 4}));
  const UserId ada = must(one->create_user(new_user("ada"))).id;
  const Upload u = must(one->create_upload(NewUpload{ada, std::nullopt, "f", "t", 100, 1, 2}))
                       .upload;
  std::atomic<int> moved{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Store& store = t % 2 == 0 ? *one : *two;
      auto r = store.advance_upload(u.id, 0, 10 + t);
      if (r) ++moved;
      if (!r && r.error().code == ErrorCode::conflict) ++refused;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(moved.load(), 1);
  EXPECT_EQ(refused.load(), 7);
}

// Completions of the same new content race on two nodes: one blob row, counting every upload,
// under the one key every upload names.
TEST_F(PostgresStoreTest, ConcurrentCompletionsOfOneContentShareOneBlob) {
  auto one = must(open_postgres_store(PostgresOptions{url_, 4}));
  auto two = must(open_postgres_store(PostgresOptions{url_, 4}));
  const UserId ada = must(one->create_user(new_user("ada"))).id;
  constexpr int kUploads = 8;
  for (int round = 0; round < 5; ++round) {
    std::vector<Upload> uploads;
    for (int i = 0; i < kUploads; ++i) uploads.push_back(must(stored_upload(*one, ada, 1)));
    std::vector<Result<Upload>> done(kUploads, fail(ErrorCode::internal, "not run"));
    std::vector<std::thread> threads;
    for (int i = 0; i < kUploads; ++i) {
      threads.emplace_back([&, i] {
        done[static_cast<std::size_t>(i)] =
            finish(i % 2 == 0 ? *one : *two, uploads[static_cast<std::size_t>(i)].id,
                   content(round), fmt::format("blobs/{}-{}", round, i), 1);
      });
    }
    for (auto& th : threads) th.join();
    std::string key;
    for (const auto& d : done) {
      ASSERT_TRUE(d) << d.error().message;
      if (key.empty()) key = d->blob_key;
      EXPECT_EQ(d->blob_key, key);
    }
    EXPECT_EQ(count(url_, fmt::format("SELECT refs FROM blob WHERE sha256 = '{}'", content(round))),
              kUploads);
  }
}

// Two nodes sweep at once: each dead blob is claimed by one of them, each upload removed once.
TEST_F(PostgresStoreTest, SweepsOnTwoNodesClaimEachRowOnce) {
  auto one = must(open_postgres_store(PostgresOptions{url_, 4}));
  auto two = must(open_postgres_store(PostgresOptions{url_, 4}));
  const UserId ada = must(one->create_user(new_user("ada"))).id;
  constexpr int kUploads = 30;
  for (int i = 0; i < kUploads; ++i) {
    Upload u = must(stored_upload(*one, ada, 1));
    must(finish(*one, u.id, content(i), fmt::format("blobs/{}", i), 1));
  }
  const Timestamp later = 1 + 3'600'001;
  Result<UploadSweep> a = fail(ErrorCode::internal, "not run"), b = a;
  std::thread ta([&] { a = one->sweep_uploads(later, 0, 100); });
  std::thread tb([&] { b = two->sweep_uploads(later, 0, 100); });
  ta.join();
  tb.join();
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(a->removed_uploads + b->removed_uploads, kUploads);
  std::vector<std::string> dead = a->dead_blobs;
  dead.insert(dead.end(), b->dead_blobs.begin(), b->dead_blobs.end());
  // Each blob is claimed once; both nodes may list a claimed one (deleting its storage twice
  // is harmless), and between them they list every one.
  std::sort(dead.begin(), dead.end());
  dead.erase(std::unique(dead.begin(), dead.end()), dead.end());
  EXPECT_EQ(dead.size(), static_cast<std::size_t>(kUploads));
  EXPECT_EQ(count(url_, "SELECT count(*) FROM blob WHERE NOT deleting"), 0);
}

// A completion of some content races the sweep that removes the last other upload of it: the
// upload ends on a blob that is not being deleted, counted once.
TEST_F(PostgresStoreTest, ACompletionRacingASweepNeverKeepsAClaimedBlob) {
  auto one = must(open_postgres_store(PostgresOptions{url_, 4}));
  auto two = must(open_postgres_store(PostgresOptions{url_, 4}));
  const UserId ada = must(one->create_user(new_user("ada"))).id;
  for (int round = 0; round < 20; ++round) {
    const Timestamp now = 1 + round * 10'000'000LL;
    Upload old = must(stored_upload(*one, ada, now));
    must(finish(*one, old.id, content(round), fmt::format("blobs/{}-old", round), now));
    Upload fresh = must(stored_upload(*two, ada, now + 3'600'000));
    Result<UploadSweep> swept = fail(ErrorCode::internal, "not run");
    Result<Upload> done = fail(ErrorCode::internal, "not run");
    std::thread sweeper([&] { swept = one->sweep_uploads(now + 3'600'001, 0, 100); });
    std::thread completer([&] {
      done = finish(*two, fresh.id, content(round), fmt::format("blobs/{}-new", round), now);
    });
    sweeper.join();
    completer.join();
    ASSERT_TRUE(swept) << swept.error().message;
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(count(url_, fmt::format("SELECT count(*) FROM blob WHERE blob_key = '{}' "
                                      "AND NOT deleting AND refs = 1",
                                      done->blob_key)),
              1)
        << "round " << round << ": " << done->blob_key;
  }
}

// --- the notification outbox on several nodes ---

// A direct message ada -> bob at `now`.
NewMessage direct_at(UserId from, UserId to, Timestamp now) {
  NewMessage nm;
  nm.creator = from;
  nm.subject = "s";
  nm.body = "b";
  nm.create_date = now;
  nm.conversation.kind = ConversationKind::direct;
  nm.conversation.low = std::min(from, to);
  nm.conversation.high = std::max(from, to);
  nm.recipients = {RecipientRef{to, GroupId()}};
  return nm;
}

TEST_F(PostgresStoreTest, ClaimsOnTwoNodesNeverShareARow) {
  auto one = must(open_postgres_store(PostgresOptions{url_, 4}));
  auto two = must(open_postgres_store(PostgresOptions{url_, 4}));
  const UserId ada = must(one->create_user(new_user("ada"))).id;
  const UserId bob = must(one->create_user(new_user("bob"))).id;
  must(one->create_webhook(NewWebhook{"https://hooks.example/", "whsec_eA==",
                                      event_bit(NotificationEvent::message_sent), "", 1}));
  constexpr int kRows = 60;
  for (int i = 0; i < kRows; ++i) must(one->send_message(direct_at(ada, bob, 1 + i)));
  std::vector<std::int64_t> a, b;
  auto drain = [](Store& store, const char* holder, std::vector<std::int64_t>& out) {
    for (;;) {
      auto claimed = store.claim_notifications(NotificationClaim{holder, 1000, 60'000, 7});
      ASSERT_TRUE(claimed) << claimed.error().message;
      if (claimed->empty()) return;
      for (const Notification& n : *claimed) out.push_back(n.id.value);
    }
  };
  std::thread ta([&] { drain(*one, "node-one", a); });
  std::thread tb([&] { drain(*two, "node-two", b); });
  ta.join();
  tb.join();
  std::vector<std::int64_t> all = a;
  all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a row was claimed twice";
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kRows));
  EXPECT_EQ(count(url_, "SELECT count(*) FROM notification WHERE claimed_by = 'node-one'"),
            static_cast<std::int64_t>(a.size()));
}

TEST_F(PostgresStoreTest, DigestPassesOnTwoNodesDigestEachUserOnce) {
  auto one = must(open_postgres_store(PostgresOptions{url_, 4}));
  auto two = must(open_postgres_store(PostgresOptions{url_, 4}));
  const UserId ada = must(one->create_user(new_user("ada"))).id;
  constexpr int kUsers = 30;
  for (int i = 0; i < kUsers; ++i) {
    const UserId u = must(one->create_user(new_user(fmt::format("u{}", i)))).id;
    const std::string hash = fmt::format("hash-{}", i);
    must(one->request_email_change(
        EmailChange{u, fmt::format("u{}@example.com", i), "t", hash, 100, 1}));
    must(one->confirm_email(hash, 1));
    must(one->send_message(direct_at(ada, u, 1)));
  }
  Result<std::int64_t> a = fail(ErrorCode::internal, "not run"), b = a;
  const DigestPass pass{.now = 10, .unseen_before = 10, .interval_ms = 1000, .limit = 20};
  std::thread ta([&] { a = one->queue_digests(pass); });
  std::thread tb([&] { b = two->queue_digests(pass); });
  ta.join();
  tb.join();
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  // Between them (and a pass to finish what the limit left), every user once.
  const std::int64_t rest = must(one->queue_digests(pass));
  EXPECT_EQ(*a + *b + rest, kUsers);
  EXPECT_EQ(count(url_, "SELECT count(*) FROM notification WHERE event = 'digest'"), kUsers);
  EXPECT_EQ(count(url_, "SELECT count(DISTINCT user_id) FROM notification "
                        "WHERE event = 'digest'"),
            kUsers);
}

TEST_F(PostgresStoreTest, ATokenConfirmedOnTwoNodesAtOnceConfirmsOnce) {
  auto one = must(open_postgres_store(PostgresOptions{url_, 4}));
  auto two = must(open_postgres_store(PostgresOptions{url_, 4}));
  for (int round = 0; round < 10; ++round) {
    const UserId u = must(one->create_user(new_user(fmt::format("u{}", round)))).id;
    const std::string hash = fmt::format("hash-{}", round);
    must(one->request_email_change(EmailChange{u, "a@example.com", "t", hash, 100, 1}));
    Result<UserId> a = fail(ErrorCode::internal, "not run"), b = a;
    std::thread ta([&] { a = one->confirm_email(hash, 2); });
    std::thread tb([&] { b = two->confirm_email(hash, 2); });
    ta.join();
    tb.join();
    EXPECT_EQ(static_cast<int>(a.has_value()) + static_cast<int>(b.has_value()), 1);
    EXPECT_EQ(must(one->email_settings(u)).address, std::optional<std::string>("a@example.com"));
  }
}

}  // namespace
}  // namespace missive::testing
