// Crash safety (issue 7): clients send, reply, read and sync while the server is killed with
// SIGKILL at random moments and restarted on the same data, many times. Every request is
// retried until it succeeds (sends with their client_msg_id), so by the end every send a
// client attempted has been acknowledged. The checker then verifies, through the API:
// - every acknowledged message exists exactly once (each sender's dashboard lists exactly the
//   acknowledged ids, and retries answered the same id);
// - each conversation's seqs are 1..n without a gap, and in commit order (a message
//   acknowledged before another was first sent has the smaller seq);
// - a device that kept its sync cursor across every crash, and a fresh device from 0, each end
//   with timeline seqs 1..N and exactly one message entry per message the user sent or got;
// - each message's read counters (dashboard) equal a recount of its recipient records.
//
// The short run is part of `make test`; `make soak` runs it for minutes. Environment:
// MISSIVE_CRASH_SECONDS (how long the killing goes on; default 12) and MISSIVE_CRASH_SEED
// (default: random; the seed is printed so a failure can be replayed).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "sync_test_util.h"  // first: it configures RapidJSON's assertions

namespace missive::itest {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::int64_t env_number(const char* name, std::int64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  return std::strtoll(text, nullptr, 10);
}

// One acknowledged send or reply.
struct Acked {
  std::int64_t id = 0;
  std::int64_t conversation = 0;
  std::int64_t seq = 0;
  std::int64_t sender = 0;
  std::string client_msg_id;
  Clock::time_point started;  // the first attempt
  Clock::time_point acked;    // the answer that acknowledged it
};

// A "device" that pulls GET /v1/sync over HTTP and keeps its cursor across crashes.
struct HttpDevice {
  SyncSeq cursor = 0;
  std::vector<std::pair<SyncSeq, std::string>> entries;  // seq, kind
  std::vector<std::int64_t> message_ids;                 // of its message entries
};

class CrashTest : public IntegrationTest {
 protected:
  struct Worker {
    Person person;
    std::uint16_t port = 0;  // of `person.api`
    HttpDevice device;
    std::mt19937_64 random;
    int next_msg = 0;
  };

  // Retries `method target` until a 2xx answer. Connection failures (the server is down) and
  // 503 are retried; any other status is recorded as a failure and retried too, so one bug
  // does not stop the run but fails the test.
  Reply call_until_ok(Worker& w, std::string_view method, const std::string& target,
                      const std::string& body = {}) {
    for (int attempt = 0;; ++attempt) {
      const auto port = port_.load();
      if (port != w.port) {
        w.person.api = client_with(w.person.api->token(), port);
        w.port = port;
      }
      try {
        auto reply = w.person.api->call(method, target, body);
        if (reply.status >= 200 && reply.status < 300) return reply;
        if (reply.status != 503) {
          fail(w.person.handle + " " + std::string(method) + " " + target + ": " +
               std::to_string(reply.status) + " " + reply.body);
        }
      } catch (const std::runtime_error&) {
        // The server is down or was killed mid-request: try again.
        ++retries_;
      }
      if (attempt > 3000) throw std::runtime_error("no answer for " + target);
      std::this_thread::sleep_for(10ms);
    }
  }

  std::unique_ptr<TestApi> client_with(const std::string& token, std::uint16_t port) {
    auto api = std::make_unique<TestApi>(port);
    api->set_token(token);
    return api;
  }

  void fail(std::string what) {
    std::lock_guard lock(mutex_);
    if (failures_.size() < 20) failures_.push_back(std::move(what));
  }

  void record(Worker& w, const Reply& reply, const std::string& client_msg_id,
              Clock::time_point started) {
    const auto sent = sent_of(reply.body, reply.status);
    std::lock_guard lock(mutex_);
    acked_.push_back(Acked{sent.id, sent.conversation, sent.seq, w.person.id, client_msg_id,
                           started, Clock::now()});
  }

  void send(Worker& w, const std::string& body, const std::string& client_msg_id,
            const std::string& target = "/v1/messages") {
    const auto started = Clock::now();
    record(w, call_until_ok(w, "POST", target, body), client_msg_id, started);
  }

  void pull(Worker& w) {
    for (;;) {
      const auto reply =
          call_until_ok(w, "GET", "/v1/sync?limit=100&since=" + std::to_string(w.device.cursor));
      if (reply.json["reset"].GetBool()) {
        fail(w.person.handle + ": sync reset at cursor " + std::to_string(w.device.cursor));
        return;
      }
      for (const auto& e : reply.json["entries"].GetArray()) {
        const std::string kind = e["kind"].GetString();
        w.device.entries.emplace_back(e["seq"].GetInt64(), kind);
        if (kind == "message") w.device.message_ids.push_back(e["message_id"].GetInt64());
      }
      w.device.cursor = reply.json["next"].GetInt64();
      if (!reply.json["has_more"].GetBool()) return;
    }
  }

  // One random request of `w`'s user.
  void act(Worker& w) {
    const auto pick = std::uniform_int_distribution<int>(0, 99)(w.random);
    const auto msg_id = w.person.handle + "-" + std::to_string(w.next_msg);
    if (pick < 40) {  // a direct send to one or two others
      std::vector<std::int64_t> to;
      for (const auto& other : workers_) {
        if (other->person.id != w.person.id && w.random() % 3 == 0) to.push_back(other->person.id);
      }
      if (to.empty()) to.push_back(listener_id_);
      ++w.next_msg;
      send(w, body_to_users(to, "direct " + msg_id, msg_id), msg_id);
    } else if (pick < 60) {  // a group send
      ++w.next_msg;
      send(w, body_to_group(group_id_, "group " + msg_id, msg_id), msg_id);
    } else if (pick < 70) {  // a reply to something in the inbox
      const auto inbox = call_until_ok(w, "GET", "/v1/inbox?limit=20");
      const auto& messages = inbox.json["messages"];
      if (messages.Empty()) return;
      const auto parent =
          messages[static_cast<rapidjson::SizeType>(w.random() % messages.Size())]["id"].GetInt64();
      ++w.next_msg;
      send(w, "{\"body\":\"reply\",\"client_msg_id\":" + quote(msg_id) + "}", msg_id,
           "/v1/messages/" + std::to_string(parent) + "/replies");
    } else if (pick < 82) {  // read one unread message
      const auto inbox = call_until_ok(w, "GET", "/v1/inbox?unread=true&limit=20");
      const auto& messages = inbox.json["messages"];
      if (messages.Empty()) return;
      const auto id =
          messages[static_cast<rapidjson::SizeType>(w.random() % messages.Size())]["id"].GetInt64();
      call_until_ok(w, "POST", "/v1/messages/" + std::to_string(id) + "/read");
    } else if (pick < 90) {  // read a whole conversation
      const auto list = call_until_ok(w, "GET", "/v1/conversations");
      const auto& conversations = list.json["conversations"];
      if (conversations.Empty()) return;
      const auto id =
          conversations[static_cast<rapidjson::SizeType>(w.random() % conversations.Size())]["id"]
              .GetInt64();
      call_until_ok(w, "POST", "/v1/conversations/" + std::to_string(id) + "/read");
    } else {
      pull(w);
    }
  }

  // Everything `sender` sent, from their dashboard (all pages).
  std::vector<std::int64_t> dashboard_ids(TestApi& api) {
    std::vector<std::int64_t> ids;
    std::string target = "/v1/dashboard?limit=200";
    for (;;) {
      const auto reply = api.get(target);
      expect_status(reply, 200, "dashboard");
      for (const auto& m : reply.json["messages"].GetArray()) ids.push_back(m["id"].GetInt64());
      if (reply.json["next"].IsNull()) return ids;
      target = "/v1/dashboard?limit=200&before=" + std::to_string(reply.json["next"].GetInt64());
    }
  }

  std::mutex mutex_;
  std::vector<Acked> acked_;           // guarded by mutex_
  std::vector<std::string> failures_;  // guarded by mutex_
  std::atomic<std::uint16_t> port_{0};
  std::atomic<int> retries_{0};  // requests that failed on a dead connection
  std::vector<std::unique_ptr<Worker>> workers_;
  std::int64_t group_id_ = 0;
  std::int64_t listener_id_ = 0;  // a member who only receives
};

TEST_F(CrashTest, AcknowledgedWritesSurviveRepeatedSigkills) {
  const auto seconds = env_number("MISSIVE_CRASH_SECONDS", 12);
  const auto seed = static_cast<std::uint64_t>(
      env_number("MISSIVE_CRASH_SEED", static_cast<std::int64_t>(std::random_device{}() >> 1)));
  std::cout << "crash test: seed " << seed << ", " << seconds
            << " s (replay: MISSIVE_CRASH_SEED=" << seed << ")\n";
  std::mt19937_64 random(seed);

  group_id_ = admin().create_group("crew");
  auto listener = person("listener");
  listener_id_ = listener.id;
  admin().add_member(group_id_, listener.id);
  for (const auto* handle : {"ann", "ben", "cat", "dan"}) {
    auto w = std::make_unique<Worker>();
    w->person = person(handle);
    w->port = server_.port();
    w->random.seed(random());
    admin().add_member(group_id_, w->person.id);
    workers_.push_back(std::move(w));
  }
  port_ = server_.port();

  std::atomic<bool> stopping{false};
  std::vector<std::thread> threads;
  for (auto& w : workers_) {
    threads.emplace_back([this, &w = *w, &stopping] {
      try {
        while (!stopping.load()) act(w);
      } catch (const std::exception& e) {
        fail(w.person.handle + ": " + e.what());
      }
    });
  }

  // The run lasts `seconds`, and longer (up to five times) until it has crashed the server at
  // least kMinKills times with kMinAcked messages acknowledged: a slow machine or a sanitizer
  // build restarts the server less often in the same time.
  constexpr int kMinKills = 10;
  constexpr std::size_t kMinAcked = 50;
  const auto enough = [&] {
    std::lock_guard lock(mutex_);
    return acked_.size() >= kMinAcked;
  };
  int kills = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  const auto latest_end = start + 5 * std::chrono::seconds(seconds);
  while (Clock::now() < end ||
         (Clock::now() < latest_end && (kills < kMinKills || !enough()))) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 400)(random)));
    server_.kill();
    ++kills;
    server_.start();
    port_ = server_.port();
  }
  stopping = true;  // each worker finishes (acknowledges) what it is doing, on a live server
  for (auto& t : threads) t.join();
  std::cout << "crash test: " << kills << " kills, " << acked_.size() << " messages acknowledged, "
            << retries_.load() << " requests retried after a connection failure\n";
  for (const auto& f : failures_) ADD_FAILURE() << f;
  ASSERT_GE(kills, kMinKills);
  ASSERT_GE(acked_.size(), kMinAcked);

  // One last crash, so the checks also read what recovery made of the final writes.
  server_.kill();
  server_.start();
  port_ = server_.port();
  admin_ = client_with(admin_->token(), server_.port());

  // Exactly once: a retry answered the id of the first acknowledgement, and each sender's
  // dashboard holds exactly their acknowledged messages.
  std::map<std::string, std::int64_t> by_client_id;
  std::map<std::int64_t, const Acked*> by_id;
  for (const auto& a : acked_) {
    const auto key = std::to_string(a.sender) + "/" + a.client_msg_id;
    EXPECT_TRUE(by_client_id.emplace(key, a.id).second) << "sent twice: " << key;
    EXPECT_TRUE(by_id.emplace(a.id, &a).second) << "two sends acknowledged as " << a.id;
  }
  std::vector<std::unique_ptr<TestApi>> apis;
  for (auto& w : workers_) {
    auto api = client_with(w->person.api->token(), server_.port());
    auto listed = dashboard_ids(*api);
    std::sort(listed.begin(), listed.end());
    EXPECT_TRUE(std::adjacent_find(listed.begin(), listed.end()) == listed.end())
        << w->person.handle << "'s dashboard lists a message twice";
    std::vector<std::int64_t> expected;
    for (const auto& a : acked_) {
      if (a.sender == w->person.id) expected.push_back(a.id);
    }
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(listed, expected) << w->person.handle << ": committed vs acknowledged sends";
    apis.push_back(std::move(api));
  }

  // Conversations: seqs 1..n, and in commit order.
  std::map<std::int64_t, std::vector<const Acked*>> conversations;
  for (const auto& a : acked_) conversations[a.conversation].push_back(&a);
  for (auto& [conversation, messages] : conversations) {
    std::sort(messages.begin(), messages.end(),
              [](const Acked* x, const Acked* y) { return x->seq < y->seq; });
    for (std::size_t i = 0; i < messages.size(); ++i) {
      ASSERT_EQ(messages[i]->seq, static_cast<std::int64_t>(i + 1))
          << "conversation " << conversation << " has a gap or a repeated seq";
    }
    for (const auto* earlier : messages) {
      for (const auto* later : messages) {
        if (earlier->acked < later->started) {
          EXPECT_LT(earlier->seq, later->seq)
              << "message " << later->id << " was sent after " << earlier->id
              << " was acknowledged but comes before it in conversation " << conversation;
        }
      }
    }
  }

  // Read counters against a recount of the recipient records; who should have what.
  std::map<std::int64_t, std::multiset<std::int64_t>> expected_entries;  // user -> message ids
  for (const auto& a : acked_) {
    const auto reply = admin().get("/v1/dashboard/" + std::to_string(a.id));
    ASSERT_EQ(reply.status, 200) << reply.body;
    std::set<std::int64_t> recipients;
    std::set<std::int64_t> readers;
    for (const auto& r : reply.json["recipients"].GetArray()) {
      recipients.insert(r["user_id"].GetInt64());
      if (r["is_read"].GetBool()) readers.insert(r["user_id"].GetInt64());
    }
    const auto& m = reply.json["message"];
    EXPECT_EQ(m["recipients"].GetInt64(), static_cast<std::int64_t>(recipients.size()))
        << "message " << a.id;
    EXPECT_EQ(m["read_count"].GetInt64(), static_cast<std::int64_t>(readers.size()))
        << "message " << a.id;
    const double percent =
        std::round(1000.0 * static_cast<double>(readers.size()) /
                   static_cast<double>(std::max<std::size_t>(1, recipients.size()))) /
        10.0;
    EXPECT_DOUBLE_EQ(m["read_percent"].GetDouble(), percent) << "message " << a.id;
    recipients.insert(a.sender);
    for (const auto user : recipients) expected_entries[user].insert(a.id);
  }

  // Devices: the HTTP device that lived through every crash, and a fresh one.
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    auto& w = *workers_[i];
    w.port = 0;  // rebuild the client for the current server
    pull(w);
    SyncSeq expected_seq = 1;
    for (const auto& [seq, kind] : w.device.entries) {
      ASSERT_EQ(seq, expected_seq) << w.person.handle << "'s long-lived device";
      ++expected_seq;
    }
    EXPECT_EQ(std::multiset<std::int64_t>(w.device.message_ids.begin(), w.device.message_ids.end()),
              expected_entries[w.person.id])
        << w.person.handle << "'s long-lived device";

    client::SyncClientOptions options;
    options.port = server_.port();
    options.token = w.person.api->token();
    options.user = w.person.id;
    options.cursor = SyncSeq{0};
    client::SyncClient fresh(options);
    ASSERT_TRUE(fresh.connect()) << w.person.handle;
    EXPECT_TRUE(contiguous_from(fresh, 1)) << w.person.handle << "'s fresh device";
    EXPECT_EQ(fresh.cursor(), w.device.cursor) << w.person.handle;
    std::multiset<std::int64_t> received;
    for (const auto& e : fresh.entries()) {
      if (e.kind == "message") received.insert(e.message_id.value_or(0));
    }
    EXPECT_EQ(received, expected_entries[w.person.id]) << w.person.handle << "'s fresh device";
  }
}

}  // namespace
}  // namespace missive::itest
