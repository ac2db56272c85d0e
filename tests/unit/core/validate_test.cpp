#include "core/validate.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace missive {
namespace {

// "ok", or "<code>: <message>", so that asserts read like the spec.
std::string check(const Status& status) {
  if (status) return "ok";
  return std::string(error_code_name(status.error().code)) + ": " + status.error().message;
}

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("Zürich"));            // 2 bytes
  EXPECT_TRUE(is_valid_utf8("日本語"));            // 3 bytes
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600, 4 bytes
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just above them
  EXPECT_TRUE(is_valid_utf8(std::string_view("a\0b", 3)));
}

TEST(Utf8Test, RejectsOverlongForms) {
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));  // '/' in two bytes
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // '/' in three bytes
  EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // U+07FF in three bytes
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // '/' in four bytes
  EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
}

TEST(Utf8Test, RejectsSurrogates) {
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // U+D800
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));  // U+DFFF
}

TEST(Utf8Test, RejectsCodePointsAboveTheLast) {
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8Test, RejectsTruncatedAndStraySequences) {
  EXPECT_FALSE(is_valid_utf8("\xC3"));  // lead byte at the end
  EXPECT_FALSE(is_valid_utf8("\xE6\x97"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));
  EXPECT_FALSE(is_valid_utf8("\xC3("));
  EXPECT_FALSE(is_valid_utf8("\x80"));  // continuation byte alone
  EXPECT_FALSE(is_valid_utf8("abc\xA9"));
}

TEST(ValidateHandleTest, AcceptsTheDocumentedAlphabet) {
  EXPECT_EQ(check(validate_handle("ada")), "ok");
  EXPECT_EQ(check(validate_handle("ada.lovelace-1_x")), "ok");
  EXPECT_EQ(check(validate_handle("9lives")), "ok");
  EXPECT_EQ(check(validate_handle(std::string(64, 'a'))), "ok");
}

TEST(ValidateHandleTest, RejectsWithAReason) {
  EXPECT_EQ(check(validate_handle("")), "invalid: handle is empty");
  EXPECT_EQ(check(validate_handle(std::string(65, 'a'))),
            "invalid: handle is 65 bytes; the limit is 64");
  EXPECT_EQ(check(validate_handle("_ada")),
            "invalid: handle must start with a lowercase letter or a digit");
  EXPECT_EQ(check(validate_handle("Ada")),
            "invalid: handle must start with a lowercase letter or a digit");
  EXPECT_EQ(
      check(validate_handle("ada lovelace")),
      "invalid: handle contains byte 0x20 at position 4; allowed are a-z, 0-9, '_', '.' and '-'");
  EXPECT_EQ(check(validate_handle("adA")),
            "invalid: handle contains 'A' at position 3; allowed are a-z, 0-9, '_', '.' and '-'");
  EXPECT_EQ(
      check(validate_handle("ad\xC3\xA9")),
      "invalid: handle contains byte 0xC3 at position 3; allowed are a-z, 0-9, '_', '.' and '-'");
}

TEST(ValidateNameTest, AcceptsHumanNames) {
  EXPECT_EQ(check(validate_name("first_name", "Ada")), "ok");
  EXPECT_EQ(check(validate_name("last_name", "de la Tour d'Auvergne")), "ok");
  EXPECT_EQ(check(validate_name("name", "運用チーム")), "ok");
  EXPECT_EQ(check(validate_name("name", std::string(200, 'x'))), "ok");
}

TEST(ValidateNameTest, RejectsWithTheFieldName) {
  EXPECT_EQ(check(validate_name("first_name", "")), "invalid: first_name is empty");
  EXPECT_EQ(check(validate_name("first_name", "  \t ")), "invalid: first_name is empty");
  EXPECT_EQ(check(validate_name("name", std::string(201, 'x'))),
            "invalid: name is 201 bytes; the limit is 200");
  EXPECT_EQ(check(validate_name("last_name", "a\nb")),
            "invalid: last_name contains a control character");
  EXPECT_EQ(check(validate_name("last_name", "a\x7F")),
            "invalid: last_name contains a control character");
  EXPECT_EQ(check(validate_name("last_name", "a\xC2\x85")),  // U+0085 NEXT LINE
            "invalid: last_name contains a control character");
  EXPECT_EQ(check(validate_name("name", "\xFF")), "invalid: name is not valid UTF-8");
}

TEST(ValidatePasswordTest, Limits) {
  EXPECT_EQ(check(validate_password("12345678")), "ok");
  EXPECT_EQ(check(validate_password("1234567")),
            "invalid: password is 7 characters; the minimum is 8");
  // Eight characters, sixteen bytes: the minimum counts characters.
  EXPECT_EQ(check(validate_password("éééééééé")), "ok");
  EXPECT_EQ(check(validate_password(std::string(1024, 'p'))), "ok");
  EXPECT_EQ(check(validate_password(std::string(1025, 'p'))),
            "invalid: password is 1025 bytes; the limit is 1024");
  EXPECT_EQ(check(validate_password("12345678\xFF")), "invalid: password is not valid UTF-8");
}

TEST(ValidateSubjectTest, Limits) {
  EXPECT_EQ(check(validate_subject("Hello")), "ok");
  EXPECT_EQ(check(validate_subject(std::string(1000, 's'))), "ok");
  EXPECT_EQ(check(validate_subject(std::string(1200, 's'))),
            "unprocessable: subject is 1200 bytes; the limit is 1000");
  EXPECT_EQ(check(validate_subject("")), "invalid: subject is empty");
  EXPECT_EQ(check(validate_subject("   ")), "invalid: subject is empty");
  EXPECT_EQ(check(validate_subject("\xED\xA0\x80")), "invalid: subject is not valid UTF-8");
  EXPECT_EQ(check(validate_subject(std::string("a\0b", 3))),
            "invalid: subject contains a control character");
  EXPECT_EQ(check(validate_subject("two\nlines")), "invalid: subject contains a control character");
}

TEST(ValidateBodyTest, Limits) {
  EXPECT_EQ(check(validate_body("")), "ok");
  EXPECT_EQ(check(validate_body(std::string(64 * 1024, 'b'))), "ok");
  EXPECT_EQ(check(validate_body(std::string(64 * 1024 + 1, 'b'))),
            "unprocessable: body is 65537 bytes; the limit is 65536");
  EXPECT_EQ(check(validate_body("ok\xC0\xAF")), "invalid: body is not valid UTF-8");
  EXPECT_EQ(check(validate_body("line one\r\n\tline two\n")), "ok");
  EXPECT_EQ(check(validate_body(std::string("nul\0byte", 8))),
            "invalid: body contains a control character (only tab and line breaks are allowed)");
  EXPECT_EQ(check(validate_body("bell\a")),
            "invalid: body contains a control character (only tab and line breaks are allowed)");
}

TEST(ValidateMetadataTest, OneJsonObjectUnderTheLimit) {
  EXPECT_EQ(check(validate_metadata("{}")), "ok");
  EXPECT_EQ(check(validate_metadata(R"({"a": [1, {"b": null}]})")), "ok");
  EXPECT_EQ(check(validate_metadata("[]")), "invalid: metadata: expected a JSON object");
  const std::string big = "{\"k\": \"" + std::string(16 * 1024, 'x') + "\"}";
  EXPECT_EQ(check(validate_metadata(big)),
            "unprocessable: metadata is 16393 bytes; the limit is 16384");
}

TEST(ValidateFlagsTest, Limits) {
  EXPECT_EQ(check(validate_flags({})), "ok");
  EXPECT_EQ(check(validate_flags({"urgent", "hr"})), "ok");
  EXPECT_EQ(check(validate_flags(std::vector<std::string>(33, "f"))),
            "invalid: flags has 33 entries; the limit is 32");
  EXPECT_EQ(check(validate_flags({"ok", ""})), "invalid: flag 2 is empty");
  EXPECT_EQ(check(validate_flags({std::string(65, 'f')})),
            "invalid: flag 1 is 65 bytes; the limit is 64");
  EXPECT_EQ(check(validate_flags({"a\tb"})), "invalid: flag 1 contains a control character");
}

TEST(ValidateClientMsgIdTest, Limits) {
  EXPECT_EQ(check(validate_client_msg_id("6f1c1a4e-8b1e-4c39-9a59-3d9f0e2a7b11")), "ok");
  EXPECT_EQ(check(validate_client_msg_id("")), "invalid: client_msg_id is empty");
  EXPECT_EQ(check(validate_client_msg_id(std::string(129, 'c'))),
            "invalid: client_msg_id is 129 bytes; the limit is 128");
  EXPECT_EQ(check(validate_client_msg_id("has space")),
            "invalid: client_msg_id must be printable ASCII without spaces (e.g. a UUID)");
}

TEST(ValidateAttributesTest, AcceptsIdentifiersAndScalarValues) {
  EXPECT_EQ(check(validate_attributes({})), "ok");
  EXPECT_EQ(check(validate_attributes({{"role", std::string("dba")},
                                       {"access_level", 3.0},
                                       {"_private", true},
                                       {"Region2", std::string("EU")}})),
            "ok");
}

TEST(ValidateAttributesTest, RejectsWithAReason) {
  EXPECT_EQ(check(validate_attributes({{"2fa", true}})),
            "invalid: attribute name '2fa' is not an identifier (letters, digits and '_', not "
            "starting with a digit)");
  EXPECT_EQ(check(validate_attributes({{"access-level", 1.0}})),
            "invalid: attribute name 'access-level' is not an identifier (letters, digits and '_', "
            "not starting with a digit)");
  EXPECT_EQ(check(validate_attributes({{std::string(65, 'a'), 1.0}})),
            "invalid: attribute name is 65 bytes; the limit is 64");
  EXPECT_EQ(check(validate_attributes({{"note", std::string(1025, 'v')}})),
            "invalid: attribute 'note' is 1025 bytes; the limit is 1024");
  EXPECT_EQ(check(validate_attributes({{"note", std::string("\xFF")}})),
            "invalid: attribute 'note' is not valid UTF-8");
  EXPECT_EQ(check(validate_attributes({{"level", std::numeric_limits<double>::infinity()}})),
            "invalid: attribute 'level' is not a finite number");
}

TEST(ValidateAttributesTest, NamesARuleCouldNotReachAreReserved) {
  EXPECT_EQ(check(validate_attributes({{"handle", std::string("x")}})),
            "invalid: attribute name 'handle' is reserved: it is a user field");
  EXPECT_EQ(check(validate_attributes({{"IN", true}})),
            "invalid: attribute name 'IN' is reserved: it is a rule keyword");
}

TEST(ValidateAttributesTest, AtMostSixtyFourEntries) {
  Attributes many;
  for (int i = 0; i < 65; ++i) many["a" + std::to_string(i)] = 1.0;
  EXPECT_EQ(check(validate_attributes(many)),
            "invalid: attributes has 65 entries; the limit is 64");
  many.erase("a0");
  EXPECT_EQ(check(validate_attributes(many)), "ok");
}

}  // namespace
}  // namespace missive
