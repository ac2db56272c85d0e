// Conformance: Store::search. Visibility is part of the query, CJK substrings, phrases and
// prefixes, boolean operators, every filter, expiry, and cursors that survive new messages.
// Instantiated for SQLite with the automatic plan and each plan forced (sqlite_store_test.cpp).

#include <algorithm>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "store_test_support.h"

namespace missive::testing {
namespace {

using Ids = std::vector<std::int64_t>;

TEST_P(SearchConformance, OnlySenderAndRecipientsFindAMessageEvenByItsExactSubject) {
  Message m = say(ada_.id, bob_.id, "Quarterly layoffs plan", "Confidential: the plan.");
  EXPECT_EQ(find(ada_.id, "Quarterly layoffs plan"), Ids{m.id.value});
  EXPECT_EQ(find(bob_.id, "\"Quarterly layoffs plan\""), Ids{m.id.value});
  EXPECT_EQ(find(cyd_.id, "Quarterly layoffs plan"), Ids{});
  EXPECT_EQ(find(cyd_.id, "\"Quarterly layoffs plan\""), Ids{});
  EXPECT_EQ(find(cyd_.id, "layoffs OR plan OR confidential"), Ids{});
}

TEST_P(SearchConformance, GroupMembersAddedAfterASendDoNotFindIt) {
  Group ops = group("Ops", ada_.id, {bob_.id});
  NewMessage nm = to_group(ada_.id, ops.id, {bob_.id}, "database failover drill");
  Message m = send(nm);
  must(store().add_member(ops.id, cyd_.id));
  EXPECT_EQ(find(bob_.id, "failover"), Ids{m.id.value});
  EXPECT_EQ(find(cyd_.id, "failover"), Ids{});
}

TEST_P(SearchConformance, FindsAMessageAsSoonAsTheSendReturns) {
  for (int i = 0; i < 20; ++i) {
    Message m = say(ada_.id, bob_.id, "s", fmt::format("token{} arrives", i));
    EXPECT_EQ(find(bob_.id, fmt::format("token{}", i)), Ids{m.id.value});
  }
}

TEST_P(SearchConformance, SubstringsOfTextWithoutSpaces) {
  Message cn = say(ada_.id, bob_.id, "进度", "项目交付周二");
  Message jp = say(ada_.id, bob_.id, "予定", "明日の会議は東京で");
  EXPECT_EQ(find(bob_.id, "交付"), Ids{cn.id.value});
  EXPECT_EQ(find(bob_.id, "项目交付周二"), Ids{cn.id.value});
  EXPECT_EQ(find(bob_.id, "交付周"), Ids{cn.id.value});
  EXPECT_EQ(find(bob_.id, "二"), Ids{cn.id.value});  // the run's last character
  EXPECT_EQ(find(bob_.id, "交"), Ids{cn.id.value});
  EXPECT_EQ(find(bob_.id, "交周"), Ids{});
  EXPECT_EQ(find(bob_.id, "会議"), Ids{jp.id.value});
  EXPECT_EQ(find(bob_.id, "東京 OR 交付").size(), 2u);
  EXPECT_EQ(find(bob_.id, "東京 交付"), Ids{});
}

TEST_P(SearchConformance, PhrasesPrefixesDiacriticsAndOperators) {
  Message notes = say(ada_.id, bob_.id, "Release notes", "Delivery is on Tuesday.");
  Message other = say(ada_.id, bob_.id, "Notes", "The release was delivered late. Déploiement.");
  EXPECT_EQ(find(bob_.id, "\"release notes\""), Ids{notes.id.value});
  EXPECT_EQ(find(bob_.id, "\"notes release\""), Ids{});
  EXPECT_EQ(find(bob_.id, "deliv*").size(), 2u);
  EXPECT_EQ(find(bob_.id, "delivery"), Ids{notes.id.value});
  EXPECT_EQ(find(bob_.id, "deploiement"), Ids{other.id.value});
  EXPECT_EQ(find(bob_.id, "RELEASE late"), Ids{other.id.value});
  EXPECT_EQ(find(bob_.id, "release NOT late"), Ids{notes.id.value});
  EXPECT_EQ(find(bob_.id, "tuesday OR late").size(), 2u);
  EXPECT_EQ(find(bob_.id, "(tuesday OR late) AND delivered"), Ids{other.id.value});
}

TEST_P(SearchConformance, QueryTextIsNeverFts5Syntax) {
  Message m = say(ada_.id, bob_.id, "subject: NEAR the end", "a^b body:x -minus +plus \"q\"");
  for (const char* q : {"subject:near", "NEAR(the end)", "body:x", "^b", "-minus", "+plus",
                        "\"\"\"q\"\"\"", "'", "{subject}: end", "a^b", "*\"x\"*"}) {
    auto parsed = SearchQuery::parse(q);
    if (!parsed) continue;  // the parser's own errors are tested in core
    MessageSearch s = query(bob_.id, q);
    EXPECT_EQ(status(store().search(s)), "ok") << q;
  }
  EXPECT_EQ(find(bob_.id, "subject:near"), Ids{m.id.value});
  EXPECT_EQ(find(bob_.id, "NEAR(the end)"), Ids{m.id.value});
}

// Words are separated at ASCII punctuation on both backends: addresses, URLs and version
// numbers are found by their parts as well as whole.
TEST_P(SearchConformance, PunctuationSeparatesWords) {
  Message m = say(ada_.id, bob_.id, "s", "mail ada@example.com, see https://wiki.corp/x_y or v1.2.3");
  for (const char* q : {"example", "ada@example.com", "wiki", "corp", "\"wiki corp\"", "x", "y",
                        "v1", "2", "v1.2.3", "https", "e-x-a-m-p-l-e OR v1"}) {
    EXPECT_EQ(find(bob_.id, q), Ids{m.id.value}) << q;
  }
  EXPECT_EQ(find(bob_.id, "example.org"), Ids{});
}

// PostgreSQL's tsquery and array-literal syntax, SQL quoting, backslashes: all plain text.
TEST_P(SearchConformance, QueryTextIsNeverTsqueryOrSqlSyntax) {
  Message m = say(ada_.id, bob_.id, "it's a\\b {x,y}", "cost & time | scope !done <-> plan:* 'q' O'Brien");
  for (const char* q : {"it's", "a\\b", "{x,y}", "\"{x\"", "&", "cost & time", "time | scope",
                        "!done", "<->", "plan:*", "'q'", "O'Brien", "'; DROP TABLE message; --",
                        "\\", "\\\"", "x\\\" OR y", "$1", "E'\\x00'", "a:*b", "(:*)"}) {
    auto parsed = SearchQuery::parse(q);
    if (!parsed) continue;
    EXPECT_EQ(status(store().search(query(bob_.id, q))), "ok") << q;
  }
  EXPECT_EQ(find(bob_.id, "O'Brien"), Ids{m.id.value});
  EXPECT_EQ(find(bob_.id, "\"cost & time\""), Ids{m.id.value});
  EXPECT_EQ(find(bob_.id, "!done"), Ids{m.id.value});
  EXPECT_EQ(find(bob_.id, "plan:*"), Ids{m.id.value});
  EXPECT_EQ(find(bob_.id, "{x,y}"), Ids{m.id.value});
  EXPECT_EQ(find(bob_.id, "'; DROP TABLE message; --"), Ids{});
  EXPECT_EQ(find(bob_.id, "scope"), Ids{m.id.value});  // the table is still there
}

// The parser bounds queries (1,000 bytes, 32 terms); the store copes with more all the same.
TEST_P(SearchConformance, HugeQueriesAreAnsweredNotFailed) {
  Message m = say(ada_.id, bob_.id, "s", "haystack with one needle");
  MessageSearch s = query(bob_.id, "needle");
  s.match.term.text = std::string(10'000, 'n');  // one 10 KB word
  EXPECT_EQ(status(store().search(s)), "ok");
  s.match.term.text = "needle " + std::string(10'000, 'x');  // a 10 KB phrase
  EXPECT_EQ(status(store().search(s)), "ok");
  SearchNode any;
  any.kind = SearchNode::Kind::any_of;
  for (int i = 0; i < 200; ++i) {
    SearchNode t;
    t.term.text = fmt::format("w{} \"'&|!", i);
    any.children.push_back(t);
  }
  SearchNode hit;
  hit.term.text = "needle";
  any.children.push_back(hit);
  s.match = any;
  EXPECT_EQ(find(s), Ids{m.id.value});
  auto big = SearchQuery::parse(std::string(10'000, 'q'));
  EXPECT_FALSE(big.has_value());  // rejected before any store sees it
}

TEST_P(SearchConformance, EveryFilterAndCombinations) {
  const Timestamp t0 = clock_;
  Group ops = group("Ops", ada_.id, {bob_.id, cyd_.id});
  NewMessage g = to_group(ada_.id, ops.id, {bob_.id, cyd_.id}, "deploy to ops");
  g.create_date = t0 + 10;
  Message to_ops = send(g);
  Message direct1 = say(ada_.id, bob_.id, "s", "deploy direct");  // clock +1
  Message from_cyd = say(cyd_.id, bob_.id, "s", "deploy from cyd");
  NewMessage r = direct(bob_.id, ada_.id, "deploy reply");
  r.parent = direct1.id;
  r.create_date = t0 + 20;
  Message reply = send(r);
  NewMessage rr = direct(ada_.id, bob_.id, "deploy reply to reply");
  rr.parent = reply.id;
  rr.create_date = t0 + 30;
  Message reply2 = send(rr);

  MessageSearch s = query(bob_.id, "deploy");
  s.sort = SearchSort::date;
  EXPECT_EQ(find(s).size(), 5u);
  s.sender = cyd_.id;
  EXPECT_EQ(find(s), Ids{from_cyd.id.value});
  s.sender.reset();
  s.group = ops.id;
  EXPECT_EQ(find(s), Ids{to_ops.id.value});
  s.group.reset();
  s.conversation = direct1.conversation;
  EXPECT_EQ(find(s), (Ids{reply2.id.value, reply.id.value, direct1.id.value}));
  s.thread = reply.id;
  EXPECT_EQ(find(s), (Ids{reply2.id.value, reply.id.value}));
  s.sender = ada_.id;
  EXPECT_EQ(find(s), Ids{reply2.id.value});
  s = query(bob_.id, "deploy");
  s.from = t0 + 10;
  s.to = t0 + 21;
  s.sort = SearchSort::date;
  EXPECT_EQ(find(s), (Ids{reply.id.value, to_ops.id.value}));
  // unread: bob's own reply counts as read, and replying moved his watermark over direct1.
  s = query(bob_.id, "deploy");
  s.unread_only = true;
  s.sort = SearchSort::date;
  EXPECT_EQ(find(s), (Ids{reply2.id.value, from_cyd.id.value, to_ops.id.value}));
  must(store().mark_message_read(from_cyd.id, bob_.id, now_));
  EXPECT_EQ(find(s), (Ids{reply2.id.value, to_ops.id.value}));
  s.group = ops.id;
  EXPECT_EQ(find(s), Ids{to_ops.id.value});
  // The sender's own group message matches the group filter too.
  MessageSearch mine = query(ada_.id, "deploy");
  mine.group = ops.id;
  EXPECT_EQ(find(mine), Ids{to_ops.id.value});
}

TEST_P(SearchConformance, HasReminderKeepsMessagesSentWithReminders) {
  say(ada_.id, bob_.id, "s", "budget review");
  NewMessage nm = direct(ada_.id, bob_.id, "budget review, please confirm");
  ReminderSchedule weekly;
  weekly.period_days = 7;
  weekly.anchor_day = utc_day(nm.create_date) + 7;
  weekly.expiry_day = utc_day(nm.create_date) + 21;
  weekly.next_remind_at = nm.create_date + 7 * kDayMs;
  weekly.due_at = weekly.next_remind_at;
  nm.reminders = weekly;
  Message reminded = send(nm);

  MessageSearch s = query(bob_.id, "budget");
  s.sort = SearchSort::date;
  EXPECT_EQ(find(s).size(), 2u);
  s.has_reminder = true;
  EXPECT_EQ(find(s), Ids{reminded.id.value});
  s.sender = cyd_.id;
  EXPECT_EQ(find(s), Ids{});
}

TEST_P(SearchConformance, ExpiredMessagesAreFoundOnlyByTheirCreatorWhoAsks) {
  Message m = say(ada_.id, bob_.id, "s", "withdrawn announcement");
  EXPECT_EQ(find(bob_.id, "announcement"), Ids{m.id.value});
  must(store().set_expiry(m.id, now_ - 1, now_));
  EXPECT_EQ(find(bob_.id, "announcement"), Ids{});
  EXPECT_EQ(find(ada_.id, "announcement"), Ids{});
  MessageSearch s = query(ada_.id, "announcement");
  s.include_expired = true;
  EXPECT_EQ(find(s), Ids{m.id.value});
  s.user = bob_.id;
  EXPECT_EQ(find(s), Ids{});
}

TEST_P(SearchConformance, RelevancePrefersMoreMatchesAndSubjectsThenNewer) {
  Message once = say(ada_.id, bob_.id, "s", "backup ran. other words here to pad it");
  Message thrice = say(ada_.id, bob_.id, "s", "backup backup backup");
  Message subject = say(ada_.id, bob_.id, "backup", "the nightly job");
  Message tie = say(ada_.id, bob_.id, "s", "backup ran. other words here to pad it");
  Ids ranked = find(bob_.id, "backup");
  ASSERT_EQ(ranked.size(), 4u);
  EXPECT_EQ(ranked[3], once.id.value);  // same score as `tie`, older
  EXPECT_EQ(ranked[2], tie.id.value);
  EXPECT_TRUE(std::set<std::int64_t>({ranked[0], ranked[1]}) ==
              std::set<std::int64_t>({thrice.id.value, subject.id.value}));
}

// Pages through `s` collecting every hit, sending a matching message between pages.
Ids page_through(SearchConformance& t, MessageSearch s, const std::function<void()>& between) {
  Ids all;
  for (int pages = 0; pages < 100; ++pages) {
    SearchHits page = must(t.store().search(s));
    for (const SearchHit& h : page.hits) all.push_back(h.item.message.id.value);
    if (!page.next) return all;
    EXPECT_EQ(page.hits.size(), static_cast<std::size_t>(s.limit)) << "a short page before the end";
    s.cursor = page.next;
    between();
  }
  ADD_FAILURE() << "did not end";
  return all;
}

TEST_P(SearchConformance, PagesAreFullAndStableWhileMessagesArrive) {
  // Mostly invisible hits: cyd's messages to ada match but bob may not see them.
  Ids visible;
  for (int i = 0; i < 23; ++i) {
    visible.push_back(say(ada_.id, bob_.id, "s", fmt::format("needle {}", std::string(i % 4 + 1, 'x'))).id.value);
    say(cyd_.id, ada_.id, "s", "needle");
    say(cyd_.id, ada_.id, "s", "needle");
  }
  for (SearchSort sort : {SearchSort::date, SearchSort::relevance}) {
    MessageSearch all = query(bob_.id, "needle");
    all.limit = 200;
    visible = find(all);  // the earlier round's arrivals are included now
    MessageSearch s = query(bob_.id, "needle");
    s.sort = sort;
    s.limit = 4;
    s.window = 7;  // several windows, none a multiple of the page size
    int n = 0;
    Ids got = page_through(*this, s, [&] { say(ada_.id, bob_.id, "s", fmt::format("needle new{}", n++)); });
    std::set<std::int64_t> distinct(got.begin(), got.end());
    EXPECT_EQ(distinct.size(), got.size()) << "a hit came twice";
    EXPECT_EQ(distinct, std::set<std::int64_t>(visible.begin(), visible.end()));
    if (sort == SearchSort::date) {
      EXPECT_TRUE(std::is_sorted(got.rbegin(), got.rend()));
    }
  }
}

TEST_P(SearchConformance, SearchesRunBesideConcurrentSends) {
  std::thread writer([&] {
    for (int i = 0; i < 50; ++i) say(ada_.id, bob_.id, "s", "busy writer");
  });
  for (int i = 0; i < 20; ++i) EXPECT_EQ(status(store().search(query(bob_.id, "busy"))), "ok");
  writer.join();
  EXPECT_EQ(find(bob_.id, "busy").size(), 50u);
}

}  // namespace
}  // namespace missive::testing
