// SmtpMailer against a real SMTP server (aiosmtpd, scripts/test_smtp.sh): plain, AUTH,
// STARTTLS, smtps; permanent and transient failures; and what a mail reader (Python's email
// package, in the server) makes of what arrives. Also parse_smtp_config.

#include "notify/smtp_mailer.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "test_servers.h"

namespace missive::notify {
namespace {

using testing::first_line;
using testing::smtp_dir;
using testing::unique_name;
using testing::wait_for_mail;

class SmtpMailerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = smtp_dir();
    ASSERT_FALSE(dir_.empty()) << "no test SMTP server (scripts/test_smtp.sh)";
  }

  // A config for one of the server's listeners: url, auth_url, starttls_url, smtps_url.
  SmtpConfig config(const std::string& url_file, bool with_auth = false) const {
    SmtpConfig config;
    config.url = first_line(dir_ / url_file);
    config.from = "Missive Tests <missive@example.com>";
    config.ca_file = (dir_ / "ca.pem").string();
    config.timeout_ms = 10000;
    if (with_auth) {
      config.username = first_line(dir_ / "user");
      config.password = first_line(dir_ / "password");
    }
    return config;
  }

  static SmtpMailer mailer(SmtpConfig config) {
    auto made = SmtpMailer::create(std::move(config));
    EXPECT_TRUE(made) << made.error().message;
    return std::move(*made);
  }

  Email email(const std::string& tag = "") const {
    Email email;
    email.to = unique_name() + tag + "@example.com";
    email.to_name = "Ada Lovelace";
    email.subject = "Reminder: 2 unread messages";
    email.text = "Hello Ada,\n\ntwo messages wait for you.\n.\nA line with a lone dot above.\n";
    email.html = "<p>Hello Ada,</p>\n<p>two messages wait for you.</p>\n";
    email.headers = {{"List-Unsubscribe", "<https://missive.example.com/u/abc>"},
                     {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
    return email;
  }

  std::filesystem::path dir_;
};

// What every message that arrives must look like to a mail reader.
void expect_well_formed(const testing::ReceivedMail& mail, const Email& sent) {
  EXPECT_EQ(mail.parse_error, "");
  EXPECT_TRUE(mail.defects.empty()) << mail.defects.front();
  EXPECT_LE(mail.max_line_length, 78);
  EXPECT_FALSE(mail.bare_lf);
  EXPECT_EQ(mail.mail_from, "missive@example.com");
  EXPECT_EQ(mail.subject, sent.subject);
  EXPECT_EQ(mail.text, sent.text);
  EXPECT_EQ(mail.html, sent.html);
  EXPECT_EQ(mail.content_type, "multipart/alternative");
  EXPECT_NE(mail.to.find(sent.to), std::string::npos) << mail.to;
  EXPECT_EQ(mail.header("List-Unsubscribe"), "<https://missive.example.com/u/abc>");
  EXPECT_EQ(mail.header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  EXPECT_TRUE(mail.message_id.starts_with('<') && mail.message_id.ends_with('>')) << mail.message_id;
}

TEST_F(SmtpMailerTest, PlainDelivery) {
  const Email sent = email();
  ASSERT_TRUE(mailer(config("url")).send(sent));
  auto mail = wait_for_mail(dir_, sent.to);
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->listener, "plain");
  EXPECT_EQ(mail->rcpt_tos, std::vector<std::string>{sent.to});
  EXPECT_EQ(mail->to, "Ada Lovelace <" + sent.to + ">");
  EXPECT_EQ(mail->from, "Missive Tests <missive@example.com>");
  expect_well_formed(*mail, sent);
}

TEST_F(SmtpMailerTest, NonAsciiArrivesDecodable) {
  Email sent = email();
  sent.subject = "Rappel : réunion à 10 h — 会議の資料をご確認ください。" + std::string(60, '!');
  sent.to_name = "Zoë Ødegaard";
  sent.text = "Bonjour Zoë,\n\n未読のメッセージが二件あります。\n";
  sent.html = "<p>Bonjour Zoë,</p><p>未読のメッセージが二件あります。</p>\n";
  ASSERT_TRUE(mailer(config("url")).send(sent));
  auto mail = wait_for_mail(dir_, sent.to);
  ASSERT_TRUE(mail);
  expect_well_formed(*mail, sent);
  EXPECT_EQ(mail->to, "Zoë Ødegaard <" + sent.to + ">");
  EXPECT_NE(mail->raw.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_EQ(mail->text_encoding, "base64");
}

TEST_F(SmtpMailerTest, AuthDelivers) {
  const Email sent = email();
  ASSERT_TRUE(mailer(config("auth_url", true)).send(sent));
  auto mail = wait_for_mail(dir_, sent.to);
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->listener, "auth");
  EXPECT_EQ(mail->auth_login, first_line(dir_ / "user"));
  expect_well_formed(*mail, sent);
}

TEST_F(SmtpMailerTest, WrongPasswordIsUnavailableWithTheReply) {
  SmtpConfig bad = config("auth_url", true);
  bad.password = "wrong";
  auto sent = mailer(bad).send(email());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::unavailable);
  EXPECT_NE(sent.error().message.find("535 5.7.8 Authentication credentials invalid"), std::string::npos)
      << sent.error().message;
  EXPECT_EQ(sent.error().message.find("wrong"), std::string::npos) << "the password must not be in errors";
}

TEST_F(SmtpMailerTest, MissingAuthIsUnavailableWithTheReply) {
  auto sent = mailer(config("auth_url")).send(email());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::unavailable);
  EXPECT_NE(sent.error().message.find("530"), std::string::npos) << sent.error().message;
}

TEST_F(SmtpMailerTest, StartTlsRequired) {
  SmtpConfig tls = config("starttls_url", true);
  tls.starttls = SmtpConfig::StartTls::required;
  const Email sent = email();
  ASSERT_TRUE(mailer(tls).send(sent));
  auto mail = wait_for_mail(dir_, sent.to);
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->listener, "starttls");
  EXPECT_TRUE(mail->tls);
  expect_well_formed(*mail, sent);
}

TEST_F(SmtpMailerTest, StartTlsTriedWhenOffered) {
  SmtpConfig tls = config("starttls_url", true);
  tls.starttls = SmtpConfig::StartTls::try_;
  const Email sent = email();
  ASSERT_TRUE(mailer(tls).send(sent));
  auto mail = wait_for_mail(dir_, sent.to);
  ASSERT_TRUE(mail);
  EXPECT_TRUE(mail->tls);
}

TEST_F(SmtpMailerTest, StartTlsTriedAndNotOfferedSendsPlain) {
  SmtpConfig plain = config("url");
  plain.starttls = SmtpConfig::StartTls::try_;
  const Email sent = email();
  ASSERT_TRUE(mailer(plain).send(sent));
  auto mail = wait_for_mail(dir_, sent.to);
  ASSERT_TRUE(mail);
  EXPECT_FALSE(mail->tls);
}

TEST_F(SmtpMailerTest, StartTlsRequiredButNotOfferedIsUnavailable) {
  SmtpConfig tls = config("auth_url", true);  // this listener has no certificate
  tls.starttls = SmtpConfig::StartTls::required;
  auto sent = mailer(tls).send(email());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::unavailable);
  EXPECT_NE(sent.error().message.find("STARTTLS"), std::string::npos) << sent.error().message;
}

TEST_F(SmtpMailerTest, UntrustedCertificateIsUnavailable) {
  SmtpConfig tls = config("starttls_url", true);
  tls.starttls = SmtpConfig::StartTls::required;
  tls.ca_file.clear();  // the system's authorities do not know the test certificate
  auto sent = mailer(tls).send(email());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::unavailable);
}

TEST_F(SmtpMailerTest, ImplicitTls) {
  const Email sent = email();
  ASSERT_TRUE(mailer(config("smtps_url", true)).send(sent));
  auto mail = wait_for_mail(dir_, sent.to);
  ASSERT_TRUE(mail);
  EXPECT_EQ(mail->listener, "smtps");
  EXPECT_TRUE(mail->tls);
  expect_well_formed(*mail, sent);
}

TEST_F(SmtpMailerTest, RejectedRecipientIsPermanent) {
  Email sent = email();
  sent.to = "reject-" + sent.to;
  auto result = mailer(config("url")).send(sent);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::unprocessable);
  EXPECT_NE(result.error().message.find("RCPT TO:<" + sent.to + ">"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("550 5.1.1"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("unknown user"), std::string::npos) << result.error().message;
}

TEST_F(SmtpMailerTest, InvalidEmailIsRefusedBeforeConnecting) {
  Email sent = email();
  sent.to = "not an address";
  auto result = mailer(config("url")).send(sent);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::invalid);
}

TEST_F(SmtpMailerTest, ServerDownIsUnavailableThenRecovers) {
  testing::OwnSmtpServer server;  // its own: the outage must not fail other tests
  ASSERT_TRUE(server.started());
  SmtpConfig own = config("url");
  own.url = first_line(server.dir() / "url");
  own.ca_file = (server.dir() / "ca.pem").string();
  const SmtpMailer sender = mailer(own);
  std::ofstream(server.dir() / "down").put('\n');
  auto result = sender.send(email());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::unavailable);
  EXPECT_NE(result.error().message.find("451"), std::string::npos) << result.error().message;
  std::filesystem::remove(server.dir() / "down");
  const Email sent = email();
  auto recovered = sender.send(sent);
  ASSERT_TRUE(recovered) << recovered.error().message;
  EXPECT_TRUE(wait_for_mail(server.dir(), sent.to));
}

// A TCP port on 127.0.0.1 that listens, or (listen = false) that nothing listens on.
class Port {
 public:
  explicit Port(bool listen) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t size = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    if (listen) {
      ::listen(fd_, 8);
    } else {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Port() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_F(SmtpMailerTest, ConnectionRefusedIsUnavailable) {
  const Port closed(false);
  SmtpConfig refused = config("url");
  refused.url = "smtp://127.0.0.1:" + std::to_string(closed.port());
  auto result = mailer(refused).send(email());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::unavailable);
}

TEST_F(SmtpMailerTest, SilentServerTimesOut) {
  const Port silent(true);  // accepts connections (the kernel's backlog) and never greets
  SmtpConfig slow = config("url");
  slow.url = "smtp://127.0.0.1:" + std::to_string(silent.port());
  slow.timeout_ms = 300;
  const auto start = std::chrono::steady_clock::now();
  auto result = mailer(slow).send(email());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::unavailable);
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST_F(SmtpMailerTest, ConcurrentSends) {
  const SmtpMailer sender = mailer(config("url"));
  std::vector<Email> emails;
  for (int i = 0; i < 6; ++i) emails.push_back(email("-" + std::to_string(i)));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (const Email& each : emails) {
    threads.emplace_back([&, each] {
      if (!sender.send(each)) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (const Email& each : emails) EXPECT_TRUE(wait_for_mail(dir_, each.to)) << each.to;
}

TEST(SmtpMailerCreate, RefusesBadConfig) {
  SmtpConfig config;
  config.from = "missive@example.com";
  for (const char* url : {"", "http://127.0.0.1:25", "smtp://", "smtp://user:pw@host:25", "smtp://host:25/path"}) {
    config.url = url;
    auto made = SmtpMailer::create(config);
    ASSERT_FALSE(made) << url;
    EXPECT_EQ(made.error().code, ErrorCode::invalid);
  }
  config.url = "smtp://127.0.0.1:25";
  config.from = "not an address";
  EXPECT_FALSE(SmtpMailer::create(config));
}

// --- parse_smtp_config --------------------------------------------------------------------------

TEST(ParseSmtpConfig, Minimal) {
  auto config = parse_smtp_config({.url = "smtp://mail.example.com:587", .mail_from = "Missive <m@example.com>"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->url, "smtp://mail.example.com:587");
  EXPECT_EQ(config->from, "Missive <m@example.com>");
  EXPECT_EQ(config->starttls, SmtpConfig::StartTls::try_);
  EXPECT_TRUE(config->username.empty());
  EXPECT_TRUE(config->verify_peer);
}

TEST(ParseSmtpConfig, StartTlsValues) {
  SmtpFlags flags{.url = "smtp://mail.example.com", .mail_from = "m@example.com"};
  for (const auto& [text, expected] : {std::pair{"try", SmtpConfig::StartTls::try_},
                                       {"required", SmtpConfig::StartTls::required},
                                       {"off", SmtpConfig::StartTls::off}}) {
    flags.starttls = text;
    auto config = parse_smtp_config(flags);
    ASSERT_TRUE(config) << text;
    EXPECT_EQ(config->starttls, expected);
  }
  flags.starttls = "maybe";
  auto bad = parse_smtp_config(flags);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("--smtp-starttls"), std::string::npos);
}

TEST(ParseSmtpConfig, PasswordFromEnvironmentOrFile) {
  SmtpFlags flags{.url = "smtps://mail.example.com", .user = "missive", .mail_from = "m@example.com"};
  flags.password_env = "from-env";
  auto config = parse_smtp_config(flags);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->username, "missive");
  EXPECT_EQ(config->password, "from-env");

  const auto file = std::filesystem::temp_directory_path() / ("missive-smtp-password-" + std::to_string(::getpid()));
  std::ofstream(file) << "from-file\r\nsecond line ignored\n";
  flags.password_env.reset();
  flags.password_file = file.string();
  config = parse_smtp_config(flags);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->password, "from-file");

  flags.password_env = "from-env";
  auto both = parse_smtp_config(flags);
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("both"), std::string::npos);
  std::filesystem::remove(file);

  flags.password_env.reset();
  auto missing = parse_smtp_config(flags);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("--smtp-password-file"), std::string::npos);
}

TEST(ParseSmtpConfig, UserAndPasswordGoTogether) {
  auto no_password = parse_smtp_config({.url = "smtp://mail.example.com", .user = "u", .mail_from = "m@example.com"});
  ASSERT_FALSE(no_password);
  EXPECT_EQ(no_password.error().code, ErrorCode::invalid);
  auto no_user = parse_smtp_config(
      {.url = "smtp://mail.example.com", .password_env = "pw", .mail_from = "m@example.com"});
  ASSERT_FALSE(no_user);
  EXPECT_NE(no_user.error().message.find("--smtp-user"), std::string::npos);
}

TEST(ParseSmtpConfig, NoPasswordInClearAcrossTheNetwork) {
  SmtpFlags flags{.url = "smtp://mail.example.com", .user = "u", .password_env = "pw", .mail_from = "m@example.com",
                  .starttls = "off"};
  auto refused = parse_smtp_config(flags);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("in clear"), std::string::npos);
  flags.url = "smtp://127.0.0.1:2525";
  EXPECT_TRUE(parse_smtp_config(flags));
  flags.url = "smtps://mail.example.com";
  EXPECT_TRUE(parse_smtp_config(flags));
}

TEST(ParseSmtpConfig, RefusesBadUrlsAndFrom) {
  for (const char* url : {"", "mail.example.com", "http://mail.example.com", "smtp://u:p@mail.example.com",
                          "smtp://mail.example.com/x", "smtp://mail.example.com?q=1"}) {
    auto config = parse_smtp_config({.url = url, .mail_from = "m@example.com"});
    ASSERT_FALSE(config) << url;
    EXPECT_EQ(config.error().code, ErrorCode::invalid);
  }
  EXPECT_FALSE(parse_smtp_config({.url = "smtp://mail.example.com"}));
  auto bad_from = parse_smtp_config({.url = "smtp://mail.example.com", .mail_from = "nobody"});
  ASSERT_FALSE(bad_from);
  EXPECT_NE(bad_from.error().message.find("--mail-from"), std::string::npos);
}

}  // namespace
}  // namespace missive::notify
