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

}  // namespace missive::detail
