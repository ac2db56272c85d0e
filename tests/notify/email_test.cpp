// compose_message: the headers, the parts, CRLF and line lengths, and header injection.
// (That a mail reader decodes the result is checked against the SMTP server, whose Python
// email package parses every message it receives: smtp_mailer_test.cpp.)

#include "notify/email.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

namespace missive::notify {
namespace {

constexpr Timestamp kDate = 1'614'265'330'000;  // Thu, 25 Feb 2021 15:02:10 +0000
const std::string kFrom = "Missive <noreply@example.com>";

Email sample() {
  Email email;
  email.to = "ada@example.com";
  email.to_name = "Ada Lovelace";
  email.subject = "You have 3 unread messages";
  email.text = "Hello Ada,\nthree messages wait for you.\n";
  email.html = "<p>Hello Ada,</p>\n<p>three messages wait for you.</p>\n";
  email.message_id = "<n42.1614265330@example.com>";
  email.headers = {{"List-Unsubscribe", "<https://missive.example.com/unsubscribe?t=abc>"},
                   {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  return email;
}

// The header block, unfolded, as "Name: value" lines.
std::vector<std::string> header_lines(const std::string& message) {
  const std::string block = message.substr(0, message.find("\r\n\r\n"));
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= block.size()) {
    std::size_t end = block.find("\r\n", start);
    if (end == std::string::npos) end = block.size();
    std::string line = block.substr(start, end - start);
    if (!out.empty() && (line.starts_with(' ') || line.starts_with('\t'))) {
      out.back() += line;
    } else {
      out.push_back(line);
    }
    start = end + 2;
  }
  return out;
}

std::string header(const std::string& message, const std::string& name) {
  for (const std::string& line : header_lines(message)) {
    if (line.starts_with(name + ": ")) return line.substr(name.size() + 2);
  }
  return "<none>";
}

void expect_crlf_and_short_lines(const std::string& message, std::size_t limit = 78) {
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n') {
      ASSERT_TRUE(i > 0 && message[i - 1] == '\r') << "bare LF at " << i;
    }
    if (message[i] == '\r') {
      ASSERT_TRUE(i + 1 < message.size() && message[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  std::size_t start = 0;
  while (start < message.size()) {
    const std::size_t end = message.find("\r\n", start);
    EXPECT_LE(end - start, limit) << message.substr(start, end - start);
    start = end + 2;
  }
}

TEST(ComposeMessage, Headers) {
  auto message = compose_message(sample(), kFrom, kDate);
  ASSERT_TRUE(message) << message.error().message;
  EXPECT_EQ(header(*message, "From"), "\"Missive\" <noreply@example.com>");
  EXPECT_EQ(header(*message, "To"), "\"Ada Lovelace\" <ada@example.com>");
  EXPECT_EQ(header(*message, "Subject"), "You have 3 unread messages");
  EXPECT_EQ(header(*message, "Date"), "Thu, 25 Feb 2021 15:02:10 +0000");
  EXPECT_EQ(header(*message, "Message-ID"), "<n42.1614265330@example.com>");
  EXPECT_EQ(header(*message, "MIME-Version"), "1.0");
  EXPECT_EQ(header(*message, "List-Unsubscribe"), "<https://missive.example.com/unsubscribe?t=abc>");
  EXPECT_EQ(header(*message, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  EXPECT_TRUE(message->ends_with("\r\n"));
  expect_crlf_and_short_lines(*message);
}

TEST(ComposeMessage, MultipartAlternativeWithBothParts) {
  auto message = compose_message(sample(), kFrom, kDate);
  ASSERT_TRUE(message);
  std::smatch match;
  const std::string content_type = header(*message, "Content-Type");
  ASSERT_TRUE(std::regex_search(content_type, match, std::regex("^multipart/alternative; boundary=\"([^\"]+)\"$")))
      << content_type;
  const std::string boundary = match[1];
  const std::string plain = "--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                            "Hello Ada,\r\nthree messages wait for you.\r\n\r\n";
  const std::string html = "--" + boundary + "\r\nContent-Type: text/html; charset=UTF-8\r\n"
                           "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                           "<p>Hello Ada,</p>\r\n<p>three messages wait for you.</p>\r\n\r\n";
  EXPECT_NE(message->find(plain), std::string::npos) << *message;
  EXPECT_NE(message->find(html), std::string::npos) << *message;
  EXPECT_TRUE(message->ends_with("--" + boundary + "--\r\n"));
  EXPECT_LT(message->find(plain), message->find(html));  // the preferred part last

  auto again = compose_message(sample(), kFrom, kDate);
  ASSERT_TRUE(again);
  EXPECT_NE(header(*again, "Content-Type"), content_type) << "boundaries must differ";
}

TEST(ComposeMessage, TextOnlyWithoutHtml) {
  Email email = sample();
  email.html.clear();
  auto message = compose_message(email, kFrom, kDate);
  ASSERT_TRUE(message);
  EXPECT_EQ(header(*message, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(header(*message, "Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(message->find("multipart"), std::string::npos);
}

TEST(ComposeMessage, NonAsciiSubjectAndNamesAreEncodedWords) {
  Email email = sample();
  email.subject = "Rappel : réunion à 10 h — 会議";
  email.to_name = "Zoë Ødegaard";
  auto message = compose_message(email, "Équipe <team@example.com>", kDate);
  ASSERT_TRUE(message);
  EXPECT_EQ(header(*message, "Subject"), "=?UTF-8?B?UmFwcGVsIDogcsOpdW5pb24gw6AgMTAgaCDigJQg5Lya6K2w?=");
  EXPECT_TRUE(header(*message, "To").starts_with("=?UTF-8?B?")) << header(*message, "To");
  EXPECT_TRUE(header(*message, "To").ends_with("?= <ada@example.com>"));
  EXPECT_TRUE(header(*message, "From").starts_with("=?UTF-8?B?"));
  expect_crlf_and_short_lines(*message);
}

TEST(ComposeMessage, LongSubjectIsFolded) {
  Email email = sample();
  email.subject = std::string(300, 's') + " and more";
  auto message = compose_message(email, kFrom, kDate);
  ASSERT_TRUE(message);
  expect_crlf_and_short_lines(*message);
  EXPECT_TRUE(header(*message, "Subject").starts_with("=?UTF-8?B?"));
}

TEST(ComposeMessage, LongLinesAreWrapped) {
  Email email = sample();
  email.text = std::string(500, 'w') + "\n" + std::string(300, 'x');
  email.html = "<p>" + std::string(1000, 'h') + "</p>";
  auto message = compose_message(email, kFrom, kDate);
  ASSERT_TRUE(message);
  expect_crlf_and_short_lines(*message);
}

TEST(ComposeMessage, MostlyNonAsciiTextGoesAsBase64) {
  Email email = sample();
  email.text = "未読のメッセージが三件あります。";
  email.html = "<p>" + email.text + "</p>";
  auto message = compose_message(email, kFrom, kDate);
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("Content-Transfer-Encoding: base64\r\n\r\n5pyq6Kqt"), std::string::npos) << *message;
  expect_crlf_and_short_lines(*message);
}

TEST(ComposeMessage, MessageIdIsMadeWhenEmptyAndCheckedWhenGiven) {
  Email email = sample();
  email.message_id.clear();
  auto message = compose_message(email, kFrom, kDate);
  ASSERT_TRUE(message);
  EXPECT_TRUE(std::regex_match(header(*message, "Message-ID"), std::regex("<[0-9a-f]{32}@example\\.com>")))
      << header(*message, "Message-ID");
  for (const std::string bad : {"no-brackets@example.com", "<no-at>", "<a b@example.com>", "<x@y>\r\nBcc: e@x"}) {
    email.message_id = bad;
    auto refused = compose_message(email, kFrom, kDate);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::invalid);
  }
}

TEST(ComposeMessage, LineBreaksInSubjectAndNamesCannotAddHeaders) {
  Email email = sample();
  email.subject = "Hello\r\nBcc: victim@example.org";
  email.to_name = "Ada\nX-Evil: 1";
  auto message = compose_message(email, "Evil\r\nBcc: x@example.org <noreply@example.com>", kDate);
  if (message) {
    for (const std::string& line : header_lines(*message)) {
      EXPECT_FALSE(line.starts_with("Bcc:")) << line;
      EXPECT_FALSE(line.starts_with("X-Evil:")) << line;
    }
  }
  // A line break in the From setting is refused outright; in the subject and name it is a space.
  EXPECT_FALSE(message);
  message = compose_message(email, kFrom, kDate);
  ASSERT_TRUE(message);
  EXPECT_EQ(header(*message, "Subject"), "Hello  Bcc: victim@example.org");
  EXPECT_EQ(header(*message, "To"), "\"Ada X-Evil: 1\" <ada@example.com>");
  for (const std::string& line : header_lines(*message)) {
    EXPECT_FALSE(line.starts_with("Bcc:") || line.starts_with("X-Evil:")) << line;
  }
}

TEST(ComposeMessage, RefusesInjectionThroughAddressesAndExtraHeaders) {
  const auto refused = [](const Email& email, const std::string& from = kFrom) {
    auto message = compose_message(email, from, kDate);
    return !message && message.error().code == ErrorCode::invalid;
  };
  Email email = sample();
  email.to = "ada@example.com\r\nBcc: victim@example.org";
  EXPECT_TRUE(refused(email));
  email.to = "ada@example.com>, <victim@example.org";
  EXPECT_TRUE(refused(email));
  email = sample();
  email.headers = {{"X-Note", "fine\r\nBcc: victim@example.org"}};
  EXPECT_TRUE(refused(email));
  email.headers = {{"X-Note", "fine\nBcc: victim@example.org"}};
  EXPECT_TRUE(refused(email));
  email.headers = {{"Bad Name", "x"}};
  EXPECT_TRUE(refused(email));
  email.headers = {{"X-Colon:", "x"}};
  EXPECT_TRUE(refused(email));
  email.headers = {{"subject", "a second subject"}};
  EXPECT_TRUE(refused(email));
  email.headers = {{"Bcc", "victim@example.org"}};
  EXPECT_TRUE(refused(email));
  email.headers = {{"X-Note", "caf\xC3\xA9"}};
  EXPECT_TRUE(refused(email));
  EXPECT_TRUE(refused(sample(), "not an address"));
}

TEST(ComposeMessage, RefusesTextThatIsNotUtf8) {
  Email email = sample();
  email.subject = "bad \xC3";
  EXPECT_FALSE(compose_message(email, kFrom, kDate));
  email = sample();
  email.html = "\xFF";
  EXPECT_FALSE(compose_message(email, kFrom, kDate));
}

TEST(EmailAddress, Validation) {
  for (const std::string good : {"ada@example.com", "first.last+tag@sub.example.co.uk", "x@localhost",
                                 "o'brien@example.com", "a_b-c@xn--bcher-kva.example"}) {
    EXPECT_TRUE(validate_address(good)) << good;
  }
  for (const std::string& bad : std::vector<std::string>{
           "", "no-at", "@example.com", "ada@", ".ada@example.com", "ada.@example.com", "a..b@example.com",
        "ada@-example.com", "ada@example-.com", "ada@exa_mple.com", "ada@example..com", "a da@example.com",
        "ada@example.com\r\n", "zoë@example.com", "ada@bücher.example", "\"quoted\"@example.com",
        "ada@[127.0.0.1]", std::string(65, 'a') + "@example.com", "a@" + std::string(250, 'b') + ".com"}) {
    auto status = validate_address(bad);
    ASSERT_FALSE(status) << bad;
    EXPECT_EQ(status.error().code, ErrorCode::invalid);
  }
}

TEST(EmailAddress, ParseMailbox) {
  auto plain = parse_mailbox("noreply@example.com");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->name, "");
  EXPECT_EQ(plain->address, "noreply@example.com");
  auto named = parse_mailbox("  Missive Alerts <alerts@example.com> ");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->name, "Missive Alerts");
  EXPECT_EQ(named->address, "alerts@example.com");
  auto quoted = parse_mailbox("\"Ops \\\"On Call\\\"\" <ops@example.com>");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->name, "Ops \"On Call\"");
  EXPECT_FALSE(parse_mailbox("Missive <alerts@example.com"));
  EXPECT_FALSE(parse_mailbox("Missive <>"));
  EXPECT_FALSE(parse_mailbox("Missive\r\n <alerts@example.com>"));
}

}  // namespace
}  // namespace missive::notify
