// Engine::search: snippets, thread context, cursors and argument errors. Store behaviour
// (visibility, filters, paging) is covered by the store conformance suite.

#include <gtest/gtest.h>

#include "engine/search_snippet.h"
#include "engine_fixture.h"

namespace missive::testing {
namespace {

std::string snippet(std::string_view text, std::string_view query) {
  auto parsed = SearchQuery::parse(query);
  EXPECT_TRUE(parsed) << query;
  return engine_detail::make_snippet(text, parsed ? parsed->positive_terms() : std::vector<SearchTerm>{});
}

TEST(SearchSnippet, MarksEveryMatchNearTheFirst) {
  EXPECT_EQ(snippet("The Deploy is at 5. deploy again", "deploy"),
            "The «Deploy» is at 5. «deploy» again");
  EXPECT_EQ(snippet("delivery delivered redeliver", "deliv*"), "«delivery» «delivered» redeliver");
  EXPECT_EQ(snippet("release notes: the release\nnotes", "\"release notes\""),
            "«release notes»: the «release notes»");
  EXPECT_EQ(snippet("项目交付周二", "交付"), "项目«交付»周二");
  EXPECT_EQ(snippet("deploy friday", "deploy NOT friday"), "«deploy» friday");
  EXPECT_EQ(snippet("no match here", "absent"), "no match here");
}

TEST(SearchSnippet, CutsLongTextAroundTheFirstMatch) {
  const std::string text = std::string(300, 'x') + " words before the needle and words after " +
                           std::string(300, 'y');
  const std::string out = snippet(text, "needle");
  EXPECT_TRUE(out.starts_with("…")) << out;
  EXPECT_TRUE(out.ends_with("…")) << out;
  EXPECT_NE(out.find("«needle»"), std::string::npos) << out;
  EXPECT_LT(out.size(), 200u);
  // Never cut inside a multi-byte character.
  const std::string cjk = std::string(100, 'a') + " " + std::string(90, ' ') + "交付" +
                          [] { std::string s; for (int i = 0; i < 100; ++i) s += "项"; return s; }();
  const std::string cut = snippet(cjk, "交付");
  EXPECT_NE(cut.find("«交付»"), std::string::npos);
}

class EngineSearchTest : public EngineTest {
 protected:
  Result<SearchPage> search(const Caller& who, SearchRequest request) {
    return engine_->search(who, request);
  }
};

TEST_F(EngineSearchTest, HitsCarrySnippetAndThreadContext) {
  Caller ada = user("ada");
  Caller bob = user("bob");
  auto root = engine_->send(ada, SendRequest{.to = {.users = {bob.id}},
                                             .subject = "Migration plan",
                                             .body = "We migrate the orders table on Sunday."});
  ASSERT_TRUE(root);
  auto reply = engine_->reply(bob, ReplyRequest{.parent = root->message.id,
                                                .body = "Sunday works; the orders backup first."});
  ASSERT_TRUE(reply);
  auto page = search(ada, SearchRequest{.query = "orders", .sort = SearchSort::date});
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->results.size(), 2u);
  const SearchResult& hit = page->results[0];
  EXPECT_EQ(hit.view.item.message.id, reply->message.id);
  EXPECT_EQ(hit.snippet, "Sunday works; the «orders» backup first.");
  EXPECT_EQ(hit.thread.root, root->message.id);
  EXPECT_EQ(hit.thread.parent, std::optional<MessageId>(root->message.id));
  EXPECT_EQ(hit.thread.root_subject, std::optional<std::string>("Migration plan"));
  EXPECT_FALSE(hit.view.caller_is_creator);
  EXPECT_TRUE(page->results[1].view.caller_is_creator);
  // Only in the subject: the snippet is the subject.
  auto by_subject = search(bob, SearchRequest{.query = "migration", .sort = SearchSort::date});
  ASSERT_TRUE(by_subject);
  ASSERT_EQ(by_subject->results.size(), 2u);
  EXPECT_EQ(by_subject->results[0].snippet, "Re: «Migration» plan");
  EXPECT_EQ(by_subject->results[1].snippet, "«Migration» plan");
}

TEST_F(EngineSearchTest, CursorsBelongToTheirSearch) {
  Caller ada = user("ada");
  Caller bob = user("bob");
  for (int i = 0; i < 3; ++i) sent(ada, {.users = {bob.id}}, "cursor test");
  auto first = search(bob, SearchRequest{.query = "cursor", .limit = 2});
  ASSERT_TRUE(first && first->next);
  auto second = search(bob, SearchRequest{.query = "cursor", .cursor = first->next, .limit = 2});
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->results.size(), 1u);
  EXPECT_FALSE(second->next);
  for (const char* bad : {"", "x", "1.2", "1.2.zz", "-1.0.0"}) {
    auto r = search(bob, SearchRequest{.query = "cursor", .cursor = std::string(bad), .limit = 2});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::invalid);
  }
  auto other = search(bob, SearchRequest{.query = "test", .cursor = first->next, .limit = 2});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().message, "cursor is not a `next` value of this search");
  auto other_user = search(ada, SearchRequest{.query = "cursor", .cursor = first->next, .limit = 2});
  EXPECT_FALSE(other_user);
}

TEST_F(EngineSearchTest, ArgumentErrors) {
  Caller ada = user("ada");
  Caller bob = user("bob");
  Caller cyd = user("cyd");
  Message m = sent(ada, {.users = {bob.id}}, "private");
  auto code = [&](const Caller& who, SearchRequest r) {
    auto page = search(who, std::move(r));
    return page ? std::string("ok") : std::string(error_code_name(page.error().code));
  };
  EXPECT_EQ(code(bob, {.query = "a OR"}), "invalid");
  EXPECT_EQ(code(bob, {.query = "x", .limit = 0}), "invalid");
  EXPECT_EQ(code(bob, {.query = "x", .from = kStart, .to = kStart}), "invalid");
  EXPECT_EQ(code(cyd, {.query = "x", .thread = m.id}), "not_found");
  EXPECT_EQ(code(bob, {.query = "x", .thread = m.id}), "ok");
}

}  // namespace
}  // namespace missive::testing
