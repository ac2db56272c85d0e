#include "core/json_values.h"

#include <gtest/gtest.h>

namespace missive {
namespace {

std::string error_of(const Status& s) { return s ? "ok" : s.error().message; }

TEST(AttributesJsonTest, WritesTypedValues) {
  const Attributes attributes = {
      {"role", std::string("dba")}, {"level", 3.0}, {"ratio", 0.5}, {"contractor", false}};
  EXPECT_EQ(attributes_to_json(attributes),
            R"({"contractor":false,"level":3,"ratio":0.5,"role":"dba"})");
  EXPECT_EQ(attributes_to_json({}), "{}");
}

TEST(AttributesJsonTest, EscapesStrings) {
  EXPECT_EQ(attributes_to_json({{"note", std::string("say \"hi\"\n")}}),
            R"({"note":"say \"hi\"\n"})");
}

TEST(AttributesJsonTest, RoundTrips) {
  const Attributes attributes = {{"role", std::string("Zürich \"q\"")},
                                 {"level", -2.25},
                                 {"big", 1e300},
                                 {"id", 9007199254740991.0},
                                 {"on", true}};
  auto parsed = attributes_from_json(attributes_to_json(attributes));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, attributes);
}

TEST(AttributesJsonTest, ReadsNumbersAsDoubles) {
  auto parsed = attributes_from_json(R"({"level": 3, "x": 1.5e2})");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::get<double>(parsed->at("level")), 3.0);
  EXPECT_EQ(std::get<double>(parsed->at("x")), 150.0);
}

TEST(AttributesJsonTest, RejectsWhatIsNotAFlatObject) {
  EXPECT_EQ(attributes_from_json("[]").error().message, "attributes: expected a JSON object");
  EXPECT_EQ(attributes_from_json(R"({"a": null})").error().message,
            "attributes: the value of 'a' must be a string, a number or a boolean");
  EXPECT_EQ(attributes_from_json(R"({"a": {"b": 1}})").error().message,
            "attributes: the value of 'a' must be a string, a number or a boolean");
  EXPECT_EQ(attributes_from_json(R"({"a": 1)").error().code, ErrorCode::invalid);
}

TEST(FlagsJsonTest, RoundTrips) {
  const std::vector<std::string> flags = {"urgent", "hr", "ä"};
  EXPECT_EQ(flags_to_json(flags), R"(["urgent","hr","ä"])");
  EXPECT_EQ(flags_from_json(flags_to_json(flags)), flags);
  EXPECT_EQ(flags_to_json({}), "[]");
  EXPECT_EQ(flags_from_json("[]"), std::vector<std::string>{});
}

TEST(FlagsJsonTest, RejectsOtherShapes) {
  EXPECT_EQ(flags_from_json("{}").error().message, "flags: expected a JSON array of strings");
  EXPECT_EQ(flags_from_json(R"(["a", 1])").error().message, "flags: every flag must be a string");
  EXPECT_EQ(flags_from_json("").error().code, ErrorCode::invalid);
}

TEST(ValidateJsonObjectTest, AcceptsOneObject) {
  EXPECT_EQ(error_of(validate_json_object("{}")), "ok");
  EXPECT_EQ(error_of(validate_json_object(R"( {"a": [1, 2.5, "x", null, true, {"b": {}}]} )")),
            "ok");
}

TEST(ValidateJsonObjectTest, RejectsWithTheReason) {
  EXPECT_EQ(error_of(validate_json_object("[]")), "expected a JSON object");
  EXPECT_EQ(error_of(validate_json_object("\"x\"")), "expected a JSON object");
  EXPECT_EQ(error_of(validate_json_object("")),
            "not valid JSON: The document is empty. (at byte 0)");
  EXPECT_EQ(error_of(validate_json_object("{} {}")),
            "not valid JSON: The document root must not be followed by other values. (at byte 3)");
  EXPECT_EQ(error_of(validate_json_object(R"({"a": 1,})")),
            "not valid JSON: Missing a name for object member. (at byte 8)");
}

TEST(ValidateJsonObjectTest, ValidatesUtf8InStrings) {
  EXPECT_EQ(validate_json_object("{\"a\": \"\xC0\xAF\"}").error().code, ErrorCode::invalid);
  EXPECT_EQ(validate_json_object("{\"a\xFF\": 1}").error().code, ErrorCode::invalid);
}

TEST(ValidateJsonObjectTest, RefusesDeepNesting) {
  std::string deep = "{\"a\":";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}";
  EXPECT_EQ(error_of(validate_json_object(deep)), "nested deeper than 64 levels");
  // Checked while reading, so unbalanced input cannot exhaust the stack either.
  EXPECT_EQ(error_of(validate_json_object(std::string(100000, '['))),
            "nested deeper than 64 levels");
  EXPECT_EQ(attributes_from_json(deep).error().message, "attributes: nested deeper than 64 levels");
}

}  // namespace
}  // namespace missive
