#pragma once
// The servers the notify tests talk to (scripts/test_smtp.sh, scripts/test_webhook_receiver.sh)
// and readers for what they received.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace missive::notify::testing {

// The SMTP server's directory: the CTest fixture's (MISSIVE_TEST_SMTP_DIR), or one this
// process starts on first use and stops at exit. Empty when it cannot start.
std::filesystem::path smtp_dir();
// The same for the webhook receiver (MISSIVE_TEST_WEBHOOK_DIR).
std::filesystem::path webhook_dir();

// A private SMTP server for one test (an outage must not disturb the others), stopped and
// removed with this object.
class OwnSmtpServer {
 public:
  OwnSmtpServer();
  ~OwnSmtpServer();
  OwnSmtpServer(const OwnSmtpServer&) = delete;
  OwnSmtpServer& operator=(const OwnSmtpServer&) = delete;
  bool started() const { return started_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  bool started_ = false;
};

// The first line of a file ("" when there is none).
std::string first_line(const std::filesystem::path& path);

// A name unique to the current test and process, of letters, digits, '_' and '-' (usable in
// an email local part and a URL path): "suite_name-1234".
std::string unique_name();

// One message as the SMTP server saved it (tests/notify/smtp_server.py).
struct ReceivedMail {
  std::string listener;  // plain, auth, starttls, smtps
  bool tls = false;
  std::string auth_login;
  std::string mail_from;
  std::vector<std::string> rcpt_tos;
  std::vector<std::pair<std::string, std::string>> headers;  // decoded by Python's email
  std::string subject, from, to, message_id, content_type;
  std::string text, html;                     // the parts' decoded text, "\n" line ends
  std::string text_encoding, html_encoding;   // Content-Transfer-Encoding
  std::vector<std::string> defects;           // what Python's parser found wrong
  int max_line_length = 0;
  bool bare_lf = false;
  std::string parse_error;
  std::string raw;  // the .eml as received

  std::string header(const std::string& name) const;  // the first one's value, or ""
};

// The message received for `recipient` under `dir`, waiting up to `timeout` for it.
std::optional<ReceivedMail> wait_for_mail(const std::filesystem::path& dir, const std::string& recipient,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// One request as the webhook receiver logged it.
struct LoggedRequest {
  std::string method, path, body;
  std::map<std::string, std::string> headers;  // names lowercase
  int status = 0;
};

// The logged requests whose path starts with "/" + name + "/", oldest first.
std::vector<LoggedRequest> logged_requests(const std::filesystem::path& dir, const std::string& name);

// Writes the control file for the paths /NAME/... (a JSON object, see webhook_receiver.py).
void write_control(const std::filesystem::path& dir, const std::string& name, const std::string& json);

}  // namespace missive::notify::testing
