#pragma once
// The HTTP/JSON server (Boost.Beast): routes /healthz and /v1/* to the Engine.
// Beast and Asio stay inside server/*.cpp; this header is cheap to include.
//
// Thread-safety: start/stop/wait are called from one thread (the owner). Requests are parsed on
// I/O threads and executed on a worker pool, so a request waiting for a commit never blocks
// I/O for other connections.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "engine/engine.h"

namespace missive::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;          // 0: pick a free port (see Server::start)
  int io_threads = 2;
  int worker_threads = 16;            // requests run here; many wait on a group commit at once
  std::size_t body_limit = 1 << 20;   // bytes; larger bodies answer 413
  int request_timeout_seconds = 30;
};

// One registered route, as documented in docs/openapi.yaml ("/v1/users/{id}").
struct RouteInfo {
  std::string method;
  std::string path;
};

// Every route the server answers, in registration order.
std::vector<RouteInfo> registered_routes();

class Server {
 public:
  Server(Engine& engine, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving. Returns the bound port (useful with port 0).
  // unavailable if the address cannot be bound.
  Result<std::uint16_t> start();
  // Stops accepting, closes connections, joins threads. Idempotent.
  void stop();
  // Blocks until stop() is called from another thread or a signal handler's thread.
  void wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace missive::server
