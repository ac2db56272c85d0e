#pragma once
// What a notification says: the text and HTML of each email, and the JSON body of each
// webhook event (docs/notifications.md, "What is sent"). Pure functions over rows already
// read, so every node renders the same row the same way.

#include <string>
#include <vector>

#include "core/notification.h"
#include "core/types.h"

namespace missive {

struct RenderedEmail {
  std::string subject;
  std::string text;
  std::string html;
};

// A message as an email cites it.
struct CitedMessage {
  Message message;
  User sender;
  std::string link;  // opens it in the web page
};

// At most `max_bytes` of `body` (cut at a character boundary, whitespace folded), with "…"
// when cut.
std::string excerpt(const std::string& body, std::size_t max_bytes = 240);

std::string html_escape(const std::string& text);

// A reminder round (final: the message expires within a day and asks for a response).
RenderedEmail render_reminder(const User& to, const CitedMessage& cited, std::int64_t round,
                              bool is_final, const std::string& unsubscribe_url);
// Messages left unseen while the user was offline: `shown` (newest first) of `count`.
RenderedEmail render_digest(const User& to, const std::vector<CitedMessage>& shown,
                            std::int64_t count, const std::string& inbox_link,
                            const std::string& unsubscribe_url);
RenderedEmail render_confirmation(const User& to, const std::string& address,
                                  const std::string& confirm_link, Timestamp expires_at);

// The Standard Webhooks body: {"type": "<event>", "timestamp": "<ISO 8601>", "data": {...}}.
// `data_json` is the event's object, already JSON.
std::string webhook_body(NotificationEvent event, Timestamp at, const std::string& data_json);

}  // namespace missive
