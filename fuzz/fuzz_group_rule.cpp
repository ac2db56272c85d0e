// The group rule language (src/core/group_rule.h): parse, type-check and evaluate. Properties:
//  - a refusal is unprocessable with "rule: <what> at position N", N a character position
//    within the text (or just past its end);
//  - an accepted rule keeps its text and evaluates against users of every attribute shape
//    (missing, string, number, boolean) without failing;
//  - "not (<rule>)", when accepted, matches exactly the users <rule> does not.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/group_rule.h"
#include "core/utf8.h"
#include "core/validate.h"
#include "fuzz_check.h"

namespace {

using namespace missive;

const std::vector<User>& users() {
  static const std::vector<User> all = [] {
    std::vector<User> v;
    v.push_back(User{.id = UserId(1), .handle = "alice", .first_name = "Alice", .last_name = "A",
                     .attributes = {{"role", std::string("dba")}, {"region", std::string("EU")},
                                    {"level", 3.0}, {"contractor", false}}});
    v.push_back(User{.id = UserId(2), .handle = "bob", .first_name = "Bob", .last_name = "B",
                     .attributes = {{"role", 1.0}, {"level", std::string("3")},
                                    {"contractor", true}, {"", std::string("")}}});
    v.push_back(User{.id = UserId(3), .handle = "carol", .first_name = "", .last_name = ""});
    v.push_back(User{.id = UserId(4), .handle = "dave", .first_name = "D", .last_name = "E",
                     .attributes = {{"level", -1e308}, {"region", std::string("项目")}}});
    return v;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = missive::fuzz::as_text(data, size);
  const auto rule = GroupRule::parse(text);
  if (!rule) {
    const auto& message = rule.error().message;
    FUZZ_CHECK(rule.error().code == ErrorCode::unprocessable, message);
    FUZZ_CHECK(message.starts_with("rule: "), message);
    const auto at = message.rfind(" at position ");
    FUZZ_CHECK(at != std::string::npos, message);
    std::size_t position = 0;
    const char* first = message.data() + at + 13;
    const char* last = message.data() + message.size();
    const auto [end, error] = std::from_chars(first, last, position);
    FUZZ_CHECK(error == std::errc() && end == last && position >= 1, message);
    if (text.size() <= Limits::kRuleMax &&
        detail::utf8_error_offset(text) == std::string_view::npos) {
      FUZZ_CHECK(position <= detail::utf8_length(text, text.size()) + 1, message);
    }
    return 0;
  }
  FUZZ_CHECK(rule->text() == text, rule->text());
  // The wrapped rule may exceed the length or nesting limits; then there is nothing to compare.
  const auto negated = GroupRule::parse("not (" + std::string(text) + "\n)");
  for (const auto& user : users()) {
    const bool matches = rule->matches(user);
    if (negated) FUZZ_CHECK(negated->matches(user) != matches, user.handle);
  }
  return 0;
}
