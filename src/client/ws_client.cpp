// Blocking calls over Beast's asynchronous WebSocket operations: each call starts an operation
// and runs the io_context until it finishes or its deadline passes. Asynchronous because a
// read must be able to wait with a timeout and stay pending across calls (cancelling a
// WebSocket read would break the stream), and because a pending read answers pings while a
// send runs. At most one frame is read ahead, so nothing queues up on the client's side.
// The stream is plain TCP or TLS (wss://); with_ws() hands the one in use to generic code.
#include "client/ws_client.h"

#include <rapidjson/document.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fmt/format.h>

#include "client/sync_timeline.h"
#include "client/tls.h"

namespace missive::client {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// The error a refused upgrade reports: the server's JSON error when it sent one.
Error refused(int status, const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    const auto error = doc.FindMember("error");
    if (error != doc.MemberEnd() && error->value.IsObject()) {
      const auto code = error->value.FindMember("code");
      const auto message = error->value.FindMember("message");
      if (code != error->value.MemberEnd() && code->value.IsString() &&
          message != error->value.MemberEnd() && message->value.IsString()) {
        return Error{error_code_from_name(code->value.GetString()),
                     fmt::format("WebSocket upgrade refused with HTTP {}: {}", status,
                                 message->value.GetString())};
      }
    }
  }
  ErrorCode code = ErrorCode::invalid;
  if (status == 401) code = ErrorCode::unauthenticated;
  if (status == 403) code = ErrorCode::forbidden;
  if (status == 404) code = ErrorCode::not_found;
  if (status >= 500) code = status == 503 ? ErrorCode::unavailable : ErrorCode::internal;
  return Error{code, fmt::format("WebSocket upgrade refused with HTTP {}", status)};
}

}  // namespace

struct WsClient::Impl {
  WsOptions options;
  // A fresh io_context per connection: handlers of a dropped connection die with it.
  std::unique_ptr<net::io_context> ioc;
  std::unique_ptr<net::ssl::context> tls_context;  // made on the first TLS connect
  // The connection: one of the two, as options.tls says.
  std::optional<PlainWs> plain;
  std::optional<TlsWs> secure;
  bool open = false;

  beast::flat_buffer read_buffer;
  bool read_pending = false;
  std::optional<std::string> frame;  // read ahead, not yet returned
  beast::error_code read_error;      // how the last read failed

  std::string write_data;  // kept alive while a write runs
  int close_code = 0;
  std::string close_reason;
  int upgrade_status = 0;

  bool has_ws() const { return plain.has_value() || secure.has_value(); }

  // f(stream) on the stream in use; only while has_ws().
  template <class F>
  decltype(auto) with_ws(F&& f) {
    if (secure) return f(*secure);
    return f(*plain);
  }

  beast::tcp_stream& tcp_layer() {
    return with_ws([](auto& ws) -> beast::tcp_stream& { return beast::get_lowest_layer(ws); });
  }

  // Runs handlers until done() or the deadline; false on timeout.
  template <class Done>
  bool run_until(Done done, Clock::time_point deadline) {
    while (!done()) {
      if (ioc->stopped()) ioc->restart();
      const auto now = Clock::now();
      if (now >= deadline) return false;
      if (ioc->run_one_for(deadline - now) == 0 && ioc->stopped() && !done()) {
        // Nothing left to run: what we wait for cannot happen any more.
        return false;
      }
    }
    return true;
  }

  Clock::time_point io_deadline() const { return Clock::now() + options.io_timeout; }

  // Records why the connection ended (once) and marks it closed.
  void ended(const beast::error_code& ec) {
    if (!open) return;
    open = false;
    if (ec == websocket::error::closed) {
      with_ws([&](auto& ws) {
        close_code = ws.reason().code;
        close_reason = std::string(ws.reason().reason.c_str());
      });
    } else {
      close_code = kCloseAbnormal;
      close_reason = ec == beast::error::timeout ? "nothing received for the idle timeout"
                                                 : ec.message();
    }
  }

  Error closed_error() const {
    if (close_code == 0) return Error{ErrorCode::unavailable, "the WebSocket is not connected"};
    return Error{ErrorCode::unavailable,
                 fmt::format("the WebSocket connection is closed (code {}{}{})", close_code,
                             close_reason.empty() ? "" : ": ", close_reason)};
  }

  void start_read() {
    read_pending = true;
    with_ws([&](auto& ws) {
      ws.async_read(read_buffer, [this](beast::error_code ec, std::size_t) {
        read_pending = false;
        if (ec) {
          read_error = ec;
          ended(ec);
          return;
        }
        frame = beast::buffers_to_string(read_buffer.data());
        read_buffer.consume(read_buffer.size());
      });
    });
  }

  // Drops the connection without a close handshake and lets aborted handlers finish.
  void drop() {
    if (has_ws()) {
      beast::error_code ec;
      tcp_layer().socket().close(ec);
      if (ioc) {
        run_until([&] { return !read_pending; },
                  Clock::now() + std::chrono::milliseconds(500));
      }
      plain.reset();
      secure.reset();
    }
    ioc.reset();
    read_pending = false;
    frame.reset();
    read_buffer.clear();
    open = false;
  }

  Status write(std::string_view data, bool text) {
    if (!open) return std::unexpected(closed_error());
    write_data.assign(data);
    bool done = false;
    beast::error_code result;
    with_ws([&](auto& ws) {
      ws.text(text);
      ws.async_write(net::buffer(write_data), [&](beast::error_code ec, std::size_t) {
        done = true;
        result = ec;
      });
    });
    if (!run_until([&] { return done; }, io_deadline())) {
      ended(beast::error::timeout);
      close_reason = "a send did not finish within the io timeout";
      drop();
      return fail(ErrorCode::unavailable, close_reason);
    }
    if (result) {
      ended(result);
      return std::unexpected(closed_error());
    }
    return {};
  }
};

WsClient::WsClient(WsOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

WsClient::~WsClient() { impl_->drop(); }

Status WsClient::connect(std::string_view host, std::uint16_t port, std::string_view token) {
  auto& impl = *impl_;
  impl.drop();
  impl.close_code = 0;
  impl.close_reason.clear();
  impl.upgrade_status = 0;
  const bool tls = impl.options.tls.enabled;
  if (tls && !impl.tls_context) {
    MISSIVE_TRY(impl.tls_context, make_client_tls_context(impl.options.tls));
  }
  impl.ioc = std::make_unique<net::io_context>();
  if (tls) {
    impl.secure.emplace(*impl.ioc, *impl.tls_context);
  } else {
    impl.plain.emplace(*impl.ioc);
  }
  impl.with_ws([&](auto& ws) { ws.read_message_max(impl.options.max_frame); });

  const auto deadline = impl.io_deadline();
  const std::string where = fmt::format("{}://{}:{}", tls ? "wss" : "ws", host, port);
  const auto unreachable = [&](const beast::error_code& ec) {
    impl.drop();
    return fail(ErrorCode::unavailable,
                fmt::format("cannot connect to {}: {}", where, ec.message()));
  };
  beast::error_code ec;
  tcp::resolver resolver(*impl.ioc);
  const auto endpoints = resolver.resolve(std::string(host), std::to_string(port), ec);
  if (ec) return unreachable(ec);

  auto& tcp_stream = impl.tcp_layer();
  tcp_stream.expires_at(deadline);
  bool done = false;
  tcp_stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
    done = true;
    ec = e;
  });
  impl.run_until([&] { return done; }, deadline + std::chrono::seconds(1));
  if (!done) ec = beast::error::timeout;
  if (ec) return unreachable(ec);

  if (tls) {
    // The tcp_stream's deadline still runs: it bounds the TLS handshake too.
    auto& ssl_stream = impl.secure->next_layer();
    MISSIVE_TRY_STATUS(prepare_client_tls(ssl_stream.native_handle(), std::string(host)));
    done = false;
    ssl_stream.async_handshake(net::ssl::stream_base::client, [&](beast::error_code e) {
      done = true;
      ec = e;
    });
    impl.run_until([&] { return done; }, deadline + std::chrono::seconds(1));
    if (!done) ec = beast::error::timeout;
    if (ec) {
      Error error = tls_handshake_error(ssl_stream.native_handle(), ec,
                                        fmt::format("{}:{}", host, port));
      impl.drop();
      return std::unexpected(std::move(error));
    }
  }

  // The websocket stream has its own timers; the tcp_stream's must be off (Beast's rule).
  tcp_stream.expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = impl.options.io_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  websocket::response_type response;
  done = false;
  const std::string host_header = fmt::format("{}:{}", host, port);
  impl.with_ws([&](auto& ws) {
    ws.set_option(timeouts);
    ws.set_option(websocket::stream_base::decorator(
        [token = std::string(token)](websocket::request_type& request) {
          request.set(http::field::user_agent, "missive-client");
          if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
        }));
    ws.async_handshake(response, host_header, impl.options.target, [&](beast::error_code e) {
      done = true;
      ec = e;
    });
  });
  impl.run_until([&] { return done; }, deadline + std::chrono::seconds(1));
  if (!done) ec = beast::error::timeout;
  if (ec == websocket::error::upgrade_declined) {
    impl.upgrade_status = static_cast<int>(response.result_int());
    impl.drop();
    return std::unexpected(refused(impl.upgrade_status, response.body()));
  }
  if (ec) return unreachable(ec);

  if (impl.options.idle_timeout.count() > 0) {
    timeouts.idle_timeout = impl.options.idle_timeout;
    timeouts.keep_alive_pings = impl.options.keep_alive_pings;
    impl.with_ws([&](auto& ws) { ws.set_option(timeouts); });
  }
  impl.open = true;
  return {};
}

bool WsClient::is_open() const { return impl_->open; }

Status WsClient::send(std::string_view text) { return impl_->write(text, true); }

Status WsClient::send_binary(std::string_view bytes) { return impl_->write(bytes, false); }

Result<std::optional<std::string>> WsClient::receive(std::chrono::milliseconds timeout) {
  auto& impl = *impl_;
  if (impl.frame) {
    std::optional<std::string> out = std::move(impl.frame);
    impl.frame.reset();
    return out;
  }
  if (!impl.open) return std::unexpected(impl.closed_error());
  if (!impl.read_pending) impl.start_read();
  impl.run_until([&] { return !impl.read_pending; }, Clock::now() + timeout);
  if (impl.read_pending) return std::optional<std::string>();
  if (!impl.frame) return std::unexpected(impl.closed_error());
  std::optional<std::string> out = std::move(impl.frame);
  impl.frame.reset();
  return out;
}

Status WsClient::close(int code, std::string_view reason) {
  auto& impl = *impl_;
  if (!impl.open) {
    impl.drop();
    return {};
  }
  bool done = false;
  beast::error_code result;
  websocket::close_reason why(static_cast<websocket::close_code>(code),
                              beast::string_view(reason.data(), reason.size()));
  impl.with_ws([&](auto& ws) {
    ws.async_close(why, [&](beast::error_code ec) {
      done = true;
      result = ec;
    });
  });
  // A pending read ends with "closed" when the server's close frame arrives: wait for both.
  const bool finished =
      impl.run_until([&] { return done && !impl.read_pending; }, impl.io_deadline());
  impl.open = false;
  impl.close_code = code;
  impl.close_reason = std::string(reason);
  impl.drop();
  if (!finished) return fail(ErrorCode::unavailable, "the server did not answer the close frame");
  if (result && result != websocket::error::closed) {
    return fail(ErrorCode::unavailable, fmt::format("closing the WebSocket: {}", result.message()));
  }
  return {};
}

int WsClient::close_code() const { return impl_->close_code; }
const std::string& WsClient::close_reason() const { return impl_->close_reason; }
int WsClient::upgrade_status() const { return impl_->upgrade_status; }

}  // namespace missive::client
