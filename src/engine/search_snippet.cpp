#include "engine/search_snippet.h"

#include <algorithm>
#include <utility>

namespace missive::engine_detail {
namespace {

constexpr std::size_t kBefore = 50;   // bytes of context before the first match
constexpr std::size_t kLength = 160;  // bytes of snippet in all

bool is_ascii_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

// Same length as `text`: ASCII letters lowercased, other ASCII that is not a digit becomes a
// space, bytes of multi-byte characters kept. Positions in the result are positions in `text`.
std::string fold(std::string_view text) {
  std::string out(text);
  for (char& ch : out) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) continue;
    ch = is_ascii_alnum(c) ? static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c) : ' ';
  }
  return out;
}

// A term folded, trimmed, with inner runs of spaces collapsed: "Release -- Notes" -> "release notes".
std::string needle(const SearchTerm& term) {
  std::string folded = fold(term.text);
  std::string out;
  for (char c : folded) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

using Span = std::pair<std::size_t, std::size_t>;  // [begin, end)

std::vector<Span> find_matches(std::string_view text, const std::vector<SearchTerm>& terms) {
  const std::string hay = fold(text);
  std::vector<Span> spans;
  for (const SearchTerm& term : terms) {
    const std::string n = needle(term);
    if (n.empty()) continue;
    const bool word_start = is_ascii_alnum(static_cast<unsigned char>(n.front()));
    const bool word_end = is_ascii_alnum(static_cast<unsigned char>(n.back()));
    for (std::size_t at = hay.find(n); at != std::string::npos; at = hay.find(n, at + 1)) {
      std::size_t end = at + n.size();
      const auto before = at == 0 ? ' ' : static_cast<unsigned char>(hay[at - 1]);
      if (word_start && is_ascii_alnum(before)) continue;
      if (term.prefix) {
        while (end < hay.size() && hay[end] != ' ') ++end;
      } else if (word_end && end < hay.size() &&
                 is_ascii_alnum(static_cast<unsigned char>(hay[end]))) {
        continue;
      }
      spans.emplace_back(at, end);
    }
  }
  std::sort(spans.begin(), spans.end());
  std::vector<Span> merged;
  for (const Span& s : spans) {
    if (!merged.empty() && s.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, s.second);
    } else {
      merged.push_back(s);
    }
  }
  return merged;
}

// Moves `pos` back to the start of the UTF-8 character it falls in.
std::size_t char_start(std::string_view text, std::size_t pos) {
  while (pos > 0 && pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) {
    --pos;
  }
  return pos;
}

void append_clean(std::string& out, std::string_view part) {
  for (char c : part) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
}

}  // namespace

bool contains_match(std::string_view text, const std::vector<SearchTerm>& terms) {
  return !find_matches(text, terms).empty();
}

std::string make_snippet(std::string_view text, const std::vector<SearchTerm>& terms) {
  const std::vector<Span> matches = find_matches(text, terms);
  std::size_t begin = 0;
  if (!matches.empty() && matches.front().first > kBefore) {
    begin = matches.front().first - kBefore;
    // Start at a word when one begins close by.
    const std::size_t space = text.find(' ', begin);
    if (space != std::string_view::npos && space < matches.front().first) begin = space + 1;
    begin = char_start(text, begin);
  }
  std::size_t end = std::max(begin + kLength, matches.empty() ? 0 : matches.front().second);
  end = end >= text.size() ? text.size() : char_start(text, end);

  std::string out;
  if (begin > 0) out += "\u2026";
  std::size_t at = begin;
  for (const Span& m : matches) {
    if (m.first < begin) continue;
    if (m.first >= end) break;
    const std::size_t stop = std::min(m.second, end);
    append_clean(out, text.substr(at, m.first - at));
    out += kMarkOpen;
    append_clean(out, text.substr(m.first, stop - m.first));
    out += kMarkClose;
    at = stop;
  }
  append_clean(out, text.substr(at, end - at));
  if (end < text.size()) out += "\u2026";
  return out;
}

}  // namespace missive::engine_detail
