#pragma once
// The HTTP/JSON server (Boost.Beast): routes /healthz and /v1/* to the Engine, and serves the
// WebSocket endpoint /ws, which pushes timeline entries when the Bus says a user's grew.
// Beast and Asio stay inside server/*.cpp; this header is cheap to include.
//
// Thread-safety: start/stop/wait are called from one thread (the owner). Requests are parsed on
// I/O threads and executed on a worker pool, so a request waiting for a commit never blocks
// I/O for other connections.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "core/error.h"
#include "engine/engine.h"
#include "engine/media_service.h"
#include "server/output_budget.h"
#include "server/rate_limit.h"
#include "server/web_assets.h"

namespace missive {
class NotificationService;
}

namespace missive::server {

struct ServerOptions {
  // Uploads and attachments (docs/attachments.md); null: their routes answer 503.
  MediaService* media = nullptr;
  // Email and webhooks (docs/notifications.md); null: their routes answer 503.
  NotificationService* notifications = nullptr;
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;          // 0: pick a free port (see Server::start)
  int io_threads = 2;
  // Requests run here, and a write waits for its commit on its thread: the thread count bounds
  // how many writes one group commit can take (16 gave batches of ~8 sends, 256 of ~110).
  int worker_threads = 256;
  std::size_t body_limit = 1 << 20;   // bytes; larger bodies answer 413
  int request_timeout_seconds = 30;
  // WebSocket (/ws, docs/protocol.md).
  std::size_t ws_frame_limit = 64 << 10;   // bytes of one client message; larger: close 1009
  std::size_t ws_queue_bytes = 1 << 20;    // outbound bytes queued per connection; over: 4000
  std::size_t ws_queue_frames = 1000;      // outbound pushes queued per connection; over: 4000
  int ws_idle_seconds = 60;                // nothing received for this long: dropped; 0: never
  int ws_message_seconds = 20;             // one client message's first to last frame; over: 1008
  int ws_connections_per_user = 16;        // more WebSocket upgrades of one user: 429; 0: none
  // Answers written or queued but not yet read by their clients (HTTP and WebSocket).
  OutputLimits output;
  // Sends per user (token bucket) and failed logins per account and address (docs/security.md).
  RateLimits limits;
  // TLS (HTTPS and WSS on the same port) when both are set: PEM files of the certificate
  // chain and of its unencrypted private key. Empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  // The web page served at / and /assets/* (docs/web.md); none when null.
  std::shared_ptr<const WebAssets> web;
};

// Loads the TLS certificate and key as start() will. invalid, with the file and the reason,
// when one cannot be read, is not PEM, or the key does not match the certificate.
Status check_tls_files(const std::string& cert_file, const std::string& key_file);

// One registered route, as documented in docs/openapi.yaml ("/v1/users/{id}").
struct RouteInfo {
  std::string method;
  std::string path;
};

// Every route the server answers, in registration order.
std::vector<RouteInfo> registered_routes();

class Server {
 public:
  // `bus` carries the notices that make WebSocket connections push; it must outlive the server.
  Server(Engine& engine, Bus& bus, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the TLS files (when set), binds and starts serving. Returns the bound port (useful
  // with port 0). invalid when the TLS files are not usable (see check_tls_files);
  // unavailable if the address cannot be bound.
  Result<std::uint16_t> start();
  // Graceful: stops accepting, closes idle connections, lets every running request finish and
  // write its response (with "Connection: close"), closes WebSockets with 1001 "server
  // shutting down", then joins threads. Idempotent.
  void stop();
  // Blocks until stop() is called from another thread or a signal handler's thread.
  void wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace missive::server
