#pragma once
// An email as the outbox sends it, and its RFC 5322 / MIME form. The engine fills an Email;
// SmtpMailer (smtp_mailer.h) composes and sends it.
// Thread-safety: plain values and pure functions (compose_message draws random bytes from
// libsodium, which is thread-safe).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/ids.h"

namespace missive::notify {

struct Email {
  std::string to;          // the recipient's address: "ada@example.com"
  std::string to_name;     // their display name (UTF-8), or empty
  std::string subject;     // UTF-8
  std::string text;        // the text/plain part (UTF-8)
  std::string html;        // the text/html part (UTF-8); empty: a text/plain message only
  std::string message_id;  // "<unique@host>"; empty: compose_message makes one
  // Further headers, e.g. {"List-Unsubscribe", "<https://...>"},
  // {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}.
  std::vector<std::pair<std::string, std::string>> headers;
};

// An address with its optional display name.
struct Mailbox {
  std::string name;  // UTF-8, may be empty
  std::string address;
};

// Checks an addr-spec as this library sends to: "local@domain", ASCII only (no SMTPUTF8; an
// international domain must be given in its xn-- form), local part a dot-atom of at most 64
// characters, domain labels of letters, digits and '-', at most 254 characters in all.
// Fails: invalid, naming what is wrong.
Status validate_address(std::string_view address);

// Reads "addr@host" or "Display Name <addr@host>" (the name optionally in double quotes).
// Fails: invalid (no address, a bad address, line breaks).
Result<Mailbox> parse_mailbox(std::string_view text);

// The message as sent over SMTP: From (`from`, as parse_mailbox reads it), To, Subject (RFC
// 2047 encoded-words when not plain ASCII or too long for one line), Date (`date`), Message-ID,
// MIME-Version, the extra headers, then a multipart/alternative body of a text/plain and a
// text/html part (or the text/plain part alone when html is empty), UTF-8, quoted-printable
// (base64 for text that is mostly not ASCII), CRLF line ends, no line over 78 characters
// except an extra header's own. Line breaks and other control characters in the subject and
// display names become spaces.
// Fails: invalid when an address or the Message-ID is malformed, a text is not UTF-8, or an
// extra header has a bad name, a value with a line break, or replaces one of the headers above.
Result<std::string> compose_message(const Email& email, const std::string& from, Timestamp date);

}  // namespace missive::notify
