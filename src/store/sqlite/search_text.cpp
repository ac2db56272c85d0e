#include "store/sqlite/search_text.h"

#include <vector>

#include "core/utf8.h"

namespace missive::sqlite {
namespace {

// A stretch of text: either a run of unspaced-script characters (one string per character)
// or other text, kept as it is.
struct Piece {
  bool unspaced = false;
  std::string text;
  std::vector<std::string_view> chars;  // unspaced: each character of `text`
};

std::vector<Piece> split(std::string_view text) {
  std::vector<Piece> pieces;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const bool unspaced = is_unspaced_script(detail::utf8_next(text, pos));
    if (pieces.empty() || pieces.back().unspaced != unspaced) pieces.push_back(Piece{unspaced, {}, {}});
    pieces.back().text.append(text.substr(start, pos - start));
  }
  for (Piece& piece : pieces) {
    if (!piece.unspaced) continue;
    std::string_view run = piece.text;
    std::size_t at = 0;
    while (at < run.size()) {
      const std::size_t start = at;
      detail::utf8_next(run, at);
      piece.chars.push_back(run.substr(start, at - start));
    }
  }
  return pieces;
}

// "项目交付" -> "项目 目交 交付": every adjacent pair, for the index and for queries alike.
void append_bigrams(const Piece& piece, std::string& out) {
  for (std::size_t i = 0; i + 1 < piece.chars.size(); ++i) {
    out += ' ';
    out.append(piece.chars[i]);
    out.append(piece.chars[i + 1]);
  }
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';  // FTS5 escapes a quote inside a string by doubling it
    out += c;
  }
  return out + "\"";
}

std::string compile_term(const SearchTerm& term) {
  const std::vector<Piece> pieces = split(term.text);
  std::string text;
  bool prefix = term.prefix;
  for (const Piece& piece : pieces) {
    if (!piece.unspaced) {
      text += ' ';
      text += piece.text;
    } else if (piece.chars.size() == 1) {
      // One character: the bigrams it starts, or the run-final token it is.
      text += ' ';
      text += piece.text;
      if (pieces.size() == 1) prefix = true;
    } else {
      append_bigrams(piece, text);
    }
  }
  std::string out = quoted(text);
  return prefix ? out + " *" : out;
}

void compile(const SearchNode& node, std::string& out) {
  if (node.kind == SearchNode::Kind::term) {
    out += compile_term(node.term);
    return;
  }
  const char* op = node.kind == SearchNode::Kind::all_of   ? " AND "
                   : node.kind == SearchNode::Kind::any_of ? " OR "
                                                           : " NOT ";
  out += '(';
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    if (i > 0) out += op;
    compile(node.children[i], out);
  }
  out += ')';
}

void collect_phrases(const SearchNode& node, bool excluded, std::vector<std::string>& out) {
  if (node.kind == SearchNode::Kind::term) {
    out.push_back(excluded ? std::string() : compile_term(node.term));
    return;
  }
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    const bool right_of_not = node.kind == SearchNode::Kind::but_not && i == 1;
    collect_phrases(node.children[i], excluded || right_of_not, out);
  }
}

}  // namespace

std::vector<std::string> fts5_phrases(const SearchNode& query) {
  std::vector<std::string> out;
  collect_phrases(query, false, out);
  return out;
}

std::string index_text(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  for (const Piece& piece : split(text)) {
    if (!piece.unspaced) {
      out += piece.text;
      continue;
    }
    append_bigrams(piece, out);
    out += ' ';
  }
  return out;
}

std::string index_tails(std::string_view text) {
  std::string out;
  for (const Piece& piece : split(text)) {
    if (!piece.unspaced) continue;
    if (!out.empty()) out += ' ';
    out.append(piece.chars.back());
  }
  return out;
}

std::string fts5_match(const SearchNode& query) {
  std::string out;
  compile(query, out);
  return out;
}

}  // namespace missive::sqlite
