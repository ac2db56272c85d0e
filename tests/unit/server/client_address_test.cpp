#include "client/http_client.h"

#include <gtest/gtest.h>

namespace missive::client {
namespace {

std::string parsed(std::string_view text) {
  auto address = parse_server_address(text);
  if (!address) return "error";
  return address->host + " " + std::to_string(address->port) + (address->tls ? " tls" : "");
}

TEST(ParseServerAddress, AcceptsTheDocumentedForms) {
  EXPECT_EQ(parsed("http://127.0.0.1:8080"), "127.0.0.1 8080");
  EXPECT_EQ(parsed("http://127.0.0.1:9000/"), "127.0.0.1 9000");
  EXPECT_EQ(parsed("127.0.0.1:1"), "127.0.0.1 1");
  EXPECT_EQ(parsed("localhost"), "localhost 8080");
  EXPECT_EQ(parsed("http://example.org"), "example.org 8080");
  EXPECT_EQ(parsed("[::1]:65535"), "::1 65535");
  EXPECT_EQ(parsed("https://127.0.0.1:8443"), "127.0.0.1 8443 tls");
  EXPECT_EQ(parsed("https://example.org/"), "example.org 443 tls");
  EXPECT_EQ(parsed("https://[::1]:9000"), "::1 9000 tls");
}

TEST(ParseServerAddress, RejectsTheRest) {
  for (const auto* bad : {"", "ws://x:1", "wss://x:1", "ftp://x", ":8080", "x:", "x:0",
                          "x:65536", "x:80a", "http://x:1/path", "https://x:1/path", "https://",
                          "[::1", "a b:1"}) {
    EXPECT_EQ(parsed(bad), "error") << bad;
  }
}

}  // namespace
}  // namespace missive::client
