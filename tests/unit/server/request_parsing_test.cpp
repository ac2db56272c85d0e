#include "server/request_parsing.h"

#include <gtest/gtest.h>

namespace missive::server {
namespace {

// "ok" or "<code>: <message>" so each assertion states the exact error.
template <class T>
std::string outcome(const Result<T>& result) {
  if (result) return "ok";
  return std::string(error_code_name(result.error().code)) + ": " + result.error().message;
}

TEST(ParseJsonObject, AcceptsObjects) {
  auto doc = parse_json_object(R"({"a": 1, "b": "x"})");
  ASSERT_TRUE(doc);
  EXPECT_TRUE(doc->IsObject());
  EXPECT_EQ(outcome(parse_json_object("", true)), "ok");
  EXPECT_EQ(outcome(parse_json_object("  \n", true)), "ok");
}

TEST(ParseJsonObject, ReportsMalformedJsonWithOffset) {
  EXPECT_EQ(outcome(parse_json_object(R"({"a": })")),
            "invalid: malformed JSON at offset 6: Invalid value.");
  EXPECT_EQ(outcome(parse_json_object(R"({"a": 1} x)")),
            "invalid: malformed JSON at offset 9: The document root must not be followed by "
            "other values.");
}

// A repeated key would be read one way here and maybe another way elsewhere (a password, a
// recipient list): refused, at any depth.
TEST(ParseJsonObject, RefusesARepeatedKey) {
  EXPECT_EQ(outcome(parse_json_object(R"({"password":"a","password":"b"})")),
            "invalid: malformed JSON: the key \"password\" appears twice in one object");
  EXPECT_EQ(outcome(parse_json_object(R"({"to":{"users":[1],"users":[2]}})")),
            "invalid: malformed JSON: the key \"users\" appears twice in one object");
  EXPECT_EQ(outcome(parse_json_object(R"({"a":[{"x":1},{"x":2,"x":3}]})")),
            "invalid: malformed JSON: the key \"x\" appears twice in one object");
  EXPECT_EQ(outcome(parse_json_object(R"({"a":{"x":1},"b":{"x":1},"x":1})")), "ok");
}

TEST(ParseJsonObject, RefusesNonObjectsAndEmptyBodies) {
  EXPECT_EQ(outcome(parse_json_object("[1]")),
            "invalid: request body must be a JSON object, not an array");
  EXPECT_EQ(outcome(parse_json_object("\"x\"")),
            "invalid: request body must be a JSON object, not a string");
  EXPECT_EQ(outcome(parse_json_object("")), "invalid: request body must be a JSON object");
}

TEST(ParseJsonObject, RefusesInvalidUtf8) {
  EXPECT_EQ(outcome(parse_json_object("{\"s\": \"\xff\"}")).substr(0, 27),
            "invalid: malformed JSON at ");
  EXPECT_EQ(outcome(parse_json_object("{\"s\": \"\xc0\xaf\"}")).substr(0, 27),
            "invalid: malformed JSON at ");
  EXPECT_EQ(outcome(parse_json_object(R"({"s": "\ud800"})")).substr(0, 27),
            "invalid: malformed JSON at ");
  EXPECT_EQ(outcome(parse_json_object("{\"s\": \"h\xc3\xa9 \xe4\xbd\xa0\"}")), "ok");
}

// Found by fuzz_ws_frame: rapidjson decodes a lone low surrogate into bytes that are not UTF-8,
// which then went back out in answers (a WebSocket frame's echoed id is copied as it is).
TEST(ParseJsonObject, RefusesUnpairedLowSurrogates) {
  const std::string refused =
      "invalid: malformed JSON: a \\u escape encodes an unpaired surrogate (U+DC00..U+DFFF)";
  EXPECT_EQ(outcome(parse_json_object(R"({"s": "a\udc00"})")), refused);
  EXPECT_EQ(outcome(parse_json_object(R"({"\udfff": 1})")), refused);
  EXPECT_EQ(outcome(parse_json_object(R"({"a": [{"b": ["\udEEE"]}]})")), refused);
  EXPECT_EQ(outcome(parse_json_object(R"({"s": "\ud83d\ude00"})")), "ok");  // a paired emoji
}

TEST(ParseJsonObject, RefusesDeepNesting) {
  const std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(outcome(parse_json_object(deep)), "invalid: JSON nested deeper than 64 levels");
  // Brackets inside strings do not count.
  EXPECT_EQ(outcome(parse_json_object("{\"a\":\"" + std::string(1000, '[') + "\"}")), "ok");
}

TEST(JsonFields, ReportsMissingAndWronglyTypedFields) {
  auto doc = parse_json_object(
      R"({"s": "x", "n": 3, "b": true, "z": null, "f": 1.5, "a": ["x", 2], "t": "2026-01-02"})");
  ASSERT_TRUE(doc);
  const JsonFields fields(*doc, "msg.");
  EXPECT_EQ(*fields.required_string("s"), "x");
  EXPECT_EQ(outcome(fields.required_string("missing")), "invalid: msg.missing is required");
  EXPECT_EQ(outcome(fields.required_string("z")), "invalid: msg.z is required");
  EXPECT_EQ(outcome(fields.required_string("n")), "invalid: msg.n must be a string, not a number");
  EXPECT_EQ(outcome(fields.optional_string("b")),
            "invalid: msg.b must be a string, not a boolean");
  EXPECT_FALSE(fields.optional_string("z")->has_value());
  EXPECT_EQ(**fields.optional_bool("b"), true);
  EXPECT_EQ(outcome(fields.optional_bool("s")), "invalid: msg.s must be a boolean, not a string");
  EXPECT_EQ(**fields.optional_int("n"), 3);
  EXPECT_EQ(outcome(fields.optional_int("f")), "invalid: msg.f must be an integer, not a number");
  EXPECT_EQ(outcome(fields.optional_strings("a")), "invalid: msg.a[1] must be a string, not a number");
  EXPECT_EQ(outcome(fields.optional_strings("s")),
            "invalid: msg.s must be an array of strings, not a string");
  EXPECT_TRUE(fields.optional_time("t")->has_value());
  EXPECT_EQ(outcome(fields.optional_time("s")).substr(0, 16), "invalid: msg.s: ");
}

TEST(AttributeValue, AcceptsScalarsOnly) {
  auto doc = parse_json_object(R"({"s": "dba", "n": 3, "b": false, "o": {}})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(std::get<std::string>(*attribute_value((*doc)["s"], "s")), "dba");
  EXPECT_EQ(std::get<double>(*attribute_value((*doc)["n"], "n")), 3.0);
  EXPECT_EQ(std::get<bool>(*attribute_value((*doc)["b"], "b")), false);
  EXPECT_EQ(outcome(attribute_value((*doc)["o"], "attributes.o")),
            "invalid: attributes.o must be a string, a number or a boolean, not an object");
}

TEST(PercentDecode, DecodesAndValidates) {
  EXPECT_EQ(*percent_decode("ada%20l%C3%A9", "handle"), "ada l\xc3\xa9");
  EXPECT_EQ(outcome(percent_decode("%ff", "handle")), "invalid: handle is not valid UTF-8");
  EXPECT_EQ(outcome(percent_decode("%zz", "handle")), "invalid: handle has a malformed %-escape");
  EXPECT_EQ(outcome(percent_decode("ab%2", "handle")), "invalid: handle has a malformed %-escape");
}

TEST(Query, ParsesParameters) {
  auto query = parse_query("limit=10&unread=true&&sender=a+b&x");
  ASSERT_TRUE(query);
  EXPECT_EQ(*find_param(*query, "limit"), "10");
  EXPECT_EQ(*find_param(*query, "sender"), "a b");
  EXPECT_EQ(*find_param(*query, "x"), "");
  EXPECT_EQ(find_param(*query, "nope"), nullptr);
  EXPECT_EQ(outcome(parse_query("a=%fe")), "invalid: query parameter a is not valid UTF-8");
}

TEST(Query, ValidatesLimitsIdsAndBooleans) {
  auto query = *parse_query("limit=0&big=201&ok=200&neg=-1&id=12&bad=1x&t=true&f=0&b=yes");
  EXPECT_EQ(outcome(query_limit(query, 50)), "invalid: limit must be an integer from 1 to 200");
  EXPECT_EQ(*query_limit(*parse_query("limit=200"), 50), 200);
  EXPECT_EQ(outcome(query_limit(*parse_query("limit=201"), 50)),
            "invalid: limit must be an integer from 1 to 200");
  EXPECT_EQ(*query_limit(*parse_query(""), 50), 50);
  EXPECT_EQ(**query_id(query, "id"), 12);
  EXPECT_FALSE(query_id(query, "absent")->has_value());
  EXPECT_EQ(outcome(query_id(query, "bad")), "invalid: bad must be a positive integer");
  EXPECT_EQ(outcome(query_id(query, "neg")), "invalid: neg must be a positive integer");
  EXPECT_TRUE(*query_bool(query, "t", false));
  EXPECT_FALSE(*query_bool(query, "f", true));
  EXPECT_EQ(outcome(query_bool(query, "b", false)), "invalid: b must be true or false");
}

TEST(PositiveId, RejectsEverythingButDigits) {
  EXPECT_EQ(*parse_positive_id("42", "user id"), 42);
  for (const auto* bad : {"0", "-1", "+1", "1.0", "abc", "", " 1", "99999999999999999999", "01",
                          "007"}) {
    EXPECT_EQ(outcome(parse_positive_id(bad, "user id")),
              "invalid: user id must be a positive integer")
        << bad;
  }
}

TEST(LoggableTarget, HidesEveryParameterThatCanCarryASecret) {
  EXPECT_EQ(loggable_target("/v1/inbox?limit=10"), "/v1/inbox?limit=10");
  EXPECT_EQ(loggable_target("/ws?token=abc.def"), "/ws?token=REDACTED");
  EXPECT_EQ(loggable_target("/ws?x=1&TOKEN=abc&password=hunter22&access_token=z&y"),
            "/ws?x=1&TOKEN=REDACTED&password=REDACTED&access_token=REDACTED&y");
  EXPECT_EQ(loggable_target("/v1/me"), "/v1/me");
  EXPECT_EQ(loggable_target("/v1/search?q=token"), "/v1/search?q=token");
}

}  // namespace
}  // namespace missive::server
