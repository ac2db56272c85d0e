// One WebSocket connection (docs/protocol.md). Frames are read and written on the
// connection's strand; requests and the fetches behind pushes run on the worker pool, since
// the engine may wait there for a commit. At most one write is in flight (Beast allows no
// more); frames wait in a bounded queue behind it. What one connection can make the server
// hold is bounded (docs/security.md): requests wait to run while answers go unread, pushes a
// client does not read close it, and every queued byte counts in the server's OutputBudget.
// WsStreamSession is a template over the stream (plain TCP or TLS) so both share this code; the two
// start_ws_session overloads at the end instantiate it.
#include "server/ws_session.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <spdlog/spdlog.h>

#include "server/ws_protocol.h"

namespace missive::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Requests of one connection read but not yet answered; reading pauses at this many.
constexpr std::size_t kMaxWaiting = 64;
// Reads of pages (GET: history, sync) of one connection running at once on the pool: what one
// connection can make the server build before its answers are written is bounded by this many
// pages. Writes (sends, replies, reads, acks) have small answers and run up to kMaxWaiting at
// once, so that pipelined sends share group commits.
constexpr int kMaxPagesRunning = 4;
// A message's frames are read this many bytes at a time (the time bound needs partial reads).
constexpr std::size_t kReadChunk = 16 << 10;
// A push fetch reads the timeline in pages of this many entries; a page goes out as push
// frames of at most an eighth of the queue bound each.
constexpr int kPushPage = 100;
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);

constexpr std::uint16_t kCloseBadData = 1007;
constexpr std::uint16_t kClosePolicy = 1008;
constexpr std::string_view kBearer = "Bearer ";
constexpr std::uint16_t kCloseServerError = 1011;
constexpr std::uint16_t kCloseTryAgainLater = 1013;
constexpr std::uint16_t kCloseSlowConsumer = 4000;

}  // namespace

// A frame waiting to be written.
struct Frame {
  enum class Kind { reply, push };
  std::string text;
  Kind kind = Kind::reply;
};

template <class Stream>
class WsStreamSession final : public WsSession {
 public:
  WsStreamSession(WsContext& context, Stream stream, const Caller& caller, std::string token)
      : context_(context),
        ws_(std::move(stream)),
        message_timer_(ws_.get_executor()),
        caller_(caller),
        authorization_(std::string(kBearer) + token) {}

  ~WsStreamSession() override {
    context_.registry.remove(caller_.id, this);
    release_slot();
    context_.output.give_back(caller_.id.value, queued_bytes_);
  }

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
    // The starting point of pushes is read before the handshake is answered: whatever commits
    // after the client sees 101 is after it, so it is pushed (a client pulls what came
    // before). Registered first, so no entry committed after that read can miss its notice.
    context_.registry.add(caller_.id, shared_from_this());
    upgrade_request_ = std::move(request);
    net::post(context_.pool, [self = ptr()] { self->read_starting_point(); });
  }

  void notify() override {
    {
      std::lock_guard lock(push_mutex_);
      if (!ready_ || fetching_) {
        dirty_ = true;
        return;
      }
      fetching_ = true;
    }
    net::post(context_.pool, [self = ptr()] { self->fetch(); });
  }

  void shut_down() override {
    net::post(ws_.get_executor(),
              [self = ptr()] { self->close(websocket::close_code::going_away,
                                                       "server shutting down"); });
  }

  void close_now() override {
    closed_ = true;
    beast::get_lowest_layer(ws_).close();
  }

 private:
  std::shared_ptr<WsStreamSession> ptr() {
    return std::static_pointer_cast<WsStreamSession>(shared_from_this());
  }

  void on_accept(beast::error_code ec) {
    if (ec) {
      spdlog::debug("websocket handshake failed: {}", ec.message());
      return;
    }
    if (!starting_point_read_) {
      return close(kCloseServerError, "cannot read the timeline; reconnect later");
    }
    do_read();
    start_pushing();
  }

  // --- requests ---

  // Reading pauses while kMaxWaiting requests wait for answers or half the queue bound waits
  // to be written: a client that sends and does not read (even pings, answered at once) is
  // held back by TCP instead of growing the queue.
  void do_read() {
    if (closing_) return;
    if (waiting_.size() + static_cast<std::size_t>(running_) >= kMaxWaiting ||
        queued_bytes_ >= context_.options.ws_queue_bytes / 2) {
      read_paused_ = true;
      return;
    }
    ws_.async_read_some(buffer_, kReadChunk,
                        beast::bind_front_handler(&WsStreamSession::on_read, ptr()));
  }

  void resume_reading() {
    if (!read_paused_ || closing_) return;
    read_paused_ = false;
    do_read();
  }

  // A message must arrive whole within ws_message_seconds of its first frame: a client
  // trickling the fragments of one that never ends would otherwise hold its connection (and
  // the bytes read so far) for ever, the idle timeout seeing it as active.
  void on_message_progress() {
    if (ws_.is_message_done()) {
      if (message_started_) message_timer_.cancel();
      message_started_ = false;
      return;
    }
    if (message_started_ || context_.options.ws_message_seconds <= 0) return;
    message_started_ = true;
    message_timer_.expires_after(std::chrono::seconds(context_.options.ws_message_seconds));
    message_timer_.async_wait([self = ptr()](beast::error_code ec) {
      if (ec || !self->message_started_) return;
      self->close(kClosePolicy, fmt::format("a message must arrive whole within {} s",
                                            self->context_.options.ws_message_seconds));
    });
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      // Closed by the client, by Beast (1007 bad UTF-8, 1009 too big: Beast sent the close
      // frame), by the idle timeout, or by our own close.
      if (ec != websocket::error::closed) spdlog::debug("websocket read: {}", ec.message());
      closing_ = true;  // frames still arriving from the pool are dropped
      closed_ = true;
      message_timer_.cancel();
      context_.registry.remove(caller_.id, this);
      // The connection is over: the user may open another at once, before this object goes.
      release_slot();
      return;
    }
    on_message_progress();
    if (!ws_.is_message_done()) return do_read();
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!ws_.got_text()) return close(kCloseBadData, "text frames only");
    WsCall call = parse_ws_frame(text);
    switch (call.kind) {
      case WsCall::Kind::bad_data:
        return close(kCloseBadData, "a frame must be one JSON object");
      case WsCall::Kind::answer:
        enqueue(std::move(call.answer), Frame::Kind::reply);
        break;
      case WsCall::Kind::forward:
        call.request.authorization = authorization_;
        waiting_.push_back(std::move(call));
        run_waiting();
        break;
    }
    do_read();
  }

  // On the strand: starts waiting requests, in order, while the answers queued for the client
  // stay under half the queue bound and fewer than kMaxPagesRunning pages are being read. A
  // client that sends requests but does not read the answers thus stops having them computed;
  // its requests wait (reading pauses at kMaxWaiting) instead of filling memory.
  void run_waiting() {
    while (!closing_ && !waiting_.empty() && queued_bytes_ < context_.options.ws_queue_bytes / 2) {
      const bool page = waiting_.front().request.method == "GET";
      if (page && pages_running_ >= kMaxPagesRunning) return;
      ++running_;
      pages_running_ += page ? 1 : 0;
      net::post(context_.pool, [self = ptr(), call = std::move(waiting_.front()), page]() mutable {
        self->execute(std::move(call), page);
      });
      waiting_.pop_front();
    }
  }

  // On the pool.
  void execute(WsCall call, bool page) {
    const HttpResponse response = context_.api.handle(call.request);
    std::string answer = ws_answer(call.id, call.type, response);
    const bool session_gone = response.status == 401;
    net::post(ws_.get_executor(),
              [self = ptr(), answer = std::move(answer), session_gone, page]() mutable {
                --self->running_;
                self->pages_running_ -= page ? 1 : 0;
                self->enqueue(std::move(answer), Frame::Kind::reply);
                if (session_gone) return self->close(kClosePolicy, "session no longer valid");
                self->run_waiting();
                self->resume_reading();
              });
  }

  // --- pushes ---

  // On the pool: pushes start after the user's newest entry now; then the handshake.
  void read_starting_point() {
    auto newest = context_.engine.newest_entry(caller_);
    if (newest) {
      std::lock_guard lock(push_mutex_);
      pushed_ = *newest;
    } else {
      spdlog::warn("websocket: cannot read the timeline of user {}: {}", caller_.id.value,
                   newest.error().message);
    }
    net::post(ws_.get_executor(), [self = ptr(), read = newest.has_value()] {
      self->starting_point_read_ = read;
      self->ws_.async_accept(self->upgrade_request_,
                             beast::bind_front_handler(&WsStreamSession::on_accept, self));
    });
  }

  // On the strand, once the handshake is done: what was noticed meanwhile is fetched.
  void start_pushing() {
    {
      std::lock_guard lock(push_mutex_);
      ready_ = true;
      if (!dirty_) return;
      fetching_ = true;
    }
    net::post(context_.pool, [self = ptr()] { self->fetch(); });
  }

  // On the pool; one at a time per connection (fetching_). Notices during a fetch set dirty_,
  // which runs it once more: entries committed meanwhile are not missed.
  void fetch() {
    for (;;) {
      // A session that ended (logout, expiry, deactivation) receives nothing more: a client
      // that only listens would otherwise keep getting new messages with a dead token.
      if (auto alive = context_.engine.authenticate(authorization_.substr(kBearer.size()));
          !alive && alive.error().code == ErrorCode::unauthenticated) {
        net::post(ws_.get_executor(), [self = ptr()] {
          self->close(kClosePolicy, "session no longer valid");
        });
        std::lock_guard lock(push_mutex_);
        fetching_ = false;
        return;
      }
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
          net::post(ws_.get_executor(), [self = ptr(), frame = std::move(frame)]() mutable {
            self->enqueue(std::move(frame), Frame::Kind::push);
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

  // Once: on the strand, or in the destructor (after every handler has run).
  void release_slot() {
    if (!slot_held_) return;
    slot_held_ = false;
    context_.registry.release(caller_.id);
  }

  // --- writing ---

  // On the strand. Replies are bounded by run_waiting (a client that does not read stops
  // having its requests run); pushes are not the client's to pace, so pushes over the queue
  // bounds close the connection (4000). A frame is always taken when nothing is queued,
  // however large (pages are bounded in bytes, docs/api.md), unless the server's output
  // budget is used up.
  void enqueue(std::string text, Frame::Kind kind) {
    if (closing_) return;
    const auto& options = context_.options;
    if (kind == Frame::Kind::push && !queue_.empty() &&
        (pushes_queued_ >= options.ws_queue_frames ||
         queued_bytes_ + text.size() > options.ws_queue_bytes)) {
      spdlog::info("websocket: user {} is not reading ({} frames, {} bytes queued): closing",
                   caller_.id.value, queue_.size(), queued_bytes_);
      return close(kCloseSlowConsumer, "slow consumer", true);
    }
    if (!context_.output.take(caller_.id.value, text.size())) {
      spdlog::info("websocket: user {}: the output budget is used up: closing", caller_.id.value);
      return close(kCloseTryAgainLater, "the server holds too many unread answers; reconnect later",
                   true);
    }
    queued_bytes_ += text.size();
    pushes_queued_ += kind == Frame::Kind::push ? 1 : 0;
    queue_.push_back(Frame{std::move(text), kind});
    if (!writing_) do_write();
  }

  // On the strand: the queue's last frame (or with `front` its first) is gone.
  void pop_frame(bool front) {
    const Frame& frame = front ? queue_.front() : queue_.back();
    queued_bytes_ -= frame.text.size();
    pushes_queued_ -= frame.kind == Frame::Kind::push ? 1 : 0;
    context_.output.give_back(caller_.id.value, frame.text.size());
    if (front) {
      queue_.pop_front();
    } else {
      queue_.pop_back();
    }
  }

  void do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front().text),
                    beast::bind_front_handler(&WsStreamSession::on_write, ptr()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    pop_frame(true);
    if (ec) {
      closed_ = true;
      closing_ = true;
      drop_all();
      return;
    }
    run_waiting();
    resume_reading();
    if (!queue_.empty()) return do_write();
    if (closing_) do_close();
  }

  // The connection is over or closing: what waits for it is never sent, so its memory goes now
  // rather than when the socket does.
  void drop_all() {
    waiting_.clear();
    while (!queue_.empty()) pop_frame(false);
    std::deque<Frame>().swap(queue_);
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
    waiting_.clear();
    message_timer_.cancel();
    while (drop_queued && queue_.size() > (writing_ ? 1u : 0u)) pop_frame(false);
    if (!writing_) do_close();
  }

  void do_close() {
    ws_.async_close(close_reason_, [self = ptr()](beast::error_code ec) {
      if (ec) spdlog::debug("websocket close: {}", ec.message());
    });
  }

  WsContext& context_;
  websocket::stream<Stream> ws_;
  net::steady_timer message_timer_;  // on the strand: bounds the time one message may take
  const Caller caller_;
  const std::string authorization_;

  // On the strand only.
  beast::flat_buffer buffer_;
  std::deque<Frame> queue_;  // front: the frame being written while writing_
  std::size_t queued_bytes_ = 0;
  std::size_t pushes_queued_ = 0;
  std::deque<WsCall> waiting_;    // requests read, not yet running (run_waiting)
  int running_ = 0;               // requests running on the pool
  int pages_running_ = 0;         // of which reads of pages (GET)
  bool message_started_ = false;  // part of a message has been read (on_message_progress)
  bool writing_ = false;
  bool closing_ = false;
  bool read_paused_ = false;
  bool slot_held_ = true;  // the user's connection slot (WsRegistry::reserve)
  websocket::close_reason close_reason_;

  // Read by pool threads to stop fetching for a closed connection.
  std::atomic<bool> closed_ = false;

  std::mutex push_mutex_;
  SyncSeq pushed_ = 0;     // guarded by push_mutex_: the last entry pushed (or skipped)
  bool ready_ = false;     // guarded by push_mutex_: the handshake is done, pushes may go
  http::request<http::string_body> upgrade_request_;  // until the handshake is answered
  bool starting_point_read_ = false;                  // on the strand
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

bool WsRegistry::reserve(UserId user, int limit) {
  std::lock_guard lock(mutex_);
  int& held = slots_[user.value];
  if (limit > 0 && held >= limit) return false;  // held >= 1: the entry stays
  ++held;
  return true;
}

void WsRegistry::release(UserId user) {
  std::lock_guard lock(mutex_);
  const auto it = slots_.find(user.value);
  if (it == slots_.end()) return;
  if (--it->second <= 0) slots_.erase(it);
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

void start_ws_session(WsContext& context, beast::tcp_stream stream,
                      http::request<http::string_body> request, const Caller& caller,
                      std::string token) {
  std::make_shared<WsStreamSession<beast::tcp_stream>>(context, std::move(stream), caller,
                                                       std::move(token))
      ->run(std::move(request));
}

void start_ws_session(WsContext& context, beast::ssl_stream<beast::tcp_stream> stream,
                      http::request<http::string_body> request, const Caller& caller,
                      std::string token) {
  std::make_shared<WsStreamSession<beast::ssl_stream<beast::tcp_stream>>>(
      context, std::move(stream), caller, std::move(token))
      ->run(std::move(request));
}

void shut_down_ws_session(const std::shared_ptr<WsSession>& session) { session->shut_down(); }

void close_ws_session_now(const std::shared_ptr<WsSession>& session) { session->close_now(); }

}  // namespace missive::server
