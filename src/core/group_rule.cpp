#include "core/group_rule.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <variant>
#include <vector>

#include "core/utf8.h"
#include "core/validate.h"

namespace missive {

enum class CompareOp { eq, ne, lt, le, gt, ge };

struct RuleNode {
  enum class Kind { and_, or_, not_, compare, in };
  Kind kind = Kind::compare;
  std::shared_ptr<const RuleNode> left, right;  // and/or: both; not: left
  std::string name;                             // compare/in: the attribute
  CompareOp op = CompareOp::eq;                 // compare
  AttributeValue literal;                       // compare
  std::vector<AttributeValue> items;            // in
  bool negated = false;                         // in: "not in"
};

namespace {

using NodePtr = std::shared_ptr<const RuleNode>;

std::unexpected<Error> rule_error(std::string message, std::size_t position) {
  return fail_at(ErrorCode::unprocessable, std::move(message), position);
}

enum class Tok {
  name,
  string,
  number,
  keyword_and,
  keyword_or,
  keyword_not,
  keyword_in,
  keyword_true,
  keyword_false,
  lparen,
  rparen,
  comma,
  op,
  end
};

struct Token {
  Tok kind = Tok::end;
  std::size_t offset = 0;  // byte offset in the rule text
  std::string_view text;   // the source text of the token
  std::string value;       // string: the unescaped value
  double number = 0;
};

constexpr int kMaxDepth = 64;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_op_char(char c) {
  return c == '=' || c == '!' || c == '<' || c == '>' || c == '~' || c == '&' || c == '|';
}

const char* type_name(const AttributeValue& v) {
  if (std::holds_alternative<std::string>(v)) return "a string";
  if (std::holds_alternative<double>(v)) return "a number";
  return "a boolean";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<NodePtr> parse() {
    MISSIVE_TRY_STATUS(tokenize());
    if (tokens_.size() == 1) return error_at("empty rule", 0);
    MISSIVE_TRY(NodePtr root, parse_or(0));
    if (peek().kind != Tok::end) {
      return error(fmt::format("unexpected {}; expected 'and', 'or' or the end of the rule",
                               describe(peek())),
                   peek());
    }
    return root;
  }

 private:
  // ---- errors ----
  std::unexpected<Error> error_at(const std::string& what, std::size_t offset) const {
    const std::size_t position = detail::utf8_length(text_, offset) + 1;
    return rule_error(fmt::format("rule: {} at position {}", what, position), position);
  }
  std::unexpected<Error> error(const std::string& what, const Token& t) const {
    return error_at(what, t.offset);
  }
  static std::string describe(const Token& t) {
    if (t.kind == Tok::end) return "end of rule";
    if (t.kind == Tok::string) return "string " + std::string(t.text);
    return "'" + std::string(t.text) + "'";
  }

  // ---- tokenizer ----
  Status tokenize() {
    std::size_t i = 0;
    const std::size_t n = text_.size();
    while (true) {
      while (i < n && std::isspace(static_cast<unsigned char>(text_[i]))) ++i;
      if (i >= n) break;
      Token t;
      t.offset = i;
      const char c = text_[i];
      if (is_name_start(c)) {
        std::size_t j = i;
        while (j < n && is_name_char(text_[j])) ++j;
        t.text = text_.substr(i, j - i);
        t.kind = keyword_kind(t.text);
        i = j;
      } else if (is_digit(c) || ((c == '-' || c == '.') && i + 1 < n && is_digit(text_[i + 1]))) {
        MISSIVE_TRY_STATUS(read_number(i, t));
      } else if (c == '"') {
        MISSIVE_TRY_STATUS(read_string(i, t));
      } else if (c == '(' || c == ')' || c == ',') {
        t.kind = c == '(' ? Tok::lparen : c == ')' ? Tok::rparen : Tok::comma;
        t.text = text_.substr(i, 1);
        ++i;
      } else if (is_op_char(c)) {
        std::size_t j = i;
        while (j < n && is_op_char(text_[j])) ++j;
        t.kind = Tok::op;
        t.text = text_.substr(i, j - i);
        i = j;
      } else {
        const auto uc = static_cast<unsigned char>(c);
        const std::string shown =
            uc >= 0x21 && uc <= 0x7E ? fmt::format("character '{}'", c) : std::string("character");
        return error_at("unexpected " + shown, i);
      }
      tokens_.push_back(std::move(t));
    }
    Token end;
    end.offset = n;
    tokens_.push_back(end);
    return {};
  }

  static Tok keyword_kind(std::string_view word) {
    if (iequals(word, "and")) return Tok::keyword_and;
    if (iequals(word, "or")) return Tok::keyword_or;
    if (iequals(word, "not")) return Tok::keyword_not;
    if (iequals(word, "in")) return Tok::keyword_in;
    if (iequals(word, "true")) return Tok::keyword_true;
    if (iequals(word, "false")) return Tok::keyword_false;
    return Tok::name;
  }

  Status read_number(std::size_t& i, Token& t) {
    const std::size_t start = i;
    std::size_t j = i;
    const std::size_t n = text_.size();
    if (text_[j] == '-') ++j;
    while (j < n && (is_digit(text_[j]) || text_[j] == '.' || text_[j] == 'e' || text_[j] == 'E' ||
                     ((text_[j] == '+' || text_[j] == '-') &&
                      (text_[j - 1] == 'e' || text_[j - 1] == 'E')))) {
      ++j;
    }
    // A number running into letters ("3abc") is one bad token, not a number and a name.
    while (j < n && is_name_char(text_[j])) ++j;
    t.text = text_.substr(start, j - start);
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text_.data() + start, text_.data() + j, value);
    if (ec != std::errc() || ptr != text_.data() + j || !std::isfinite(value)) {
      return error_at(fmt::format("invalid number '{}'", t.text), start);
    }
    t.kind = Tok::number;
    t.number = value;
    i = j;
    return {};
  }

  Status read_string(std::size_t& i, Token& t) {
    const std::size_t start = i;
    std::size_t j = i + 1;
    const std::size_t n = text_.size();
    std::string value;
    while (true) {
      if (j >= n) return error_at("unterminated string", start);
      const char c = text_[j];
      if (c == '"') break;
      if (c == '\\') {
        if (j + 1 >= n) return error_at("unterminated string", start);
        const char e = text_[j + 1];
        if (e != '"' && e != '\\') {
          return error_at("unknown escape '\\" + std::string(1, e) + "' (only \\\" and \\\\)", j);
        }
        value.push_back(e);
        j += 2;
        continue;
      }
      value.push_back(c);
      ++j;
    }
    t.kind = Tok::string;
    t.text = text_.substr(start, j + 1 - start);
    t.value = std::move(value);
    i = j + 1;
    return {};
  }

  // ---- parser ----
  const Token& peek() const { return tokens_[pos_]; }
  const Token& take() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  static NodePtr binary(RuleNode::Kind kind, NodePtr l, NodePtr r) {
    auto node = std::make_shared<RuleNode>();
    node->kind = kind;
    node->left = std::move(l);
    node->right = std::move(r);
    return node;
  }

  Result<NodePtr> parse_or(int depth) {
    MISSIVE_TRY(NodePtr left, parse_and(depth));
    while (peek().kind == Tok::keyword_or) {
      take();
      MISSIVE_TRY(NodePtr right, parse_and(depth));
      left = binary(RuleNode::Kind::or_, std::move(left), std::move(right));
    }
    return left;
  }

  Result<NodePtr> parse_and(int depth) {
    MISSIVE_TRY(NodePtr left, parse_not(depth));
    while (peek().kind == Tok::keyword_and) {
      take();
      MISSIVE_TRY(NodePtr right, parse_not(depth));
      left = binary(RuleNode::Kind::and_, std::move(left), std::move(right));
    }
    return left;
  }

  Result<NodePtr> parse_not(int depth) {
    if (depth >= kMaxDepth) return error(fmt::format("nesting deeper than {}", kMaxDepth), peek());
    const Token& t = peek();
    if (t.kind == Tok::keyword_not) {
      take();
      MISSIVE_TRY(NodePtr inner, parse_not(depth + 1));
      return binary(RuleNode::Kind::not_, std::move(inner), nullptr);
    }
    if (t.kind == Tok::lparen) {
      take();
      MISSIVE_TRY(NodePtr inner, parse_or(depth + 1));
      if (peek().kind != Tok::rparen) {
        return error(fmt::format("missing ')': found {}", describe(peek())), peek());
      }
      take();
      return inner;
    }
    return parse_comparison();
  }

  Result<AttributeValue> parse_literal() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::string:
        take();
        return AttributeValue(t.value);
      case Tok::number:
        take();
        return AttributeValue(t.number);
      case Tok::keyword_true:
        take();
        return AttributeValue(true);
      case Tok::keyword_false:
        take();
        return AttributeValue(false);
      default:
        return error(
            fmt::format("expected a value (a \"string\", a number, true or false), found {}",
                        describe(t)),
            t);
    }
  }

  Result<NodePtr> parse_comparison() {
    const Token& name = peek();
    if (name.kind != Tok::name) {
      return error(fmt::format("expected an attribute name, found {}", describe(name)), name);
    }
    take();
    auto node = std::make_shared<RuleNode>();
    node->name = std::string(name.text);
    const Token& next = peek();
    switch (next.kind) {
      case Tok::op:
        return parse_operator(std::move(node));
      case Tok::keyword_in:
      case Tok::keyword_not:
        return parse_in(std::move(node));
      case Tok::name:
        return error(fmt::format("unknown operator '{}'", next.text), next);
      case Tok::keyword_and:
      case Tok::keyword_or:
      case Tok::rparen:
      case Tok::end:
        return error(fmt::format("'{}' is an attribute, not a condition: compare it, e.g. {} = "
                                 "\"value\"",
                                 name.text, name.text),
                     name);
      default:
        return error(
            fmt::format("expected an operator after '{}', found {}", name.text, describe(next)),
            next);
    }
  }

  Result<NodePtr> parse_operator(std::shared_ptr<RuleNode> node) {
    const Token& op = take();
    if (op.text == "=")
      node->op = CompareOp::eq;
    else if (op.text == "!=")
      node->op = CompareOp::ne;
    else if (op.text == "<")
      node->op = CompareOp::lt;
    else if (op.text == "<=")
      node->op = CompareOp::le;
    else if (op.text == ">")
      node->op = CompareOp::gt;
    else if (op.text == ">=")
      node->op = CompareOp::ge;
    else
      return error(fmt::format("unknown operator '{}'", op.text), op);
    const Token& literal_token = peek();
    MISSIVE_TRY(node->literal, parse_literal());
    const bool ordering = node->op != CompareOp::eq && node->op != CompareOp::ne;
    if (ordering && !std::holds_alternative<double>(node->literal)) {
      return error(fmt::format("'{}' needs a number, not {}", op.text, type_name(node->literal)),
                   literal_token);
    }
    node->kind = RuleNode::Kind::compare;
    return NodePtr(std::move(node));
  }

  Result<NodePtr> parse_in(std::shared_ptr<RuleNode> node) {
    if (peek().kind == Tok::keyword_not) {
      take();
      node->negated = true;
      if (peek().kind != Tok::keyword_in) {
        return error(fmt::format("expected 'in' after 'not', found {}", describe(peek())), peek());
      }
    }
    take();  // "in"
    if (peek().kind != Tok::lparen) {
      return error(fmt::format("expected '(' after 'in', found {}", describe(peek())), peek());
    }
    take();
    while (true) {
      const Token& item_token = peek();
      MISSIVE_TRY(AttributeValue item, parse_literal());
      if (!node->items.empty() && item.index() != node->items.front().index()) {
        return error(fmt::format("mixed types in list: expected {}, found {}",
                                 type_name(node->items.front()), type_name(item)),
                     item_token);
      }
      node->items.push_back(std::move(item));
      if (peek().kind == Tok::comma) {
        take();
        continue;
      }
      if (peek().kind == Tok::rparen) {
        take();
        break;
      }
      return error(fmt::format("expected ',' or ')' in list, found {}", describe(peek())), peek());
    }
    node->kind = RuleNode::Kind::in;
    return NodePtr(std::move(node));
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

// The user's value for `name`: a built-in field or an attribute; nullopt when missing.
std::optional<AttributeValue> lookup(const User& user, const std::string& name) {
  if (name == "handle") return AttributeValue(user.handle);
  if (name == "first_name") return AttributeValue(user.first_name);
  if (name == "last_name") return AttributeValue(user.last_name);
  const auto it = user.attributes.find(name);
  if (it == user.attributes.end()) return std::nullopt;
  return it->second;
}

bool compare(const AttributeValue& value, CompareOp op, const AttributeValue& literal) {
  if (value.index() != literal.index()) return false;
  if (const auto* v = std::get_if<double>(&value)) {
    const double l = std::get<double>(literal);
    switch (op) {
      case CompareOp::eq:
        return *v == l;
      case CompareOp::ne:
        return *v != l;
      case CompareOp::lt:
        return *v < l;
      case CompareOp::le:
        return *v <= l;
      case CompareOp::gt:
        return *v > l;
      case CompareOp::ge:
        return *v >= l;
    }
    return false;
  }
  // Strings and booleans: only = and != pass the parser's type check.
  if (op == CompareOp::eq) return value == literal;
  if (op == CompareOp::ne) return value != literal;
  return false;
}

bool evaluate(const RuleNode& node, const User& user) {
  switch (node.kind) {
    case RuleNode::Kind::and_:
      return evaluate(*node.left, user) && evaluate(*node.right, user);
    case RuleNode::Kind::or_:
      return evaluate(*node.left, user) || evaluate(*node.right, user);
    case RuleNode::Kind::not_:
      return !evaluate(*node.left, user);
    case RuleNode::Kind::compare: {
      const auto value = lookup(user, node.name);
      return value && compare(*value, node.op, node.literal);
    }
    case RuleNode::Kind::in: {
      const auto value = lookup(user, node.name);
      if (!value || value->index() != node.items.front().index()) return false;
      bool found = false;
      for (const auto& item : node.items) found = found || item == *value;
      return found != node.negated;
    }
  }
  return false;
}

}  // namespace

GroupRule::GroupRule(std::string text, std::shared_ptr<const RuleNode> root)
    : text_(std::move(text)), root_(std::move(root)) {}

Result<GroupRule> GroupRule::parse(std::string_view text) {
  if (text.size() > Limits::kRuleMax) {
    // Positions count characters, as in every other rule error: the one holding the first
    // byte past the limit.
    const auto position = detail::utf8_length(text, Limits::kRuleMax + 1);
    return rule_error(fmt::format("rule: too long ({} bytes; the limit is {}) at position {}",
                                  text.size(), Limits::kRuleMax, position),
                      position);
  }
  if (const auto bad = detail::utf8_error_offset(text); bad != std::string_view::npos) {
    const auto position = detail::utf8_length(text, bad) + 1;
    return rule_error(fmt::format("rule: invalid UTF-8 at position {}", position), position);
  }
  Parser parser(text);
  MISSIVE_TRY(NodePtr root, parser.parse());
  return GroupRule(std::string(text), std::move(root));
}

bool GroupRule::matches(const User& user) const { return evaluate(*root_, user); }

}  // namespace missive
