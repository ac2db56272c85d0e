#pragma once
// Group rules: a boolean expression over user attributes that defines a group's audience.
//
//   role = "dba" and region in ("EU", "US")
//   access_level >= 3 and not (contractor = true)
//
// Grammar (keywords are case-insensitive):
//   expr       := or_expr
//   or_expr    := and_expr ("or" and_expr)*
//   and_expr   := not_expr ("and" not_expr)*
//   not_expr   := "not" not_expr | "(" expr ")" | comparison
//   comparison := NAME op literal | NAME ["not"] "in" "(" literal ("," literal)* ")"
//   op         := "=" | "!=" | "<" | "<=" | ">" | ">="
//   literal    := STRING ("..." with \" and \\ escapes) | NUMBER | "true" | "false"
// Type rules, checked at parse time: <, <=, >, >= need a number; the items of an `in` list all
// have one type. NAME is a user attribute, or one of handle, first_name, last_name.
// Evaluation: a missing attribute, or one of another type than the literal, never matches
// (so `x != 1` is false when x is missing).
//
// Thread-safety: a parsed GroupRule is immutable and may be shared between threads.

#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/types.h"

namespace missive {

struct RuleNode;

class GroupRule {
 public:
  // Parses and type-checks `text`. On failure, unprocessable with a message of the form
  // "rule: <what> at position <N>" (N is the 1-based character offset of the offending token).
  static Result<GroupRule> parse(std::string_view text);

  bool matches(const User& user) const;
  const std::string& text() const { return text_; }

 private:
  GroupRule(std::string text, std::shared_ptr<const RuleNode> root);
  std::string text_;
  std::shared_ptr<const RuleNode> root_;
};

}  // namespace missive
