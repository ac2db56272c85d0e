#include "notify/mime.h"

#include <sodium.h>

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

namespace missive::notify::mime {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

std::string base64(std::string_view data) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string escape(unsigned char c) { return {'=', kHex[c >> 4], kHex[c & 0xF]}; }

// One line of quoted-printable (no line break inside `line`), with soft breaks.
void quoted_printable_line(std::string_view line, std::string& out) {
  // 75 characters and the soft break's "=" make the 76 RFC 2045 allows.
  constexpr std::size_t kMaxEncoded = 75;
  std::size_t column = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    const bool last = i + 1 == line.size();
    const bool literal = (c == '\t' || (c >= 32 && c <= 126 && c != '=')) &&
                         !(last && (c == ' ' || c == '\t'));
    std::string token = literal ? std::string(1, static_cast<char>(c)) : escape(c);
    if (column + token.size() > kMaxEncoded) {
      out += "=\r\n";
      column = 0;
    }
    // A '.' opening a line is the SMTP end-of-data marker's first character; transports stuff
    // it, but escaping it spares the message from any that do not.
    if (column == 0 && c == '.') token = escape(c);
    out += token;
    column += token.size();
  }
}

}  // namespace

std::string normalize_line_breaks(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string quoted_printable(std::string_view text) {
  const std::string normal = normalize_line_breaks(text);
  std::string_view rest = normal;
  std::string out;
  for (;;) {
    const std::size_t end = rest.find("\r\n");
    quoted_printable_line(rest.substr(0, end), out);
    if (end == std::string_view::npos) break;
    out += "\r\n";
    rest.remove_prefix(end + 2);
  }
  return out;
}

std::string base64_lines(std::string_view data) {
  constexpr std::size_t kLine = 76;
  const std::string encoded = base64(data);
  std::string out;
  for (std::size_t at = 0; at < encoded.size(); at += kLine) {
    if (at > 0) out += "\r\n";
    out.append(encoded, at, kLine);
  }
  return out;
}

std::vector<std::string> encoded_words(std::string_view text, std::size_t max_word) {
  // "=?UTF-8?B?" and "?=" take 12 characters; each 4 base64 characters hold 3 bytes.
  const std::size_t max_bytes = std::max<std::size_t>(3, (max_word - 12) / 4 * 3);
  std::vector<std::string> words;
  while (!text.empty()) {
    std::size_t take = std::min(max_bytes, text.size());
    // Back off to the start of a character: encoded-words must hold whole characters.
    while (take < text.size() && take > 0 && (static_cast<unsigned char>(text[take]) & 0xC0) == 0x80) --take;
    if (take == 0) take = std::min(max_bytes, text.size());
    words.push_back("=?UTF-8?B?" + base64(text.substr(0, take)) + "?=");
    text.remove_prefix(take);
  }
  return words;
}

std::string rfc5322_date(Timestamp t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = static_cast<std::time_t>(t >= 0 ? t / 1000 : (t - 999) / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  // Names from tables, not strftime: %a and %b follow the process's locale.
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string fold_header(std::string_view name, const std::vector<std::string>& tokens) {
  std::string out(name);
  out += ':';
  std::size_t column = out.size();
  bool line_has_token = false;
  for (const std::string& token : tokens) {
    if (line_has_token && column + 1 + token.size() > kMaxLine) {
      out += "\r\n";
      column = 0;
    }
    out += ' ';
    out += token;
    column += 1 + token.size();
    line_has_token = true;
  }
  out += "\r\n";
  return out;
}

}  // namespace missive::notify::mime
