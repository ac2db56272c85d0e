// The bus thread owns both Redis connections and does all their I/O: publish(), watch() and
// unwatch() only change sets under the mutex and wake it through an eventfd, so the store's
// writer thread never waits for the network.
#include "bus/redis_bus.h"

#include <fmt/format.h>
#include <hiredis.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace missive {

namespace {

using Clock = std::chrono::steady_clock;

// Commands sent before their replies are read: large enough to amortize the round trip, small
// enough to keep one batch's memory modest.
constexpr std::size_t kPipelineBatch = 1000;

struct ContextFree {
  void operator()(redisContext* context) const { redisFree(context); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;

struct ReplyFree {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{.tv_sec = static_cast<time_t>(ms.count() / 1000),
                 .tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

std::string context_error(const redisContext* context, std::string_view what) {
  if (context == nullptr) return fmt::format("{}: out of memory", what);
  return fmt::format("{}: {}", what, context->errstr[0] != '\0' ? context->errstr : "error");
}

// Writes everything appended to the context's output buffer.
bool flush(redisContext* context) {
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(context, &done) != REDIS_OK) return false;
  }
  return true;
}

}  // namespace

Result<RedisAddress> parse_redis_url(std::string_view url) {
  const auto bad = [&] {
    return fail(
        ErrorCode::invalid,
        fmt::format("\"{}\": expected redis://HOST[:PORT], e.g. redis://127.0.0.1:6379", url));
  };
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return bad();
  std::string_view rest = url.substr(kScheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  RedisAddress address;
  std::string_view host = rest;
  std::string_view port_text;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close < 2) return bad();
    host = rest.substr(1, close - 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad();
      port_text = after.substr(1);
      if (port_text.empty()) return bad();
    }
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
    if (port_text.empty()) return bad();
  }
  if (host.empty() || host.find_first_of("/@?#") != std::string_view::npos) return bad();
  if (!port_text.empty()) {
    int port = 0;
    const auto [ptr, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return bad();
    }
    address.port = port;
  }
  address.host = std::string(host);
  return address;
}

struct RedisBus::Impl {
  explicit Impl(RedisBusOptions opts) : options(std::move(opts)) {
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }
  ~Impl() {
    if (wake_fd >= 0) close(wake_fd);
  }

  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = write(wake_fd, &one, sizeof one);
  }

  std::string channel(std::int64_t user) const {
    return options.channel_prefix + std::to_string(user);
  }

  std::optional<std::int64_t> user_of(std::string_view channel_name) const {
    if (!channel_name.starts_with(options.channel_prefix)) return std::nullopt;
    channel_name.remove_prefix(options.channel_prefix.size());
    std::int64_t user = 0;
    const auto [ptr, ec] =
        std::from_chars(channel_name.data(), channel_name.data() + channel_name.size(), user);
    if (ec != std::errc() || ptr != channel_name.data() + channel_name.size()) return std::nullopt;
    return user;
  }

  // Under mutex: keeps `users` for Redis within the bound.
  void keep_pending(const std::vector<std::int64_t>& users) {
    for (const std::int64_t user : users) {
      if (pending.size() >= options.max_pending_users && !pending.contains(user)) {
        dropped.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      pending.insert(user);
    }
  }

  void deliver(const std::vector<std::int64_t>& users) {
    if (users.empty()) return;
    std::vector<UserId> ids;
    ids.reserve(users.size());
    for (const std::int64_t user : users) ids.emplace_back(user);
    local.publish(ids);
  }

  void report(bool up, const std::string& detail) {
    if (reported == up) return;
    reported = up;
    if (options.on_state) options.on_state(up, detail);
  }

  // --- bus thread ---

  void run() {
    std::chrono::milliseconds backoff = options.min_backoff;
    Clock::time_point next_attempt = Clock::now();
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (stopping) break;
      }
      if (!pub && Clock::now() >= next_attempt) {
        if (auto error = connect(); error) {
          drop_connections(*error);
          next_attempt = Clock::now() + backoff;
          backoff = std::min(backoff * 2, options.max_backoff);
        } else {
          backoff = options.min_backoff;
        }
      }
      if (pub) {
        std::optional<std::string> error = update_subscriptions();
        if (!error) error = send_pending();
        if (error) {
          drop_connections(*error);
          next_attempt = Clock::now();
          continue;
        }
      }
      wait_for_work(next_attempt);
    }
    pub.reset();
    sub.reset();
    healthy.store(false);
  }

  // Opens both connections; the subscriber one subscribes to every watched user's channel.
  std::optional<std::string> connect() {
    const auto where = fmt::format("redis://{}:{}", options.address.host, options.address.port);
    const timeval timeout = to_timeval(options.io_timeout);
    for (Context* slot : {&pub, &sub}) {
      Context context(
          redisConnectWithTimeout(options.address.host.c_str(), options.address.port, timeout));
      if (!context || context->err != 0) return context_error(context.get(), "connect to " + where);
      if (redisSetTimeout(context.get(), timeout) != REDIS_OK ||
          redisEnableKeepAlive(context.get()) != REDIS_OK) {
        return context_error(context.get(), "configure the connection to " + where);
      }
      *slot = std::move(context);
    }
    subscribed.clear();
    {
      std::lock_guard lock(mutex);
      for (const auto& [user, count] : watched) changed.insert(user);
    }
    healthy.store(true);
    report(true, "connected to " + where);
    return std::nullopt;
  }

  // Connections lost: this node's notices go straight to its handlers until they are back.
  void drop_connections(const std::string& error) {
    pub.reset();
    sub.reset();
    subscribed.clear();
    healthy.store(false);
    report(false, error);
  }

  // Brings the subscriptions in line with `watched`. Each SUBSCRIBE is confirmed later by a
  // reply that read_subscriber turns into a notice for its user.
  std::optional<std::string> update_subscriptions() {
    std::unordered_set<std::int64_t> users;
    std::vector<std::int64_t> add;
    std::vector<std::int64_t> remove;
    {
      std::lock_guard lock(mutex);
      users.swap(changed);
      for (const std::int64_t user : users) {
        const bool want = watched.contains(user);
        if (want && !subscribed.contains(user)) add.push_back(user);
        if (!want && subscribed.contains(user)) remove.push_back(user);
      }
    }
    // Unsubscribes first: once a later subscription is confirmed, the earlier ones are gone.
    for (const auto& [command, list] :
         {std::pair{"UNSUBSCRIBE", &remove}, std::pair{"SUBSCRIBE", &add}}) {
      for (std::size_t start = 0; start < list->size(); start += kPipelineBatch) {
        const std::size_t end = std::min(list->size(), start + kPipelineBatch);
        std::vector<std::string> args{command};
        for (std::size_t i = start; i < end; ++i) args.push_back(channel((*list)[i]));
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& arg : args) {
          argv.push_back(arg.data());
          lengths.push_back(arg.size());
        }
        if (redisAppendCommandArgv(sub.get(), static_cast<int>(argv.size()), argv.data(),
                                   lengths.data()) != REDIS_OK) {
          return context_error(sub.get(), "subscribe");
        }
      }
    }
    if (!flush(sub.get())) return context_error(sub.get(), "subscribe");
    for (const std::int64_t user : add) subscribed.insert(user);
    for (const std::int64_t user : remove) subscribed.erase(user);
    return std::nullopt;
  }

  // Publishes the waiting users, pipelined. On failure they wait again for the reconnection,
  // and reach this node's handlers now, since their round trip through Redis did not happen.
  std::optional<std::string> send_pending() {
    std::vector<std::int64_t> users;
    {
      std::lock_guard lock(mutex);
      users.assign(pending.begin(), pending.end());
      pending.clear();
    }
    for (std::size_t start = 0; start < users.size(); start += kPipelineBatch) {
      const std::size_t end = std::min(users.size(), start + kPipelineBatch);
      std::optional<std::string> error;
      for (std::size_t i = start; i < end && !error; ++i) {
        const std::string name = channel(users[i]);
        const char* argv[] = {"PUBLISH", name.data(), ""};
        const std::size_t lengths[] = {7, name.size(), 0};
        if (redisAppendCommandArgv(pub.get(), 3, argv, lengths) != REDIS_OK) {
          error = context_error(pub.get(), "publish");
        }
      }
      for (std::size_t i = start; i < end && !error; ++i) {
        void* raw = nullptr;
        if (redisGetReply(pub.get(), &raw) != REDIS_OK) {
          error = context_error(pub.get(), "publish");
          break;
        }
        const Reply reply(static_cast<redisReply*>(raw));
        if (reply->type == REDIS_REPLY_ERROR) {
          error = fmt::format("publish: {}", std::string_view(reply->str, reply->len));
        }
      }
      if (error) {
        const std::vector<std::int64_t> unsent(users.begin() + static_cast<std::ptrdiff_t>(start),
                                               users.end());
        {
          std::lock_guard lock(mutex);
          keep_pending(unsent);
        }
        deliver(unsent);
        return error;
      }
    }
    return std::nullopt;
  }

  // Sleeps until woken, a subscriber message arrives, a connection drops, or (while down) the
  // next attempt is due.
  void wait_for_work(Clock::time_point next_attempt) {
    pollfd fds[3] = {{.fd = wake_fd, .events = POLLIN, .revents = 0},
                     {.fd = sub ? sub->fd : -1, .events = POLLIN, .revents = 0},
                     {.fd = pub ? pub->fd : -1, .events = POLLIN, .revents = 0}};
    // Connected, the eventfd wakes it; the bounded wait only guards against a missed wake.
    int timeout_ms = 1000;
    if (!pub) {
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_attempt - Clock::now());
      timeout_ms = static_cast<int>(std::max<std::int64_t>(0, wait.count()));
    }
    if (poll(fds, 3, timeout_ms) < 0) return;  // EINTR: the loop looks again
    if ((fds[0].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto got = read(wake_fd, &count, sizeof count);
    }
    if (sub && fds[1].revents != 0) {
      if (auto error = read_subscriber(); error) return drop_connections(*error);
    }
    // The publisher connection has no reply pending between batches: anything readable there
    // is the server closing it.
    if (pub && fds[2].revents != 0) {
      return drop_connections("the publisher connection was closed by the server");
    }
  }

  std::optional<std::string> read_subscriber() {
    if (redisBufferRead(sub.get()) != REDIS_OK) return context_error(sub.get(), "subscriber");
    std::vector<std::int64_t> users;
    for (;;) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(sub.get(), &raw) != REDIS_OK) {
        return context_error(sub.get(), "subscriber");
      }
      if (raw == nullptr) break;
      const Reply reply(static_cast<redisReply*>(raw));
      if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
          reply->element[0]->type != REDIS_REPLY_STRING ||
          reply->element[1]->type != REDIS_REPLY_STRING) {
        continue;
      }
      const std::string_view kind(reply->element[0]->str, reply->element[0]->len);
      // "message": a node published for the user; "subscribe": the subscription took effect,
      // so whatever was committed before it may have gone unannounced here.
      if (kind != "message" && kind != "subscribe") continue;
      const auto user = user_of(std::string_view(reply->element[1]->str, reply->element[1]->len));
      if (user) users.push_back(*user);
    }
    std::sort(users.begin(), users.end());
    users.erase(std::unique(users.begin(), users.end()), users.end());
    deliver(users);
    return std::nullopt;
  }

  const RedisBusOptions options;
  LocalBus local;  // this node's handlers
  int wake_fd = -1;
  std::atomic<bool> healthy = false;  // both connections up: notices come back through Redis
  std::atomic<std::uint64_t> dropped = 0;

  std::mutex mutex;
  bool stopping = false;                          // guarded by mutex
  std::unordered_set<std::int64_t> pending;       // guarded by mutex: to publish
  std::unordered_map<std::int64_t, int> watched;  // guarded by mutex: user -> watch count
  std::unordered_set<std::int64_t> changed;       // guarded by mutex: watch state changed

  // Bus thread only.
  Context pub;
  Context sub;
  std::unordered_set<std::int64_t> subscribed;  // channels subscribed on `sub`
  std::optional<bool> reported;                 // the state last given to on_state

  std::thread thread;  // last: started once everything above exists
};

RedisBus::RedisBus(RedisBusOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

RedisBus::~RedisBus() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake();
  impl_->thread.join();
}

void RedisBus::publish(const std::vector<UserId>& users) {
  if (users.empty()) return;
  std::vector<std::int64_t> ids;
  ids.reserve(users.size());
  for (const UserId user : users) ids.push_back(user.value);
  {
    std::lock_guard lock(impl_->mutex);
    impl_->keep_pending(ids);
  }
  impl_->wake();
  // Down: the round trip through Redis will not bring the notice back to this node.
  if (!impl_->healthy.load()) impl_->local.publish(users);
}

int RedisBus::subscribe(Handler handler) { return impl_->local.subscribe(std::move(handler)); }

void RedisBus::unsubscribe(int id) { impl_->local.unsubscribe(id); }

void RedisBus::watch(UserId user) {
  {
    std::lock_guard lock(impl_->mutex);
    if (++impl_->watched[user.value] == 1) impl_->changed.insert(user.value);
  }
  impl_->wake();
}

void RedisBus::unwatch(UserId user) {
  {
    std::lock_guard lock(impl_->mutex);
    const auto it = impl_->watched.find(user.value);
    if (it == impl_->watched.end()) return;
    if (--it->second > 0) return;
    impl_->watched.erase(it);
    impl_->changed.insert(user.value);
  }
  impl_->wake();
}

bool RedisBus::connected() const { return impl_->healthy.load(); }

std::uint64_t RedisBus::dropped() const { return impl_->dropped.load(std::memory_order_relaxed); }

}  // namespace missive
