// WebhookSender: one signed POST per call, pinned to the addresses the policy allowed.

#include <arpa/inet.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include "core/validate.h"
#include "net/curl_handle.h"
#include "notify/webhook.h"
#include "notify/webhook_url.h"

namespace missive::notify {
namespace {

constexpr std::size_t kMaxBodyRead = 64 * 1024;  // more is not read: the answer is only logged
constexpr std::size_t kMaxExcerpt = 1024;

struct Transfer {
  bool allow_private = false;
  std::string body;            // the first kMaxBodyRead bytes of the answer
  bool body_cut = false;       // the write callback stopped the transfer at kMaxBodyRead
  std::string refused_address; // an address the socket check refused
};

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  const std::size_t room = kMaxBodyRead - transfer.body.size();
  if (bytes > room) {
    transfer.body.append(data, room);
    transfer.body_cut = true;
    return 0;  // stops the transfer; the status is already known
  }
  transfer.body.append(data, bytes);
  return bytes;
}

// The last check before connecting, on the address libcurl is about to use: whatever the
// resolver said, no socket is opened to a non-public address unless allowed.
curl_socket_t on_open_socket(void* user, curlsocktype, curl_sockaddr* address) {
  auto& transfer = *static_cast<Transfer*>(user);
  char text[INET6_ADDRSTRLEN] = "";
  const void* bytes = nullptr;
  if (address->family == AF_INET) {
    bytes = &reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr;
  } else if (address->family == AF_INET6) {
    bytes = &reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr;
  }
  if (bytes == nullptr || inet_ntop(address->family, bytes, text, sizeof text) == nullptr) return CURL_SOCKET_BAD;
  if (!transfer.allow_private && !blocked_range(text).empty()) {
    transfer.refused_address = text;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// At most kMaxExcerpt bytes of `body`, cut between characters; bytes that are not UTF-8
// become '?', so that the excerpt can go into JSON and logs as it is.
std::string excerpt(std::string_view body) {
  std::string out(body.substr(0, kMaxExcerpt));
  if (out.size() < body.size()) {
    // Drop a character the cut split: up to 3 continuation bytes and their lead byte.
    std::size_t end = out.size();
    for (int i = 0; i < 3 && end > 0 && (static_cast<unsigned char>(out[end - 1]) & 0xC0) == 0x80; ++i) --end;
    if (end > 0 && static_cast<unsigned char>(out[end - 1]) >= 0xC0) out.resize(end - 1);
  }
  if (!is_valid_utf8(out)) {
    for (char& c : out) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  }
  return out;
}

WebhookResponse failure(std::string error) {
  WebhookResponse response;
  response.error = std::move(error);
  return response;
}

}  // namespace

WebhookSender::WebhookSender(WebhookConfig config) : config_(std::move(config)) {
  if (config_.user_agent.empty()) config_.user_agent = "Missive-Webhooks/1";
  net::init_curl();
}

WebhookResponse WebhookSender::post(const std::string& url, const std::string& secret, const std::string& id,
                                    Timestamp now, const std::string& body) const {
  if (Status allowed = check_webhook_url(url, config_.allow_private); !allowed) {
    return failure(allowed.error().message);
  }
  auto parsed = parse_webhook_url(url);
  if (!parsed) return failure(parsed.error().message);
  const std::int64_t timestamp_s = now / 1000;
  auto signature = sign_webhook(secret, id, timestamp_s, body);
  if (!signature) return failure(signature.error().message);
  auto addresses = resolve_allowed(parsed->host, parsed->port, config_.allow_private);
  if (!addresses) return failure(addresses.error().message);

  net::EasyHandle handle = net::make_easy();
  if (!handle) return failure("cannot create a curl handle");
  net::Slist headers;
  net::Slist pinned;
  bool appended = true;
  for (const std::string& header :
       {std::string("Content-Type: application/json"), "webhook-id: " + id,
        "webhook-timestamp: " + std::to_string(timestamp_s), "webhook-signature: " + *signature,
        // No "Expect: 100-continue": it would wait a second for bodies over 1 KiB.
        std::string("Expect:")}) {
    appended = appended && net::append(headers, header);
  }
  if (!parsed->ip_literal) {
    // The checked addresses, and no others, for this host: no second DNS answer between the
    // check and the connection (DNS rebinding).
    std::string entry = fmt::format("{}:{}:", parsed->host, parsed->port);
    for (std::size_t i = 0; i < addresses->size(); ++i) {
      const ResolvedAddress& address = (*addresses)[i];
      if (i > 0) entry += ',';
      entry += address.ipv6 ? "[" + address.ip + "]" : address.ip;
    }
    appended = appended && net::append(pinned, entry);
  }
  if (!appended) return failure("out of memory for webhook headers");

  Transfer transfer;
  transfer.allow_private = config_.allow_private;
  char curl_error[CURL_ERROR_SIZE] = "";
  CURL* h = handle.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  // A proxy would resolve the name itself, out of reach of the checks above.
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  if (pinned) curl_easy_setopt(h, CURLOPT_RESOLVE, pinned.get());
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, config_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, config_.timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, config_.connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);

  const CURLcode code = curl_easy_perform(h);
  WebhookResponse response;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && transfer.body_cut)) {
    response.status = 0;
    response.error = transfer.refused_address.empty()
                         ? fmt::format("POST {}: {}", url, net::error_text(code, curl_error))
                         : fmt::format("POST {}: refused to connect to {} ({}); webhooks go to public addresses only",
                                       url, transfer.refused_address, blocked_range(transfer.refused_address));
    return response;
  }
  response.body_excerpt = excerpt(transfer.body);
  response.ok = response.status >= 200 && response.status < 300;
  if (response.status >= 300 && response.status < 400) {
    char* location = nullptr;
    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location);
    response.error = fmt::format("redirected (HTTP {}) to {}; webhooks do not follow redirects: update the endpoint's URL",
                                 response.status, location != nullptr ? location : "(no Location)");
  } else if (!response.ok) {
    response.error = fmt::format("HTTP {}", response.status);
  }
  return response;
}

}  // namespace missive::notify
