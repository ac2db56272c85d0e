// Several nodes on one PostgreSQL database (run with MISSIVE_TEST_STORE=postgres; skipped on
// SQLite): two `missive serve --store <same database>` on different ports, each with its own
// LocalBus. Concurrent sends through both stay gap-free and ordered, a device on one node
// pulls what was sent through the other, a reminder due while both run is sent once, and a
// PostgreSQL outage answers 503 and loses nothing acknowledged. The same two nodes with the
// Redis bus (cross-node pushes, a Redis restart) are in multinode_redis_test.cpp.
#include "fixture.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <unistd.h>

#include "media_http.h"
#include "notify_sinks.h"
#include "test_postgres.h"

namespace missive::itest {
namespace {

using namespace std::chrono_literals;

// The (conv_seq, message id) of every message entry of `conversation` in the caller's sync
// timeline, pulled page by page with GET /v1/sync, in timeline order.
std::vector<std::pair<std::int64_t, std::int64_t>> pulled_messages(TestApi& api,
                                                                    std::int64_t conversation) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  std::int64_t since = 0;
  for (int page = 0; page < 100; ++page) {
    const Reply reply = api.get("/v1/sync?since=" + std::to_string(since));
    expect_status(reply, 200, "sync");
    for (const auto& e : reply.json["entries"].GetArray()) {
      if (std::string(e["kind"].GetString()) == "message" &&
          e["conversation"].GetInt64() == conversation) {
        out.emplace_back(e["conv_seq"].GetInt64(), e["message_id"].GetInt64());
      }
    }
    since = reply.json["next"].GetInt64();
    if (!reply.json["has_more"].GetBool()) break;
  }
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class MultiNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!on_postgres()) GTEST_SKIP() << "several nodes need PostgreSQL (MISSIVE_TEST_STORE)";
    node_a_ = std::make_unique<ServerProcess>();
    // Reminders go out at 00:00 UTC: a schedule moved to today is due at once.
    node_a_->set_extra_args({"--reminder-poll", "1", "--reminder-time", "00:00"});
    node_a_->start();  // creates the schema
    node_b_ = std::make_unique<ServerProcess>(node_a_->store_url());
    node_b_->set_extra_args({"--reminder-poll", "1", "--reminder-time", "00:00"});
    node_b_->start();
    admin_a_ = std::make_unique<TestApi>(node_a_->port());
    admin_a_->login("admin", kAdminPassword);
  }

  // A user, created through node A, and a client of theirs logged in on `node`.
  Person person(const std::string& handle, ServerProcess& node) {
    Person p{admin_a_->create_user(handle), handle, std::make_unique<TestApi>(node.port())};
    p.api->login(handle, "password-" + handle);
    return p;
  }
  std::unique_ptr<TestApi> client_on(ServerProcess& node, const Person& p) {
    auto api = std::make_unique<TestApi>(node.port());
    api->set_token(p.api->token());
    return api;
  }

  std::unique_ptr<ServerProcess> node_a_;  // declared first: destroyed last (owns the schema)
  std::unique_ptr<ServerProcess> node_b_;
  std::unique_ptr<TestApi> admin_a_;
};

TEST_F(MultiNodeTest, ConcurrentSendsThroughBothNodesStayGapFreeAndOrdered) {
  Person ada = person("ada", *node_a_);
  Person bob = person("bob", *node_b_);
  Person cat = person("cat", *node_a_);
  const auto group = admin_a_->create_group("team");
  for (const Person* p : {&ada, &bob, &cat}) admin_a_->add_member(group, p->id);

  // Four writers, two per node, each with its own connection.
  constexpr int kPerWriter = 15;
  std::mutex mutex;
  std::map<std::int64_t, std::int64_t> acknowledged;  // message id -> conv seq
  std::set<std::int64_t> conversations;
  std::vector<std::string> errors;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    ServerProcess& node = w % 2 == 0 ? *node_a_ : *node_b_;
    const Person& sender = w < 2 ? ada : bob;
    writers.emplace_back([&, port = node.port(), token = sender.api->token(), w] {
      TestApi api(port);
      api.set_token(token);
      for (int i = 0; i < kPerWriter; ++i) {
        const Reply r = api.send_to_group(group, "w" + std::to_string(w) + "-" + std::to_string(i));
        std::lock_guard lock(mutex);
        if (r.status != 201) {
          errors.push_back(r.outcome() + " " + r.body);
          continue;
        }
        conversations.insert(r.json["conversation_id"].GetInt64());
        acknowledged.emplace(r.id(), r.json["seq"].GetInt64());
      }
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_TRUE(errors.empty()) << errors.front();
  ASSERT_EQ(conversations.size(), 1u);
  const std::int64_t conversation = *conversations.begin();
  constexpr int kTotal = 4 * kPerWriter;
  ASSERT_EQ(acknowledged.size(), static_cast<std::size_t>(kTotal));  // each message once
  std::set<std::int64_t> seqs;
  for (const auto& [id, seq] : acknowledged) seqs.insert(seq);
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kTotal));
  EXPECT_EQ(*seqs.begin(), 1);
  EXPECT_EQ(*seqs.rbegin(), kTotal);

  // Every member, pulling on either node, sees conversation seqs 1..N in timeline order,
  // each the message acknowledged with that seq.
  for (const Person* p : {&ada, &bob, &cat}) {
    for (ServerProcess* node : {node_a_.get(), node_b_.get()}) {
      auto api = client_on(*node, *p);
      const auto pulled = pulled_messages(*api, conversation);
      ASSERT_EQ(pulled.size(), static_cast<std::size_t>(kTotal)) << p->handle;
      for (std::size_t i = 0; i < pulled.size(); ++i) {
        EXPECT_EQ(pulled[i].first, static_cast<std::int64_t>(i + 1)) << p->handle;
        EXPECT_EQ(acknowledged.at(pulled[i].second), pulled[i].first) << p->handle;
      }
    }
  }
}

TEST_F(MultiNodeTest, ADeviceOnOneNodePullsWhatWasSentThroughTheOther) {
  Person ada = person("ada", *node_b_);
  Person bob = person("bob", *node_a_);
  const Reply sent = ada.api->send_to_users({bob.id}, "via B");
  ASSERT_EQ(sent.status, 201) << sent.body;
  const auto pulled = pulled_messages(*bob.api, sent.json["conversation_id"].GetInt64());
  ASSERT_EQ(pulled.size(), 1u);
  EXPECT_EQ(pulled[0].second, sent.id());
  EXPECT_EQ(bob.api->inbox_ids(), std::vector<std::int64_t>{sent.id()});
}

TEST_F(MultiNodeTest, AReminderDueWhileBothNodesRunIsSentOnce) {
  Person bob = person("bob", *node_a_);
  Person cat = person("cat", *node_b_);
  const Reply sent = admin_a_->post(
      "/v1/messages", R"({"to":{"users":[)" + std::to_string(bob.id) + "," +
                          std::to_string(cat.id) +
                          R"(]},"subject":"Sign","body":"Please","expiry_date":"2099-01-31",)"
                          R"("reminders":{"frequency":"daily"}})");
  ASSERT_EQ(sent.status, 201) << sent.body;
  // Its first reminder is tomorrow at 00:00. As if it had been sent yesterday: that reminder
  // is today's 00:00, due now, and both nodes' schedulers (polling every second) see it.
  const std::string now = std::to_string(now_ms());
  const std::string id = std::to_string(sent.id());
  postgres_exec(node_a_->store_url(),
                "UPDATE message SET create_date = create_date - 86400000 WHERE id = " + id +
                    "; UPDATE reminder_schedule SET anchor_day = anchor_day - 1, "
                    "next_remind_at = " + now + ", due_at = " + now + " WHERE message_id = " + id);
  const auto reminders_of = [](TestApi& api) {
    return expect_status(api.get("/v1/reminders"), 200, "reminders").json["reminders"].Size();
  };
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while ((reminders_of(*bob.api) == 0 || reminders_of(*cat.api) == 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  // A few more passes of both nodes: nothing more is sent.
  std::this_thread::sleep_for(3s);
  for (Person* p : {&bob, &cat}) {
    const Reply r = p->api->get("/v1/reminders");
    expect_status(r, 200, "reminders");
    ASSERT_EQ(r.json["reminders"].Size(), 1u) << p->handle << ": " << r.body;
    EXPECT_EQ(r.json["reminders"][0]["number"].GetInt64(), 1);
    EXPECT_EQ(r.json["reminders"][0]["message_id"].GetInt64(), sent.id());
  }
  EXPECT_EQ(postgres_value(node_a_->store_url(),
                           "SELECT count(*) FROM reminder WHERE message_id = " +
                               std::to_string(sent.id())),
            "2");
}

// A private PostgreSQL (scripts/test_postgres.sh) that this test stops and starts again: the
// suite's shared one must stay up for the tests running beside it.
class PrivatePostgres {
 public:
  PrivatePostgres() {
    dir_ = std::filesystem::temp_directory_path() /
           ("missive-itest-pg-" + std::to_string(::getpid()));
    script("start");
    std::ifstream in(dir_ / "url");
    std::getline(in, url_);
  }
  ~PrivatePostgres() { script("stop"); }
  void pause() { script("pause"); }
  void resume() { script("resume"); }
  const std::string& url() const { return url_; }

 private:
  void script(const std::string& command) {
    const std::string line = std::string(MISSIVE_SOURCE_DIR "/scripts/test_postgres.sh ") +
                             command + " " + dir_.string() + " >/dev/null";
    if (std::system(line.c_str()) != 0 && command != "stop") {
      throw std::runtime_error("test_postgres.sh " + command + " failed");
    }
  }
  std::filesystem::path dir_;
  std::string url_;
};

TEST_F(MultiNodeTest, APostgresOutageAnswers503AndLosesNothingAcknowledged) {
  PrivatePostgres pg;
  ServerProcess node(pg.url());
  node.start();
  TestApi admin(node.port());
  admin.login("admin", kAdminPassword);
  const auto bob = admin.create_user("bob");
  TestApi bob_api(node.port());
  bob_api.login("bob", "password-bob");
  std::vector<std::int64_t> acknowledged;
  for (int i = 0; i < 5; ++i) {
    const Reply r = admin.send_to_users({bob}, "before " + std::to_string(i));
    ASSERT_EQ(r.status, 201) << r.body;
    acknowledged.push_back(r.id());
  }

  pg.pause();
  EXPECT_EQ(admin.send_to_users({bob}, "during").outcome(), "503 unavailable");
  EXPECT_EQ(bob_api.get("/v1/inbox").outcome(), "503 unavailable");
  EXPECT_EQ(bob_api.get("/v1/sync").outcome(), "503 unavailable");
  pg.resume();

  // The pool drops the broken connections and opens new ones: the next requests succeed.
  Reply after;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  do {
    after = admin.send_to_users({bob}, "after");
    if (after.status == 201) break;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(after.status, 201) << after.body;
  acknowledged.push_back(after.id());

  std::vector<std::int64_t> inbox = bob_api.inbox_ids();
  std::sort(inbox.begin(), inbox.end());
  std::vector<std::int64_t> expected = acknowledged;
  std::sort(expected.begin(), expected.end());
  // "during" may or may not have been written (it was never acknowledged): ignore it.
  std::vector<std::int64_t> kept;
  std::set_intersection(inbox.begin(), inbox.end(), expected.begin(), expected.end(),
                        std::back_inserter(kept));
  EXPECT_EQ(kept, expected);
  const auto pulled = pulled_messages(bob_api, admin.send_to_users({bob}, "last").json["conversation_id"].GetInt64());
  EXPECT_GE(pulled.size(), expected.size() + 1);
  for (std::size_t i = 0; i < pulled.size(); ++i) {
    EXPECT_EQ(pulled[i].first, static_cast<std::int64_t>(i + 1));
  }
}

// `serve --no-migrate` leaves an absent schema alone and refuses to start; `missive migrate`
// creates it and says so; then the server starts.
TEST(PostgresMigrateTest, ServeWithNoMigrateWaitsForMissiveMigrate) {
  if (!on_postgres()) GTEST_SKIP() << "PostgreSQL only (MISSIVE_TEST_STORE)";
  TestSchema schema(postgres_url());
  ServerProcess node(schema.url());
  node.set_extra_args({"--no-migrate"});
  EXPECT_THROW(node.start(), std::runtime_error);
  EXPECT_EQ(postgres_value(schema.url(), "SELECT to_regclass('schema_version') IS NULL"), "t");

  const auto migrate = [&] {
    const std::string line = std::string(MISSIVE_BINARY " migrate --store '") + schema.url() + "'";
    std::string out;
    FILE* pipe = ::popen(line.c_str(), "r");
    char buffer[512];
    while (pipe != nullptr && std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    if (pipe != nullptr) ::pclose(pipe);
    return out;
  };
  EXPECT_NE(migrate().find("schema version 4 (was 0)"), std::string::npos);
  EXPECT_NE(migrate().find("schema version 4 (up to date)"), std::string::npos);
  node.start();
  TestApi admin(node.port());
  admin.login("admin", kAdminPassword);
}

// Two nodes sharing PostgreSQL and an S3-compatible store (the tests' s3rver): an upload
// begun on one node resumes on the other, and either node serves it.
TEST(MultiNodeAttachments, AnUploadBegunOnOneNodeResumesOnTheOther) {
  if (!on_postgres()) GTEST_SKIP() << "several nodes need PostgreSQL (MISSIVE_TEST_STORE)";
  const char* s3_dir = std::getenv("MISSIVE_TEST_S3_DIR");
  if (s3_dir == nullptr) GTEST_SKIP() << "needs the s3 fixture (MISSIVE_TEST_S3_DIR)";
  std::ifstream url_file(std::string(s3_dir) + "/url");
  std::string endpoint;
  std::getline(url_file, endpoint);
  ASSERT_FALSE(endpoint.empty());
  ::setenv("MISSIVE_S3_ACCESS_KEY", "S3RVER", 1);
  ::setenv("MISSIVE_S3_SECRET_KEY", "S3RVER", 1);
  const std::vector<std::string> args = {
      "--blob-store", fmt::format("s3://missive-test/multinode-{}?endpoint={}", ::getpid(), endpoint),
      "--url-signing-key", "00112233445566778899aabbccddeeff"};
  ServerProcess node_a;
  node_a.set_extra_args(args);
  node_a.start();
  ServerProcess node_b(node_a.store_url());
  node_b.set_extra_args(args);
  node_b.start();
  TestApi admin_a(node_a.port());
  admin_a.login("admin", kAdminPassword);
  const std::int64_t bob = admin_a.create_user("bob");
  TestApi bob_b(node_b.port());
  bob_b.login("bob", "password-bob");

  std::string bytes(2'500'000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 997);
  const RawHeaders tus = with(bearer(admin_a.token()), {{"Tus-Resumable", "1.0.0"}});
  RawReply created = raw_request(node_a.port(), "POST", "/v1/tus",
                                 with(tus, {{"Upload-Length", std::to_string(bytes.size())}}));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string location = created.header("location");
  const auto patch = [&](std::uint16_t port, std::size_t offset, std::size_t size) {
    return raw_request(port, "PATCH", location,
                       with(tus, {{"Upload-Offset", std::to_string(offset)},
                                  {"Content-Type", "application/offset+octet-stream"}}),
                       std::string_view(bytes).substr(offset, size));
  };
  ASSERT_EQ(patch(node_a.port(), 0, 1'000'000).status, 204);
  // Node A goes away; the client asks node B where to go on from.
  node_a.kill();
  RawReply head = raw_request(node_b.port(), "HEAD", location, tus);
  ASSERT_EQ(head.status, 200) << head.body;
  EXPECT_EQ(head.header("upload-offset"), "1000000");
  ASSERT_EQ(patch(node_b.port(), 1'000'000, bytes.size() - 1'000'000).status, 204);

  const std::int64_t id = std::stoll(location.substr(location.rfind('/') + 1));
  TestApi admin_b(node_b.port());
  admin_b.set_token(admin_a.token());
  Reply sent = admin_b.send_to_users({bob}, "Big", ",\"attachments\":[" + std::to_string(id) + "]");
  ASSERT_EQ(sent.status, 201) << sent.body;
  RawReply got = raw_request(node_b.port(), "GET", fmt::format("/v1/attachments/{}", id),
                             bearer(bob_b.token()));
  EXPECT_EQ(got.status, 200);
  EXPECT_TRUE(got.body == bytes);
  // Node A, back, serves it too (from the bucket), and a link signed by B works on A.
  node_a.start();
  Reply details = bob_b.get(fmt::format("/v1/uploads/{}", id));
  const std::string link = details.json["url"].GetString();
  RawReply on_a = raw_request(node_a.port(), "GET", link);
  EXPECT_EQ(on_a.status, 200);
  EXPECT_TRUE(on_a.body == bytes);
}

// Two nodes on one PostgreSQL, both delivering the outbox: every webhook goes out once, from
// one node or the other, never from both (claims with FOR UPDATE SKIP LOCKED).
TEST_F(MultiNodeTest, EachWebhookIsDeliveredByOneNodeOnly) {
  const auto hooks_dir = missive::testing::fixture_dir("MISSIVE_TEST_WEBHOOK_DIR");
  if (hooks_dir.empty()) GTEST_SKIP() << "needs the webhooks fixture (MISSIVE_TEST_WEBHOOK_DIR)";
  for (auto* node : {node_a_.get(), node_b_.get()}) {
    node->stop();
    node->set_extra_args({"--allow-private-webhooks"});
    node->start();
  }
  admin_a_ = std::make_unique<TestApi>(node_a_->port());
  admin_a_->login("admin", kAdminPassword);
  const std::string name = fmt::format("multinode-{}", ::getpid());
  const std::string url = missive::testing::first_line(hooks_dir / "url") + "/" + name;
  ASSERT_EQ(admin_a_->post("/v1/webhooks", R"({"url":")" + url + R"(","events":["message.sent"]})").outcome(),
            "201");
  Person bob = person("bob", *node_b_);
  TestApi admin_b(node_b_->port());
  admin_b.login("admin", kAdminPassword);
  constexpr int kMessages = 30;
  for (int i = 0; i < kMessages; ++i) {
    TestApi& through = i % 2 == 0 ? *admin_a_ : admin_b;
    ASSERT_EQ(through.send_to_users({bob.id}, "m" + std::to_string(i)).outcome(), "201");
  }
  std::map<std::string, int> by_id;
  const auto count = [&] {
    by_id.clear();
    for (const auto& r : missive::testing::webhooks_at(hooks_dir, "/" + name)) {
      ++by_id[r.headers.at("webhook-id")];
    }
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (count(); by_id.size() < kMessages && std::chrono::steady_clock::now() < until; count()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // a second delivery would come now
  count();
  EXPECT_EQ(by_id.size(), static_cast<std::size_t>(kMessages));
  for (const auto& [id, n] : by_id) EXPECT_EQ(n, 1) << id;
}

}  // namespace
}  // namespace missive::itest
