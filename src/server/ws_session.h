#pragma once
// The WebSocket side of the server (docs/protocol.md): server.cpp authenticates an upgrade
// request and hands the stream (plain TCP, or TLS) to start_ws_session; the registry knows every
// live connection by user, so a bus notice reaches the connections of the users it names.
//
// Internal to src/server: it names Asio, Beast and Beast's OpenSSL stream types and is
// included only by server.cpp and ws_session.cpp.
//
// Thread-safety: WsRegistry is thread-safe; start_ws_session runs on the socket's strand.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "engine/engine.h"
#include "server/api.h"
#include "server/server.h"

namespace missive::server {

// One WebSocket connection, whatever its stream (the implementation is a template over it).
class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  virtual ~WsSession() = default;
  // The user's timeline grew (any thread, notably the store's writer: must not block).
  virtual void notify() = 0;
  // Closes the connection with 1001 (server shutting down); any thread.
  virtual void shut_down() = 0;
  // Closes the socket at once; only when no thread runs the io_context.
  virtual void close_now() = 0;
};

// user -> their live connections, and how many connection slots each user holds (a slot is
// taken before the handshake, so racing upgrades cannot exceed the limit). The bus is told to
// watch a user while they have a connection here.
class WsRegistry {
 public:
  explicit WsRegistry(Bus& bus) : bus_(bus) {}
  // Takes one of `user`'s `limit` slots (limit <= 0: no limit); false when all are taken.
  bool reserve(UserId user, int limit);
  // Gives back a slot taken by reserve().
  void release(UserId user);
  void add(UserId user, const std::shared_ptr<WsSession>& session);
  // No-op when `session` is not registered (it may be removed twice: on close and when freed).
  void remove(UserId user, const WsSession* session);
  // The users' timelines grew: each of their connections fetches and pushes the new entries.
  // Returns at once (the fetches run on the worker pool).
  void notify(const std::vector<UserId>& users);
  std::vector<std::shared_ptr<WsSession>> all();
  std::size_t size();

 private:
  Bus& bus_;
  std::mutex mutex_;
  // guarded by mutex_
  std::unordered_map<std::int64_t, std::vector<std::pair<const WsSession*, std::weak_ptr<WsSession>>>>
      users_;
  std::unordered_map<std::int64_t, int> slots_;  // user -> slots held
};

// What every WebSocket connection shares; outlives them all.
struct WsContext {
  Api& api;
  Engine& engine;
  const ServerOptions& options;
  boost::asio::thread_pool& pool;
  OutputBudget& output;
  WsRegistry registry;
};

// Completes the handshake of `request` (a WebSocket upgrade authenticated as `caller` with
// `token`) on `stream` and serves the connection until it closes. On the stream's strand. The
// caller has reserved a slot for the user (WsRegistry::reserve); the session releases it when
// the connection ends.
void start_ws_session(WsContext& context, boost::beast::tcp_stream stream,
                      boost::beast::http::request<boost::beast::http::string_body> request,
                      const Caller& caller, std::string token);
// The same over TLS (the TLS handshake is done).
void start_ws_session(WsContext& context,
                      boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                      boost::beast::http::request<boost::beast::http::string_body> request,
                      const Caller& caller, std::string token);

// Closes the connection with 1001 (server shutting down); from any thread.
void shut_down_ws_session(const std::shared_ptr<WsSession>& session);
// Closes the socket at once; only when no thread runs the io_context.
void close_ws_session_now(const std::shared_ptr<WsSession>& session);

}  // namespace missive::server
