#include "engine/notification_render.h"

#include <fmt/format.h>

#include "core/time_format.h"

namespace missive {
namespace {

// The UTC day a timestamp falls on, as reminders count days ("2026-12-31").
std::string day_of(Timestamp t) { return format_time(t).substr(0, 10); }

std::string sender_name(const User& user) {
  return user.first_name.empty() && user.last_name.empty() ? user.handle : user.full_name();
}

constexpr const char* kHtmlHead =
    "<!doctype html><html><body style=\"font-family:sans-serif;max-width:40em\">";

std::string unsubscribe_text(const std::string& url, const char* what) {
  return fmt::format("\n--\nYou get {} by email because of your Missive settings.\n"
                     "Stop them: {}\n",
                     what, url);
}

std::string unsubscribe_html(const std::string& url, const char* what) {
  return fmt::format("<hr><p style=\"color:#666;font-size:smaller\">You get {} by email because "
                     "of your Missive settings. <a href=\"{}\">Stop them</a>.</p>",
                     what, html_escape(url));
}

}  // namespace

std::string excerpt(const std::string& body, std::size_t max_bytes) {
  std::string folded;
  bool space = false;
  for (char c : body) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !folded.empty();
      continue;
    }
    if (space) folded += ' ';
    space = false;
    folded += c;
  }
  if (folded.size() <= max_bytes) return folded;
  std::size_t cut = max_bytes;
  // Back off to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(folded[cut]) & 0xC0) == 0x80) --cut;
  return folded.substr(0, cut) + "…";
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

RenderedEmail render_reminder(const User& to, const CitedMessage& cited, std::int64_t round,
                              bool is_final, const std::string& unsubscribe_url) {
  const Message& m = cited.message;
  const std::string from = sender_name(cited.sender);
  const std::string quote = excerpt(m.body);
  const std::string expires = m.expiry_date ? day_of(*m.expiry_date) : "";
  RenderedEmail out;
  out.subject = is_final ? fmt::format("Final reminder: {}", m.subject)
                         : fmt::format("Reminder: {}", m.subject);
  const std::string ask =
      is_final ? fmt::format("This is the final reminder: please respond within 24 hours{}.",
                             expires.empty() ? "" : fmt::format(" (the message expires on {})", expires))
               : fmt::format("Reminder {}: you have not read this message yet.", round);
  out.text = fmt::format("Hello {},\n\n{}\n\nFrom: {}\nSubject: {}\n\n{}\n\nOpen it: {}\n{}",
                         to.first_name, ask, from, m.subject, quote, cited.link,
                         unsubscribe_text(unsubscribe_url, "reminders"));
  out.html = fmt::format(
      "{}<p>Hello {},</p><p><strong>{}</strong></p><p>From: {}<br>Subject: {}</p>"
      "<blockquote>{}</blockquote><p><a href=\"{}\">Open the message</a></p>{}</body></html>",
      kHtmlHead, html_escape(to.first_name), html_escape(ask), html_escape(from),
      html_escape(m.subject), html_escape(quote), html_escape(cited.link),
      unsubscribe_html(unsubscribe_url, "reminders"));
  return out;
}

RenderedEmail render_digest(const User& to, const std::vector<CitedMessage>& shown,
                            std::int64_t count, const std::string& inbox_link,
                            const std::string& unsubscribe_url) {
  RenderedEmail out;
  out.subject = count == 1 ? fmt::format("1 unread message: {}", shown.empty() ? "" : shown[0].message.subject)
                           : fmt::format("{} unread messages", count);
  std::string text = fmt::format("Hello {},\n\nWhile you were away you received {} {}:\n\n",
                                 to.first_name, count, count == 1 ? "message" : "messages");
  std::string items;
  for (const auto& cited : shown) {
    const Message& m = cited.message;
    text += fmt::format("* {} — from {}\n  {}\n  {}\n\n", m.subject, sender_name(cited.sender),
                        excerpt(m.body, 160), cited.link);
    items += fmt::format("<li><a href=\"{}\"><strong>{}</strong></a> — from {}<br>{}</li>",
                         html_escape(cited.link), html_escape(m.subject),
                         html_escape(sender_name(cited.sender)), html_escape(excerpt(m.body, 160)));
  }
  const auto more = count - static_cast<std::int64_t>(shown.size());
  if (more > 0) text += fmt::format("… and {} more.\n\n", more);
  text += fmt::format("Your inbox: {}\n{}", inbox_link, unsubscribe_text(unsubscribe_url, "digests"));
  out.text = std::move(text);
  out.html = fmt::format(
      "{}<p>Hello {},</p><p>While you were away you received {} {}:</p><ul>{}</ul>{}"
      "<p><a href=\"{}\">Open your inbox</a></p>{}</body></html>",
      kHtmlHead, html_escape(to.first_name), count, count == 1 ? "message" : "messages", items,
      more > 0 ? fmt::format("<p>… and {} more.</p>", more) : std::string(),
      html_escape(inbox_link), unsubscribe_html(unsubscribe_url, "digests"));
  return out;
}

RenderedEmail render_confirmation(const User& to, const std::string& address,
                                  const std::string& confirm_link, Timestamp expires_at) {
  RenderedEmail out;
  out.subject = "Confirm your email address for Missive";
  out.text = fmt::format(
      "Hello {},\n\nSomeone asked Missive to send notifications for the account \"{}\" to {}.\n"
      "If that was you or your administrator, confirm the address (the link works until {}):\n\n"
      "{}\n\nIf not, ignore this email: nothing is sent to this address until it is confirmed.\n",
      to.first_name, to.handle, address, format_time(expires_at), confirm_link);
  out.html = fmt::format(
      "{}<p>Hello {},</p><p>Someone asked Missive to send notifications for the account "
      "<strong>{}</strong> to {}.</p><p><a href=\"{}\">Confirm this address</a> (the link works "
      "until {}).</p><p>If not, ignore this email: nothing is sent to this address until it is "
      "confirmed.</p></body></html>",
      kHtmlHead, html_escape(to.first_name), html_escape(to.handle), html_escape(address),
      html_escape(confirm_link), format_time(expires_at));
  return out;
}

std::string webhook_body(NotificationEvent event, Timestamp at, const std::string& data_json) {
  return fmt::format(R"({{"type":"{}","timestamp":"{}","data":{}}})", event_name(event),
                     format_time(at), data_json);
}

}  // namespace missive
