#pragma once
// A small blocking HTTP/1.1 client for the Missive API, used by the CLI and the integration
// tests. Keeps one keep-alive connection and reconnects once if the server closed it. Speaks
// HTTPS when given TlsOptions{.enabled = true}.
//
// Thread-safety: one HttpClient per thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "client/tls_options.h"
#include "core/error.h"

namespace missive::client {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string retry_after;  // the Retry-After header (seconds) of a 429, empty when absent
};

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port, TlsOptions tls = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sent as "Authorization: Bearer <token>" on every request when not empty.
  void set_token(std::string token);

  // Sends one request; a non-empty body is sent as application/json. Any HTTP status is a
  // success here; unavailable when the server cannot be reached or the connection fails;
  // with TLS, unauthenticated when the server's certificate is not trusted (the reason in the
  // message), invalid when the CA file cannot be loaded.
  Result<HttpResponse> request(std::string_view method, std::string_view target,
                               std::string_view body = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct ServerAddress {
  std::string host;
  std::uint16_t port = 0;
  bool tls = false;  // https://
};

// "http://127.0.0.1:8080", "127.0.0.1:8080" or "localhost" (port 8080), "https://host:port"
// (TLS; port 443 when not given). invalid otherwise.
Result<ServerAddress> parse_server_address(std::string_view text);

}  // namespace missive::client
