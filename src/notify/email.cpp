#include "notify/email.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "core/validate.h"
#include "notify/mime.h"

namespace missive::notify {
namespace {

constexpr std::size_t kMaxQuotedName = 60;     // longer names go as encoded-words, which fold
constexpr std::size_t kMaxHeaderValue = 900;   // under RFC 5322's 998 with the name
constexpr std::string_view kAtextSpecials = "!#$%&'*+-/=?^_`{|}~";

bool is_atext(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || kAtextSpecials.find(c) != std::string_view::npos;
}

bool is_ascii_printable(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 32 && c <= 126; });
}

bool has_line_break(std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; }

// A dot-atom: atext runs separated by single dots.
bool is_dot_atom(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '.') {
      if (text[i + 1] == '.') return false;
    } else if (!is_atext(text[i])) {
      return false;
    }
  }
  return true;
}

bool is_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = domain.find('.', start);
    const std::string_view label = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// Control characters (line breaks among them) become spaces: a subject or a name is one line.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 32 || c == 127) c = ' ';
  }
  return out;
}

std::string trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  return std::string(text.substr(first, text.find_last_not_of(" \t") - first + 1));
}

// A display name as header tokens: a quoted-string when short printable ASCII, else encoded-words.
std::vector<std::string> phrase_tokens(std::string_view name) {
  const std::string clean = one_line(name);
  if (clean.size() <= kMaxQuotedName && is_ascii_printable(clean)) {
    std::string quoted = "\"";
    for (char c : clean) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    return {quoted + '"'};
  }
  return mime::encoded_words(clean);
}

std::vector<std::string> mailbox_tokens(const Mailbox& mailbox) {
  std::vector<std::string> tokens;
  if (!mailbox.name.empty()) tokens = phrase_tokens(mailbox.name);
  tokens.push_back("<" + mailbox.address + ">");
  return tokens;
}

// The subject as header tokens: itself when it is printable ASCII that fits on the header's
// line and cannot be mistaken for an encoded-word; encoded-words otherwise.
std::vector<std::string> subject_tokens(std::string_view subject) {
  const std::string clean = one_line(subject);
  if (clean.empty()) return {};
  if (is_ascii_printable(clean) && clean.find("=?") == std::string::npos &&
      clean.size() + std::string_view("Subject: ").size() <= mime::kMaxLine) {
    return {clean};
  }
  return mime::encoded_words(clean);
}

std::string random_hex(std::size_t bytes) {
  std::array<unsigned char, 32> buffer{};
  bytes = std::min(bytes, buffer.size());
  if (sodium_init() < 0) std::abort();  // no randomness source: nothing is safe to do
  randombytes_buf(buffer.data(), bytes);
  std::string out(bytes * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), buffer.data(), bytes);
  out.pop_back();
  return out;
}

Status validate_message_id(std::string_view id) {
  const auto bad = [&] {
    return fail(ErrorCode::invalid, fmt::format("Message-ID '{}' is not <left@right> of letters, digits and "
                                                "!#$%&'*+-/=?^_`{{|}}~.", one_line(id)));
  };
  if (id.size() < 5 || id.size() > 250 || id.front() != '<' || id.back() != '>') return bad();
  const std::string_view inner = id.substr(1, id.size() - 2);
  const std::size_t at = inner.find('@');
  if (at == std::string_view::npos || !is_dot_atom(inner.substr(0, at)) || !is_dot_atom(inner.substr(at + 1))) {
    return bad();
  }
  return {};
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

Status validate_extra_header(std::string_view name, std::string_view value) {
  static constexpr std::string_view kOwn[] = {"from",         "to",          "cc",
                                              "bcc",          "subject",     "date",
                                              "message-id",   "mime-version", "content-type",
                                              "content-transfer-encoding", "sender"};
  const bool name_ok = !name.empty() && name.size() <= 76 && std::all_of(name.begin(), name.end(), [](char c) {
    return c >= 33 && c <= 126 && c != ':';
  });
  if (!name_ok) return fail(ErrorCode::invalid, fmt::format("bad email header name '{}'", one_line(name)));
  for (std::string_view own : kOwn) {
    if (iequals(name, own)) {
      return fail(ErrorCode::invalid, fmt::format("email header {} is written by compose_message", name));
    }
  }
  if (has_line_break(value)) {
    return fail(ErrorCode::invalid, fmt::format("email header {} has a line break in its value", name));
  }
  const bool value_ok = value.size() <= kMaxHeaderValue && std::all_of(value.begin(), value.end(), [](char c) {
    return c == '\t' || (c >= 32 && c <= 126);
  });
  if (!value_ok) {
    return fail(ErrorCode::invalid,
                fmt::format("email header {} must be printable ASCII of at most {} characters", name, kMaxHeaderValue));
  }
  return {};
}

// A body part's headers and content: quoted-printable keeps mostly-ASCII text readable;
// text mostly of other scripts is shorter in base64.
std::string body_part(std::string_view type, std::string_view text) {
  const auto non_ascii = std::count_if(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 128; });
  const bool base64 = static_cast<std::size_t>(non_ascii) * 3 > text.size();
  std::string out = fmt::format("Content-Type: {}; charset=UTF-8\r\nContent-Transfer-Encoding: {}\r\n\r\n", type,
                                base64 ? "base64" : "quoted-printable");
  out += base64 ? mime::base64_lines(mime::normalize_line_breaks(text)) : mime::quoted_printable(text);
  return out;
}

}  // namespace

Status validate_address(std::string_view address) {
  if (address.size() > 254) return fail(ErrorCode::invalid, "email address is longer than 254 characters");
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos) {
    return fail(ErrorCode::invalid, fmt::format("email address '{}' has no @", one_line(address)));
  }
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  if (local.size() > 64 || !is_dot_atom(local)) {
    return fail(ErrorCode::invalid,
                fmt::format("email address '{}': the part before @ must be 1-64 letters, digits, dots or "
                            "!#$%&'*+-/=?^_`{{|}}~ (no leading, trailing or double dot)",
                            one_line(address)));
  }
  if (!is_domain(domain)) {
    return fail(ErrorCode::invalid,
                fmt::format("email address '{}': the domain must be labels of letters, digits and '-' "
                            "(an international domain in its xn-- form)",
                            one_line(address)));
  }
  return {};
}

Result<Mailbox> parse_mailbox(std::string_view text) {
  if (has_line_break(text)) return fail(ErrorCode::invalid, "email address has a line break");
  Mailbox mailbox;
  const std::string trimmed = trim(text);
  const std::size_t open = trimmed.rfind('<');
  if (open == std::string::npos) {
    mailbox.address = trimmed;
  } else {
    if (trimmed.back() != '>') {
      return fail(ErrorCode::invalid, fmt::format("'{}' is not 'Name <address>'", trimmed));
    }
    mailbox.address = trimmed.substr(open + 1, trimmed.size() - open - 2);
    std::string name = trim(std::string_view(trimmed).substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      std::string unquoted;
      for (std::size_t i = 1; i + 1 < name.size(); ++i) {
        if (name[i] == '\\' && i + 2 < name.size()) ++i;
        unquoted += name[i];
      }
      name = std::move(unquoted);
    }
    mailbox.name = std::move(name);
  }
  MISSIVE_TRY_STATUS(validate_address(mailbox.address));
  if (!is_valid_utf8(mailbox.name)) return fail(ErrorCode::invalid, "email display name is not valid UTF-8");
  return mailbox;
}

Result<std::string> compose_message(const Email& email, const std::string& from, Timestamp date) {
  MISSIVE_TRY(Mailbox sender, parse_mailbox(from));
  MISSIVE_TRY_STATUS(validate_address(email.to));
  const std::pair<std::string_view, std::string_view> texts[] = {
      {"recipient name", email.to_name}, {"subject", email.subject}, {"text", email.text}, {"html", email.html}};
  for (const auto& [field, value] : texts) {
    if (!is_valid_utf8(value)) return fail(ErrorCode::invalid, fmt::format("email {} is not valid UTF-8", field));
  }
  std::string message_id = email.message_id;
  if (message_id.empty()) {
    message_id = "<" + random_hex(16) + "@" + sender.address.substr(sender.address.rfind('@') + 1) + ">";
  }
  MISSIVE_TRY_STATUS(validate_message_id(message_id));
  for (const auto& [name, value] : email.headers) MISSIVE_TRY_STATUS(validate_extra_header(name, value));

  std::string out;
  out += mime::fold_header("From", mailbox_tokens(sender));
  out += mime::fold_header("To", mailbox_tokens({email.to_name, email.to}));
  out += mime::fold_header("Subject", subject_tokens(email.subject));
  out += mime::fold_header("Date", {mime::rfc5322_date(date)});
  out += mime::fold_header("Message-ID", {message_id});
  out += "MIME-Version: 1.0\r\n";
  for (const auto& [name, value] : email.headers) out += name + ": " + value + "\r\n";
  if (email.html.empty()) {
    out += body_part("text/plain", email.text);
    out += "\r\n";
    return out;
  }
  // "=_" never occurs in quoted-printable or base64 text, so no part can contain the boundary.
  const std::string boundary = "=_missive_" + random_hex(16);
  out += mime::fold_header("Content-Type", {"multipart/alternative;", "boundary=\"" + boundary + "\""});
  out += "\r\n";
  for (const auto& [type, text] : {std::pair<std::string_view, std::string_view>{"text/plain", email.text},
                                   {"text/html", email.html}}) {
    out += "--" + boundary + "\r\n";
    out += body_part(type, text);
    out += "\r\n";
  }
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace missive::notify
