#pragma once
// A webhook URL taken apart by libcurl's parser (the one that then connects), for the sender,
// the destination limiter's keys and the engine's endpoint checks.
// Thread-safety: a pure function.

#include <string>

#include "core/error.h"

namespace missive::notify {

struct WebhookUrl {
  std::string host;  // as libcurl reads it (IPv6 in brackets)
  int port = 0;      // the scheme's default when the URL names none
  bool ip_literal = false;
};

// The URL's parts after the form checks of check_webhook_url (no address policy).
// Fails: invalid.
Result<WebhookUrl> parse_webhook_url(const std::string& url);

}  // namespace missive::notify
