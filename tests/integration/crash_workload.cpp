#include "crash_workload.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <thread>

namespace missive::itest {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<TestApi> api_on(const std::string& token, std::uint16_t port) {
  auto api = std::make_unique<TestApi>(port);
  api->set_token(token);
  return api;
}

// A reminder message needs an expiry day after today's: 30 days on.
std::string expiry_in_a_month() {
  const auto day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) +
                   std::chrono::days(30);
  const std::chrono::year_month_day ymd(day);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

}  // namespace

std::int64_t env_number(const char* name, std::int64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  return std::strtoll(text, nullptr, 10);
}

void CrashCheck::add(std::string problem) {
  ++problem_count;
  if (problems.size() < 50) problems.push_back(std::move(problem));
}

std::uint64_t CrashWorkloadTest::seed_from_env(const std::string& name) {
  const auto seed = static_cast<std::uint64_t>(
      env_number("MISSIVE_CRASH_SEED", static_cast<std::int64_t>(std::random_device{}() >> 1)));
  std::cout << name << ": seed " << seed << " (replay: MISSIVE_CRASH_SEED=" << seed << ")"
            << std::endl;
  return seed;
}

void CrashWorkloadTest::reconnect() {
  port_ = server_.port();
  admin_ = api_on(admin_->token(), server_.port());
}

// Retries `method target` until a 2xx answer. Connection failures (the server is down) and
// 503 are retried; any other status is recorded as a failure and retried too, so one bug
// does not stop the run but fails the test. With tolerate_loss_, a 4xx answer is returned.
Reply CrashWorkloadTest::call_until_ok(Worker& w, std::string_view method,
                                       const std::string& target, const std::string& body) {
  for (int attempt = 0;; ++attempt) {
    const auto port = port_.load();
    if (port != w.port) {
      w.person.api = api_on(w.person.api->token(), port);
      w.port = port;
    }
    try {
      auto reply = w.person.api->call(method, target, body);
      if (reply.status >= 200 && reply.status < 300) return reply;
      if (tolerate_loss_ && reply.status >= 400 && reply.status < 500) return reply;
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

void CrashWorkloadTest::fail(std::string what) {
  std::lock_guard lock(mutex_);
  if (failures_.size() < 20) failures_.push_back(std::move(what));
}

void CrashWorkloadTest::send(Worker& w, const std::string& body, const std::string& client_msg_id,
                             bool reminders, const std::string& target) {
  const auto started = Clock::now();
  const auto reply = call_until_ok(w, "POST", target, body);
  if (reply.status >= 300) return;  // tolerate_loss_: e.g. the parent of a reply is gone
  const auto sent = sent_of(reply.body, reply.status);
  std::lock_guard lock(mutex_);
  acked_.push_back(Acked{sent.id, sent.conversation, sent.seq, w.person.id, client_msg_id,
                         reminders, started, Clock::now()});
}

void CrashWorkloadTest::pull(Worker& w) {
  for (;;) {
    const auto reply =
        call_until_ok(w, "GET", "/v1/sync?limit=100&since=" + std::to_string(w.device.cursor));
    if (reply.status >= 300) return;
    if (reply.json["reset"].GetBool()) {
      if (!tolerate_loss_) {
        fail(w.person.handle + ": sync reset at cursor " + std::to_string(w.device.cursor));
        return;
      }
      w.device = HttpDevice{};  // the timeline lost entries the device had: start over
      continue;
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

std::optional<std::int64_t> CrashWorkloadTest::random_id(Worker& w, const std::string& target,
                                                        const char* list) {
  const auto reply = call_until_ok(w, "GET", target);
  if (reply.status >= 300) return std::nullopt;
  const auto& items = reply.json[list];
  if (items.Empty()) return std::nullopt;
  return items[static_cast<rapidjson::SizeType>(w.random() % items.Size())]["id"].GetInt64();
}

// One random request of `w`'s user.
void CrashWorkloadTest::act(Worker& w) {
  const auto pick = std::uniform_int_distribution<int>(0, 99)(w.random);
  const auto msg_id = w.person.handle + "-" + std::to_string(w.next_msg);
  if (pick < 40) {  // a direct send to one or two others, one in four with reminders
    std::vector<std::int64_t> to;
    for (const auto& other : workers_) {
      if (other->person.id != w.person.id && w.random() % 3 == 0) to.push_back(other->person.id);
    }
    if (to.empty()) to.push_back(listener_id_);
    ++w.next_msg;
    auto body = body_to_users(to, "direct " + msg_id, msg_id);
    const bool reminders = w.random() % 4 == 0;
    if (reminders) {
      body.pop_back();
      body += ",\"reminders\":{\"frequency\":\"weekly\"},\"expiry_date\":\"" +
              expiry_in_a_month() + "\"}";
    }
    send(w, body, msg_id, reminders);
  } else if (pick < 60) {  // a group send
    ++w.next_msg;
    send(w, body_to_group(group_id_, "group " + msg_id, msg_id), msg_id);
  } else if (pick < 70) {  // a reply to something in the inbox
    const auto parent = random_id(w, "/v1/inbox?limit=20", "messages");
    if (!parent) return;
    ++w.next_msg;
    send(w, "{\"body\":\"reply\",\"client_msg_id\":" + quote(msg_id) + "}", msg_id, false,
         "/v1/messages/" + std::to_string(*parent) + "/replies");
  } else if (pick < 82) {  // read one unread message
    const auto found = random_id(w, "/v1/inbox?unread=true&limit=20", "messages");
    if (!found) return;
    const auto id = *found;
    const auto read = call_until_ok(w, "POST", "/v1/messages/" + std::to_string(id) + "/read");
    if (read.status >= 300) return;
    std::lock_guard lock(mutex_);
    reads_.push_back(Read{.reader = w.person.id, .message = id});
  } else if (pick < 90) {  // read a whole conversation
    const auto found = random_id(w, "/v1/conversations", "conversations");
    if (!found) return;
    const auto id = *found;
    const auto read =
        call_until_ok(w, "POST", "/v1/conversations/" + std::to_string(id) + "/read");
    if (read.status >= 300) return;
    std::lock_guard lock(mutex_);
    reads_.push_back(
        Read{.reader = w.person.id, .conversation = id, .read_seq = read.json["read_seq"].GetInt64()});
  } else {
    pull(w);
  }
}

int CrashWorkloadTest::run(const RunOptions& options, std::uint64_t seed,
                           const std::string& name) {
  std::mt19937_64 random(seed);
  group_id_ = admin().create_group("crew");
  auto listener = person("listener");
  listener_id_ = listener.id;
  admin().add_member(group_id_, listener.id);
  for (const auto* handle : {"ann", "ben", "cat", "dan"}) {
    auto w = std::make_unique<Worker>();
    w->person = person(handle);
    w->random.seed(random());
    admin().add_member(group_id_, w->person.id);
    workers_.push_back(std::move(w));
  }
  if (after_setup_) after_setup_();
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

  int crashes = 0;
  std::exception_ptr crash_failed;
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(options.seconds);
  const auto latest_end = start + 5 * std::chrono::seconds(options.seconds);
  while (Clock::now() < end || (Clock::now() < latest_end && (crashes < options.min_crashes ||
                                                              acked_count() < options.min_acked))) {
    const auto acked_before = acked_count();
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 400)(random)));
    for (const auto give_up = Clock::now() + 30s;
         acked_count() < acked_before + options.min_acked_per_crash && Clock::now() < give_up;) {
      std::this_thread::sleep_for(10ms);
    }
    try {
      crash();
    } catch (...) {  // the server did not start again: end the run, with the workers joined
      crash_failed = std::current_exception();
      break;
    }
    ++crashes;
    port_ = server_.port();
  }
  stopping = true;  // each worker finishes (acknowledges) what it is doing, on a live server
  for (auto& t : threads) t.join();
  if (crash_failed) std::rethrow_exception(crash_failed);
  std::cout << name << ": " << crashes << " crashes in "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count()
            << " s, " << acked_count() << " messages and " << reads_.size()
            << " reads acknowledged, " << retries_.load()
            << " requests retried after a connection failure\n";

  // One last crash, so the checks also read what recovery made of the final writes.
  crash();
  ++crashes;
  reconnect();
  return crashes;
}

std::vector<std::int64_t> CrashWorkloadTest::dashboard_ids(TestApi& api) {
  std::vector<std::int64_t> ids;
  std::string target = "/v1/dashboard?limit=200";
  for (;;) {
    const auto reply = api.get(target);
    if (reply.status != 200) throw std::runtime_error("dashboard: " + reply.outcome());
    for (const auto& m : reply.json["messages"].GetArray()) ids.push_back(m["id"].GetInt64());
    if (reply.json["next"].IsNull()) return ids;
    target = "/v1/dashboard?limit=200&before=" + std::to_string(reply.json["next"].GetInt64());
  }
}

void CrashWorkloadTest::run_and_expect_nothing_lost(const std::string& name) {
  RunOptions options;
  options.seconds = env_number("MISSIVE_CRASH_SECONDS", 12);
  const auto crashes = run(options, seed_from_env(name), name);
  for (const auto& f : failures()) ADD_FAILURE() << f;
  ASSERT_GE(crashes, options.min_crashes);
  ASSERT_GE(acked_count(), options.min_acked);
  const auto found = check();
  for (const auto& problem : found.problems) ADD_FAILURE() << problem;
  EXPECT_EQ(found.problem_count, 0u);
}

CrashCheck CrashWorkloadTest::check() {
  CrashCheck out;
  // Exactly once: a retry answered the id of the first acknowledgement, and each sender's
  // dashboard holds exactly their acknowledged messages.
  std::map<std::string, std::int64_t> by_client_id;
  std::map<std::int64_t, const Acked*> by_id;
  for (const auto& a : acked_) {
    const auto key = std::to_string(a.sender) + "/" + a.client_msg_id;
    if (!by_client_id.emplace(key, a.id).second) out.add("sent twice: " + key);
    if (!by_id.emplace(a.id, &a).second) {
      out.add("two sends acknowledged as " + std::to_string(a.id));
    }
  }
  for (auto& w : workers_) {
    auto api = api_on(w->person.api->token(), server_.port());
    auto listed = dashboard_ids(*api);
    std::sort(listed.begin(), listed.end());
    if (std::adjacent_find(listed.begin(), listed.end()) != listed.end()) {
      out.add(w->person.handle + "'s dashboard lists a message twice");
    }
    for (const auto& a : acked_) {
      if (a.sender != w->person.id) continue;
      if (!std::binary_search(listed.begin(), listed.end(), a.id)) {
        ++out.lost_messages;
        out.add(w->person.handle + ": acknowledged message " + std::to_string(a.id) + " (" +
                a.client_msg_id + ") is gone");
      }
    }
    const auto acked_ids = std::ranges::count_if(
        acked_, [&](const Acked& a) { return a.sender == w->person.id; });
    if (static_cast<std::size_t>(acked_ids) < listed.size()) {  // committed, never acknowledged
      out.add(w->person.handle + ": the dashboard lists " + std::to_string(listed.size()) +
              " messages, " + std::to_string(acked_ids) + " were acknowledged");
    }
  }

  // Conversations: seqs 1..n, and in commit order.
  std::map<std::int64_t, std::vector<const Acked*>> conversations;
  for (const auto& a : acked_) conversations[a.conversation].push_back(&a);
  for (auto& [conversation, messages] : conversations) {
    std::sort(messages.begin(), messages.end(),
              [](const Acked* x, const Acked* y) { return x->seq < y->seq; });
    for (std::size_t i = 0; i < messages.size(); ++i) {
      if (messages[i]->seq != static_cast<std::int64_t>(i + 1)) {
        out.add("conversation " + std::to_string(conversation) + " has a gap or a repeated seq at " +
                std::to_string(messages[i]->seq));
        break;
      }
    }
    for (const auto* earlier : messages) {
      for (const auto* later : messages) {
        if (earlier->acked < later->started && earlier->seq >= later->seq) {
          out.add("message " + std::to_string(later->id) + " was sent after " +
                  std::to_string(earlier->id) + " was acknowledged but comes before it in conversation " +
                  std::to_string(conversation));
        }
      }
    }
  }

  // Each message: read counters against a recount of the recipient records, its reminders;
  // who should have what on their timeline.
  std::map<std::int64_t, std::multiset<std::int64_t>> expected_entries;  // user -> message ids
  std::map<std::int64_t, std::set<std::int64_t>> recipients_of, readers_of;
  for (const auto& a : acked_) {
    const auto reply = admin().get("/v1/dashboard/" + std::to_string(a.id));
    if (reply.status != 200) {
      out.add("message " + std::to_string(a.id) + ": dashboard " + reply.outcome());
      continue;
    }
    auto& recipients = recipients_of[a.id];
    auto& readers = readers_of[a.id];
    for (const auto& r : reply.json["recipients"].GetArray()) {
      recipients.insert(r["user_id"].GetInt64());
      if (r["is_read"].GetBool()) readers.insert(r["user_id"].GetInt64());
    }
    const auto& m = reply.json["message"];
    const auto id = std::to_string(a.id);
    if (m["recipients"].GetInt64() != static_cast<std::int64_t>(recipients.size())) {
      out.add("message " + id + ": recipients counter " + std::to_string(m["recipients"].GetInt64()) +
              ", records " + std::to_string(recipients.size()));
    }
    if (m["read_count"].GetInt64() != static_cast<std::int64_t>(readers.size())) {
      out.add("message " + id + ": read_count " + std::to_string(m["read_count"].GetInt64()) +
              ", records " + std::to_string(readers.size()));
    }
    const double percent =
        std::round(1000.0 * static_cast<double>(readers.size()) /
                   static_cast<double>(std::max<std::size_t>(1, recipients.size()))) /
        10.0;
    if (m["read_percent"].GetDouble() != percent) {
      out.add("message " + id + ": read_percent " + std::to_string(m["read_percent"].GetDouble()));
    }
    if (a.reminders && !m["reminders"].IsObject()) {
      ++out.lost_reminders;
      out.add("message " + id + " was sent with reminders and has none");
    }
    std::set<std::int64_t> everyone = recipients;
    everyone.insert(a.sender);
    for (const auto user : everyone) expected_entries[user].insert(a.id);
  }

  // Acknowledged reads: the reader's record of each message read, or of each message up to
  // the read_seq of a conversation read, is read.
  const auto expect_read = [&](std::int64_t message, std::int64_t reader, const std::string& how) {
    if (!recipients_of[message].contains(reader) || readers_of[message].contains(reader)) return;
    ++out.lost_reads;
    out.add("user " + std::to_string(reader) + " read message " + std::to_string(message) + " (" +
            how + ") and it is unread");
  };
  for (const auto& r : reads_) {
    if (r.message != 0) {
      if (by_id.contains(r.message)) expect_read(r.message, r.reader, "acknowledged read");
      continue;
    }
    for (const auto* a : conversations[r.conversation]) {
      if (a->seq <= r.read_seq) {
        expect_read(a->id, r.reader, "conversation " + std::to_string(r.conversation) +
                                         " read up to " + std::to_string(r.read_seq));
      }
    }
  }

  check_devices(out, expected_entries);
  return out;
}

// Devices: the HTTP device that lived through every crash, and a fresh one.
void CrashWorkloadTest::check_devices(
    CrashCheck& out, std::map<std::int64_t, std::multiset<std::int64_t>>& expected_entries) {
  for (auto& worker : workers_) {
    auto& w = *worker;
    w.port = 0;  // rebuild the client for the current server
    pull(w);
    SyncSeq expected_seq = 1;
    for (const auto& [seq, kind] : w.device.entries) {
      if (seq != expected_seq) {
        out.add(w.person.handle + "'s long-lived device: seq " + std::to_string(seq) + " where " +
                std::to_string(expected_seq) + " was expected");
        break;
      }
      ++expected_seq;
    }
    if (std::multiset<std::int64_t>(w.device.message_ids.begin(), w.device.message_ids.end()) !=
        expected_entries[w.person.id]) {
      out.add(w.person.handle + "'s long-lived device: not one entry per message sent or received");
    }

    client::SyncClientOptions options;
    options.port = server_.port();
    options.token = w.person.api->token();
    options.user = w.person.id;
    options.cursor = SyncSeq{0};
    client::SyncClient fresh(options);
    if (!fresh.connect()) {
      out.add(w.person.handle + "'s fresh device cannot connect");
      continue;
    }
    if (const auto contiguous = contiguous_from(fresh, 1); !contiguous) {
      out.add(w.person.handle + "'s fresh device: " + contiguous.message());
    }
    if (fresh.cursor() != w.device.cursor) {
      out.add(w.person.handle + ": the fresh device ends at " + std::to_string(fresh.cursor()) +
              ", the long-lived one at " + std::to_string(w.device.cursor));
    }
    std::multiset<std::int64_t> received;
    for (const auto& e : fresh.entries()) {
      if (e.kind == "message") received.insert(e.message_id.value_or(0));
    }
    if (received != expected_entries[w.person.id]) {
      out.add(w.person.handle + "'s fresh device: not one entry per message sent or received");
    }
  }
}

}  // namespace missive::itest
