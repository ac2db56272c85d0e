#include "core/group_rule.h"

#include <gtest/gtest.h>

#include <string>

#include "core/validate.h"

namespace missive {
namespace {

User make_user(Attributes attributes) {
  User u;
  u.id = UserId(1);
  u.handle = "ada";
  u.first_name = "Ada";
  u.last_name = "Lovelace";
  u.attributes = std::move(attributes);
  return u;
}

// The error message of a rule that must not parse, or "parsed" if it did.
std::string parse_error(std::string_view text) {
  auto rule = GroupRule::parse(text);
  if (rule) return "parsed";
  EXPECT_EQ(rule.error().code, ErrorCode::unprocessable) << text;
  return rule.error().message;
}

bool matches(std::string_view text, const User& user) {
  auto rule = GroupRule::parse(text);
  EXPECT_TRUE(rule.has_value()) << text << ": " << rule.error().message;
  return rule && rule->matches(user);
}

const User kDba = make_user({{"role", std::string("dba")},
                             {"region", std::string("EU")},
                             {"access_level", 3.0},
                             {"contractor", false}});

TEST(GroupRuleTest, KeepsItsText) {
  auto rule = GroupRule::parse(R"(role = "dba")");
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->text(), R"(role = "dba")");
}

TEST(GroupRuleTest, TheHeaderExamplesMatch) {
  EXPECT_TRUE(matches(R"(role = "dba" and region in ("EU", "US"))", kDba));
  EXPECT_TRUE(matches(R"(access_level >= 3 and not (contractor = true))", kDba));
  EXPECT_FALSE(matches(R"(role = "dba" and region in ("US", "APAC"))", kDba));
}

TEST(GroupRuleTest, ComparesStringsExactly) {
  EXPECT_TRUE(matches(R"(role = "dba")", kDba));
  EXPECT_FALSE(matches(R"(role = "DBA")", kDba));
  EXPECT_TRUE(matches(R"(role != "dev")", kDba));
  EXPECT_FALSE(matches(R"(role != "dba")", kDba));
}

TEST(GroupRuleTest, ComparesNumbersAsDoubles) {
  EXPECT_TRUE(matches("access_level = 3", kDba));
  EXPECT_TRUE(matches("access_level = 3.0", kDba));
  EXPECT_TRUE(matches("access_level > 2.5", kDba));
  EXPECT_TRUE(matches("access_level <= 3", kDba));
  EXPECT_FALSE(matches("access_level < 3", kDba));
  EXPECT_TRUE(matches("access_level > -1", kDba));
  EXPECT_TRUE(matches("access_level in (1, 2, 3)", kDba));
  EXPECT_TRUE(matches("access_level != 4", kDba));
}

TEST(GroupRuleTest, ComparesBooleans) {
  EXPECT_TRUE(matches("contractor = false", kDba));
  EXPECT_FALSE(matches("contractor = true", kDba));
  EXPECT_TRUE(matches("contractor != TRUE", kDba));
}

TEST(GroupRuleTest, MissingAttributeNeverMatches) {
  const User bare = make_user({});
  EXPECT_FALSE(matches(R"(role = "dba")", bare));
  EXPECT_FALSE(matches(R"(role != "dba")", bare));
  EXPECT_FALSE(matches("level > 1", bare));
  EXPECT_FALSE(matches(R"(region in ("EU"))", bare));
  EXPECT_FALSE(matches(R"(region not in ("EU"))", bare));
  // ...but its negation does.
  EXPECT_TRUE(matches(R"(not role = "dba")", bare));
}

TEST(GroupRuleTest, ValueOfAnotherTypeNeverMatches) {
  const User text_level = make_user({{"access_level", std::string("3")}});
  EXPECT_FALSE(matches("access_level = 3", text_level));
  EXPECT_FALSE(matches("access_level != 3", text_level));
  EXPECT_FALSE(matches("access_level not in (1, 2)", text_level));
  EXPECT_TRUE(matches(R"(access_level = "3")", text_level));
}

TEST(GroupRuleTest, NotIn) {
  EXPECT_TRUE(matches(R"(region not in ("US", "APAC"))", kDba));
  EXPECT_FALSE(matches(R"(region not in ("EU"))", kDba));
}

TEST(GroupRuleTest, BuiltInFieldsComeFromTheUser) {
  EXPECT_TRUE(matches(R"(handle = "ada")", kDba));
  EXPECT_TRUE(matches(R"(first_name = "Ada" and last_name = "Lovelace")", kDba));
  EXPECT_FALSE(matches(R"(last_name in ("Hopper", "Turing"))", kDba));
}

TEST(GroupRuleTest, AndBindsTighterThanOr) {
  // true or (false and false) = true; (true or false) and false would be false.
  EXPECT_TRUE(matches(R"(role = "dba" or role = "x" and region = "x")", kDba));
  EXPECT_FALSE(matches(R"((role = "dba" or role = "x") and region = "x")", kDba));
}

TEST(GroupRuleTest, NotAppliesToTheNextTerm) {
  EXPECT_FALSE(matches(R"(not role = "dba" and region = "EU")", kDba));
  EXPECT_TRUE(matches(R"(not (role = "dba" and region = "US"))", kDba));
  EXPECT_TRUE(matches(R"(not not role = "dba")", kDba));
}

TEST(GroupRuleTest, KeywordsAreCaseInsensitive) {
  EXPECT_TRUE(matches(R"(role = "dba" AND region IN ("EU") Or NOT contractor = False)", kDba));
  EXPECT_TRUE(matches(R"(region NOT IN ("US"))", kDba));
}

TEST(GroupRuleTest, StringEscapes) {
  const User quoted = make_user({{"title", std::string(R"(say "hi" \o/)")}});
  EXPECT_TRUE(matches(R"(title = "say \"hi\" \\o/")", quoted));
}

TEST(GroupRuleTest, Utf8Strings) {
  const User u = make_user({{"city", std::string("Zürich")}});
  EXPECT_TRUE(matches(R"(city = "Zürich")", u));
}

TEST(GroupRuleTest, EmptyRule) {
  EXPECT_EQ(parse_error(""), "rule: empty rule at position 1");
  EXPECT_EQ(parse_error("   "), "rule: empty rule at position 1");
}

TEST(GroupRuleTest, TooLong) {
  const std::string rule(Limits::kRuleMax + 1, ' ');
  EXPECT_EQ(parse_error(rule), "rule: too long (4097 bytes; the limit is 4096) at position 4097");
}

TEST(GroupRuleTest, TooLongCountsCharactersNotBytes) {
  // 1,366 three-byte characters (4,098 bytes): the 4,097th byte is inside the 1,366th.
  std::string rule;
  for (int i = 0; i < 1366; ++i) rule += "語";
  EXPECT_EQ(parse_error(rule), "rule: too long (4098 bytes; the limit is 4096) at position 1366");
}

TEST(GroupRuleTest, LongestRuleIsAccepted) {
  std::string rule = R"(role = "dba")";
  rule.resize(Limits::kRuleMax, ' ');
  EXPECT_TRUE(GroupRule::parse(rule));
}

TEST(GroupRuleTest, UnknownOperators) {
  EXPECT_EQ(parse_error(R"(role == "x")"), "rule: unknown operator '==' at position 6");
  EXPECT_EQ(parse_error(R"(role ~ "x")"), "rule: unknown operator '~' at position 6");
  EXPECT_EQ(parse_error(R"(role like "x")"), "rule: unknown operator 'like' at position 6");
  EXPECT_EQ(parse_error(R"(role = "a" && region = "b")"),
            "rule: unexpected '&&'; expected 'and', 'or' or the end of the rule at position 12");
  EXPECT_EQ(parse_error("level =< 3"), "rule: unknown operator '=<' at position 7");
}

TEST(GroupRuleTest, OrderingNeedsANumber) {
  EXPECT_EQ(parse_error(R"(level > "abc")"),
            "rule: '>' needs a number, not a string at position 9");
  EXPECT_EQ(parse_error("level <= true"),
            "rule: '<=' needs a number, not a boolean at position 10");
}

TEST(GroupRuleTest, InListItemsShareOneType) {
  EXPECT_EQ(parse_error(R"(region in ("EU", 3))"),
            "rule: mixed types in list: expected a string, found a number at position 18");
  EXPECT_EQ(parse_error("level in (1, 2, false)"),
            "rule: mixed types in list: expected a number, found a boolean at position 17");
}

TEST(GroupRuleTest, BareAttributeIsNotACondition) {
  EXPECT_EQ(parse_error("role and region"),
            "rule: 'role' is an attribute, not a condition: compare it, e.g. role = \"value\" at "
            "position 1");
  EXPECT_EQ(parse_error(R"(role = "x" or region)"),
            "rule: 'region' is an attribute, not a condition: compare it, e.g. region = \"value\" "
            "at position 15");
}

TEST(GroupRuleTest, SyntaxErrors) {
  EXPECT_EQ(parse_error(R"(role = "dba)"), "rule: unterminated string at position 8");
  EXPECT_EQ(parse_error(R"((role = "dba")"), "rule: missing ')': found end of rule at position 14");
  EXPECT_EQ(parse_error(R"(role = "dba"))"),
            "rule: unexpected ')'; expected 'and', 'or' or the end of the rule at position 13");
  EXPECT_EQ(parse_error("role ="),
            "rule: expected a value (a \"string\", a number, true or false), found end of rule at "
            "position 7");
  EXPECT_EQ(parse_error(R"("dba" = role)"),
            "rule: expected an attribute name, found string \"dba\" at position 1");
  EXPECT_EQ(parse_error(R"(role "dba")"),
            "rule: expected an operator after 'role', found string \"dba\" at position 6");
  EXPECT_EQ(parse_error(R"(role = dba)"),
            "rule: expected a value (a \"string\", a number, true or false), found 'dba' at "
            "position 8");
  EXPECT_EQ(parse_error(R"(role = 'dba')"), "rule: unexpected character ''' at position 8");
  EXPECT_EQ(parse_error(R"(role = "a" and)"),
            "rule: expected an attribute name, found end of rule at position 15");
  EXPECT_EQ(parse_error(R"(role = "a\n")"),
            "rule: unknown escape '\\n' (only \\\" and \\\\) at position 10");
  EXPECT_EQ(parse_error("level = 3x"), "rule: invalid number '3x' at position 9");
}

TEST(GroupRuleTest, InListSyntax) {
  EXPECT_EQ(parse_error(R"(region in "EU")"),
            "rule: expected '(' after 'in', found string \"EU\" at position 11");
  EXPECT_EQ(parse_error("region in ()"),
            "rule: expected a value (a \"string\", a number, true or false), found ')' at "
            "position 12");
  EXPECT_EQ(parse_error(R"(region in ("EU" "US"))"),
            "rule: expected ',' or ')' in list, found string \"US\" at position 17");
  EXPECT_EQ(parse_error(R"(region not ("EU"))"),
            "rule: expected 'in' after 'not', found '(' at position 12");
}

TEST(GroupRuleTest, PositionsCountCharactersNotBytes) {
  // "é" is two bytes but one character.
  EXPECT_EQ(parse_error(R"(city = "é" ==)"),
            "rule: unexpected '=='; expected 'and', 'or' or the end of the rule at position 12");
}

TEST(GroupRuleTest, RejectsInvalidUtf8) {
  EXPECT_EQ(parse_error("role = \"\xC3\x28\""), "rule: invalid UTF-8 at position 9");
}

TEST(GroupRuleTest, DeepNestingIsRefusedNotACrash) {
  std::string rule(200, '(');
  rule += R"(role = "x")";
  rule += std::string(200, ')');
  EXPECT_EQ(parse_error(rule), "rule: nesting deeper than 64 at position 65");
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "not ";
  EXPECT_EQ(parse_error(nots + R"(role = "x")"), "rule: nesting deeper than 64 at position 257");
}

TEST(GroupRuleTest, ParsedRuleIsCopyable) {
  auto rule = GroupRule::parse(R"(role = "dba")");
  ASSERT_TRUE(rule);
  const GroupRule copy = *rule;
  EXPECT_TRUE(copy.matches(kDba));
}

}  // namespace
}  // namespace missive
