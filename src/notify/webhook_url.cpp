// Where webhooks may go: the URL's form, and the addresses its host may resolve to.

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>

#include <fmt/format.h>

#include "net/curl_handle.h"
#include "notify/webhook.h"
#include "notify/webhook_url.h"

namespace missive::notify {
namespace {

constexpr std::size_t kMaxUrl = 2048;

struct V4Range {
  std::uint32_t network;
  int bits;
  std::string_view name;
};

// IANA's IPv4 special-purpose registry, less what is globally reachable.
constexpr V4Range kV4Blocked[] = {
    {0x00000000, 8, "unspecified"},      // 0.0.0.0/8 "this network"
    {0x0A000000, 8, "private"},          // 10.0.0.0/8
    {0x64400000, 10, "shared (CGNAT)"},  // 100.64.0.0/10
    {0x7F000000, 8, "loopback"},         // 127.0.0.0/8
    {0xA9FE0000, 16, "link-local"},      // 169.254.0.0/16, cloud metadata services among them
    {0xAC100000, 12, "private"},         // 172.16.0.0/12
    {0xC0000000, 24, "reserved"},        // 192.0.0.0/24 IETF protocol assignments
    {0xC0000200, 24, "documentation"},   // 192.0.2.0/24
    {0xC0586300, 24, "reserved"},        // 192.88.99.0/24 6to4 relays (deprecated)
    {0xC0A80000, 16, "private"},         // 192.168.0.0/16
    {0xC6120000, 15, "benchmarking"},    // 198.18.0.0/15
    {0xC6336400, 24, "documentation"},   // 198.51.100.0/24
    {0xCB007100, 24, "documentation"},   // 203.0.113.0/24
    {0xE0000000, 4, "multicast"},        // 224.0.0.0/4
    {0xF0000000, 4, "reserved"},         // 240.0.0.0/4 and the broadcast address
};

std::string_view v4_blocked(std::uint32_t address) {
  for (const V4Range& range : kV4Blocked) {
    const std::uint32_t mask = ~std::uint32_t{0} << (32 - range.bits);
    if ((address & mask) == range.network) return range.name;
  }
  return "";
}

std::uint32_t v4_at(const unsigned char* bytes) {
  return std::uint32_t{bytes[0]} << 24 | std::uint32_t{bytes[1]} << 16 | std::uint32_t{bytes[2]} << 8 | bytes[3];
}

bool has_prefix(const std::array<unsigned char, 16>& a, std::initializer_list<unsigned char> prefix) {
  return std::equal(prefix.begin(), prefix.end(), a.begin());
}

std::string_view v6_blocked(const std::array<unsigned char, 16>& a) {
  constexpr std::array<unsigned char, 16> kZero{};
  if (a == kZero) return "unspecified";
  if (std::equal(a.begin(), a.begin() + 15, kZero.begin()) && a[15] == 1) return "loopback";
  // IPv4 inside IPv6 reaches that IPv4 address: mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96)
  // and 6to4 (2002::/16).
  if (has_prefix(a, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff})) return v4_blocked(v4_at(&a[12]));
  if (has_prefix(a, {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0})) return v4_blocked(v4_at(&a[12]));
  if (has_prefix(a, {0x20, 0x02})) return v4_blocked(v4_at(&a[2]));
  if (has_prefix(a, {0x20, 0x01, 0x0d, 0xb8})) return "documentation";  // 2001:db8::/32
  if ((a[0] & 0xfe) == 0xfc) return "unique-local";                      // fc00::/7
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return "link-local";        // fe80::/10
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return "site-local";        // fec0::/10 (deprecated)
  if (a[0] == 0xff) return "multicast";                                  // ff00::/8
  // 2001::/23: IETF protocol assignments (Teredo, ORCHID, ...), not webhook receivers.
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] < 0x02) return "reserved";
  // Only 2000::/3 is allocated for global unicast; the rest (IPv4-compatible ::/96,
  // 100::/64 discard, 64:ff9b:1::/48, ...) is reserved.
  if ((a[0] & 0xe0) != 0x20) return "reserved";
  return "";
}

std::string strip_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::string(host);
}

}  // namespace

std::string_view blocked_range(std::string_view ip) {
  const std::string text(ip);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return v4_blocked(ntohl(v4.s_addr));
  std::array<unsigned char, 16> v6{};
  if (inet_pton(AF_INET6, text.c_str(), v6.data()) == 1) return v6_blocked(v6);
  return "not an IP address";
}

Result<WebhookUrl> parse_webhook_url(const std::string& url) {
  const auto bad = [&](std::string_view why) {
    return fail(ErrorCode::invalid, fmt::format("webhook URL {}: expected http(s)://HOST[:PORT]/PATH", why));
  };
  if (url.size() > kMaxUrl) return bad(fmt::format("is longer than {} characters", kMaxUrl));
  std::unique_ptr<CURLU, void (*)(CURLU*)> parsed(curl_url(), curl_url_cleanup);
  if (!parsed) return fail(ErrorCode::unavailable, "out of memory parsing a webhook URL");
  // libcurl's own parser: what is checked is exactly what it will connect to.
  if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return bad(fmt::format("'{}' does not parse", url));
  }
  const auto part = [&](CURLUPart which, unsigned flags = 0) {
    char* value = nullptr;
    std::string out;
    if (curl_url_get(parsed.get(), which, &value, flags) == CURLUE_OK && value != nullptr) out = value;
    curl_free(value);
    return out;
  };
  WebhookUrl out;
  const std::string scheme = part(CURLUPART_SCHEME);
  if (scheme != "http" && scheme != "https") return bad(fmt::format("scheme '{}' is not http or https", scheme));
  if (!part(CURLUPART_USER).empty() || !part(CURLUPART_PASSWORD).empty() || !part(CURLUPART_OPTIONS).empty()) {
    return bad("must not hold a user name or password");
  }
  if (!part(CURLUPART_ZONEID).empty()) return bad("must not name an IPv6 zone");
  out.host = part(CURLUPART_HOST);
  if (out.host.empty()) return bad("has no host");
  const std::string port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  out.port = std::atoi(port.c_str());
  if (out.port <= 0 || out.port > 65535) return bad("has a bad port");
  out.ip_literal = blocked_range(strip_brackets(out.host)) != "not an IP address";
  return out;
}

Status check_webhook_url(const std::string& url, bool allow_private) {
  MISSIVE_TRY(WebhookUrl parsed, parse_webhook_url(url));
  if (parsed.ip_literal && !allow_private) {
    const std::string_view range = blocked_range(strip_brackets(parsed.host));
    if (!range.empty()) {
      return fail(ErrorCode::forbidden,
                  fmt::format("webhook URL host {} is a {} address; webhooks go to public addresses only",
                              parsed.host, range));
    }
  }
  return {};
}

Result<std::vector<ResolvedAddress>> resolve_allowed(const std::string& host, int port, bool allow_private) {
  const std::string name = strip_brackets(host);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = getaddrinfo(name.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return fail(ErrorCode::unavailable, fmt::format("cannot resolve webhook host {}: {}", name, gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, freeaddrinfo);
  std::vector<ResolvedAddress> allowed;
  std::string refused;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    char text[INET6_ADDRSTRLEN] = "";
    const void* bytes = nullptr;
    if (entry->ai_family == AF_INET) {
      bytes = &reinterpret_cast<const sockaddr_in*>(entry->ai_addr)->sin_addr;
    } else if (entry->ai_family == AF_INET6) {
      bytes = &reinterpret_cast<const sockaddr_in6*>(entry->ai_addr)->sin6_addr;
    } else {
      continue;
    }
    if (inet_ntop(entry->ai_family, bytes, text, sizeof text) == nullptr) continue;
    ResolvedAddress address{text, entry->ai_family == AF_INET6};
    const std::string_view range = blocked_range(address.ip);
    if (!allow_private && !range.empty()) {
      if (refused.empty()) refused = fmt::format("{} ({})", address.ip, range);
      continue;
    }
    if (std::none_of(allowed.begin(), allowed.end(), [&](const ResolvedAddress& a) { return a.ip == address.ip; })) {
      allowed.push_back(std::move(address));
    }
  }
  if (allowed.empty()) {
    return fail(ErrorCode::forbidden,
                fmt::format("webhook host {} resolves to no public address{}{}; webhooks go to public addresses only",
                            name, refused.empty() ? "" : ": ", refused));
  }
  return allowed;
}

}  // namespace missive::notify
