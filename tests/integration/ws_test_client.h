#pragma once
// A minimal WebSocket client for the integration tests of /ws (docs/protocol.md): frames are
// read on a background thread into a queue the test waits on. A client may connect without
// reading (and with a tiny receive buffer) to play a slow consumer.
//
// Thread-safety: one owner thread; the reader runs on the client's own I/O thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace missive::itest {

struct WsConnectOptions {
  std::string target = "/ws";
  bool send_token_header = true;  // "Authorization: Bearer <token>"
  bool read = true;               // false: frames stay unread until start_reading()
  int receive_buffer = 0;         // SO_RCVBUF before connecting; 0: the default
};

class WsTestClient {
 public:
  WsTestClient();
  ~WsTestClient();
  WsTestClient(const WsTestClient&) = delete;
  WsTestClient& operator=(const WsTestClient&) = delete;

  // 101 when connected, else the HTTP status of the refused upgrade (see refusal_body()).
  int connect(std::uint16_t port, const std::string& token, WsConnectOptions options = {});
  const std::string& refusal_body() const;

  // Sends one frame and waits for it to be written; false when the connection is gone.
  bool send(const std::string& text, bool binary = false);
  // Sends `text` as one frame of a text message that continues unless `fin` (a fragment).
  bool send_fragment(const std::string& text, bool fin);
  void start_reading();
  // The next frame, or nullopt when none arrives within `timeout` or the connection closed.
  std::optional<std::string> receive(std::chrono::milliseconds timeout);
  // The close code once the connection ended within `timeout` (1006: dropped without a close
  // frame), 0 when still open.
  int wait_closed(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace missive::itest
