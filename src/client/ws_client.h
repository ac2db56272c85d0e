#pragma once
// A small blocking WebSocket client for Missive's `GET /ws` (docs/protocol.md), used by the
// CLI (`missive watch`) and the integration tests. Text frames carry one JSON object each;
// the client only moves text, SyncClient (sync_client.h) speaks the protocol.
//
// Thread-safety: one WsClient per thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "client/tls_options.h"
#include "core/error.h"

namespace missive::client {

// Close codes of the protocol (docs/protocol.md).
inline constexpr int kCloseNormal = 1000;
inline constexpr int kCloseGoingAway = 1001;       // server shutting down
inline constexpr int kCloseAbnormal = 1006;        // no close frame: the connection dropped
inline constexpr int kCloseBadData = 1007;         // not UTF-8 / not a JSON object
inline constexpr int kClosePolicy = 1008;          // session no longer valid
inline constexpr int kCloseTooBig = 1009;          // frame over the server's limit
inline constexpr int kCloseSlowConsumer = 4000;
inline constexpr int kCloseIdle = 4001;

struct WsOptions {
  std::string target = "/ws";  // the request target; "/ws?token=..." to test query auth
  // Connect, handshake and each send must finish within this.
  std::chrono::milliseconds io_timeout{30'000};
  // The connection is considered dead when nothing arrives for this long while receive() is
  // waiting; with keep_alive_pings the client pings at half of it. Zero: never.
  std::chrono::milliseconds idle_timeout{60'000};
  bool keep_alive_pings = true;
  std::size_t max_frame = 16u << 20;  // larger incoming messages fail the connection
  TlsOptions tls;  // enabled: wss:// (the TLS handshake is part of connect)
};

class WsClient {
 public:
  explicit WsClient(WsOptions options = {});
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Connects and upgrades, sending "Authorization: Bearer <token>" when the token is not
  // empty. A previous connection is dropped first. Failures: unavailable when the server
  // cannot be reached; with TLS, unauthenticated when the server's certificate is not trusted
  // and invalid when the CA file cannot be loaded; when the server refuses the upgrade, the
  // error the server sent in its
  // JSON body (e.g. unauthenticated for 401) with the HTTP status in the message, and
  // upgrade_status() tells the status.
  Status connect(std::string_view host, std::uint16_t port, std::string_view token);

  bool is_open() const;

  // Sends one text frame. unavailable when not connected or the connection failed.
  Status send(std::string_view text);
  // Sends one binary frame (for tests of the server's refusal).
  Status send_binary(std::string_view bytes);

  // The next text (or binary) frame; nullopt when none arrived within `timeout`. Error
  // (unavailable) when the connection is closed or failed: close_code() / close_reason() then
  // tell why. Pings are answered while waiting.
  Result<std::optional<std::string>> receive(std::chrono::milliseconds timeout);

  // Sends a close frame and waits (up to the io timeout) for the server's; the connection is
  // closed afterwards in any case. Succeeds when not connected.
  Status close(int code = kCloseNormal, std::string_view reason = {});

  // How the last connection ended: the server's close code (1000, 1009, 4000, ...), 1006 when
  // it dropped without a close frame, 0 while open or never connected.
  int close_code() const;
  const std::string& close_reason() const;
  // The HTTP status of the last refused upgrade (401, 404, ...); 0 otherwise.
  int upgrade_status() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace missive::client
