#pragma once
// Webhooks as Standard Webhooks (https://www.standardwebhooks.com/) defines them: a JSON POST
// with the headers webhook-id, webhook-timestamp (Unix seconds) and webhook-signature
// ("v1,<base64 HMAC-SHA256(key, id.timestamp.body)>"), the key given to the endpoint's owner
// as "whsec_<base64 key>". Also the policy of where webhooks may go: http(s) URLs only, and
// no address inside this network (loopback, private, link-local, ...) unless allowed, checked
// on the address actually connected to.
// Thread-safety: the functions are pure or thread-safe; WebhookSender::post may be called
// from any number of threads at once.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/ids.h"

namespace missive::notify {

// --- Signing ---------------------------------------------------------------------------------

// A new endpoint secret: "whsec_" and the base64 of 32 random bytes.
std::string make_webhook_secret();

// The webhook-signature header's value for one delivery: "v1,<base64 signature>".
// `secret` is "whsec_<base64>" (the prefix may be left out) of a 24..64-byte key.
// Fails: invalid when the secret does not decode to such a key, or `id` is empty, longer than
// 256 characters, or holds anything but letters, digits, '_' and '-' (a '.' would make the
// signed content ambiguous).
Result<std::string> sign_webhook(std::string_view secret, std::string_view id, std::int64_t timestamp_s,
                                 std::string_view body);

// True when one of the space-separated signatures in `signature_header` is a v1 signature of
// (id, timestamp_s, body) under `secret` (compared in constant time) and timestamp_s is within
// `tolerance_s` of now_s. What a receiver does; for tests and SDK users.
bool verify_webhook(std::string_view secret, std::string_view id, std::int64_t timestamp_s, std::string_view body,
                    std::string_view signature_header, std::int64_t now_s, std::int64_t tolerance_s = 300);

// --- Where webhooks may go -------------------------------------------------------------------

// Why `ip` (a numeric IPv4 or IPv6 address, without brackets) may not receive webhooks:
// "loopback", "private", "link-local", "shared (CGNAT)", "unique-local", "multicast",
// "unspecified", "reserved", "documentation", ... ; an IPv4 address inside IPv6 (mapped,
// NAT64, 6to4) is judged as that IPv4 address. Empty for a public unicast address; "not an IP
// address" for text that is none.
std::string_view blocked_range(std::string_view ip);

// Checks a webhook URL before it is stored or used: http:// or https://, a host, no user
// name or password, at most 2048 characters; a host written as an IP address must be public
// unless allow_private. A name is checked when it is resolved (resolve_allowed).
// Fails: invalid (forbidden for a non-public IP address), saying what is wrong.
Status check_webhook_url(const std::string& url, bool allow_private);

struct ResolvedAddress {
  std::string ip;  // numeric, IPv6 without brackets
  bool ipv6 = false;
};

// The addresses `host` (a name, or an IP address, IPv6 with or without brackets) resolves to
// that webhooks may go to: all of them with allow_private, else the public ones.
// Fails: unavailable when the name does not resolve (DNS may recover), forbidden when no
// address is left, naming the first refused one and its range.
Result<std::vector<ResolvedAddress>> resolve_allowed(const std::string& host, int port, bool allow_private);

// --- Delivery --------------------------------------------------------------------------------

struct WebhookConfig {
  bool allow_private = false;  // deliver to loopback and private addresses (tests, intranets)
  long timeout_ms = 15000;     // the whole request
  long connect_timeout_ms = 5000;
  std::string user_agent;      // empty: "Missive-Webhooks/1"
};

struct WebhookResponse {
  bool ok = false;    // the endpoint answered 2xx
  long status = 0;    // its HTTP status; 0 when there was no answer
  std::string error;  // why not ok: "HTTP 500", "redirected (HTTP 301) to ...", "timed out ..."
  std::string body_excerpt;  // the start of the answer's body (at most 1 KiB, valid UTF-8)
};

// Posts signed webhooks. Each post checks the URL, resolves the host, refuses non-public
// addresses (unless allow_private), pins the connection to the checked addresses
// (CURLOPT_RESOLVE, and again when the socket is opened) so that DNS cannot change the answer
// in between, never follows a redirect, ignores proxy settings, and reads at most 64 KiB of
// the answer.
class WebhookSender {
 public:
  explicit WebhookSender(WebhookConfig config);

  // POSTs `body` (JSON) to `url` with Content-Type application/json and the Standard Webhooks
  // headers for `id` and `now` (sent in seconds). Never throws; a refused URL, a bad secret, a
  // failed connection, a timeout, a 3xx or any other non-2xx answer is !ok with the reason in
  // error (and the status when there was an answer).
  WebhookResponse post(const std::string& url, const std::string& secret, const std::string& id, Timestamp now,
                       const std::string& body) const;

 private:
  WebhookConfig config_;
};

}  // namespace missive::notify
