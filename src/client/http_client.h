#pragma once
// A small blocking HTTP/1.1 client for the Missive API, used by the CLI and the integration
// tests. Keeps one keep-alive connection and reconnects once if the server closed it. Speaks
// HTTPS when given TlsOptions{.enabled = true}.
//
// Thread-safety: one HttpClient per thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/tls_options.h"
#include "core/error.h"

namespace missive::client {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string retry_after;  // the Retry-After header (seconds) of a 429, empty when absent
  std::vector<std::pair<std::string, std::string>> headers;  // every header, in order

  // The value of the first header named `name` (case-insensitive); empty when absent.
  std::string header(std::string_view name) const;
};

// A request with any headers and a body sent as it is (a file's bytes, a tus chunk).
// Host, User-Agent, Authorization (with a token) and Content-Length are added by the client.
struct HttpRequest {
  std::string_view method;
  std::string_view target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;
};

// Where the body of a successful (2xx) answer goes instead of HttpResponse::body: piece by
// piece as it arrives, so a large download never sits in memory. `on_head` sees the status and
// headers before the first byte. An error returned by either ends the exchange (and closes the
// connection) with that error. Answers of other statuses keep their body in HttpResponse::body.
struct BodySink {
  std::function<Status(const HttpResponse& head)> on_head;
  std::function<Status(std::string_view data)> on_data;
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

  // Sends `request` as it is; failures as for request(). With `sink`, a 2xx body is streamed
  // to it (HttpResponse::body stays empty) and a sink's error is the answer.
  Result<HttpResponse> send(const HttpRequest& request, const BodySink* sink = nullptr);

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
