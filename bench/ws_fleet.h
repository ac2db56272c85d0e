#pragma once
// Many WebSocket devices on one Asio thread, for the sync benchmarks and missive-bench: each
// connects to /ws with its token, hands every text frame it receives to one callback, and can
// send text frames (queued per device and written in order, so requests can be pipelined).
//
// Thread-safety: connect() and stop() from the owner's thread; send() from any thread
// (including the callback) but not while connect() runs; the callback runs on the fleet's
// thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace missive::bench {

class WsFleet {
 public:
  // (device index, frame text)
  using OnFrame = std::function<void(std::size_t device, std::string_view frame)>;

  WsFleet(std::string host, std::uint16_t port, OnFrame on_frame);
  ~WsFleet();

  // Connects one device per token (at most `in_flight` handshakes at a time) and returns once
  // all are connected. Throws std::runtime_error when one fails.
  void connect(const std::vector<std::string>& tokens, std::size_t in_flight = 200);
  std::size_t connected() const;
  // Queues one text frame to a connected device (its index in connect order).
  void send(std::size_t device, std::string text);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace missive::bench
