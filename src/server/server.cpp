// The network side of the server: a Beast listener and one session per connection. A request
// is read on the connection's strand, executed on the worker pool (the Engine may block on a
// group commit there), and its response is written back on the strand. An authenticated
// upgrade of /ws leaves this file: the socket goes to a WsSession (ws_session.cpp).
#include "server/server.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "server/api.h"
#include "server/request_parsing.h"
#include "server/ws_session.h"

namespace missive::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::uint32_t kHeaderLimit = 16 * 1024;
// How long a stopping server lets WebSocket closing handshakes run.
constexpr auto kWsCloseGrace = std::chrono::seconds(2);
// After refusing a request mid-body we read and discard what the client is still sending, so
// closing does not reset the connection before the client has read our error response.
constexpr auto kDrainTime = std::chrono::seconds(2);

class Session;

// What the listener and every session share. Outlives the io_context and the worker pool.
struct Shared {
  Shared(Engine& e, Bus& bus, const ServerOptions& opts, net::thread_pool& pool)
      : api(e), engine(e), options(opts), ws{api, e, options, pool, WsRegistry(bus)} {}

  Api api;
  Engine& engine;
  const ServerOptions options;
  WsContext ws;
  std::mutex mutex;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by mutex
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared& shared, net::thread_pool& pool)
      : stream_(std::move(socket)), shared_(shared), pool_(pool) {}

  ~Session() {
    std::lock_guard lock(shared_.mutex);
    shared_.sessions.erase(this);
  }

  void start() {
    {
      std::lock_guard lock(shared_.mutex);
      shared_.sessions.emplace(this, weak_from_this());
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  // Called from any thread: closes the connection on its strand.
  void close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->close_now(); });
  }

  // Only when no thread runs the io_context (or on the strand).
  void close_now() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  std::chrono::seconds timeout() const {
    return std::chrono::seconds(shared_.options.request_timeout_seconds);
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(shared_.options.body_limit);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(timeout());
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == http::error::partial_message ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return do_close();
    }
    started_ = std::chrono::steady_clock::now();
    if (ec) {
      Error error{ErrorCode::invalid, fmt::format("malformed HTTP request: {}", ec.message())};
      if (ec == http::error::body_limit) {
        error = {ErrorCode::too_large,
                 fmt::format("request body exceeds {} bytes", shared_.options.body_limit)};
      } else if (ec == http::error::header_limit) {
        error = {ErrorCode::too_large, fmt::format("request headers exceed {} bytes", kHeaderLimit)};
      }
      method_ = "-";
      target_ = "-";
      return respond(error_response(error), false);
    }
    auto request = parser_->release();
    if (const std::string_view target(request.target().data(), request.target().size());
        target.substr(0, target.find('?')) == "/ws" && websocket::is_upgrade(request)) {
      method_ = std::string(request.method_string());
      target_ = "/ws";
      version_ = request.version();
      return upgrade(std::move(request));
    }
    HttpRequest r;
    r.method = std::string(request.method_string());
    r.target = std::string(request.target());
    if (const auto auth = request.find(http::field::authorization); auth != request.end()) {
      r.authorization = std::string(auth->value());
    }
    r.body = std::move(request.body());
    method_ = r.method;
    target_ = r.target;
    version_ = request.version();
    const bool keep_alive = request.keep_alive();

    // One request in flight per connection: the next read starts after this response is sent.
    net::post(pool_, [self = shared_from_this(), r = std::move(r), keep_alive]() mutable {
      auto response = self->shared_.api.handle(r);
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response), keep_alive]() mutable {
                  self->respond(std::move(response), keep_alive);
                });
    });
  }

  // Authenticates on the pool (a session lookup reads the store), then hands the socket over.
  void upgrade(http::request<http::string_body> request) {
    net::post(pool_, [self = shared_from_this(), request = std::move(request)]() mutable {
      auto caller = self->authenticate_upgrade(request);
      net::post(self->stream_.get_executor(), [self, request = std::move(request),
                                               caller = std::move(caller)]() mutable {
        if (!caller) return self->respond(error_response(caller.error()), false);
        spdlog::debug("GET /ws -> 101 (user {})", caller->first.id.value);
        start_ws_session(self->shared_.ws, self->stream_.release_socket(), std::move(request),
                         caller->first, std::move(caller->second));
      });
    });
  }

  // The caller and token of an upgrade: "Authorization: Bearer <token>", or ?token=<token>
  // (browsers cannot set headers on a WebSocket).
  Result<std::pair<Caller, std::string>> authenticate_upgrade(
      const http::request<http::string_body>& request) const {
    std::string token;
    if (const auto auth = request.find(http::field::authorization); auth != request.end()) {
      token = std::string(bearer_token(std::string_view(auth->value().data(), auth->value().size())));
    }
    if (token.empty()) {
      const std::string_view target(request.target().data(), request.target().size());
      if (const auto question = target.find('?'); question != std::string_view::npos) {
        MISSIVE_TRY(auto query, parse_query(target.substr(question + 1)));
        if (const auto* value = find_param(query, "token")) token = *value;
      }
    }
    if (token.empty()) {
      return fail(ErrorCode::unauthenticated,
                  "missing credentials: send Authorization: Bearer <token> or ?token=<token>");
    }
    MISSIVE_TRY(auto caller, shared_.engine.authenticate(token));
    return std::pair{caller, std::move(token)};
  }

  void respond(HttpResponse response, bool keep_alive) {
    response_ = {};
    response_.version(version_);
    response_.result(static_cast<unsigned>(response.status));
    response_.set(http::field::server, "missive");
    if (!response.body.empty()) response_.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : response.headers) response_.set(name, value);
    response_.keep_alive(keep_alive);
    response_.body() = std::move(response.body);
    response_.prepare_payload();

    spdlog::debug("{} {} -> {} ({} us)", method_, target_, response.status,
                  std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started_)
                      .count());

    stream_.expires_after(timeout());
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&Session::on_write, shared_from_this(),
                                                !keep_alive));
  }

  void on_write(bool close, beast::error_code ec, std::size_t) {
    if (ec) return do_close();
    if (close) return drain();
    do_read();
  }

  // Half-closes, then discards input until the client closes too or kDrainTime passes.
  void drain() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kDrainTime);
    do_drain();
  }

  void do_drain() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->do_close();
                              self->do_drain();
                            });
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Shared& shared_;
  net::thread_pool& pool_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;  // alive until its write completes
  unsigned version_ = 11;
  std::string method_;
  std::string target_;
  std::chrono::steady_clock::time_point started_;
  std::array<char, 8192> scratch_{};
};

}  // namespace

struct Server::Impl {
  Impl(Engine& engine, Bus& b, ServerOptions opts)
      : shared(engine, b, opts, pool),
        bus(b),
        ioc(std::max(1, opts.io_threads)),
        pool(static_cast<std::size_t>(std::max(1, opts.worker_threads))),
        acceptor(net::make_strand(ioc)) {}

  void do_accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        // Answers and pushes are small frames written one after another: without this, Nagle
        // holds the second until the client's delayed ACK (~40 ms per request on Linux).
        beast::error_code ignored;
        s.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(std::move(s), shared, pool)->start();
      } else {
        spdlog::warn("accept failed: {}", ec.message());
      }
      do_accept();
    });
  }

  // Declaration order is destruction order in reverse: the pool and the io_context go before
  // `shared`, which their queued handlers (holding sessions) still reference.
  Shared shared;
  Bus& bus;
  int subscription = 0;  // the bus subscription while serving (0: none)
  net::io_context ioc;
  net::thread_pool pool;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;

  std::mutex mutex;
  std::condition_variable stopped_cv;
  bool started = false;  // guarded by mutex
  bool stopped = false;  // guarded by mutex: stop() has begun
  bool finished = false; // guarded by mutex: stop() has joined every thread
};

Server::Server(Engine& engine, Bus& bus, ServerOptions options)
    : impl_(std::make_unique<Impl>(engine, bus, std::move(options))) {}

Server::~Server() { stop(); }

Result<std::uint16_t> Server::start() {
  auto& impl = *impl_;
  const auto& options = impl.shared.options;
  const auto where = fmt::format("{}:{}", options.host, options.port);
  {
    std::lock_guard lock(impl.mutex);
    if (impl.started || impl.stopped) return fail(ErrorCode::internal, "server already started");
  }
  beast::error_code ec;
  tcp::resolver resolver(impl.ioc);
  const auto endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
  if (ec || endpoints.empty()) {
    return fail(ErrorCode::unavailable, fmt::format("cannot resolve {}: {}", where, ec.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto& acceptor = impl.acceptor;
  if (acceptor.open(endpoint.protocol(), ec);
      !ec && (acceptor.set_option(net::socket_base::reuse_address(true), ec), !ec) &&
      (acceptor.bind(endpoint, ec), !ec)) {
    acceptor.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    acceptor.close(ec);
    return fail(ErrorCode::unavailable, fmt::format("cannot listen on {}: {}", where, ec.message()));
  }
  const auto port = acceptor.local_endpoint(ec).port();
  // The handler runs on the publisher's thread (the store's writer): notify() only posts.
  impl.subscription =
      impl.bus.subscribe([&impl](const std::vector<UserId>& users) { impl.shared.ws.registry.notify(users); });
  impl.do_accept();
  {
    std::lock_guard lock(impl.mutex);
    impl.started = true;
  }
  for (int i = 0; i < std::max(1, options.io_threads); ++i) {
    impl.threads.emplace_back([&impl] { impl.ioc.run(); });
  }
  return port;
}

void Server::stop() {
  auto& impl = *impl_;
  {
    std::lock_guard lock(impl.mutex);
    if (impl.stopped) return;
    impl.stopped = true;
  }
  if (impl.subscription != 0) impl.bus.unsubscribe(impl.subscription);
  impl.subscription = 0;
  net::post(impl.acceptor.get_executor(), [&impl] {
    beast::error_code ec;
    impl.acceptor.close(ec);
  });
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(impl.shared.mutex);
    for (auto& [raw, weak] : impl.shared.sessions) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  for (auto& session : open) session->close();
  open.clear();
  for (const auto& ws : impl.shared.ws.registry.all()) shut_down_ws_session(ws);
  // Requests already running finish (their writes fail on the closed sockets) before the
  // I/O threads go away.
  impl.pool.join();
  // WebSocket clients get a moment to answer the 1001 close frame.
  const auto deadline = std::chrono::steady_clock::now() + kWsCloseGrace;
  while (impl.shared.ws.registry.size() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  impl.ioc.stop();
  for (auto& thread : impl.threads) thread.join();
  impl.threads.clear();
  // No thread runs handlers any more: whatever the posted closes did not reach is closed here.
  beast::error_code ec;
  impl.acceptor.close(ec);
  {
    std::lock_guard lock(impl.shared.mutex);
    for (auto& [raw, weak] : impl.shared.sessions) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  for (auto& session : open) session->close_now();
  open.clear();
  for (const auto& ws : impl.shared.ws.registry.all()) close_ws_session_now(ws);
  {
    std::lock_guard lock(impl.mutex);
    impl.finished = true;
  }
  impl.stopped_cv.notify_all();
}

void Server::wait() {
  auto& impl = *impl_;
  std::unique_lock lock(impl.mutex);
  impl.stopped_cv.wait(lock, [&impl] { return impl.finished; });
}

}  // namespace missive::server
