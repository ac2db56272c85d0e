// The pitfalls of /work/shared/design/sync.md against the real server over real WebSocket
// connections: what a user's devices end up knowing, never how fast (that is bench/).
// Pitfalls 9-10, delivery status and the randomized model are in sync_model_test.cpp.
#include "sync_test_util.h"

#include <algorithm>
#include <atomic>
#include <latch>
#include <map>
#include <set>
#include <thread>

namespace missive::itest {
namespace {

using namespace std::chrono_literals;
using client::SyncClient;

using SyncPitfallsTest = SyncTest;

// Pitfall 1: senders on their own connections race to commit in one group; a member watching
// live must apply every conv_seq once, in order, whatever order the pushes and pulls came in.
TEST_F(SyncPitfallsTest, ConcurrentSendsInOneConversationNeverSkipASeq) {
  constexpr int kSenders = 4;
  constexpr int kEach = 30;
  const auto group = admin().create_group("crowd");
  std::vector<Person> senders;
  for (int i = 0; i < kSenders; ++i) {
    senders.push_back(person("sender" + std::to_string(i)));
    admin().add_member(group, senders.back().id);
  }
  auto watcher = person("watcher");
  admin().add_member(group, watcher.id);
  auto watching = device(watcher);
  std::vector<std::unique_ptr<SyncClient>> connections;
  for (const auto& s : senders) connections.push_back(device(s));

  std::vector<std::vector<Sent>> sent(kSenders);
  std::vector<std::string> errors(kSenders);
  std::atomic<int> running = kSenders;
  std::vector<std::thread> threads;
  for (int i = 0; i < kSenders; ++i) {
    threads.emplace_back([&, i] {
      try {
        std::vector<std::string> bodies;
        for (int k = 0; k < kEach; ++k) {
          bodies.push_back(body_to_group(group, "m", "s" + std::to_string(i) + "-" + std::to_string(k)));
        }
        sent[i] = send_pipelined(*connections[i], bodies, kEach);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
      --running;
    });
  }
  while (running > 0) must(watching->pump(20ms), "watch while they send");
  for (auto& t : threads) t.join();
  for (const auto& e : errors) ASSERT_EQ(e, "");

  std::set<std::int64_t> ids;
  std::set<std::int64_t> seqs;
  const auto conversation = sent[0][0].conversation;
  for (const auto& batch : sent) {
    for (const auto& s : batch) {
      EXPECT_EQ(s.conversation, conversation);
      EXPECT_EQ(s.status, 201);
      ids.insert(s.id);
      seqs.insert(s.seq);
    }
  }
  constexpr auto kTotal = kSenders * kEach;
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kTotal));
  EXPECT_EQ(std::vector<std::int64_t>(seqs.begin(), seqs.end()), one_to(kTotal));

  const auto all_there = [&] {
    const auto& cs = watching->state().conversations();
    const auto it = cs.find(conversation);
    return it != cs.end() && it->second.messages.size() == static_cast<std::size_t>(kTotal);
  };
  ASSERT_TRUE(must(watching->wait_until(all_there, 15s), "wait for every message"))
      << watching->state().describe();
  EXPECT_EQ(message_seqs(*watching, conversation), one_to(kTotal));
  std::set<std::int64_t> applied;
  for (const auto& e : watching->entries()) {
    if (e.kind == "message") {
      EXPECT_TRUE(applied.insert(e.message_id.value_or(0)).second) << e.json;
    }
  }
  EXPECT_EQ(applied, ids);
  EXPECT_TRUE(contiguous_from(*watching, 1));
  EXPECT_TRUE(watching->unexpected_errors().empty()) << watching->unexpected_errors().front();
}

// Pitfall 2a: the same client_msg_id sent from two connections at the same moment.
TEST_F(SyncPitfallsTest, RacingRetriesOfOneClientMsgIdMakeOneMessage) {
  auto alice = person("alice");
  auto bob = person("bob");
  auto phone = device(alice);
  auto laptop = device(alice);
  constexpr int kRounds = 10;
  std::set<std::int64_t> ids;
  for (int round = 0; round < kRounds; ++round) {
    const auto body = body_to_users({bob.id}, "race", "race-" + std::to_string(round));
    std::latch go(2);
    Sent a;
    Sent b;
    std::string error_a;
    std::string error_b;
    const auto racer = [&](SyncClient& d, Sent& out, std::string& error) {
      try {
        go.arrive_and_wait();
        out = sent_of(must(d.send_message(body), "racing send"));
      } catch (const std::exception& e) {
        error = e.what();
      }
    };
    std::thread t1(racer, std::ref(*phone), std::ref(a), std::ref(error_a));
    std::thread t2(racer, std::ref(*laptop), std::ref(b), std::ref(error_b));
    t1.join();
    t2.join();
    ASSERT_EQ(error_a, "");
    ASSERT_EQ(error_b, "");
    EXPECT_EQ(a.id, b.id) << "round " << round;
    EXPECT_EQ(std::multiset<int>({a.status, b.status}), std::multiset<int>({200, 201}))
        << "round " << round;
    ids.insert(a.id);
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kRounds));

  for (auto* p : {&bob, &alice}) {
    auto fresh = device(*p);
    catch_up_to_newest(*fresh, *p->api);
    std::multiset<std::int64_t> entries;
    for (const auto& e : fresh->entries()) {
      if (e.kind == "message") entries.insert(e.message_id.value_or(0));
    }
    EXPECT_EQ(entries, std::multiset<std::int64_t>(ids.begin(), ids.end())) << p->handle;
  }
}

// Pitfall 2b: acknowledged sends survive a crash (SIGKILL), and their retries after the restart
// answer 200 with the original message instead of sending again.
TEST_F(SyncPitfallsTest, RetryAfterACrashReturnsTheAcknowledgedMessage) {
  auto alice = person("alice");
  auto bob = person("bob");
  std::vector<std::string> bodies;
  for (int i = 0; i < 20; ++i) bodies.push_back(body_to_users({bob.id}, "crash", "crash-" + std::to_string(i)));
  std::vector<Sent> acked;
  {
    auto phone = device(alice);
    acked = send_pipelined(*phone, bodies);
    server_.kill();  // right after the last ack
  }
  server_.start();
  admin_ = client_with(admin_->token());
  alice.api = client_with(alice.api->token());
  bob.api = client_with(bob.api->token());

  auto phone = device(alice);
  const auto retried = send_pipelined(*phone, bodies);
  std::multiset<std::int64_t> ids;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ(retried[i].status, 200) << bodies[i];
    EXPECT_EQ(retried[i].id, acked[i].id) << bodies[i];
    EXPECT_EQ(retried[i].seq, acked[i].seq) << bodies[i];
    ids.insert(acked[i].id);
  }
  const auto http_retry = alice.api->post("/v1/messages", bodies[0]);
  EXPECT_EQ(http_retry.status, 200);
  EXPECT_EQ(sent_of(http_retry.body).id, acked[0].id);

  auto bob_phone = device(bob);
  catch_up_to_newest(*bob_phone, *bob.api);
  std::multiset<std::int64_t> received;
  for (const auto& e : bob_phone->entries()) {
    if (e.kind == "message") received.insert(e.message_id.value_or(0));
  }
  EXPECT_EQ(received, ids);
  EXPECT_EQ(message_seqs(*bob_phone, acked[0].conversation), one_to(20));
}

// Pitfall 3: offline while 1,000 messages arrive; reconnecting pulls them all, in order.
TEST_F(SyncPitfallsTest, ADeviceThatMissedAThousandMessagesCatchesUpInOrder) {
  auto alice = person("alice");
  auto bob = person("bob");
  auto phone = device(bob);
  const auto first = sent_of(alice.api->send_to_users({bob.id}, "before").body, 201);
  ASSERT_TRUE(must(phone->wait_for_cursor(1, 10s), "first message"));
  must(phone->close(), "go offline");

  auto sender = device(alice);
  std::vector<std::string> bodies;
  for (int i = 0; i < 1000; ++i) bodies.push_back(body_to_users({bob.id}, "missed " + std::to_string(i)));
  // Pipelined sends commit in any order: together they take seqs 2..1001.
  std::map<std::int64_t, std::int64_t> sent;  // conv_seq -> message id
  for (const auto& s : send_pipelined(*sender, bodies, 50)) sent[s.seq] = s.id;
  ASSERT_EQ(sent.size(), 1000u);
  ASSERT_EQ(sent.begin()->first, 2);
  ASSERT_EQ(sent.rbegin()->first, 1001);

  const int pulls_before = phone->pulls();
  must(phone->connect(), "reconnect");
  const int pages = phone->pulls() - pulls_before;
  EXPECT_GE(pages, 10);  // pages of at most 100
  EXPECT_LE(pages, 11);
  EXPECT_EQ(phone->cursor(), newest(*bob.api));
  EXPECT_EQ(message_seqs(*phone, first.conversation), one_to(1001));
  EXPECT_TRUE(contiguous_from(*phone, 1));
  const auto& conversation = phone->state().conversations().at(first.conversation);
  EXPECT_EQ(conversation.max_seq, 1001);
  for (const auto& [seq, id] : sent) EXPECT_EQ(conversation.messages.at(seq), id) << seq;
}

// Pitfall 4: sending never leaves the sender an unread message, on any of their devices.
TEST_F(SyncPitfallsTest, OwnMessagesNeverCountAsUnread) {
  auto alice = person("alice");
  auto bob = person("bob");
  const auto group = admin().create_group("pair");
  admin().add_member(group, alice.id);
  admin().add_member(group, bob.id);
  auto phone = device(alice);
  auto laptop = device(alice);
  ASSERT_EQ(bob.api->send_to_group(group, "one").status, 201);
  ASSERT_EQ(bob.api->send_to_group(group, "two").status, 201);

  const auto to_group = sent_of(must(phone->send_message(body_to_group(group, "mine")), "send"));
  const auto direct = sent_of(must(phone->send_message(body_to_users({bob.id}, "dm")), "send"));
  ASSERT_EQ(to_group.seq, 3);

  for (const auto& [conversation, seq] : {std::pair{to_group.conversation, to_group.seq},
                                          std::pair{direct.conversation, direct.seq}}) {
    const auto summary = conversation_summary(*alice.api, conversation);
    EXPECT_EQ(summary["unread"].GetInt64(), 0) << "conversation " << conversation;
    EXPECT_EQ(summary["read_seq"].GetInt64(), seq);
  }
  const auto unread_inbox = alice.api->inbox_ids("unread=true");
  EXPECT_EQ(std::count(unread_inbox.begin(), unread_inbox.end(), to_group.id), 0);
  EXPECT_EQ(std::count(unread_inbox.begin(), unread_inbox.end(), direct.id), 0);
  // Bob's own two stay read for him; alice's message is his one unread.
  EXPECT_EQ(conversation_summary(*bob.api, to_group.conversation)["unread"].GetInt64(), 1);

  catch_up_to_newest(*laptop, *alice.api);
  const auto& seen = laptop->state().conversations();
  EXPECT_GE(seen.at(to_group.conversation).read_seq, to_group.seq) << laptop->state().describe();
  EXPECT_GE(seen.at(direct.conversation).read_seq, direct.seq) << laptop->state().describe();
  catch_up_to_newest(*phone, *alice.api);
  EXPECT_EQ(laptop->state().describe(), phone->state().describe());
}

// Pitfall 5: a read on one device reaches the other by push; an older read arriving late
// lowers nothing anywhere.
TEST_F(SyncPitfallsTest, ReadingOnOneDeviceClearsTheOtherAndALateOlderReadLowersNothing) {
  auto alice = person("alice");
  auto bob = person("bob");
  auto phone = device(alice);
  auto laptop = device(alice);
  Sent last;
  for (int i = 0; i < 3; ++i) last = sent_of(bob.api->send_to_users({alice.id}, "hi").body, 201);
  const auto conversation = last.conversation;
  catch_up_to_newest(*phone, *alice.api);
  catch_up_to_newest(*laptop, *alice.api);
  EXPECT_EQ(laptop->state().conversations().at(conversation).read_seq, 0);

  const int laptop_pulls = laptop->pulls();
  const auto read = parse_json(must(phone->mark_conversation_read(conversation), "read all"));
  EXPECT_EQ(read["read_seq"].GetInt64(), 3);
  const auto cleared = [&] { return laptop->state().conversations().at(conversation).read_seq == 3; };
  ASSERT_TRUE(must(laptop->wait_until(cleared, 10s), "the read reaches the laptop"))
      << laptop->state().describe();
  EXPECT_EQ(laptop->pulls(), laptop_pulls) << "the read should come by push";

  // Late, older reads by every route.
  const auto late = parse_json(must(phone->mark_conversation_read(conversation, 1), "late read"));
  EXPECT_EQ(late["read_seq"].GetInt64(), 3);
  const auto late_http = alice.api->post("/v1/conversations/" + std::to_string(conversation) + "/read",
                                         R"({"up_to_seq":1})");
  ASSERT_EQ(late_http.status, 200) << late_http.body;
  EXPECT_EQ(late_http.json["read_seq"].GetInt64(), 3);
  const auto single = parse_json(must(laptop->mark_read(last.id - 2), "read the first again"));
  EXPECT_EQ(single["read_seq"].GetInt64(), 3);

  const auto sentinel = sent_of(bob.api->send_to_users({alice.id}, "after").body, 201);
  for (auto* d : {phone.get(), laptop.get()}) {
    catch_up_to_newest(*d, *alice.api);
    EXPECT_EQ(d->state().conversations().at(conversation).read_seq, 3) << d->state().describe();
    EXPECT_EQ(d->state().conversations().at(conversation).max_seq, sentinel.seq);
    std::int64_t watermark = 0;
    for (const auto& e : d->entries()) {
      if (e.kind != "read") continue;
      EXPECT_GE(e.read_seq, watermark) << e.json;
      watermark = e.read_seq;
    }
  }
  EXPECT_EQ(phone->state().describe(), laptop->state().describe());
  const auto summary = conversation_summary(*alice.api, conversation);
  EXPECT_EQ(summary["read_seq"].GetInt64(), 3);
  EXPECT_EQ(summary["unread"].GetInt64(), 1);
}

// Pitfall 6: withdrawals made while the recipient was offline reach them on reconnect.
TEST_F(SyncPitfallsTest, AWithdrawalWhileOfflineReachesTheDeviceOnReconnect) {
  auto alice = person("alice");
  auto bob = person("bob");
  auto phone = device(bob);
  const auto seen = sent_of(alice.api->send_to_users({bob.id}, "seen").body, 201);
  catch_up_to_newest(*phone, *bob.api);
  must(phone->close(), "go offline");
  const std::size_t applied_before = phone->entries().size();

  const auto unseen = sent_of(alice.api->send_to_users({bob.id}, "unseen").body, 201);
  for (const auto id : {seen.id, unseen.id}) {
    const auto r = alice.api->post("/v1/messages/" + std::to_string(id) + "/withdraw");
    ASSERT_EQ(r.status, 200) << r.body;
  }

  must(phone->connect(), "reconnect");
  std::map<std::int64_t, const client::Entry*> expiries;
  const client::Entry* unseen_entry = nullptr;
  for (std::size_t i = applied_before; i < phone->entries().size(); ++i) {
    const auto& e = phone->entries()[i];
    if (e.kind == "expiry") expiries[e.message_id.value_or(0)] = &e;
    if (e.kind == "message" && e.message_id == unseen.id) unseen_entry = &e;
  }
  ASSERT_TRUE(expiries.contains(seen.id)) << phone->state().describe();
  EXPECT_TRUE(expiries.at(seen.id)->expiry_date.has_value());
  ASSERT_NE(unseen_entry, nullptr) << phone->state().describe();
  EXPECT_TRUE(unseen_entry->placeholder) << unseen_entry->json;
  EXPECT_TRUE(unseen_entry->subject.empty()) << unseen_entry->json;

  // History and the inbox agree: nothing left to show.
  const auto history = parse_json(must(phone->history(seen.conversation, 0, 0), "history"));
  ASSERT_EQ(history["slots"].Size(), 2u);
  for (const auto& slot : history["slots"].GetArray()) {
    EXPECT_TRUE(slot.HasMember("placeholder") && slot["placeholder"].GetBool());
    EXPECT_FALSE(slot.HasMember("message"));
  }
  EXPECT_TRUE(bob.api->inbox_ids().empty());
}

// Pitfall 7a: a cursor past the newest entry (a restore from an older backup) gets a reset.
TEST_F(SyncPitfallsTest, ACursorPastTheNewestEntryIsReset) {
  auto alice = person("alice");
  auto bob = person("bob");
  Sent last;
  for (int i = 0; i < 3; ++i) last = sent_of(alice.api->send_to_users({bob.id}, "x").body, 201);

  const auto page = bob.api->get("/v1/sync?since=1000");
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(page.json["reset"].GetBool()) << page.body;
  EXPECT_EQ(page.json["entries"].Size(), 0u);
  EXPECT_EQ(page.json["next"].GetInt64(), 3);

  auto restored = device(bob, SyncSeq{1000});
  EXPECT_EQ(restored->resets(), 1);
  EXPECT_EQ(restored->cursor(), 3);
  EXPECT_EQ(restored->state().conversations().at(last.conversation).max_seq, 3);

  const auto after = sent_of(alice.api->send_to_users({bob.id}, "after").body, 201);
  ASSERT_TRUE(must(restored->wait_for_cursor(4, 10s), "the next message"));
  EXPECT_EQ(restored->entries().back().message_id, after.id);
  EXPECT_EQ(restored->resets(), 1);
}

class SyncRetentionTest : public SyncTest {
 protected:
  std::vector<std::string> serve_args() const override { return {"--sync-retention", "1"}; }
};

// Pitfall 7b: a cursor below what is kept gets a reset; the device re-bootstraps and goes on.
TEST_F(SyncRetentionTest, ACursorBelowWhatIsKeptIsResetAndTheDeviceContinues) {
  auto alice = person("alice");
  auto bob = person("bob");
  Sent last;
  for (int i = 0; i < 5; ++i) last = sent_of(alice.api->send_to_users({bob.id}, "old").body, 201);

  bool pruned = false;
  for (int i = 0; i < 50 && !pruned; ++i) {
    std::this_thread::sleep_for(200ms);
    pruned = bob.api->get("/v1/sync?since=2&limit=1").json["reset"].GetBool();
  }
  ASSERT_TRUE(pruned) << "entries were not pruned within 10 s";

  for (const SyncSeq cursor : {SyncSeq{0}, SyncSeq{2}}) {
    auto d = device(bob, cursor);
    EXPECT_EQ(d->resets(), 1) << "cursor " << cursor;
    EXPECT_EQ(d->cursor(), newest(*bob.api));
    // The bootstrap tells where the conversation stands.
    const auto& conversation = d->state().conversations().at(last.conversation);
    EXPECT_EQ(conversation.max_seq, last.seq);
    EXPECT_EQ(conversation.read_seq, 0);

    const auto next = sent_of(alice.api->send_to_users({bob.id}, "new").body, 201);
    last = next;
    const auto got = [&] {
      return d->state().conversations().at(last.conversation).messages.contains(next.seq);
    };
    ASSERT_TRUE(must(d->wait_until(got, 10s), "a new message after the reset"))
        << d->state().describe();
    EXPECT_EQ(d->resets(), 1);
  }
}

// Pitfall 8: a device starting from 0 while messages keep arriving applies every entry once,
// in order: pushes during the pull never move its cursor past what it has not pulled.
TEST_F(SyncPitfallsTest, PushesDuringTheInitialSyncDoNotSkipUnpulledEntries) {
  auto alice = person("alice");
  auto bob = person("bob");
  auto sender = device(alice);
  std::vector<std::string> bodies;
  for (int i = 0; i < 300; ++i) bodies.push_back(body_to_users({bob.id}, "early"));
  const auto conversation = send_pipelined(*sender, bodies, 50).back().conversation;

  std::atomic<int> sent_live = 0;
  std::string error;
  std::thread live([&] {
    try {
      for (int i = 0; i < 100; ++i) {
        must(sender->send_message(body_to_users({bob.id}, "live")), "live send");
        ++sent_live;
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  while (sent_live < 10 && error.empty()) std::this_thread::sleep_for(1ms);
  auto options = options_for(bob);
  options.page_limit = 20;  // a long initial sync, pushed to all along
  SyncClient phone(options);
  must(phone.connect(), "connect while messages arrive");
  live.join();
  ASSERT_EQ(error, "");
  catch_up_to_newest(phone, *bob.api);

  EXPECT_TRUE(contiguous_from(phone, 1));
  EXPECT_EQ(phone.cursor(), 400);
  EXPECT_EQ(message_seqs(phone, conversation), one_to(400));
  EXPECT_TRUE(phone.unexpected_errors().empty()) << phone.unexpected_errors().front();
}

}  // namespace
}  // namespace missive::itest
