// Sync against the real server, continued from sync_pitfalls_test.cpp: join/leave windows and
// send-time audiences (pitfall 9), a large audience fanned out after the commit (10), delivery
// status by push, and a randomized run of three devices of one user checked against a model.
#include "sync_test_util.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>

namespace missive::itest {
namespace {

using namespace std::chrono_literals;
using client::SyncClient;

using SyncModelTest = SyncTest;

bool has_message(const SyncClient& device, std::int64_t message) {
  for (const auto& e : device.entries()) {
    if (e.kind == "message" && e.message_id == message) return true;
  }
  return false;
}

// user ids of GET /v1/dashboard/{id}'s recipients, and its message row.
std::set<std::int64_t> dashboard_recipients(TestApi& api, std::int64_t message,
                                            std::int64_t* count = nullptr) {
  const auto reply = api.get("/v1/dashboard/" + std::to_string(message));
  expect_status(reply, 200, "dashboard");
  std::set<std::int64_t> users;
  for (const auto& r : reply.json["recipients"].GetArray()) users.insert(r["user_id"].GetInt64());
  if (count != nullptr) *count = reply.json["message"]["recipients"].GetInt64();
  return users;
}

// Pitfall 9: a late joiner sees nothing from before, a removed member nothing from after, and
// each message's read-% denominator stays the audience it was sent to.
TEST_F(SyncModelTest, JoinAndLeaveWindowsAndSendTimeAudiences) {
  auto alice = person("alice");
  auto bob = person("bob");
  auto carol = person("carol");
  const auto group = admin().create_group("team");
  admin().add_member(group, alice.id);
  admin().add_member(group, bob.id);
  auto bob_phone = device(bob);

  const auto r1 = alice.api->send_to_group(group, "before 1");
  const auto r2 = alice.api->send_to_group(group, "before 2");
  admin().add_member(group, carol.id);
  const auto r3 = alice.api->send_to_group(group, "after join");
  const auto m1 = sent_of(r1.body, r1.status);
  const auto m3 = sent_of(r3.body, r3.status);
  EXPECT_EQ(r1.json["recipient_count"].GetInt64(), 1);
  EXPECT_EQ(r3.json["recipient_count"].GetInt64(), 2);

  auto carol_phone = device(carol);
  catch_up_to_newest(*carol_phone, *carol.api);
  EXPECT_EQ(message_seqs(*carol_phone, m3.conversation), std::vector<std::int64_t>{3});
  const auto history = parse_json(must(carol_phone->history(m3.conversation, 0, 0), "history"));
  for (const auto& slot : history["slots"].GetArray()) {
    if (slot["seq"].GetInt64() < 3) {
      EXPECT_FALSE(slot.HasMember("message")) << "carol sees a message from before she joined";
    }
  }
  EXPECT_EQ(carol.api->get("/v1/messages/" + std::to_string(m1.id)).status, 404);
  EXPECT_EQ(carol.api->inbox_ids(), std::vector<std::int64_t>{m3.id});

  ASSERT_EQ(admin().call("DELETE", "/v1/groups/" + std::to_string(group) + "/members/" +
                                       std::to_string(bob.id)).status,
            204);
  const auto r4 = alice.api->send_to_group(group, "after leave");
  const auto m4 = sent_of(r4.body, r4.status);
  EXPECT_EQ(r4.json["recipient_count"].GetInt64(), 1);
  // A direct message after it: once bob has that, he would have had m4 too.
  const auto sentinel = sent_of(alice.api->send_to_users({bob.id}, "direct").body, 201);
  ASSERT_TRUE(must(bob_phone->wait_until([&] { return has_message(*bob_phone, sentinel.id); }, 10s),
                   "the direct message"));
  catch_up_to_newest(*bob_phone, *bob.api);
  EXPECT_FALSE(has_message(*bob_phone, m4.id)) << bob_phone->state().describe();
  EXPECT_EQ(message_seqs(*bob_phone, m3.conversation), (std::vector<std::int64_t>{1, 2, 3}));
  const auto bob_inbox = bob.api->inbox_ids();
  EXPECT_EQ(std::count(bob_inbox.begin(), bob_inbox.end(), m4.id), 0);
  ASSERT_TRUE(must(carol_phone->wait_until([&] { return has_message(*carol_phone, m4.id); }, 10s),
                   "carol gets the message after bob left"));

  // Denominators: the audience at send time, whatever happened to the group since.
  std::int64_t count = 0;
  EXPECT_EQ(dashboard_recipients(*alice.api, m1.id, &count), std::set<std::int64_t>{bob.id});
  EXPECT_EQ(count, 1);
  EXPECT_EQ(dashboard_recipients(*alice.api, m3.id, &count),
            (std::set<std::int64_t>{bob.id, carol.id}));
  EXPECT_EQ(count, 2);
  EXPECT_EQ(dashboard_recipients(*alice.api, m4.id, &count), std::set<std::int64_t>{carol.id});
  EXPECT_EQ(count, 1);
}

class SyncDiffusionTest : public SyncTest {
 protected:
  std::vector<std::string> serve_args() const override { return {"--diffusion-limit", "50"}; }
};

// Pitfall 10 (correctness half; latency is bench/'s): an audience over the diffusion limit is
// fanned out after the commit and still reaches every member.
TEST_F(SyncDiffusionTest, AMessageToAGroupOverTheDiffusionLimitReachesEveryMember) {
  constexpr int kMembers = 200;
  constexpr int kConnected = 20;
  const auto group = admin().create_group("everyone");
  std::vector<Person> members;
  for (int i = 0; i < kMembers; ++i) {
    members.push_back(person(fmt::format("member{:03}", i)));
    admin().add_member(group, members.back().id);
  }
  std::vector<std::unique_ptr<SyncClient>> devices;
  for (int i = 0; i < kConnected; ++i) devices.push_back(device(members[i]));

  const auto reply = admin().send_to_group(group, "all hands");
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(reply.json["recipient_count"].GetInt64(), kMembers);
  const auto sent = sent_of(reply.body, reply.status);

  const auto deadline = std::chrono::steady_clock::now() + 20s;
  for (auto& d : devices) {
    while (!has_message(*d, sent.id) && std::chrono::steady_clock::now() < deadline) {
      must(d->pump(20ms), "pump");
    }
    EXPECT_TRUE(has_message(*d, sent.id)) << d->state().describe();
  }
  for (int i = kConnected; i < kMembers; ++i) {
    bool found = false;
    while (!found && std::chrono::steady_clock::now() < deadline) {
      const auto page = members[i].api->get("/v1/sync?since=0");
      expect_status(page, 200, "sync");
      for (const auto& e : page.json["entries"].GetArray()) {
        found = found || (std::string(e["kind"].GetString()) == "message" &&
                          e["message_id"].GetInt64() == sent.id);
      }
      if (!found) std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(found) << members[i].handle;
  }

  std::int64_t count = 0;
  EXPECT_EQ(dashboard_recipients(admin(), sent.id, &count).size(), static_cast<std::size_t>(kMembers));
  EXPECT_EQ(count, kMembers);
  for (const int i : {0, 77, kMembers - 1}) {
    EXPECT_EQ(members[i].api->inbox_ids(), std::vector<std::int64_t>{sent.id}) << members[i].handle;
    EXPECT_EQ(conversation_summary(*members[i].api, sent.conversation)["unread"].GetInt64(), 1);
  }
}

// The sender's device learns by push that a recipient's device got the message, then that
// they read it; the dashboard counts both.
TEST_F(SyncModelTest, DeliveredThenReadStatusReachesTheSenderByPush) {
  auto alice = person("alice");
  auto bob = person("bob");
  auto carol = person("carol");  // never connects: not delivered
  auto alice_phone = device(alice);
  auto bob_phone = device(bob);

  const auto sent =
      sent_of(must(alice_phone->send_message(body_to_users({bob.id, carol.id}, "ping")), "send"));
  ASSERT_TRUE(must(bob_phone->wait_until([&] { return has_message(*bob_phone, sent.id); }, 10s),
                   "bob's device gets it"));
  const int pulls = alice_phone->pulls();
  const auto status = [&]() -> std::string {
    const auto& statuses = alice_phone->state().statuses();
    const auto it = statuses.find({sent.id, bob.id});
    return it == statuses.end() ? "" : it->second;
  };
  ASSERT_TRUE(must(alice_phone->wait_until([&] { return status() == "delivered"; }, 10s),
                   "delivered"))
      << alice_phone->state().describe();
  const auto delivered = alice_phone->entries().back().seq;

  must(bob_phone->mark_read(sent.id), "bob reads it");
  ASSERT_TRUE(must(alice_phone->wait_until([&] { return status() == "read"; }, 10s), "read"))
      << alice_phone->state().describe();
  EXPECT_EQ(alice_phone->pulls(), pulls) << "statuses should come by push";
  EXPECT_LT(delivered, alice_phone->entries().back().seq);
  EXPECT_FALSE(alice_phone->state().statuses().contains({sent.id, carol.id}));

  const auto report = alice.api->get("/v1/dashboard/" + std::to_string(sent.id));
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(report.json["message"]["recipients"].GetInt64(), 2);
  EXPECT_EQ(report.json["message"]["read_count"].GetInt64(), 1);
  ASSERT_TRUE(report.json["message"].HasMember("delivered_count")) << report.body;
  EXPECT_EQ(report.json["message"]["delivered_count"].GetInt64(), 1);
  for (const auto& r : report.json["recipients"].GetArray()) {
    const bool is_bob = r["user_id"].GetInt64() == bob.id;
    EXPECT_EQ(r["is_read"].GetBool(), is_bob);
    ASSERT_TRUE(r.HasMember("delivered_at")) << report.body;
    EXPECT_EQ(r["delivered_at"].IsString(), is_bob) << report.body;
  }
}

// What the user's devices must end up knowing, kept by the test from what it did.
struct Model {
  struct Conversation {
    std::map<std::int64_t, std::int64_t> messages;  // conv_seq -> message id
    std::map<std::int64_t, std::int64_t> creators;  // conv_seq -> creator
    std::int64_t read_seq = 0;
    std::set<std::int64_t> read_single;             // conv_seqs read on their own
    std::int64_t max_seq() const { return messages.empty() ? 0 : messages.rbegin()->first; }
  };
  std::int64_t self = 0;
  std::map<std::int64_t, Conversation> conversations;
  std::map<std::int64_t, std::string> expiries;  // message id -> expiry date
  // The others never read or sync: only their own sends move their watermarks, which marks
  // the user's messages below read for them (a status entry for the user).
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> others_read;  // (conv, user)
  std::map<std::int64_t, std::vector<std::int64_t>> recipients;  // the user's message -> others

  void sent(const Sent& s, std::int64_t creator, std::vector<std::int64_t> to) {
    auto& c = conversations[s.conversation];
    c.messages[s.seq] = s.id;
    c.creators[s.seq] = creator;
    if (creator == self) {
      c.read_seq = std::max(c.read_seq, s.seq);
      recipients[s.id] = std::move(to);
    } else {
      auto& watermark = others_read[{s.conversation, creator}];
      watermark = std::max(watermark, s.seq);
    }
  }
  // GET /v1/conversations' unread: past the watermark, not the user's own, not read on its
  // own, not withdrawn.
  std::int64_t unread(std::int64_t conversation) const {
    const auto& c = conversations.at(conversation);
    std::int64_t n = 0;
    for (const auto& [seq, message] : c.messages) {
      n += seq > c.read_seq && c.creators.at(seq) != self && !c.read_single.contains(seq) &&
           !expiries.contains(message);
    }
    return n;
  }
  void read_up_to(std::int64_t conversation, std::int64_t up_to) {
    auto& c = conversations.at(conversation);
    c.read_seq = std::max(c.read_seq, std::min(up_to, c.max_seq()));
  }
  // One message read: the watermark crosses every message read or the user's own.
  void read_one(std::int64_t conversation, std::int64_t seq) {
    auto& c = conversations.at(conversation);
    if (seq <= c.read_seq || c.read_single.contains(seq) || c.creators.at(seq) == self) return;
    c.read_single.insert(seq);
    while (c.read_seq < c.max_seq()) {
      const auto next = c.read_seq + 1;
      if (c.creators.at(next) != self && !c.read_single.contains(next)) break;
      c.read_seq = next;
    }
  }
  // DeviceState::describe() of a device that saw all of it.
  std::string describe() const {
    std::string out;
    for (const auto& [id, c] : conversations) {
      out += fmt::format("conversation {} read_seq {} max_seq {}:", id, c.read_seq, c.max_seq());
      for (const auto& [seq, message] : c.messages) {
        const bool read = seq <= c.read_seq || c.read_single.contains(seq);
        out += fmt::format(" {}={}{}", seq, message, read ? "r" : "");
      }
      out += "\n";
    }
    std::map<std::pair<std::int64_t, std::int64_t>, std::string> statuses;
    for (const auto& [id, c] : conversations) {
      for (const auto& [seq, message] : c.messages) {
        if (!recipients.contains(message)) continue;
        for (const auto user : recipients.at(message)) {
          const auto it = others_read.find({id, user});
          if (it != others_read.end() && it->second >= seq) statuses[{message, user}] = "read";
        }
      }
    }
    for (const auto& [key, status] : statuses) {
      out += fmt::format("status message {} user {} {}\n", key.first, key.second, status);
    }
    for (const auto& [message, expiry] : expiries) {
      out += fmt::format("expiry message {} {}\n", message, expiry);
    }
    return out;
  }
};

// Three devices of one user through a fixed-seed random mix of sends to and from the user,
// reads on random devices (some older than the watermark), withdrawals and devices going
// offline and back: afterwards every device and the model agree, and so do the unread counts.
TEST_F(SyncModelTest, RandomMixKeepsThreeDevicesEqualToTheModel) {
  constexpr unsigned kSeed = 20240917;
  constexpr int kSteps = 300;
  std::mt19937 random(kSeed);
  const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };

  auto user = person("user");
  auto peter = person("peter");
  auto quinn = person("quinn");
  const auto group = admin().create_group("trio");
  for (const auto* p : {&user, &peter, &quinn}) admin().add_member(group, p->id);
  Person* others[] = {&peter, &quinn};

  Model model;
  model.self = user.id;
  std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> where;  // id -> (conv, seq)
  std::map<std::int64_t, Person*> creator_of;
  std::set<std::int64_t> withdrawn;
  std::vector<std::unique_ptr<SyncClient>> devices;
  std::vector<bool> online;
  for (int i = 0; i < 3; ++i) {
    devices.push_back(device(user));
    online.push_back(true);
  }
  const auto record = [&](const Sent& s, Person& creator, int target) {
    std::vector<std::int64_t> to;
    if (target == 1 || target == 3) to.push_back(peter.id);
    if (target == 2 || target == 3) to.push_back(quinn.id);
    model.sent(s, creator.id, to);
    where[s.id] = {s.conversation, s.seq};
    creator_of[s.id] = &creator;
  };
  const auto some_online = [&]() -> SyncClient* {
    std::vector<int> up;
    for (int i = 0; i < 3; ++i) {
      if (online[i]) up.push_back(i);
    }
    return up.empty() ? nullptr : devices[up[pick(static_cast<int>(up.size()))]].get();
  };
  // 0: to the user, 1: to peter, 2: to quinn, 3: to the group of the three.
  const auto target_body = [&](int target, const std::string& subject) {
    if (target == 3) return body_to_group(group, subject);
    return body_to_users({target == 0 ? user.id : others[target - 1]->id}, subject);
  };

  int cmid = 0;
  for (int step = 0; step < kSteps; ++step) {
    SCOPED_TRACE(fmt::format("seed {} step {}", kSeed, step));
    const int action = pick(100);
    if (action < 25) {  // the user sends, from a device or over HTTP
      const int target = 1 + pick(3);
      const auto body = target_body(target, fmt::format("u{}", step));
      auto* d = some_online();
      const auto with_id = body.substr(0, body.size() - 1) +
                           fmt::format(",\"client_msg_id\":\"c{}\"}}", ++cmid);
      const auto s = d != nullptr ? sent_of(must(d->send_message(with_id), "send"))
                                  : sent_of(user.api->post("/v1/messages", with_id).body, 201);
      record(s, user, target);
    } else if (action < 50) {  // someone sends to the user or the group
      auto& from = *others[pick(2)];
      const int target = pick(2) * 3;
      const auto r = from.api->post("/v1/messages", target_body(target, fmt::format("o{}", step)));
      ASSERT_EQ(r.status, 201) << r.body;
      record(sent_of(r.body, 201), from, target);
    } else if (action < 72 && !where.empty()) {  // a read on some device (or over HTTP)
      auto it = where.begin();
      std::advance(it, pick(static_cast<int>(where.size())));
      const auto [conversation, seq] = it->second;
      auto* d = some_online();
      if (pick(2) == 0) {
        const auto up_to = 1 + pick(static_cast<int>(model.conversations.at(conversation).max_seq()));
        if (d != nullptr) {
          must(d->mark_conversation_read(conversation, up_to), "read up to");
        } else {
          expect_status(user.api->post(fmt::format("/v1/conversations/{}/read", conversation),
                                       fmt::format(R"({{"up_to_seq":{}}})", up_to)),
                        200, "read up to");
        }
        model.read_up_to(conversation, up_to);
      } else if (!withdrawn.contains(it->first) && creator_of.at(it->first) != &user) {
        if (d != nullptr) {
          must(d->mark_read(it->first), "read one");
        } else {
          expect_status(user.api->post(fmt::format("/v1/messages/{}/read", it->first)), 200,
                        "read one");
        }
        model.read_one(conversation, seq);
      }
    } else if (action < 82 && !where.empty()) {  // its creator withdraws a message
      auto it = where.begin();
      std::advance(it, pick(static_cast<int>(where.size())));
      if (withdrawn.insert(it->first).second) {
        const auto r = creator_of.at(it->first)->api->post(
            fmt::format("/v1/messages/{}/withdraw", it->first));
        ASSERT_EQ(r.status, 200) << r.body;
        model.expiries[it->first] = sent_of(r.body, 200).expiry_date;
      }
    } else {  // a device goes offline or comes back
      const int i = pick(3);
      if (online[i]) {
        must(devices[i]->close(), "close");
      } else {
        must(devices[i]->connect(), "reconnect");
      }
      online[i] = !online[i];
    }
    if (step % 5 == 0) {
      for (int i = 0; i < 3; ++i) {
        if (online[i]) must(devices[i]->pump(1ms), "pump");
      }
    }
  }

  const auto expected = model.describe();
  for (int i = 0; i < 3; ++i) {
    if (!online[i]) must(devices[i]->connect(), "reconnect at the end");
    catch_up_to_newest(*devices[i], *user.api);
    EXPECT_EQ(devices[i]->state().describe(), expected) << "device " << i;
    EXPECT_TRUE(devices[i]->unexpected_errors().empty()) << devices[i]->unexpected_errors().front();
  }
  const auto listed = user.api->get("/v1/conversations");
  expect_status(listed, 200, "conversations");
  ASSERT_EQ(listed.json["conversations"].Size(), model.conversations.size());
  for (const auto& c : listed.json["conversations"].GetArray()) {
    const auto& m = model.conversations.at(c["id"].GetInt64());
    EXPECT_EQ(c["read_seq"].GetInt64(), m.read_seq) << "conversation " << c["id"].GetInt64();
    EXPECT_EQ(c["max_seq"].GetInt64(), m.max_seq()) << "conversation " << c["id"].GetInt64();
    EXPECT_EQ(c["unread"].GetInt64(), model.unread(c["id"].GetInt64()))
        << "conversation " << c["id"].GetInt64();
  }
}

}  // namespace
}  // namespace missive::itest
