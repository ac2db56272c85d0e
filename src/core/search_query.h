#pragma once
// Search queries: what a user types into search, parsed into a backend-neutral tree that each
// store compiles to its own full-text syntax (FTS5 MATCH for SQLite, tsquery for PostgreSQL).
//
//   deploy friday              both words (implicit AND)
//   "release notes"            a phrase: the words next to each other, in order
//   deliv*                     a prefix: deliver, delivery, delivered, ...
//   backup OR restore          either
//   deploy NOT friday          the first without the second
//   (db OR database) AND slow  parentheses group
//   交付                        a substring of text written without spaces (CJK)
//
// Grammar (AND, OR, NOT are keywords only in upper case; anything else is text):
//   query   := or_expr
//   or_expr := and_expr ("OR" and_expr)*
//   and_expr:= primary (["AND"] primary | ["AND"] "NOT" primary)*
//   primary := TERM | "(" or_expr ")"
//   TERM    := WORD ["*"] | '"' any text but '"' '"' ["*"]
// A WORD runs up to white space, a parenthesis or a quote. NOT is binary ("a NOT b"): a query
// cannot consist of exclusions only. Words without any letter or digit (a lone "-" or ":")
// are skipped as punctuation. Every other character, including FTS syntax such as ^ : + - NEAR,
// is searched for as text.
//
// Thread-safety: plain values; a parsed query may be shared between threads.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace missive {

struct SearchTerm {
  std::string text;     // as typed, without quotes or the trailing '*'
  bool phrase = false;  // was quoted
  bool prefix = false;  // ended in '*'
};

struct SearchNode {
  enum class Kind { term, all_of, any_of, but_not };
  Kind kind = Kind::term;
  SearchTerm term;                  // kind == term
  std::vector<SearchNode> children; // all_of/any_of: 2+; but_not: {kept, excluded}
};

struct SearchLimits {
  static constexpr std::size_t kQueryMaxBytes = 1000;
  static constexpr std::size_t kMaxTerms = 32;
  static constexpr int kMaxDepth = 16;  // nested parentheses
};

class SearchQuery {
 public:
  // Parses `text`. On failure, invalid with a message of the form
  // "search query: <what> at position <N>" (N: 1-based character offset), or one naming the
  // limit exceeded (over kQueryMaxBytes bytes, kMaxTerms terms or kMaxDepth parentheses).
  static Result<SearchQuery> parse(std::string_view text);

  const SearchNode& root() const { return root_; }
  const std::string& text() const { return text_; }
  // The terms a hit must contain (every term not under a NOT), for highlighting.
  std::vector<SearchTerm> positive_terms() const;
  // A canonical, fully parenthesised rendering, for tests and logs:
  // (deploy AND ("release notes" OR deliv*)).
  std::string describe() const;

 private:
  SearchQuery(std::string text, SearchNode root) : text_(std::move(text)), root_(std::move(root)) {}
  std::string text_;
  SearchNode root_;
};

// True when `c` belongs to a script written without spaces between words (Han, Hiragana,
// Katakana, Hangul syllables and the CJK compatibility ranges), whose text is searched by
// substring instead of by word.
bool is_unspaced_script(char32_t c);

}  // namespace missive
