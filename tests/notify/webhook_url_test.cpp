// Where webhooks may go: every blocked range by example, the URL form, and resolution.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "notify/webhook.h"

namespace missive::notify {
namespace {

struct RangeCase {
  const char* ip;
  const char* range;  // "" for public
};

const RangeCase kRanges[] = {
    {"0.0.0.0", "unspecified"},
    {"0.1.2.3", "unspecified"},
    {"10.0.0.1", "private"},
    {"10.255.255.255", "private"},
    {"100.64.0.1", "shared (CGNAT)"},
    {"100.127.255.254", "shared (CGNAT)"},
    {"127.0.0.1", "loopback"},
    {"127.53.0.1", "loopback"},
    {"169.254.169.254", "link-local"},
    {"172.16.0.1", "private"},
    {"172.31.255.255", "private"},
    {"192.0.0.8", "reserved"},
    {"192.0.2.1", "documentation"},
    {"192.168.1.1", "private"},
    {"198.18.0.1", "benchmarking"},
    {"198.51.100.7", "documentation"},
    {"203.0.113.9", "documentation"},
    {"224.0.0.1", "multicast"},
    {"239.255.255.250", "multicast"},
    {"240.0.0.1", "reserved"},
    {"255.255.255.255", "reserved"},
    {"::", "unspecified"},
    {"::1", "loopback"},
    {"::ffff:127.0.0.1", "loopback"},
    {"::ffff:10.1.2.3", "private"},
    {"::ffff:169.254.169.254", "link-local"},
    {"64:ff9b::a00:1", "private"},     // NAT64 of 10.0.0.1
    {"2002:c0a8:101::1", "private"},   // 6to4 of 192.168.1.1
    {"::10.0.0.1", "reserved"},        // IPv4-compatible (deprecated)
    {"fc00::1", "unique-local"},
    {"fd12:3456:789a::1", "unique-local"},
    {"fe80::1", "link-local"},
    {"febf::1", "link-local"},
    {"fec0::1", "site-local"},
    {"ff02::1", "multicast"},
    {"2001:db8::1", "documentation"},
    {"2001::1", "reserved"},           // Teredo
    {"100::1", "reserved"},            // discard
    {"4000::1", "reserved"},           // outside 2000::/3
    // Public.
    {"8.8.8.8", ""},
    {"1.1.1.1", ""},
    {"100.63.255.255", ""},
    {"100.128.0.0", ""},
    {"172.15.255.255", ""},
    {"172.32.0.0", ""},
    {"192.169.0.1", ""},
    {"223.255.255.255", ""},
    {"::ffff:8.8.8.8", ""},
    {"64:ff9b::808:808", ""},
    {"2606:4700:4700::1111", ""},
    {"2a00:1450:4001:80b::200e", ""},
};

TEST(WebhookUrl, BlockedRanges) {
  for (const RangeCase& c : kRanges) EXPECT_EQ(blocked_range(c.ip), c.range) << c.ip;
  EXPECT_EQ(blocked_range("example.com"), "not an IP address");
  EXPECT_EQ(blocked_range("[::1]"), "not an IP address");
}

TEST(WebhookUrl, EveryBlockedAddressIsRefusedUnlessAllowed) {
  for (const RangeCase& c : kRanges) {
    const std::string ip = c.ip;
    const std::string url = (ip.find(':') != std::string::npos ? "https://[" + ip + "]" : "https://" + ip) + "/hook";
    auto checked = check_webhook_url(url, false);
    if (c.range[0] == '\0') {
      EXPECT_TRUE(checked) << url << ": " << checked.error().message;
      continue;
    }
    ASSERT_FALSE(checked) << url;
    EXPECT_EQ(checked.error().code, ErrorCode::forbidden);
    EXPECT_NE(checked.error().message.find(c.range), std::string::npos) << checked.error().message;
    EXPECT_TRUE(check_webhook_url(url, true)) << url;
  }
}

TEST(WebhookUrl, Form) {
  for (const char* good : {"https://hooks.example.com/missive", "http://hooks.example.com:8080/a?b=c",
                           "https://EXAMPLE.com", "https://8.8.8.8/x"}) {
    EXPECT_TRUE(check_webhook_url(good, false)) << good;
  }
  for (const std::string& bad : std::vector<std::string>{"", "hooks.example.com/missive", "ftp://hooks.example.com/", "file:///etc/passwd",
                                "gopher://example.com/", "https://user:pass@hooks.example.com/",
                                "https://user@hooks.example.com/", "https://", "https://[fe80::1%25eth0]/",
                                "https://" + std::string(2100, 'a') + ".com/", "https://exa mple.com/"}) {
    auto checked = check_webhook_url(bad, true);
    ASSERT_FALSE(checked) << bad;
    EXPECT_EQ(checked.error().code, ErrorCode::invalid) << bad;
  }
}

TEST(WebhookUrl, OtherSpellingsOfLoopbackAreRefused) {
  for (const char* url : {"http://127.1/", "http://2130706433/", "http://0x7f000001/", "http://[::ffff:7f00:1]/",
                          "http://0/"}) {
    auto checked = check_webhook_url(url, false);
    if (checked) {
      // Not an address libcurl normalises: then it is a name, and resolution must refuse it.
      auto parsed = resolve_allowed(url + 7, 80, false);
      EXPECT_FALSE(parsed) << url;
    } else {
      EXPECT_EQ(checked.error().code, ErrorCode::forbidden) << url;
    }
  }
}

TEST(WebhookUrl, ResolutionRefusesPrivateAddresses) {
  auto local = resolve_allowed("localhost", 80, false);
  ASSERT_FALSE(local);
  EXPECT_EQ(local.error().code, ErrorCode::forbidden);
  EXPECT_NE(local.error().message.find("loopback"), std::string::npos) << local.error().message;

  auto allowed = resolve_allowed("localhost", 80, true);
  ASSERT_TRUE(allowed) << allowed.error().message;
  EXPECT_TRUE(std::any_of(allowed->begin(), allowed->end(),
                          [](const ResolvedAddress& a) { return a.ip == "127.0.0.1" || a.ip == "::1"; }));

  EXPECT_FALSE(resolve_allowed("127.0.0.1", 80, false));
  EXPECT_FALSE(resolve_allowed("[::1]", 80, false));
  auto v6 = resolve_allowed("[::1]", 443, true);
  ASSERT_TRUE(v6);
  ASSERT_EQ(v6->size(), 1u);
  EXPECT_EQ((*v6)[0].ip, "::1");
  EXPECT_TRUE((*v6)[0].ipv6);
  auto literal = resolve_allowed("8.8.8.8", 443, false);
  ASSERT_TRUE(literal);
  EXPECT_EQ((*literal)[0].ip, "8.8.8.8");
}

}  // namespace
}  // namespace missive::notify
