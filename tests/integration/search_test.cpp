// Search over HTTP: visibility, CJK substrings, phrases and prefixes, filters, paging while
// messages arrive, searchable on acknowledgement, withdrawal, and hostile queries.
#include <atomic>
#include <set>
#include <thread>

#include "fixture.h"

namespace missive::itest {
namespace {

using SearchTest = IntegrationTest;

// Percent-encodes a query value.
std::string enc(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

Reply search(TestApi& api, std::string_view q, std::string_view extra = {}) {
  return api.get("/v1/search?q=" + enc(q) + std::string(extra));
}

std::vector<std::int64_t> hit_ids(TestApi& api, std::string_view q, std::string_view extra = {}) {
  const Reply r = search(api, q, extra);
  expect_status(r, 200, "search");
  std::vector<std::int64_t> ids;
  for (const auto& hit : r.json["results"].GetArray()) ids.push_back(hit["message"]["id"].GetInt64());
  return ids;
}

using Ids = std::vector<std::int64_t>;

TEST_F(SearchTest, ANonRecipientNeverFindsAMessageEvenByExactSubject) {
  auto ada = person("ada");
  auto bob = person("bob");
  auto eve = person("eve");
  const auto id = ada.api->send_to_users({bob.id}, "Acquisition of Initech").id();
  EXPECT_EQ(hit_ids(*bob.api, "\"Acquisition of Initech\""), Ids{id});
  EXPECT_EQ(hit_ids(*ada.api, "Acquisition of Initech"), Ids{id});
  EXPECT_EQ(hit_ids(*eve.api, "\"Acquisition of Initech\""), Ids{});
  EXPECT_EQ(hit_ids(*eve.api, "Acquisition OR Initech OR acqui*"), Ids{});
  EXPECT_EQ(hit_ids(admin(), "Initech"), Ids{});  // admins have no special sight either
}

TEST_F(SearchTest, CjkSubstringAndHitShape) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto id =
      ada.api->post("/v1/messages", "{\"to\":{\"users\":[" + std::to_string(bob.id) +
                                   "]},\"subject\":\"进度\",\"body\":\"项目交付周二\"}").id();
  const Reply r = search(*bob.api, "交付");
  ASSERT_EQ(r.outcome(), "200");
  ASSERT_EQ(r.json["results"].Size(), 1u);
  const auto& hit = r.json["results"][0];
  EXPECT_EQ(hit["message"]["id"].GetInt64(), id);
  EXPECT_STREQ(hit["snippet"].GetString(), "项目«交付»周二");
  EXPECT_EQ(hit["thread"]["root_id"].GetInt64(), id);
  EXPECT_TRUE(hit["thread"]["parent_id"].IsNull());
  EXPECT_STREQ(hit["thread"]["root_subject"].GetString(), "进度");
  EXPECT_FALSE(hit["message"]["is_read"].GetBool());
  EXPECT_TRUE(r.json["next"].IsNull());
}

TEST_F(SearchTest, PhrasesAndPrefixes) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto a = ada.api->send_to_users({bob.id}, "Release notes: delivery on Tuesday").id();
  const auto b = ada.api->send_to_users({bob.id}, "Notes: the release was delivered").id();
  EXPECT_EQ(hit_ids(*bob.api, "\"release notes\""), Ids{a});
  EXPECT_EQ(hit_ids(*bob.api, "deliv*", "&sort=date"), (Ids{b, a}));
  EXPECT_EQ(hit_ids(*bob.api, "deliv* NOT tuesday"), Ids{b});
}

TEST_F(SearchTest, FiltersCombine) {
  auto ada = person("ada");
  auto bob = person("bob");
  auto cyd = person("cyd");
  const auto ops = admin().create_group("ops");
  admin().add_member(ops, bob.id);
  admin().add_member(ops, cyd.id);
  admin().add_member(ops, ada.id);
  const Reply sent = ada.api->send_to_group(ops, "outage report");
  ASSERT_EQ(sent.outcome(), "201") << sent.body;
  const auto to_ops = sent.id();
  const auto direct = ada.api->send_to_users({bob.id}, "outage followup").id();
  const auto from_cyd = cyd.api->send_to_users({bob.id}, "outage seen").id();
  EXPECT_EQ(hit_ids(*bob.api, "outage", "&sort=date"), (Ids{from_cyd, direct, to_ops}));
  EXPECT_EQ(hit_ids(*bob.api, "outage", "&sender=" + std::to_string(ada.id) + "&sort=date"),
            (Ids{direct, to_ops}));
  EXPECT_EQ(hit_ids(*bob.api, "outage", "&group=" + std::to_string(ops)), Ids{to_ops});
  ASSERT_EQ(bob.api->post("/v1/messages/" + std::to_string(direct) + "/read").outcome(), "200");
  EXPECT_EQ(hit_ids(*bob.api, "outage", "&unread=true&sender=" + std::to_string(ada.id)),
            Ids{to_ops});
  EXPECT_EQ(hit_ids(*bob.api, "outage", "&from=2000-01-01&to=2001-01-01"), Ids{});
  EXPECT_EQ(hit_ids(*bob.api, "outage", "&from=2000-01-01&sort=date").size(), 3u);
  const Reply reminded = ada.api->post(
      "/v1/messages", R"({"to":{"users":[)" + std::to_string(bob.id) +
                          R"(]},"subject":"outage review","body":"Please confirm",)"
                          R"("expiry_date":"2099-01-31","reminders":{"frequency":"weekly"}})");
  ASSERT_EQ(reminded.outcome(), "201") << reminded.body;
  EXPECT_EQ(hit_ids(*bob.api, "outage", "&has_reminder=true"), Ids{reminded.id()});
  EXPECT_EQ(search(*bob.api, "outage", "&has_reminder=maybe").outcome(), "400 invalid");
  const Reply bad = search(*bob.api, "outage", "&sort=loudest");
  EXPECT_EQ(bad.outcome(), "400 invalid");
  EXPECT_EQ(search(*bob.api, "outage", "&from=yesterday").outcome(), "400 invalid");
}

TEST_F(SearchTest, FindableAsSoonAsTheSendIsAcknowledged) {
  auto ada = person("ada");
  auto bob = person("bob");
  for (int i = 0; i < 10; ++i) {
    const std::string word = "instant" + std::to_string(i);
    const auto id = ada.api->send_to_users({bob.id}, word).id();
    EXPECT_EQ(hit_ids(*bob.api, word), Ids{id}) << word;
  }
}

TEST_F(SearchTest, WithdrawnMessagesVanishExceptForTheirCreatorWhoAsks) {
  auto ada = person("ada");
  auto bob = person("bob");
  const auto id = ada.api->send_to_users({bob.id}, "price list").id();
  EXPECT_EQ(hit_ids(*bob.api, "price"), Ids{id});
  ASSERT_EQ(ada.api->post("/v1/messages/" + std::to_string(id) + "/withdraw").outcome(), "200");
  EXPECT_EQ(hit_ids(*bob.api, "price"), Ids{});
  EXPECT_EQ(hit_ids(*bob.api, "price", "&include_expired=true"), Ids{});
  EXPECT_EQ(hit_ids(*ada.api, "price"), Ids{});
  EXPECT_EQ(hit_ids(*ada.api, "price", "&include_expired=true"), Ids{id});
}

TEST_F(SearchTest, PagingIsStableWhileMessagesArrive) {
  auto ada = person("ada");
  auto bob = person("bob");
  auto cyd = person("cyd");
  std::set<std::int64_t> expected;
  for (int i = 0; i < 30; ++i) {
    expected.insert(ada.api->send_to_users({bob.id}, "ledger entry " + std::to_string(i)).id());
    cyd.api->send_to_users({ada.id}, "ledger entry hidden from bob");
  }
  std::atomic<bool> stop = false;
  std::thread sender([&, port = server_.port()] {
    TestApi api(port);
    api.set_token(ada.api->token());
    while (!stop) api.send_to_users({bob.id}, "ledger entry late");
  });
  for (const char* sort : {"relevance", "date"}) {
    std::vector<std::int64_t> got;
    std::string cursor;
    for (int page = 0; page < 20; ++page) {
      const Reply r = search(*bob.api, "ledger", std::string("&limit=7&sort=") + sort + cursor);
      ASSERT_EQ(r.outcome(), "200") << r.body;
      for (const auto& hit : r.json["results"].GetArray()) got.push_back(hit["message"]["id"].GetInt64());
      if (r.json["next"].IsNull()) break;
      EXPECT_EQ(r.json["results"].Size(), 7u) << "a short page before the end";
      cursor = "&cursor=" + enc(r.json["next"].GetString());
    }
    std::set<std::int64_t> distinct(got.begin(), got.end());
    EXPECT_EQ(distinct.size(), got.size()) << sort << ": a hit came twice";
    for (std::int64_t id : expected) EXPECT_TRUE(distinct.contains(id)) << sort << ": lost " << id;
    expected = distinct;  // the next sort starts from what existed now (and may see more)
  }
  stop = true;
  sender.join();
}

TEST_F(SearchTest, HostileQueriesAreAnswered400Or200NeverWorse) {
  auto ada = person("ada");
  auto bob = person("bob");
  ada.api->send_to_users({bob.id}, "subject: NEAR the {end} a\"b ^c -d +e *f");
  const std::vector<std::string> fine = {
      "subject:near", "NEAR(the end)", "{subject}: end", "^c", "-d", "+e", "a\"\"b\"\"",
      "end; DROP TABLE message", "NEAR/2", "x OR (y AND z)", "x -- y", "'x'"};
  for (const std::string& q : fine) {
    EXPECT_EQ(search(*bob.api, q).outcome(), "200") << q;
  }
  EXPECT_EQ(hit_ids(*bob.api, "NEAR(the end)").size(), 1u);
  EXPECT_EQ(hit_ids(*bob.api, "subject:near").size(), 1u);
  const std::vector<std::string> refused = {
      "\"unbalanced", "AND", "OR x", "x NOT", "(x", "x)", "*", "NOT x", "'", "\\", "%", "\"*\"",
      std::string(10 * 1024, 'q'), std::string(3000, '"'), ""};
  for (const std::string& q : refused) {
    const Reply r = search(*bob.api, q);
    EXPECT_EQ(r.outcome(), "400 invalid") << q.substr(0, 40);
    const std::string message = r.error_message();
    EXPECT_TRUE(message.starts_with("search query: ")) << message;
    EXPECT_EQ(message.find("fts5"), std::string::npos) << message;
    EXPECT_EQ(message.find("SQL"), std::string::npos) << message;
  }
  // Past the HTTP layer's header limit the server refuses before search sees it.
  EXPECT_EQ(search(*bob.api, std::string(10 * 1024, '"')).outcome(), "413 too_large");
  const Reply unbalanced = search(*bob.api, "x \"unbalanced");
  EXPECT_EQ(unbalanced.error_message(), "search query: unbalanced quote at position 3");
  EXPECT_EQ(unbalanced.json["error"]["position"].GetInt64(), 3) << unbalanced.body;
  EXPECT_EQ(bob.api->get("/v1/search").outcome(), "400 invalid");
  EXPECT_EQ(bob.api->get("/v1/search?q=x&cursor=bogus").outcome(), "400 invalid");
}

}  // namespace
}  // namespace missive::itest
