#pragma once
// Internal UTF-8 helpers shared by the core checks and the rule parser. Not part of the API.

#include <cstddef>
#include <string_view>

namespace missive::detail {

// Byte offset of the first byte that does not start a well-formed UTF-8 sequence (overlong
// forms, surrogates, code points above U+10FFFF and truncated sequences are all ill-formed),
// or std::string_view::npos when `text` is valid.
std::size_t utf8_error_offset(std::string_view text);

// Number of code points in the first `bytes` bytes of valid UTF-8 `text`.
std::size_t utf8_length(std::string_view text, std::size_t bytes);

// The code point starting at byte `pos` of valid UTF-8 `text`; advances `pos` past it.
inline char32_t utf8_next(std::string_view text, std::size_t& pos) {
  const auto lead = static_cast<unsigned char>(text[pos++]);
  if (lead < 0x80) return lead;
  const int extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
  char32_t c = lead & (0x3F >> extra);
  for (int i = 0; i < extra && pos < text.size(); ++i) {
    c = (c << 6) | (static_cast<unsigned char>(text[pos++]) & 0x3F);
  }
  return c;
}

}  // namespace missive::detail
