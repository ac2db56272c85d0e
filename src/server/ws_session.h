#pragma once
// The WebSocket side of the server (docs/protocol.md): server.cpp authenticates an upgrade
// request and hands the socket to start_ws_session; the registry knows every live connection
// by user, so a bus notice reaches the connections of the users it names.
//
// Internal to src/server: it names Asio and Beast types and is included only by server.cpp
// and ws_session.cpp.
//
// Thread-safety: WsRegistry is thread-safe; start_ws_session runs on the socket's strand.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "engine/engine.h"
#include "server/api.h"
#include "server/server.h"

namespace missive::server {

class WsSession;

// user -> their live connections. The bus is told to watch a user while they have one here.
class WsRegistry {
 public:
  explicit WsRegistry(Bus& bus) : bus_(bus) {}
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
};

// What every WebSocket connection shares; outlives them all.
struct WsContext {
  Api& api;
  Engine& engine;
  const ServerOptions& options;
  boost::asio::thread_pool& pool;
  WsRegistry registry;
};

// Completes the handshake of `request` (a WebSocket upgrade authenticated as `caller` with
// `token`) on `socket` and serves the connection until it closes.
void start_ws_session(WsContext& context, boost::asio::ip::tcp::socket socket,
                      boost::beast::http::request<boost::beast::http::string_body> request,
                      const Caller& caller, std::string token);

// Closes the connection with 1001 (server shutting down); from any thread.
void shut_down_ws_session(const std::shared_ptr<WsSession>& session);
// Closes the socket at once; only when no thread runs the io_context.
void close_ws_session_now(const std::shared_ptr<WsSession>& session);

}  // namespace missive::server
