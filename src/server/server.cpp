// The network side of the server: a Beast listener and one session per connection. A request
// is read on the connection's strand, executed on the worker pool (the Engine may block on a
// group commit there), and its response is written back on the strand. An authenticated
// upgrade of /ws leaves this file: the stream goes to a WsSession (ws_session.cpp).
// With TLS the same session runs over an ssl_stream: a Session<Stream> template, one
// instantiation per stream type, so the plain and the TLS paths share every line but the
// handshake and the close.
#include "server/server.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <limits>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/thread_name.h"
#include "server/api.h"
#include "server/descriptor_reserve.h"
#include "server/file_range_body.h"
#include "server/request_parsing.h"
#include "server/tls.h"
#include "server/web_session.h"
#include "server/ws_session.h"

namespace missive::server {
namespace {

// Names the files upload bodies are written to.
std::atomic<std::uint64_t> next_body_file_{0};

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::uint32_t kHeaderLimit = 16 * 1024;
// The most one sendfile(2) call is asked to send: the socket takes less when its buffer fills.
constexpr std::int64_t kSendFileStep = 4 << 20;
// The read buffer of a connection while it receives an upload's body (Beast reads at most
// 64 KiB at a time into it).
constexpr std::size_t kUploadReadBytes = 64 * 1024;
// What one connection sends before the I/O thread turns to its other connections.
constexpr std::int64_t kSendFileTurn = 16 << 20;
// How long a stopping server lets responses already computed be written and WebSocket closing
// handshakes run, after every running request has finished.
constexpr auto kStopGrace = std::chrono::seconds(2);
// Out of file descriptors: the pause between two accepts, and how often it is logged.
constexpr auto kAcceptPause = std::chrono::milliseconds(10);
constexpr auto kTrimInterval = std::chrono::seconds(5);
constexpr auto kDescriptorReportInterval = std::chrono::seconds(10);
// After refusing a request mid-body we read and discard what the client is still sending, so
// closing does not reset the connection before the client has read our error response.
constexpr auto kDrainTime = std::chrono::seconds(2);

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// What Server::stop needs of a connection, whatever its stream.
class Connection {
 public:
  virtual ~Connection() = default;
  // Any thread, when the server stops: closes an idle connection on its strand; one whose
  // request is running is closed after its response.
  virtual void shut_down() = 0;
  // Only when no thread runs the io_context (or on the strand).
  virtual void close_now() = 0;
};

// What the listener and every session share. Outlives the io_context and the worker pool.
struct Shared {
  Shared(Engine& e, Bus& bus, const ServerOptions& opts, net::thread_pool& pool)
      : api(e, opts.limits, opts.web, opts.media, opts.notifications),
        engine(e),
        options(opts),
        output(opts.output),
        ws{api, e, options, pool, output, WsRegistry(bus)} {}

  Api api;
  Engine& engine;
  const ServerOptions options;
  OutputBudget output;
  WsContext ws;
  // Set by Server::start when serving TLS; read-only afterwards.
  std::unique_ptr<net::ssl::context> tls;
  std::mutex mutex;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> sessions;  // guarded by mutex
};

// One HTTP connection over `Stream`: PlainStream, or TlsStream (handshake first).
template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(tcp::socket socket, Shared& shared, net::thread_pool& pool)
      : executor_(socket.get_executor()),
        client_address_(peer_address(socket)),
        stream_(make_stream(std::move(socket), shared)),
        shared_(shared),
        pool_(pool) {}

  ~Session() override {
    discard_body_file();
    std::lock_guard lock(shared_.mutex);
    shared_.sessions.erase(this);
  }

  void start() {
    {
      std::lock_guard lock(shared_.mutex);
      shared_.sessions.emplace(this, this->weak_from_this());
    }
    net::dispatch(executor_, [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->do_handshake();
      } else {
        self->do_read();
      }
    });
  }

  // Called from any thread when the server stops: an idle connection (waiting for a request)
  // is closed on its strand; one whose request is running gets its response, with
  // "Connection: close", and is closed after it.
  void shut_down() override {
    net::post(executor_, [self = this->shared_from_this()] {
      self->stopping_ = true;
      if (self->reading_) self->close_now();
    });
  }

  void close_now() override {
    if (handed_over_) return;  // the WebSocket session owns the stream now
    beast::error_code ec;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp_layer().close();
  }

 private:
  static std::string peer_address(const tcp::socket& socket) {
    beast::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    return ec ? std::string() : peer.address().to_string();
  }

  static Stream make_stream(tcp::socket socket, Shared& shared) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *shared.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  std::chrono::seconds timeout() const {
    return std::chrono::seconds(shared_.options.request_timeout_seconds);
  }

  // TLS only. A client that does not finish the handshake within the request timeout, or
  // speaks something else (plain HTTP), is closed; it costs no other client anything.
  void do_handshake() {
    tcp_layer().expires_after(timeout());
    stream_.async_handshake(net::ssl::stream_base::server,
                            beast::bind_front_handler(&Session::on_handshake,
                                                      this->shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      beast::error_code ignored;
      const auto peer = tcp_layer().socket().remote_endpoint(ignored);
      spdlog::debug("TLS handshake with {}:{} failed: {}", peer.address().to_string(),
                    peer.port(), ec.message());
      return close_now();
    }
    do_read();
  }

  void do_read() {
    parser_.emplace();
    // Until the headers tell which route it is, no limit: on_header checks the Content-Length
    // against the route's own (the JSON body limit, or the upload limit and quota).
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser_->header_limit(kHeaderLimit);
    tcp_layer().expires_after(timeout());
    reading_ = true;
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header,
                                                      this->shared_from_this()));
  }

  // The headers are in: an upload's body goes to a file (once its sender is admitted),
  // every other body into memory.
  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read(ec, 0);
    HttpRequest head = request_headers(parser_->get());
    if (!shared_.api.takes_file_body(head)) {
      head_ = std::move(head);  // on_read adds the body
      const auto length = parser_->content_length();
      if (length && *length > shared_.options.body_limit) {
        return on_read(http::error::body_limit, 0);
      }
      parser_->body_limit(shared_.options.body_limit);
      http::async_read(stream_, buffer_, *parser_,
                       beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
      return;
    }
    reading_ = false;
    started_ = std::chrono::steady_clock::now();
    method_ = head.method;
    target_ = loggable_target(head.target);
    version_ = parser_->get().version();
    const auto length = parser_->content_length();
    if (!length) {
      return respond(error_response(Error{ErrorCode::invalid,
                                          "an upload needs a Content-Length (no chunked bodies)"}),
                     false);
    }
    net::post(pool_, [self = this->shared_from_this(), head = std::move(head),
                      length = static_cast<std::int64_t>(*length)]() mutable {
      auto admitted = self->shared_.api.admit_file_body(head, length);
      net::post(self->executor_, [self, head = std::move(head), length,
                                  admitted = std::move(admitted)]() mutable {
        self->on_admitted(std::move(head), length, std::move(admitted));
      });
    });
  }

  void on_admitted(HttpRequest head, std::int64_t length, Status admitted) {
    if (stopping_) return do_close();
    if (!admitted) return respond(error_response(admitted.error()), false);
    body_file_ = fmt::format("{}/body-{}-{}", shared_.api.file_body_dir(), ::getpid(),
                             next_body_file_.fetch_add(1));
    file_parser_.emplace(std::move(*parser_));
    parser_.reset();
    file_parser_->body_limit(static_cast<std::uint64_t>(shared_.api.file_body_limit()));
    beast::error_code ec;
    file_parser_->get().body().open(body_file_.c_str(), beast::file_mode::write_new, ec);
    if (ec) {
      body_file_.clear();
      return respond(error_response(Error{ErrorCode::unavailable,
                                          "cannot store the upload: " + ec.message()}),
                     false);
    }
    head_ = std::move(head);
    head_.body_size = length;
    const auto expect = file_parser_->get().find(http::field::expect);
    if (expect != file_parser_->get().end() && beast::iequals(expect->value(), "100-continue")) {
      // The client waits for this before it sends a large body.
      continue_ = {};
      continue_.version(version_);
      continue_.result(http::status::continue_);
      http::async_write(stream_, continue_,
                        [self = this->shared_from_this()](beast::error_code write_ec, std::size_t) {
                          if (write_ec) return self->discard_body_file(), self->do_close();
                          self->read_file_body();
                        });
      return;
    }
    read_file_body();
  }

  void read_file_body() {
    reading_ = true;
    // Beast reads as much as the buffer has room for, up to 64 KiB: the buffer sized for the
    // headers alone made an upload ~50,000 reads and writes of 4 KiB (22 MB/s for 200 MB).
    // Given back when the body is in: an idle connection keeps only what headers need.
    buffer_.reserve(kUploadReadBytes);
    tcp_layer().expires_after(timeout());
    http::async_read(stream_, buffer_, *file_parser_,
                     beast::bind_front_handler(&Session::on_file_read, this->shared_from_this()));
  }

  void on_file_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    file_parser_->get().body().close();
    buffer_.shrink_to_fit();
    if (ec == http::error::body_limit) {
      discard_body_file();
      return respond(error_response(Error{ErrorCode::too_large,
                                          fmt::format("the upload exceeds {} bytes",
                                                      shared_.api.file_body_limit())}),
                     false);
    }
    if (ec || stopping_) {
      // A client gone mid-body: tus clients ask for the stored offset and send the rest.
      discard_body_file();
      return do_close();
    }
    const bool keep_alive = file_parser_->get().keep_alive();
    file_parser_.reset();
    HttpRequest r = std::move(head_);
    r.body_file = std::exchange(body_file_, std::string());
    net::post(pool_, [self = this->shared_from_this(), r = std::move(r), keep_alive]() mutable {
      auto response = self->shared_.api.handle(r);
      std::error_code ignored;
      std::filesystem::remove(r.body_file, ignored);  // unless the handler took it
      net::post(self->executor_, [self, response = std::move(response), keep_alive]() mutable {
        self->respond(std::move(response), keep_alive);
      });
    });
  }

  void discard_body_file() {
    if (body_file_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove(body_file_, ignored);
    body_file_.clear();
  }

  void on_read(beast::error_code ec, std::size_t) {
    // A TLS-level failure (a peer gone without close_notify, a bad record) leaves nothing
    // an HTTP error response could be written on.
    reading_ = false;
    if (stopping_) return do_close();  // a request that arrived as the server stopped
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == http::error::partial_message ||
        ec == net::error::connection_reset || ec == net::error::eof ||
        ec.category() == net::error::get_ssl_category() ||
        ec == net::ssl::error::stream_truncated) {
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
    HttpRequest r = std::exchange(head_, HttpRequest());
    r.body = std::move(request.body());
    method_ = r.method;
    target_ = loggable_target(r.target);
    version_ = request.version();
    const bool keep_alive = request.keep_alive();

    // One request in flight per connection: the next read starts after this response is sent.
    net::post(pool_, [self = this->shared_from_this(), r = std::move(r), keep_alive]() mutable {
      auto response = self->shared_.api.handle(r);
      // The answer counts against the output budget until the client has read it (on_write).
      auto hold = self->shared_.output.hold_answer(response.user, response.body.size());
      if (!hold) response = error_response(hold.error());
      net::post(self->executor_, [self, response = std::move(response), keep_alive,
                                  hold = hold ? std::move(*hold) : OutputBudget::Hold()]() mutable {
        self->held_ = std::move(hold);
        self->respond(std::move(response), keep_alive);
      });
    });
  }

  // Authenticates on the pool (a session lookup reads the store), then hands the socket over.
  void upgrade(http::request<http::string_body> request) {
    net::post(pool_, [self = this->shared_from_this(), request = std::move(request)]() mutable {
      auto caller = self->authenticate_upgrade(request);
      net::post(self->executor_, [self, request = std::move(request),
                                  caller = std::move(caller)]() mutable {
        if (self->stopping_) return self->do_close();
        if (!caller) return self->respond(error_response(caller.error()), false);
        // The slot is the new session's from here; it gives it back when it ends.
        const int limit = self->shared_.options.ws_connections_per_user;
        if (!self->shared_.ws.registry.reserve(caller->first.id, limit)) {
          return self->respond(
              error_response(Error{ErrorCode::rate_limited,
                                   fmt::format("too many WebSocket connections: this user "
                                               "already has {} open, the most allowed; close "
                                               "one first",
                                               limit)}),
              false);
        }
        spdlog::debug("GET /ws -> 101 (user {})", caller->first.id.value);
        self->handed_over_ = true;
        start_ws_session(self->shared_.ws, std::move(self->stream_), std::move(request),
                         caller->first, std::move(caller->second));
      });
    });
  }

  // What the API reads of a request's headers, and where it came from.
  HttpRequest request_headers(const http::request<http::string_body>& request) const {
    HttpRequest r;
    r.method = std::string(request.method_string());
    r.target = std::string(request.target());
    const auto header = [&](http::field field) {
      const auto found = request.find(field);
      return found == request.end() ? std::string() : std::string(found->value());
    };
    r.authorization = header(http::field::authorization);
    r.cookie = header(http::field::cookie);
    r.origin = header(http::field::origin);
    r.host = header(http::field::host);
    r.if_none_match = header(http::field::if_none_match);
    r.accept_encoding = header(http::field::accept_encoding);
    for (const auto& field : request) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "content-type" || name == "range" || name == "if-range" ||
          name == "tus-resumable" || name.starts_with("upload-")) {
        r.headers.emplace_back(std::move(name), std::string(field.value()));
      }
    }
    r.client_address = client_address_;
    r.secure = kTls;
    return r;
  }

  // The caller and token of an upgrade: "Authorization: Bearer <token>", the web page's
  // session cookie, or ?token=<token> (browsers cannot set headers on a WebSocket). A page of
  // another site may not open one with the user's cookie (check_origin).
  Result<std::pair<Caller, std::string>> authenticate_upgrade(
      const http::request<http::string_body>& request) const {
    const HttpRequest headers = request_headers(request);
    const auto credentials = request_credentials(headers);
    MISSIVE_TRY_STATUS(check_origin(headers, credentials.from_cookie));
    std::string token(credentials.token);
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
    if (!response.file_path.empty()) return respond_file(std::move(response), keep_alive);
    response_ = {};
    response_.version(version_);
    response_.result(static_cast<unsigned>(response.status));
    response_.set(http::field::server, "missive");
    if (!response.body.empty()) response_.set(http::field::content_type, "application/json");
    response_.set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : response.headers) response_.set(name, value);
    if (stopping_) keep_alive = false;
    response_.keep_alive(keep_alive);
    response_.body() = std::move(response.body);
    response_.prepare_payload();

    spdlog::debug("{} {} -> {} ({} us)", method_, target_, response.status,
                  std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started_)
                      .count());

    tcp_layer().expires_after(timeout());
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&Session::on_write, this->shared_from_this(),
                                                !keep_alive));
  }

  // An attachment: the range of the file streams from disk. Over plain TCP the kernel copies
  // it from the page cache to the socket (sendfile, after Beast writes the header); with TLS
  // it is read in blocks and encrypted (FileRangeBody).
  void respond_file(HttpResponse response, bool keep_alive) {
    FileRangeBody::value_type body;
    body.fd = ::open(response.file_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (body.fd < 0) {
      return respond(error_response(Error{ErrorCode::unavailable,
                                          "the attachment cannot be read; try again"}),
                     keep_alive);
    }
    body.offset = response.file_offset;
    body.length = response.file_length;
    if (stopping_) keep_alive = false;
    spdlog::debug("{} {} -> {} ({} bytes)", method_, target_, response.status,
                  response.file_length);
    if constexpr (!kTls) {
      struct stat st{};
      if (::fstat(body.fd, &st) == 0 && S_ISREG(st.st_mode)) {
        return send_file_head(std::move(response), keep_alive, std::move(body));
      }
    }
    file_response_ = {};
    file_response_.version(version_);
    file_response_.result(static_cast<unsigned>(response.status));
    file_response_.set(http::field::server, "missive");
    file_response_.set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : response.headers) file_response_.set(name, value);
    file_response_.keep_alive(keep_alive);
    file_response_.body() = std::move(body);
    file_response_.prepare_payload();
    tcp_layer().expires_after(timeout());
    http::async_write(stream_, file_response_,
                      beast::bind_front_handler(&Session::on_write, this->shared_from_this(),
                                                !keep_alive));
  }

  // Plain TCP: the header through Beast (an empty body with the range's Content-Length),
  // then the bytes with sendfile(2).
  void send_file_head(HttpResponse response, bool keep_alive, FileRangeBody::value_type body) {
    file_head_ = {};
    file_head_.version(version_);
    file_head_.result(static_cast<unsigned>(response.status));
    file_head_.set(http::field::server, "missive");
    file_head_.set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : response.headers) file_head_.set(name, value);
    file_head_.keep_alive(keep_alive);
    file_head_.content_length(static_cast<std::uint64_t>(body.length));
    send_file_ = std::move(body);
    tcp_layer().expires_after(timeout());
    http::async_write(stream_, file_head_,
                      [self = this->shared_from_this(), keep_alive](beast::error_code ec,
                                                                    std::size_t) {
                        if (ec) return self->on_write(true, ec, 0);
                        self->send_file_body(!keep_alive);
                      });
  }

  // Sends what the socket takes now; when it is full, waits until it can take more (within
  // the request timeout, renewed on every wait: a reader that stops is closed).
  void send_file_body(bool close) {
    auto& socket = tcp_layer().socket();
    beast::error_code ec;
    if (!socket.native_non_blocking()) socket.native_non_blocking(true, ec);
    std::int64_t this_turn = 0;
    while (!ec && send_file_.length > 0) {
      if (this_turn >= kSendFileTurn) {
        // A fast reader does not keep the I/O thread from its other connections.
        net::post(executor_, [self = this->shared_from_this(), close] {
          self->send_file_body(close);
        });
        return;
      }
      off_t offset = static_cast<off_t>(send_file_.offset);
      const auto want = static_cast<std::size_t>(
          std::min<std::int64_t>(send_file_.length, kSendFileStep));
      const ssize_t n = ::sendfile(socket.native_handle(), send_file_.fd, &offset, want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        tcp_layer().expires_never();
        send_file_timer_.expires_after(timeout());
        send_file_timer_.async_wait([self = this->shared_from_this()](beast::error_code timer_ec) {
          if (timer_ec) return;  // cancelled: the socket became writable in time
          beast::error_code ignored;
          self->tcp_layer().socket().cancel(ignored);
        });
        socket.async_wait(tcp::socket::wait_write,
                          [self = this->shared_from_this(), close](beast::error_code wait_ec) {
                            self->send_file_timer_.cancel();
                            if (wait_ec) return self->on_write(true, wait_ec, 0);
                            self->send_file_body(close);
                          });
        return;
      }
      if (n <= 0) {
        // An error, or the file shrank under us: end the answer as a broken one.
        ec = n < 0 ? beast::error_code(errno, boost::system::system_category())
                   : beast::error_code(net::error::eof);
        break;
      }
      send_file_.offset += n;
      send_file_.length -= n;
      this_turn += n;
    }
    send_file_.reset();
    beast::error_code ignored;
    socket.native_non_blocking(false, ignored);  // as the rest of the session found it
    on_write(close || ec.failed(), ec, 0);
  }

  void on_write(bool close, beast::error_code ec, std::size_t) {
    held_.release();
    response_ = {};  // its body may be large; the connection may idle for a while now
    file_response_ = {};  // closes the attachment's file
    send_file_.reset();
    if (ec || stopping_) return do_close();
    if (close) return drain();
    do_read();
  }

  // Half-closes (plain TCP only: a TLS stream cannot be half-closed below TLS, and its
  // close_notify would make OpenSSL fail on the body still arriving), then discards input
  // until the client closes too or kDrainTime passes.
  void drain() {
    if constexpr (!kTls) {
      beast::error_code ec;
      tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    tcp_layer().expires_after(kDrainTime);
    do_drain();
  }

  void do_drain() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->do_close();
                              self->do_drain();
                            });
  }

  void do_close() {
    if constexpr (kTls) {
      // close_notify, bounded: a peer that never answers it does not hold the socket.
      tcp_layer().expires_after(kDrainTime);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        self->close_now();
      });
    } else {
      beast::error_code ec;
      tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ec);
      tcp_layer().close();
    }
  }

  // The strand; kept apart from the stream, which moves to a WsSession on an upgrade.
  const net::any_io_executor executor_;
  const std::string client_address_;  // the peer's IP address, for per-address login limits
  Stream stream_;
  bool handed_over_ = false;  // on the strand: the stream went to a WsSession
  Shared& shared_;
  net::thread_pool& pool_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  // An upload: its body goes to body_file_ (removed unless the handler takes it).
  std::optional<http::request_parser<http::file_body>> file_parser_;
  HttpRequest head_;  // the request being read, from its headers
  std::string body_file_;
  http::response<http::empty_body> continue_;
  http::response<http::string_body> response_;  // alive until its write completes
  http::response<FileRangeBody> file_response_;
  // Plain TCP downloads: the header, then the file's range by sendfile.
  http::response<http::empty_body> file_head_;
  FileRangeBody::value_type send_file_;
  net::steady_timer send_file_timer_{executor_};
  OutputBudget::Hold held_;  // response_'s bytes in the output budget, until written
  unsigned version_ = 11;
  std::string method_;
  std::string target_;
  std::chrono::steady_clock::time_point started_;
  std::array<char, 8192> scratch_{};
  // On the strand only.
  bool reading_ = false;   // waiting for (the rest of) a request: nothing is in flight
  bool stopping_ = false;  // the server is stopping: no further request is read
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
        if (shared.tls) {
          std::make_shared<Session<TlsStream>>(std::move(s), shared, pool)->start();
        } else {
          std::make_shared<Session<PlainStream>>(std::move(s), shared, pool)->start();
        }
      } else if (ec == net::error::no_descriptors ||
                 ec == boost::system::errc::too_many_files_open_in_system) {
        out_of_descriptors();
        return;
      } else {
        spdlog::warn("accept failed: {}", ec.message());
      }
      do_accept();
    });
  }

  // Out of file descriptors, accept fails at once for as long as connections wait: answer
  // the oldest 503 with the spare descriptor, report once per kDescriptorReportInterval, and
  // pause before accepting again, so the loop neither spins nor floods the log, and it resumes
  // as soon as connections close.
  void out_of_descriptors() {
    const bool refused = reserve.refuse_one(acceptor.native_handle());
    refused_connections += refused ? 1 : 0;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_descriptor_report >= kDescriptorReportInterval) {
      spdlog::warn("out of file descriptors: {} connection(s) answered 503 since the last report "
                   "(raise the open files limit, ulimit -n or systemd LimitNOFILE)",
                   refused_connections);
      last_descriptor_report = now;
      refused_connections = 0;
    }
    accept_pause.expires_after(kAcceptPause);
    accept_pause.async_wait([this](beast::error_code ec) {
      if (!ec && acceptor.is_open()) do_accept();
    });
  }

  // glibc keeps memory freed by the worker threads in their arenas for reuse: after a burst
  // of big answers (or a client that made the server build many) it would stay resident for
  // good. Giving it back to the system every kTrimInterval costs little and keeps RSS near
  // what is in use.
  void schedule_trim() {
    trim_timer.expires_after(kTrimInterval);
    trim_timer.async_wait([this](beast::error_code ec) {
      if (ec || !acceptor.is_open()) return;
      ::malloc_trim(0);
      schedule_trim();
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
  // Used on the acceptor's strand only (out_of_descriptors).
  net::steady_timer accept_pause{acceptor.get_executor()};
  net::steady_timer trim_timer{acceptor.get_executor()};
  DescriptorReserve reserve;
  std::int64_t refused_connections = 0;
  std::chrono::steady_clock::time_point last_descriptor_report{};
  std::vector<std::thread> threads;

  std::mutex mutex;
  std::condition_variable stopped_cv;
  bool started = false;  // guarded by mutex
  bool stopped = false;  // guarded by mutex: stop() has begun
  bool finished = false; // guarded by mutex: stop() has joined every thread
};

Status check_tls_files(const std::string& cert_file, const std::string& key_file) {
  MISSIVE_TRY(const auto context, load_tls_context(cert_file, key_file));
  return {};
}

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
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    MISSIVE_TRY(impl.shared.tls, load_tls_context(options.tls_cert_file, options.tls_key_file));
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
  net::post(acceptor.get_executor(), [&impl] { impl.schedule_trim(); });
  {
    std::lock_guard lock(impl.mutex);
    impl.started = true;
  }
  for (int i = 0; i < std::max(1, options.io_threads); ++i) {
    impl.threads.emplace_back([&impl] { name_this_thread("missive-io"); impl.ioc.run(); });
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
  // Once the listener and the idle connections are closed, the I/O threads may have nothing
  // left to wait for while a request still runs on the pool: they must keep running to write
  // its response.
  auto keep_running = net::make_work_guard(impl.ioc);
  net::post(impl.acceptor.get_executor(), [&impl] {
    beast::error_code ec;
    impl.acceptor.close(ec);
    impl.accept_pause.cancel();
    impl.trim_timer.cancel();
  });
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(impl.shared.mutex);
    for (auto& [raw, weak] : impl.shared.sessions) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  for (auto& session : open) session->shut_down();
  open.clear();
  for (const auto& ws : impl.shared.ws.registry.all()) shut_down_ws_session(ws);
  // Requests already running finish and their responses are written (the I/O threads still
  // run) before the connections close.
  impl.pool.join();
  // Responses being written, and WebSocket clients answering the 1001 close frame, get a
  // moment before the I/O threads go away.
  const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  const auto busy = [&impl] {
    std::lock_guard lock(impl.shared.mutex);
    return !impl.shared.sessions.empty();
  };
  while ((busy() || impl.shared.ws.registry.size() > 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  keep_running.reset();
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
