// Blocking Beast client. Sync I/O keeps it simple: the CLI and tests issue one request at a
// time per client. With TLS the same exchange runs over an ssl_stream.
#include "client/http_client.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <limits>
#include <optional>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>

#include "client/tls.h"

namespace missive::client {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr auto kTimeout = std::chrono::seconds(30);
constexpr std::uint64_t kResponseLimit = 64ull << 20;  // a body kept in memory
constexpr std::size_t kReadChunk = 64 * 1024;         // a streamed body, per read
constexpr std::uint16_t kDefaultPort = 8080;
constexpr std::uint16_t kDefaultTlsPort = 443;

// Errors that mean "the server had already closed this kept-alive connection".
bool closed_by_peer(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted || ec == http::error::partial_message ||
         ec == net::ssl::error::stream_truncated;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

struct HttpClient::Impl {
  std::string host;
  std::uint16_t port = 0;
  TlsOptions tls;
  std::string token;
  net::io_context ioc;
  std::unique_ptr<net::ssl::context> tls_context;  // made on the first TLS connect
  // The connection: `stream` alone (plain), or `secure` over its own tcp_stream (TLS).
  std::optional<beast::tcp_stream> stream;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  bool connected() const { return stream.has_value() || secure.has_value(); }

  Status connect() {
    if (tls.enabled && !tls_context) {
      MISSIVE_TRY(tls_context, make_client_tls_context(tls));
    }
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    beast::tcp_stream* tcp_layer = nullptr;
    if (!ec) {
      if (tls.enabled) {
        tcp_layer = &beast::get_lowest_layer(secure.emplace(ioc, *tls_context));
      } else {
        tcp_layer = &stream.emplace(ioc);
      }
      tcp_layer->expires_after(kTimeout);
      tcp_layer->connect(endpoints, ec);
    }
    if (ec) {
      stream.reset();
      secure.reset();
      return fail(ErrorCode::unavailable,
                  fmt::format("cannot connect to {}:{}: {}", host, port, ec.message()));
    }
    if (secure) {
      MISSIVE_TRY_STATUS(prepare_client_tls(secure->native_handle(), host));
      secure->handshake(net::ssl::stream_base::client, ec);
      if (ec) {
        Error error = tls_handshake_error(secure->native_handle(), ec,
                                          fmt::format("{}:{}", host, port));
        secure.reset();
        return std::unexpected(std::move(error));
      }
    }
    buffer.clear();
    return {};
  }

  // Closes the TCP connection (no TLS close_notify: nothing is pending, and waiting for the
  // server's answer to it would only slow down).
  void disconnect() {
    if (!connected()) return;
    beast::error_code ec;
    auto& tcp_layer = secure ? beast::get_lowest_layer(*secure) : *stream;
    tcp_layer.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.reset();
    secure.reset();
    buffer.clear();
  }

  // What a sink returned when it stopped an exchange.
  std::optional<Error> sink_error;
  // Whether the current exchange has handed anything to a sink (then it cannot be retried).
  bool sink_called = false;

  HttpResponse exchange(const HttpRequest& req, const BodySink* sink, beast::error_code& ec) {
    if (secure) return exchange_on(*secure, req, sink, ec);
    return exchange_on(*stream, req, sink, ec);
  }

  // One exchange on the current connection; `ec` reports transport failures, `sink_error` a
  // sink that stopped it.
  template <class Stream>
  HttpResponse exchange_on(Stream& s, const HttpRequest& req, const BodySink* sink,
                           beast::error_code& ec) {
    http::request<http::string_body> request;
    request.method_string(beast::string_view(req.method.data(), req.method.size()));
    request.target(beast::string_view(req.target.data(), req.target.size()));
    request.version(11);
    request.set(http::field::host, fmt::format("{}:{}", host, port));
    request.set(http::field::user_agent, "missive-client");
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    for (const auto& [name, value] : req.headers) request.set(name, value);
    request.keep_alive(true);
    request.body() = std::string(req.body);
    request.prepare_payload();
    // prepare_payload leaves out Content-Length: 0 for a bodiless PATCH; tus wants it.
    if (req.body.empty() && req.method != "GET" && req.method != "HEAD") {
      request.set(http::field::content_length, "0");
    }

    auto& lowest = beast::get_lowest_layer(s);
    lowest.expires_after(kTimeout);
    http::write(s, request, ec);
    if (ec) return {};
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (req.method == "HEAD") parser.skip(true);
    http::read_header(s, buffer, parser, ec);
    if (ec) return {};
    HttpResponse out;
    {
      const auto& head = parser.get();
      out.status = static_cast<int>(head.result_int());
      out.content_type = std::string(head[http::field::content_type]);
      out.retry_after = std::string(head[http::field::retry_after]);
      for (const auto& field : head) {
        out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
    }
    const bool streaming = sink != nullptr && out.status >= 200 && out.status < 300;
    const auto stop = [&](Status status) {
      if (status) return false;
      sink_error = status.error();
      disconnect();
      return true;
    };
    if (streaming && sink->on_head) {
      sink_called = true;
      if (stop(sink->on_head(out))) return {};
    }
    std::vector<char> chunk(kReadChunk);
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      lowest.expires_after(kTimeout);
      http::read(s, buffer, parser, ec);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return {};
      const std::size_t n = chunk.size() - parser.get().body().size;
      if (n == 0) continue;
      if (streaming) {
        sink_called = true;
        if (sink->on_data && stop(sink->on_data(std::string_view(chunk.data(), n)))) return {};
      } else {
        if (out.body.size() + n > kResponseLimit) {
          ec = http::error::body_limit;
          return {};
        }
        out.body.append(chunk.data(), n);
      }
    }
    if (!parser.get().keep_alive()) disconnect();
    return out;
  }
};

HttpClient::HttpClient(std::string host, std::uint16_t port, TlsOptions tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->tls = std::move(tls);
}

HttpClient::~HttpClient() { impl_->disconnect(); }

void HttpClient::set_token(std::string token) { impl_->token = std::move(token); }

Result<HttpResponse> HttpClient::request(std::string_view method, std::string_view target,
                                         std::string_view body) {
  HttpRequest request{.method = method, .target = target, .headers = {}, .body = body};
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  return send(request);
}

Result<HttpResponse> HttpClient::send(const HttpRequest& request, const BodySink* sink) {
  auto& impl = *impl_;
  for (int attempt = 0;; ++attempt) {
    const bool reused = impl.connected();
    if (!reused) MISSIVE_TRY_STATUS(impl.connect());
    beast::error_code ec;
    impl.sink_error.reset();
    impl.sink_called = false;
    auto response = impl.exchange(request, sink, ec);
    if (impl.sink_error) return std::unexpected(std::move(*impl.sink_error));
    if (!ec) return response;
    impl.disconnect();
    // A kept-alive connection the server closed while idle: retry once on a fresh one, unless
    // part of the answer already went to the sink.
    if (reused && attempt == 0 && closed_by_peer(ec) && !impl.sink_called) continue;
    return fail(ErrorCode::unavailable,
                fmt::format("{} {} on {}{}:{} failed: {}", request.method, request.target,
                            impl.tls.enabled ? "https://" : "", impl.host, impl.port,
                            ec.message()));
  }
}

Result<ServerAddress> parse_server_address(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return fail(ErrorCode::invalid,
                fmt::format("bad server address \"{}\": {} (expected http://host:port or "
                            "https://host:port)",
                            text, why));
  };
  auto rest = text;
  ServerAddress address;
  if (const auto scheme = rest.find("://"); scheme != std::string_view::npos) {
    const auto name = rest.substr(0, scheme);
    if (name != "http" && name != "https") return bad("only http:// and https:// are supported");
    address.tls = name == "https";
    rest.remove_prefix(scheme + 3);
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) return bad("a path is not allowed");

  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:8080
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("unclosed '['");
    address.host = std::string(rest.substr(1, close - 1));
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("expected ':' after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) return bad("empty port");
    }
  } else {
    const auto colon = rest.find(':');
    address.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return bad("empty port");
    }
  }
  if (address.host.empty()) return bad("no host");
  if (address.host.find_first_of(" \t@?#") != std::string::npos) return bad("bad host");
  address.port = address.tls ? kDefaultTlsPort : kDefaultPort;
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return bad("port must be 1..65535");
    }
    address.port = static_cast<std::uint16_t>(value);
  }
  return address;
}

}  // namespace missive::client
