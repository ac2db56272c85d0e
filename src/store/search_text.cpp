#include "store/search_text.h"

#include <vector>

#include "core/utf8.h"

namespace missive {

std::string searchable_body(const Message& message) {
  std::string out = message.body;
  for (const Attachment& a : message.attachments) {
    out += '\n';
    out += a.name;
  }
  return out;
}

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

}  // namespace

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

std::string ascii_words(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    const bool alnum = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
    if (u < 0x80 && !alnum) c = ' ';
  }
  return out;
}

PreparedTerm prepare_term(const SearchTerm& term) {
  const std::vector<Piece> pieces = split(term.text);
  PreparedTerm out;
  out.prefix = term.prefix;
  for (const Piece& piece : pieces) {
    if (!piece.unspaced) {
      out.text += ' ';
      out.text += piece.text;
    } else if (piece.chars.size() == 1) {
      // One character: the bigrams it starts, or the run-final token it is.
      out.text += ' ';
      out.text += piece.text;
      if (pieces.size() == 1) out.prefix = true;
    } else {
      append_bigrams(piece, out.text);
    }
  }
  return out;
}

}  // namespace missive
