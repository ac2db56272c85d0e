#include "core/search_query.h"

#include <fmt/format.h>

#include <optional>

#include "core/utf8.h"

namespace missive {
namespace {

struct Token {
  enum class Kind { term, op_and, op_or, op_not, open, close, end };
  Kind kind = Kind::end;
  SearchTerm term;
  std::size_t offset = 0;  // byte offset in the query
};

bool has_letter_or_digit(std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
      return true;
    }
  }
  return false;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<SearchNode> parse() {
    MISSIVE_TRY_STATUS(lex());
    if (tokens_.size() == 1) return fail(ErrorCode::invalid, "search query: the query is empty");
    MISSIVE_TRY(SearchNode root, or_expr(0));
    if (peek().kind != Token::Kind::end) return error(peek(), "unexpected ')'");
    return root;
  }

 private:
  std::unexpected<Error> error(std::size_t offset, std::string_view what) const {
    const std::size_t position = detail::utf8_length(text_, offset) + 1;
    return fail_at(ErrorCode::invalid,
                   fmt::format("search query: {} at position {}", what, position), position);
  }
  std::unexpected<Error> error(const Token& token, std::string_view what) const {
    return error(token.offset, what);
  }

  Status lex() {
    std::size_t i = 0;
    std::size_t terms = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (is_space(c)) {
        ++i;
        continue;
      }
      Token token;
      token.offset = i;
      if (c == '(' || c == ')') {
        token.kind = c == '(' ? Token::Kind::open : Token::Kind::close;
        ++i;
      } else if (c == '"') {
        const std::size_t close = text_.find('"', i + 1);
        if (close == std::string_view::npos) return error(i, "unbalanced quote");
        token.kind = Token::Kind::term;
        token.term = SearchTerm{std::string(text_.substr(i + 1, close - i - 1)), true, false};
        i = close + 1;
        if (i < text_.size() && text_[i] == '*') {
          token.term.prefix = true;
          ++i;
        }
        if (!has_letter_or_digit(token.term.text)) continue;
      } else if (c == '*') {
        return error(i, "'*' must follow a word");
      } else {
        std::size_t end = i;
        while (end < text_.size() && !is_space(text_[end]) && text_[end] != '(' &&
               text_[end] != ')' && text_[end] != '"') {
          ++end;
        }
        std::string_view word = text_.substr(i, end - i);
        i = end;
        if (word == "AND") {
          token.kind = Token::Kind::op_and;
        } else if (word == "OR") {
          token.kind = Token::Kind::op_or;
        } else if (word == "NOT") {
          token.kind = Token::Kind::op_not;
        } else {
          bool prefix = false;
          while (!word.empty() && word.back() == '*') {
            word.remove_suffix(1);
            prefix = true;
          }
          if (word.find('*') != std::string_view::npos) {
            return error(token.offset + word.find('*'), "'*' is only allowed at the end of a word");
          }
          if (!has_letter_or_digit(word)) continue;
          token.kind = Token::Kind::term;
          token.term = SearchTerm{std::string(word), false, prefix};
        }
      }
      if (token.kind == Token::Kind::term && ++terms > SearchLimits::kMaxTerms) {
        return fail(ErrorCode::invalid, fmt::format("search query: more than {} terms",
                                                    SearchLimits::kMaxTerms));
      }
      tokens_.push_back(std::move(token));
    }
    Token end;
    end.offset = text_.size();
    tokens_.push_back(end);
    return {};
  }

  const Token& peek() const { return tokens_[pos_]; }
  const Token& take() { return tokens_[pos_++]; }

  static bool starts_primary(const Token& t) {
    return t.kind == Token::Kind::term || t.kind == Token::Kind::open;
  }

  static SearchNode join(SearchNode::Kind kind, SearchNode left, SearchNode right) {
    if (left.kind == kind && kind != SearchNode::Kind::but_not) {
      left.children.push_back(std::move(right));
      return left;
    }
    SearchNode node;
    node.kind = kind;
    node.children.push_back(std::move(left));
    node.children.push_back(std::move(right));
    return node;
  }

  // The operand after operator `op`, or "<OP> needs a term after it".
  Result<SearchNode> operand_after(const Token& op, std::string_view name, int depth) {
    if (!starts_primary(peek())) return error(op, fmt::format("{} needs a term after it", name));
    return primary(depth);
  }

  Result<SearchNode> or_expr(int depth) {
    MISSIVE_TRY(SearchNode left, and_expr(depth));
    while (peek().kind == Token::Kind::op_or) {
      const Token& op = take();
      if (!starts_primary(peek())) return error(op, "OR needs a term after it");
      MISSIVE_TRY(SearchNode right, and_expr(depth));
      left = join(SearchNode::Kind::any_of, std::move(left), std::move(right));
    }
    return left;
  }

  Result<SearchNode> and_expr(int depth) {
    const Token& first = peek();
    if (first.kind == Token::Kind::op_and || first.kind == Token::Kind::op_or) {
      return error(first, fmt::format("{} needs a term before it",
                                      first.kind == Token::Kind::op_and ? "AND" : "OR"));
    }
    if (first.kind == Token::Kind::op_not) {
      return error(first, "NOT needs a term before it (write: deploy NOT friday)");
    }
    MISSIVE_TRY(SearchNode left, primary(depth));
    for (;;) {
      const Token& next = peek();
      if (next.kind == Token::Kind::op_and) {
        const Token& op = take();
        if (peek().kind == Token::Kind::op_not) continue;  // "a AND NOT b" is "a NOT b"
        MISSIVE_TRY(SearchNode right, operand_after(op, "AND", depth));
        left = join(SearchNode::Kind::all_of, std::move(left), std::move(right));
      } else if (next.kind == Token::Kind::op_not) {
        const Token& op = take();
        MISSIVE_TRY(SearchNode right, operand_after(op, "NOT", depth));
        left = join(SearchNode::Kind::but_not, std::move(left), std::move(right));
      } else if (starts_primary(next)) {
        MISSIVE_TRY(SearchNode right, primary(depth));
        left = join(SearchNode::Kind::all_of, std::move(left), std::move(right));
      } else {
        return left;
      }
    }
  }

  Result<SearchNode> primary(int depth) {
    const Token& token = take();
    if (token.kind == Token::Kind::term) {
      SearchNode node;
      node.term = token.term;
      return node;
    }
    // starts_primary() held: this is "(".
    if (depth + 1 > SearchLimits::kMaxDepth) {
      return error(token, fmt::format("more than {} nested parentheses", SearchLimits::kMaxDepth));
    }
    if (peek().kind == Token::Kind::close) return error(peek(), "empty parentheses");
    if (peek().kind == Token::Kind::end) return error(token, "unbalanced parenthesis");
    MISSIVE_TRY(SearchNode inner, or_expr(depth + 1));
    if (peek().kind != Token::Kind::close) return error(token, "unbalanced parenthesis");
    take();
    return inner;
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

void collect_positive(const SearchNode& node, std::vector<SearchTerm>& out) {
  switch (node.kind) {
    case SearchNode::Kind::term:
      out.push_back(node.term);
      return;
    case SearchNode::Kind::but_not:
      collect_positive(node.children[0], out);
      return;
    case SearchNode::Kind::all_of:
    case SearchNode::Kind::any_of:
      for (const SearchNode& child : node.children) collect_positive(child, out);
      return;
  }
}

std::string describe_node(const SearchNode& node) {
  if (node.kind == SearchNode::Kind::term) {
    std::string text = node.term.phrase ? "\"" + node.term.text + "\"" : node.term.text;
    return node.term.prefix ? text + "*" : text;
  }
  const char* op = node.kind == SearchNode::Kind::all_of   ? " AND "
                   : node.kind == SearchNode::Kind::any_of ? " OR "
                                                           : " NOT ";
  std::string out = "(";
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    if (i > 0) out += op;
    out += describe_node(node.children[i]);
  }
  return out + ")";
}

}  // namespace

Result<SearchQuery> SearchQuery::parse(std::string_view text) {
  if (text.size() > SearchLimits::kQueryMaxBytes) {
    return fail(ErrorCode::invalid, fmt::format("search query: too long ({} bytes; the limit is {})",
                                                text.size(), SearchLimits::kQueryMaxBytes));
  }
  if (const std::size_t bad = detail::utf8_error_offset(text); bad != std::string_view::npos) {
    return fail(ErrorCode::invalid, fmt::format("search query: invalid UTF-8 at byte {}", bad + 1));
  }
  // Stored text never holds control characters (validate.h) and FTS5 reads a NUL in a MATCH
  // string as its end, so refuse them here instead of letting the store fail.
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && !is_space(text[i])) || c == 0x7F) {
      const std::size_t position = detail::utf8_length(text, i) + 1;
      return fail_at(
          ErrorCode::invalid,
          fmt::format("search query: control character (byte 0x{:02X}) at position {}", c,
                      position),
          position);
    }
  }
  MISSIVE_TRY(SearchNode root, Parser(text).parse());
  return SearchQuery(std::string(text), std::move(root));
}

std::vector<SearchTerm> SearchQuery::positive_terms() const {
  std::vector<SearchTerm> terms;
  collect_positive(root_, terms);
  return terms;
}

std::string SearchQuery::describe() const { return describe_node(root_); }

bool is_unspaced_script(char32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) ||   // Hiragana, Katakana
         (c >= 0x3400 && c <= 0x4DBF) ||   // CJK Extension A
         (c >= 0x4E00 && c <= 0x9FFF) ||   // CJK Unified Ideographs
         (c >= 0xAC00 && c <= 0xD7AF) ||   // Hangul syllables
         (c >= 0xF900 && c <= 0xFAFF) ||   // CJK Compatibility Ideographs
         (c >= 0x31F0 && c <= 0x31FF) ||   // Katakana extensions
         (c >= 0x20000 && c <= 0x3134F);   // CJK Extensions B..G
}

}  // namespace missive
