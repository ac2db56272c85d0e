#include "core/search_query.h"

#include <gtest/gtest.h>

#include <string>

namespace missive {
namespace {

// The canonical form of a query that must parse, or "error: <message>".
std::string parsed(std::string_view text) {
  auto query = SearchQuery::parse(text);
  if (!query) {
    EXPECT_EQ(query.error().code, ErrorCode::invalid) << text;
    return "error: " + query.error().message;
  }
  return query->describe();
}

TEST(SearchQuery, WordsPhrasesAndPrefixes) {
  EXPECT_EQ(parsed("deploy"), "deploy");
  EXPECT_EQ(parsed("deploy friday"), "(deploy AND friday)");
  EXPECT_EQ(parsed("\"release notes\" deliv*"), "(\"release notes\" AND deliv*)");
  EXPECT_EQ(parsed("\"release no\"*"), "\"release no\"*");
  EXPECT_EQ(parsed("  交付  "), "交付");
}

TEST(SearchQuery, OperatorsAndPrecedence) {
  EXPECT_EQ(parsed("a OR b c"), "(a OR (b AND c))");
  EXPECT_EQ(parsed("a AND b OR c"), "((a AND b) OR c)");
  EXPECT_EQ(parsed("a NOT b"), "(a NOT b)");
  EXPECT_EQ(parsed("a AND NOT b"), "(a NOT b)");
  EXPECT_EQ(parsed("(db OR database) AND slow"), "((db OR database) AND slow)");
  EXPECT_EQ(parsed("a NOT (b OR c) d"), "((a NOT (b OR c)) AND d)");
}

TEST(SearchQuery, LowerCaseKeywordsAreWords) {
  EXPECT_EQ(parsed("rock and roll"), "(rock AND and AND roll)");
  EXPECT_EQ(parsed("not or"), "(not AND or)");
}

TEST(SearchQuery, Fts5SyntaxIsJustText) {
  EXPECT_EQ(parsed("subject:x"), "subject:x");
  EXPECT_EQ(parsed("NEAR(a b)"), "(NEAR AND (a AND b))");
  EXPECT_EQ(parsed("^start +plus"), "(^start AND +plus)");
  EXPECT_EQ(parsed("deploy - friday"), "(deploy AND friday)");  // a lone "-" is punctuation
  EXPECT_EQ(parsed("{body} : x"), "({body} AND x)");
}

TEST(SearchQuery, ErrorsNameWhatAndWhere) {
  EXPECT_EQ(parsed(""), "error: search query: the query is empty");
  EXPECT_EQ(parsed("  -- "), "error: search query: the query is empty");
  EXPECT_EQ(parsed("\"open phrase"), "error: search query: unbalanced quote at position 1");
  EXPECT_EQ(parsed("AND"), "error: search query: AND needs a term before it at position 1");
  EXPECT_EQ(parsed("a OR"), "error: search query: OR needs a term after it at position 3");
  EXPECT_EQ(parsed("a AND"), "error: search query: AND needs a term after it at position 3");
  EXPECT_EQ(parsed("NOT a"),
            "error: search query: NOT needs a term before it (write: deploy NOT friday) at "
            "position 1");
  EXPECT_EQ(parsed("a NOT"), "error: search query: NOT needs a term after it at position 3");
  EXPECT_EQ(parsed("(a"), "error: search query: unbalanced parenthesis at position 1");
  EXPECT_EQ(parsed("a)"), "error: search query: unexpected ')' at position 2");
  EXPECT_EQ(parsed("()"), "error: search query: empty parentheses at position 2");
  EXPECT_EQ(parsed("*"), "error: search query: '*' must follow a word at position 1");
  EXPECT_EQ(parsed("a*b"), "error: search query: '*' is only allowed at the end of a word at position 2");
  EXPECT_EQ(parsed("交付 \"x"), "error: search query: unbalanced quote at position 4");
}

// The web page's search box points at the error: the position travels as a number too.
TEST(SearchQuery, ErrorsCarryTheirPosition) {
  EXPECT_EQ(SearchQuery::parse("交付 \"x").error().position, 4);
  EXPECT_EQ(SearchQuery::parse("a\x01").error().position, 2);
  EXPECT_EQ(SearchQuery::parse("").error().position, 0);  // names no position
}

TEST(SearchQuery, LimitsAreErrorsNotCrashes) {
  EXPECT_EQ(parsed(std::string(10'000, 'a')),
            "error: search query: too long (10000 bytes; the limit is 1000)");
  std::string many;
  for (int i = 0; i < 40; ++i) many += "w" + std::to_string(i) + " ";
  EXPECT_EQ(parsed(many), "error: search query: more than 32 terms");
  EXPECT_EQ(parsed(std::string(20, '(') + "a" + std::string(20, ')')),
            "error: search query: more than 16 nested parentheses at position 17");
  EXPECT_EQ(parsed("\xff"), "error: search query: invalid UTF-8 at byte 1");
}

// Found by fuzz_search_query: a NUL in the query ended FTS5's MATCH string early ("unterminated
// string"), so the search failed in the store instead of answering 400.
TEST(SearchQuery, ControlCharactersAreRefusedWithTheirPosition) {
  EXPECT_EQ(parsed(std::string("bac\0d", 5)),
            "error: search query: control character (byte 0x00) at position 4");
  EXPECT_EQ(parsed("交付 \x01"), "error: search query: control character (byte 0x01) at position 4");
  EXPECT_EQ(parsed("a\x7f"), "error: search query: control character (byte 0x7F) at position 2");
  EXPECT_EQ(parsed("a\tb\r\nc\fd"), "(a AND b AND c AND d)");
}

TEST(SearchQuery, PositiveTermsLeaveOutExclusions) {
  auto query = SearchQuery::parse("a (b OR \"c d\") NOT e");
  ASSERT_TRUE(query);
  std::string terms;
  for (const SearchTerm& t : query->positive_terms()) terms += t.text + ";";
  EXPECT_EQ(terms, "a;b;c d;");
}

TEST(SearchQuery, UnspacedScripts) {
  EXPECT_TRUE(is_unspaced_script(U'交'));
  EXPECT_TRUE(is_unspaced_script(U'の'));
  EXPECT_TRUE(is_unspaced_script(U'カ'));
  EXPECT_TRUE(is_unspaced_script(U'한'));
  EXPECT_FALSE(is_unspaced_script(U'a'));
  EXPECT_FALSE(is_unspaced_script(U'é'));
  EXPECT_FALSE(is_unspaced_script(U'，'));
}

}  // namespace
}  // namespace missive
