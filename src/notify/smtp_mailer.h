#pragma once
// SmtpMailer: sends an Email (email.h) to one recipient through an SMTP server with libcurl:
// smtp:// with STARTTLS as configured, or smtps:// (TLS from the first byte), AUTH when a
// user name is set. The outbox worker calls it; it neither queues nor retries.
// Thread-safety: send may be called from any number of threads at once (one curl handle, so
// one connection, per call).

#include <optional>
#include <string>

#include "core/error.h"
#include "notify/email.h"

namespace missive::notify {

struct SmtpConfig {
  std::string url;       // "smtp://host:port" or "smtps://host:port"
  std::string username;  // empty: no AUTH
  std::string password;
  std::string from;      // "noreply@example.com" or "Missive <noreply@example.com>"
  // smtp:// only. try_: STARTTLS when the server offers it, else plain text (credentials
  // included: use required across a network). required: fail without it. off: never.
  enum class StartTls { try_, required, off } starttls = StartTls::try_;
  std::string ca_file;       // certificates to trust (PEM); empty: the system's
  bool verify_peer = true;   // check the server's certificate and name
  long timeout_ms = 30000;   // the whole exchange, connection included
};

// The server's command-line flags as given, before parse_smtp_config checks them.
struct SmtpFlags {
  std::string url;            // --smtp-url
  std::string user;           // --smtp-user
  std::string password_file;  // --smtp-password-file: the password is its first line
  std::optional<std::string> password_env;  // MISSIVE_SMTP_PASSWORD, when set
  std::string mail_from;      // --mail-from
  std::string starttls;       // --smtp-starttls: "try" (or empty), "required", "off"
};

// The SmtpConfig the flags describe. The password comes from the environment variable or
// the file (never both), and only with a user.
// Fails: invalid, naming the flag: a URL that is not smtp[s]://HOST[:PORT] (no user, path or
// query), a bad --mail-from or --smtp-starttls, a password without a user or a user without
// one, both password sources, a user with --smtp-starttls off to a host other than this one
// (the password would cross the network in clear), a password file that cannot be read.
Result<SmtpConfig> parse_smtp_config(const SmtpFlags& flags);

class SmtpMailer {
 public:
  // Checks the URL and the From address; makes no connection.
  // Fails: invalid (the URL is not smtp[s]://HOST[:PORT], a bad from).
  static Result<SmtpMailer> create(SmtpConfig config);

  // Composes `email` (Date: now) and sends it: success means the server accepted it (250
  // after the data). Fails:
  // - invalid: the email cannot be composed (compose_message's errors); nothing was sent.
  // - unprocessable: the server refused this message for good (a 5xx reply to RCPT TO or to
  //   the data, e.g. 550 unknown user); retrying will not help.
  // - unavailable: anything that may pass or that the operator must fix, the same for every
  //   message: no connection, a timeout, TLS or STARTTLS failing, authentication refused, a
  //   4xx reply, a 5xx reply to the greeting, EHLO, AUTH or MAIL FROM.
  // Every error from the server quotes its command and reply: "RCPT TO:<bob@example.com>:
  // 550 5.1.1 <bob@example.com>: Recipient address rejected".
  Status send(const Email& email) const;

  const SmtpConfig& config() const { return config_; }

 private:
  SmtpMailer(SmtpConfig config, Mailbox from) : config_(std::move(config)), from_(std::move(from)) {}

  SmtpConfig config_;
  Mailbox from_;
};

}  // namespace missive::notify
