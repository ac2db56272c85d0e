// One WebSocket connection (docs/protocol.md). Frames are read and written on the
// connection's strand; requests and the fetches behind pushes run on the worker pool, since
// the engine may wait there for a commit. At most one write is in flight (Beast allows no
// more); frames wait in a bounded queue behind it.
#include "server/ws_session.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "server/ws_protocol.h"

namespace missive::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Requests of one connection running at once; reading pauses at this many.
constexpr int kMaxInflight = 64;
// A push fetch reads the timeline in pages of this many entries; a page goes out as push
// frames of at most an eighth of the queue bound each.
constexpr int kPushPage = 100;
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);

constexpr std::uint16_t kCloseBadData = 1007;
constexpr std::uint16_t kClosePolicy = 1008;
constexpr std::uint16_t kCloseServerError = 1011;
constexpr std::uint16_t kCloseSlowConsumer = 4000;

}  // namespace

class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(WsContext& context, tcp::socket socket, const Caller& caller, std::string token)
      : context_(context),
        ws_(std::move(socket)),
        caller_(caller),
        authorization_("Bearer " + token) {}

  ~WsSession() { context_.registry.remove(caller_.id, this); }

  void run(http::request<http::string_body> request) {
    const auto& options = context_.options;
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = kHandshakeTimeout;
    if (options.ws_idle_seconds > 0) {
      timeout.idle_timeout = std::chrono::seconds(options.ws_idle_seconds);
      timeout.keep_alive_pings = true;
    } else {
      timeout.idle_timeout = websocket::stream_base::none();
      timeout.keep_alive_pings = false;
    }
    ws_.set_option(timeout);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "missive"); }));
    ws_.read_message_max(options.ws_frame_limit);
    ws_.async_accept(request, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
  }

  // The user's timeline grew (any thread, notably the store's writer: must not block).
  void notify() {
    {
      std::lock_guard lock(push_mutex_);
      if (!ready_ || fetching_) {
        dirty_ = true;
        return;
      }
      fetching_ = true;
    }
    net::post(context_.pool, [self = shared_from_this()] { self->fetch(); });
  }

  // Any thread.
  void shut_down() {
    net::post(ws_.get_executor(),
              [self = shared_from_this()] { self->close(websocket::close_code::going_away,
                                                       "server shutting down"); });
  }

  // Only when no thread runs the io_context.
  void close_now() {
    closed_ = true;
    beast::get_lowest_layer(ws_).close();
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      spdlog::debug("websocket handshake failed: {}", ec.message());
      return;
    }
    // Registered before the starting point is read, so no entry committed after that read
    // can miss its notice.
    context_.registry.add(caller_.id, shared_from_this());
    net::post(context_.pool, [self = shared_from_this()] { self->start_pushing(); });
    do_read();
  }

  // --- requests ---

  void do_read() {
    if (closing_) return;
    if (inflight_ >= kMaxInflight) {
      read_paused_ = true;
      return;
    }
    ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      // Closed by the client, by Beast (1007 bad UTF-8, 1009 too big: Beast sent the close
      // frame), by the idle timeout, or by our own close.
      if (ec != websocket::error::closed) spdlog::debug("websocket read: {}", ec.message());
      closing_ = true;  // frames still arriving from the pool are dropped
      closed_ = true;
      context_.registry.remove(caller_.id, this);
      return;
    }
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!ws_.got_text()) return close(kCloseBadData, "text frames only");
    WsCall call = parse_ws_frame(text);
    switch (call.kind) {
      case WsCall::Kind::bad_data:
        return close(kCloseBadData, "a frame must be one JSON object");
      case WsCall::Kind::answer:
        enqueue(std::move(call.answer));
        break;
      case WsCall::Kind::forward:
        ++inflight_;
        call.request.authorization = authorization_;
        net::post(context_.pool, [self = shared_from_this(), call = std::move(call)]() mutable {
          self->execute(std::move(call));
        });
        break;
    }
    do_read();
  }

  // On the pool.
  void execute(WsCall call) {
    const HttpResponse response = context_.api.handle(call.request);
    std::string answer = ws_answer(call.id, call.type, response);
    const bool session_gone = response.status == 401;
    net::post(ws_.get_executor(), [self = shared_from_this(), answer = std::move(answer),
                                   session_gone]() mutable {
      --self->inflight_;
      self->enqueue(std::move(answer));
      if (session_gone) return self->close(kClosePolicy, "session no longer valid");
      if (self->read_paused_) {
        self->read_paused_ = false;
        self->do_read();
      }
    });
  }

  // --- pushes ---

  // On the pool: pushes start after the user's newest entry now.
  void start_pushing() {
    auto newest = context_.engine.newest_entry(caller_);
    if (!newest) {
      spdlog::warn("websocket: cannot read the timeline of user {}: {}", caller_.id.value,
                   newest.error().message);
      net::post(ws_.get_executor(), [self = shared_from_this()] {
        self->close(kCloseServerError, "cannot read the timeline; reconnect later");
      });
      return;
    }
    {
      std::lock_guard lock(push_mutex_);
      pushed_ = *newest;
      ready_ = true;
      if (!dirty_) return;
      fetching_ = true;
    }
    fetch();
  }

  // On the pool; one at a time per connection (fetching_). Notices during a fetch set dirty_,
  // which runs it once more: entries committed meanwhile are not missed.
  void fetch() {
    for (;;) {
      SyncSeq since = 0;
      {
        std::lock_guard lock(push_mutex_);
        since = pushed_;
        dirty_ = false;
      }
      for (bool more = true; more && !closed_;) {
        auto page = context_.engine.sync(
            caller_, SyncRequest{.since = since, .limit = kPushPage, .mark_delivered = false});
        if (!page) {
          // A later notice tries again; the device pulls what it misses.
          spdlog::warn("websocket: push fetch for user {} failed: {}", caller_.id.value,
                       page.error().message);
          break;
        }
        if (page->reset) {
          // Entries were pruned (or the timeline restored): skip to the newest; the device
          // notices the gap at the next push and pulls.
          since = page->next;
          break;
        }
        auto frames = ws_push_frames(page->entries, caller_.id, context_.engine.clock().now(),
                                     std::max<std::size_t>(context_.options.ws_queue_bytes / 8, 1));
        for (auto& frame : frames) {
          net::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
            self->enqueue(std::move(frame));
          });
        }
        since = page->next;
        more = page->has_more;
      }
      std::lock_guard lock(push_mutex_);
      pushed_ = since;
      if (!dirty_ || closed_) {
        fetching_ = false;
        return;
      }
    }
  }

  // --- writing ---

  // On the strand. A frame is always taken when nothing is queued, however large.
  void enqueue(std::string frame) {
    if (closing_) return;
    const auto& options = context_.options;
    if (!queue_.empty() && (queue_.size() >= options.ws_queue_frames ||
                            queued_bytes_ + frame.size() > options.ws_queue_bytes)) {
      spdlog::info("websocket: user {} is not reading ({} frames, {} bytes queued): closing",
                   caller_.id.value, queue_.size(), queued_bytes_);
      return close(kCloseSlowConsumer, "slow consumer", true);
    }
    queued_bytes_ += frame.size();
    queue_.push_back(std::move(frame));
    if (!writing_) do_write();
  }

  void do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()),
                    beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
    if (ec) {
      closed_ = true;
      closing_ = true;
      queue_.clear();
      return;
    }
    if (!queue_.empty()) return do_write();
    if (closing_) do_close();
  }

  // On the strand: sends what is queued (all of it, or with `drop_queued` only the frame being
  // written), then the close frame. Beast then reads until the client's close frame arrives
  // and closes the socket.
  void close(std::uint16_t code, std::string reason, bool drop_queued = false) {
    if (closing_) return;
    closing_ = true;
    closed_ = true;
    close_reason_.code = code;
    close_reason_.reason = reason;
    while (drop_queued && queue_.size() > (writing_ ? 1u : 0u)) {
      queued_bytes_ -= queue_.back().size();
      queue_.pop_back();
    }
    if (!writing_) do_close();
  }

  void do_close() {
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) spdlog::debug("websocket close: {}", ec.message());
    });
  }

  WsContext& context_;
  websocket::stream<beast::tcp_stream> ws_;
  const Caller caller_;
  const std::string authorization_;

  // On the strand only.
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;  // front: the frame being written while writing_
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  int inflight_ = 0;
  bool read_paused_ = false;
  websocket::close_reason close_reason_;

  // Read by pool threads to stop fetching for a closed connection.
  std::atomic<bool> closed_ = false;

  std::mutex push_mutex_;
  SyncSeq pushed_ = 0;     // guarded by push_mutex_: the last entry pushed (or skipped)
  bool ready_ = false;     // guarded by push_mutex_: pushed_ holds the starting point
  bool fetching_ = false;  // guarded by push_mutex_: a fetch runs on the pool
  bool dirty_ = false;     // guarded by push_mutex_: a notice came since the fetch read pushed_
};

// watch/unwatch run under mutex_, so the bus sees a user's first arrival and last departure in
// the order they happened here (they only record it and return).
void WsRegistry::add(UserId user, const std::shared_ptr<WsSession>& session) {
  std::lock_guard lock(mutex_);
  auto& sessions = users_[user.value];
  if (sessions.empty()) bus_.watch(user);
  sessions.emplace_back(session.get(), session);
}

void WsRegistry::remove(UserId user, const WsSession* session) {
  std::lock_guard lock(mutex_);
  const auto it = users_.find(user.value);
  if (it == users_.end()) return;
  const auto removed =
      std::erase_if(it->second, [session](const auto& entry) { return entry.first == session; });
  if (removed > 0 && it->second.empty()) {
    users_.erase(it);
    bus_.unwatch(user);
  }
}

void WsRegistry::notify(const std::vector<UserId>& users) {
  std::vector<std::shared_ptr<WsSession>> live;
  {
    std::lock_guard lock(mutex_);
    for (const UserId user : users) {
      const auto it = users_.find(user.value);
      if (it == users_.end()) continue;
      for (const auto& [raw, weak] : it->second) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
      }
    }
  }
  // Outside the lock: notify() posts to the pool.
  for (const auto& session : live) session->notify();
}

std::vector<std::shared_ptr<WsSession>> WsRegistry::all() {
  std::vector<std::shared_ptr<WsSession>> live;
  std::lock_guard lock(mutex_);
  for (const auto& [user, sessions] : users_) {
    for (const auto& [raw, weak] : sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  return live;
}

std::size_t WsRegistry::size() {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [user, sessions] : users_) count += sessions.size();
  return count;
}

void start_ws_session(WsContext& context, tcp::socket socket,
                      http::request<http::string_body> request, const Caller& caller,
                      std::string token) {
  std::make_shared<WsSession>(context, std::move(socket), caller, std::move(token))
      ->run(std::move(request));
}

void shut_down_ws_session(const std::shared_ptr<WsSession>& session) { session->shut_down(); }

void close_ws_session_now(const std::shared_ptr<WsSession>& session) { session->close_now(); }

}  // namespace missive::server
