#include "notify/smtp_mailer.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "net/curl_handle.h"

namespace missive::notify {
namespace {

constexpr std::size_t kMaxReply = 1024;  // server reply text kept for an error message

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

struct SmtpUrl {
  bool implicit_tls = false;
  std::string host;  // as written, IPv6 in brackets
};

// One part of a parsed URL; empty when absent.
std::string url_part(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return "";
  std::string out(value);
  curl_free(value);
  return out;
}

// libcurl's own parser, so that what is checked is what it connects to.
Result<SmtpUrl> parse_smtp_url(const std::string& text) {
  const auto bad = [&](std::string_view why) {
    return fail(ErrorCode::invalid, fmt::format("SMTP URL '{}' {}: expected smtp://HOST[:PORT] or smtps://HOST[:PORT]",
                                                text, why));
  };
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (!url) return fail(ErrorCode::unavailable, "out of memory parsing the SMTP URL");
  if (curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) return bad("does not parse");
  SmtpUrl out;
  const std::string scheme = url_part(url.get(), CURLUPART_SCHEME);
  if (scheme != "smtp" && scheme != "smtps") return bad("has another scheme");
  out.implicit_tls = scheme == "smtps";
  out.host = url_part(url.get(), CURLUPART_HOST);
  if (out.host.empty()) return bad("has no host");
  if (!url_part(url.get(), CURLUPART_USER).empty() || !url_part(url.get(), CURLUPART_PASSWORD).empty()) {
    return bad("holds credentials (give --smtp-user and the password separately)");
  }
  const std::string path = url_part(url.get(), CURLUPART_PATH);
  if ((!path.empty() && path != "/") || !url_part(url.get(), CURLUPART_QUERY).empty() ||
      !url_part(url.get(), CURLUPART_FRAGMENT).empty()) {
    return bad("has a path or query");
  }
  return out;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "[::1]") return true;
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

bool starts_with_word(std::string_view line, std::string_view word) {
  if (line.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(line[i])) != word[i]) return false;
  }
  return line.size() == word.size() || line[word.size()] == ' ' || line[word.size()] == ':';
}

// The SMTP dialogue as libcurl's debug callback shows it: the last command sent and the
// server's last reply to it, for error messages. Credentials never enter it: of AUTH only the
// mechanism is kept, and the lines that follow AUTH (base64) are not commands it knows. It
// stops at QUIT, which libcurl sends after a failure too: the failure is what matters.
struct Dialogue {
  std::string command;
  std::string reply;
  bool reply_complete = true;  // the last reply line was the final one ("250 ..." not "250-...")
  bool data_sent = false;
  bool quit = false;

  void sent_command(std::string_view line) {
    static constexpr std::string_view kKnown[] = {"EHLO", "HELO", "STARTTLS", "MAIL", "RCPT", "DATA", "RSET"};
    if (quit || starts_with_word(line, "QUIT")) {
      quit = true;
      return;
    }
    if (starts_with_word(line, "AUTH")) {
      const std::size_t mechanism_end = line.find(' ', 5);
      command = std::string(line.substr(0, mechanism_end));
    } else if (std::any_of(std::begin(kKnown), std::end(kKnown), [&](std::string_view verb) {
                 return starts_with_word(line, verb);
               })) {
      command = std::string(line);
    } else {
      return;
    }
    reply.clear();
    reply_complete = true;
  }

  void received_line(std::string_view line) {
    if (quit) return;
    if (reply_complete) reply.clear();
    if (!reply.empty()) reply += ' ';
    if (reply.size() + line.size() <= kMaxReply) reply += line;
    reply_complete = line.size() < 4 || line[3] != '-';
  }

  // What the last reply answered: the message data once it was sent.
  std::string answered() const { return data_sent && command == "DATA" ? "the message data" : command; }

  // The last reply's code, 0 when there is none.
  int reply_code() const {
    if (reply.size() < 3 || !std::isdigit(static_cast<unsigned char>(reply[0]))) return 0;
    return std::atoi(reply.substr(0, 3).c_str());
  }
};

void for_each_line(std::string_view data, auto&& fn) {
  while (!data.empty()) {
    const std::size_t end = data.find('\n');
    std::string_view line = data.substr(0, end);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    if (!line.empty()) fn(line);
    if (end == std::string_view::npos) break;
    data.remove_prefix(end + 1);
  }
}

int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  auto& dialogue = *static_cast<Dialogue*>(user);
  const std::string_view text(data, size);
  if (type == CURLINFO_HEADER_OUT) {
    for_each_line(text, [&](std::string_view line) { dialogue.sent_command(line); });
  } else if (type == CURLINFO_HEADER_IN) {
    for_each_line(text, [&](std::string_view line) { dialogue.received_line(line); });
  } else if (type == CURLINFO_DATA_OUT) {
    dialogue.data_sent = true;
  }
  return 0;
}

struct Upload {
  std::string_view rest;
};

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto& upload = *static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload.rest.size());
  std::memcpy(buffer, upload.rest.data(), n);
  upload.rest.remove_prefix(n);
  return n;
}

Timestamp now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<SmtpConfig> parse_smtp_config(const SmtpFlags& flags) {
  if (flags.url.empty()) return fail(ErrorCode::invalid, "--smtp-url is required to send email");
  SmtpConfig config;
  config.url = flags.url;
  MISSIVE_TRY(SmtpUrl url, parse_smtp_url(flags.url));
  if (flags.starttls.empty() || flags.starttls == "try") {
    config.starttls = SmtpConfig::StartTls::try_;
  } else if (flags.starttls == "required") {
    config.starttls = SmtpConfig::StartTls::required;
  } else if (flags.starttls == "off") {
    config.starttls = SmtpConfig::StartTls::off;
  } else {
    return fail(ErrorCode::invalid,
                fmt::format("--smtp-starttls '{}' is not one of try, required, off", flags.starttls));
  }
  if (flags.mail_from.empty()) return fail(ErrorCode::invalid, "--mail-from is required to send email");
  if (auto from = parse_mailbox(flags.mail_from); !from) {
    return fail(ErrorCode::invalid, "--mail-from: " + from.error().message);
  }
  config.from = flags.mail_from;

  if (flags.password_env && !flags.password_file.empty()) {
    return fail(ErrorCode::invalid,
                "the SMTP password is both in MISSIVE_SMTP_PASSWORD and --smtp-password-file: give one");
  }
  if (!flags.password_file.empty()) {
    std::ifstream in(flags.password_file);
    if (!in) {
      return fail(ErrorCode::invalid,
                  fmt::format("--smtp-password-file: cannot read {}: {}", flags.password_file, std::strerror(errno)));
    }
    std::getline(in, config.password);
    if (config.password.ends_with('\r')) config.password.pop_back();
  } else if (flags.password_env) {
    config.password = *flags.password_env;
  }
  config.username = flags.user;
  if (config.username.empty() != config.password.empty()) {
    return fail(ErrorCode::invalid,
                config.username.empty()
                    ? "an SMTP password is set (MISSIVE_SMTP_PASSWORD or --smtp-password-file) without --smtp-user"
                    : "--smtp-user needs a password in MISSIVE_SMTP_PASSWORD or --smtp-password-file");
  }
  if (!config.username.empty() && !url.implicit_tls && config.starttls == SmtpConfig::StartTls::off &&
      !is_loopback_host(url.host)) {
    return fail(ErrorCode::invalid,
                fmt::format("--smtp-starttls off would send the SMTP password to {} in clear; use required "
                            "(or an smtps:// URL)",
                            url.host));
  }
  return config;
}

Result<SmtpMailer> SmtpMailer::create(SmtpConfig config) {
  MISSIVE_TRY_STATUS(parse_smtp_url(config.url));
  MISSIVE_TRY(Mailbox from, parse_mailbox(config.from));
  if (config.timeout_ms <= 0) return fail(ErrorCode::invalid, "SMTP timeout must be positive");
  return SmtpMailer(std::move(config), std::move(from));
}

Status SmtpMailer::send(const Email& email) const {
  MISSIVE_TRY(std::string message, compose_message(email, config_.from, now_ms()));
  net::EasyHandle handle = net::make_easy();
  if (!handle) return fail(ErrorCode::unavailable, "cannot create a curl handle");
  net::Slist recipients;
  if (!net::append(recipients, "<" + email.to + ">")) return fail(ErrorCode::unavailable, "out of memory");
  const std::string mail_from = "<" + from_.address + ">";
  Upload upload{message};
  Dialogue dialogue;
  char curl_error[CURL_ERROR_SIZE] = "";

  CURL* h = handle.get();
  curl_easy_setopt(h, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  if (!config_.url.starts_with("smtps:")) {
    const long use_ssl = config_.starttls == SmtpConfig::StartTls::required ? CURLUSESSL_ALL
                         : config_.starttls == SmtpConfig::StartTls::try_   ? CURLUSESSL_TRY
                                                                            : CURLUSESSL_NONE;
    curl_easy_setopt(h, CURLOPT_USE_SSL, use_ssl);
  }
  if (!config_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, config_.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, config_.verify_peer ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, config_.verify_peer ? 2L : 0L);
  if (!config_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, config_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, config_.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, config_.timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::min(config_.timeout_ms, 10000L));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_error);
  // The debug callback is how the server's reply text reaches the error message (libcurl's
  // own error names only the code); it needs VERBOSE, whose output goes to it alone.
  curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, &dialogue);
  curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);

  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OK) return {};
  const int reply_code = dialogue.reply_code();
  const std::string answered = dialogue.answered();
  const bool about_this_message =
      starts_with_word(answered, "RCPT") || starts_with_word(answered, "DATA") || answered == "the message data";
  if (reply_code >= 500 && reply_code < 600 && about_this_message && code != CURLE_LOGIN_DENIED) {
    return fail(ErrorCode::unprocessable,
                fmt::format("SMTP server {} refused {}: {}", config_.url, answered, dialogue.reply));
  }
  std::string error = fmt::format("SMTP {}: {}", config_.url, net::error_text(code, curl_error));
  if (reply_code > 0 && !dialogue.reply.empty()) {
    error += fmt::format("; the server answered {} with: {}", answered.empty() ? "the connection" : answered,
                           dialogue.reply);
  }
  return fail(ErrorCode::unavailable, std::move(error));
}

}  // namespace missive::notify
