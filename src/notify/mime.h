#pragma once
// The MIME encodings an email is written in (RFC 2045, 2047, 5322). Used by compose_message;
// public so that their edge cases are tested one by one.
// Thread-safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace missive::notify::mime {

// The longest line compose_message writes, CRLF not counted (RFC 5322's recommendation).
inline constexpr std::size_t kMaxLine = 78;

// `text` with every line break (CRLF, lone CR, lone LF) made CRLF.
std::string normalize_line_breaks(std::string_view text);

// Quoted-printable (RFC 2045 6.7) of text: line breaks become CRLF hard breaks, lines are at
// most 76 characters (a soft break "=" ends the longer ones), and '=', controls, bytes over
// 126, a '.' starting a line and white space ending one are =XX. Nothing is added after the
// last line.
std::string quoted_printable(std::string_view text);

// Base64 of `data` in lines of 76 characters separated by CRLF (none after the last).
std::string base64_lines(std::string_view data);

// RFC 2047 "B" encoded-words ("=?UTF-8?B?...?=") holding valid UTF-8 `text`, each at most
// `max_word` characters (>= 16) and never splitting a character. Empty text: no words.
std::vector<std::string> encoded_words(std::string_view text, std::size_t max_word = 64);

// "Sat, 21 Nov 2026 13:39:52 +0000": the RFC 5322 date-time of `t` (UTC).
std::string rfc5322_date(Timestamp t);

// "Name: token token ...": one header, the tokens separated by single spaces, folded (CRLF
// then a space) between tokens so that lines stay within kMaxLine where the tokens allow it.
// Ends with CRLF.
std::string fold_header(std::string_view name, const std::vector<std::string>& tokens);

}  // namespace missive::notify::mime
