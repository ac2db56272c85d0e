#pragma once
// A "device" speaking the sync protocol over WebSocket (docs/protocol.md): it keeps a cursor,
// pulls `sync` pages until has_more=false, applies pushes in order (pulling on a hole), acks
// what it applied, re-bootstraps over HTTP on a reset, and sends requests with ids, holding
// pushes that arrive while it waits for an answer. Used by `missive watch` and the
// integration tests (several devices of one user, a device catching up).
//
// Requests and answers are JSON texts; an answer of type "error" becomes an Error with the
// server's code and message.
//
// Thread-safety: one SyncClient per thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "client/sync_timeline.h"
#include "client/ws_client.h"
#include "core/error.h"

namespace missive::client {

struct SyncClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string token;
  // Who the token belongs to (their own messages move their watermark); 0: asked with
  // GET /v1/me on the first connect.
  std::int64_t user = 0;
  // The cursor to start from; nullopt: from now (the first push sets it).
  std::optional<SyncSeq> cursor = 0;
  int page_limit = 100;  // `limit` of each sync request (1..100)
  bool auto_ack = true;  // ack after applying entries
  bool keep_entries = true;  // keep every applied entry in entries()
  std::chrono::milliseconds request_timeout{15'000};
  WsOptions ws;  // ws.tls also serves the HTTP requests (GET /v1/me, /v1/conversations)
  // Called for each entry applied, in order, and after a reset (with the new cursor).
  std::function<void(const Entry&)> on_entry;
  std::function<void(SyncSeq next)> on_reset;
};

class SyncClient {
 public:
  explicit SyncClient(SyncClientOptions options);
  SyncClient(const SyncClient&) = delete;
  SyncClient& operator=(const SyncClient&) = delete;

  // Connects (again) and catches up from the cursor: pulls until has_more=false, then applies
  // the pushes that arrived meanwhile. Errors: those of WsClient::connect, of catch_up().
  Status connect();
  // Pulls sync(since=cursor) until has_more=false (re-bootstrapping on a reset), then acks.
  // internal when a page does not continue the cursor (a server bug).
  Status catch_up();

  // Handles the frames that arrive within `timeout` (pushes, late answers); returns when it
  // has passed. unavailable when the connection closes (see ws().close_code()).
  Status pump(std::chrono::milliseconds timeout);
  // Handles frames until `done()` is true (checked first and after every frame): true, or
  // false when `timeout` passed before. unavailable when the connection closes.
  Result<bool> wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);
  // wait_until(cursor() >= seq).
  Result<bool> wait_for_cursor(SyncSeq seq, std::chrono::milliseconds timeout);

  // Sends `request` (a JSON object text with "type" and the request's members; the "id" is
  // added) and waits for its answer, applying pushes only once it came. The answer's JSON
  // text; its error as an Error; unavailable on timeout or when the connection closes.
  Result<std::string> request(std::string_view request);
  // Pipelining: start() sends and returns the id given; await() waits for that id's answer.
  Result<std::int64_t> start(std::string_view request);
  Result<std::string> await(std::int64_t id);

  // Shorthands; bodies are JSON object texts as for the HTTP API.
  Result<std::string> send_message(std::string_view body);              // type "send"
  Result<std::string> reply(std::int64_t parent, std::string_view body);  // type "reply"
  Result<std::string> mark_read(std::int64_t message);
  Result<std::string> mark_conversation_read(std::int64_t conversation,
                                             std::optional<std::int64_t> up_to = std::nullopt);
  // after/before: 0 = not given.
  Result<std::string> history(std::int64_t conversation, std::int64_t after, std::int64_t before,
                              int limit = 50);
  Result<std::string> ping();
  // Acks up_to=cursor() now (without waiting for the answer).
  Status ack();

  // Sends a close frame; the client can connect() again later.
  Status close(int code = kCloseNormal, std::string_view reason = {});

  SyncSeq cursor() const { return timeline_.cursor(); }
  bool has_cursor() const { return timeline_.has_cursor(); }
  const std::vector<Entry>& entries() const { return timeline_.entries(); }
  const DeviceState& state() const { return timeline_.state(); }
  // Counters for tests: sync requests sent, holes seen in pushes, resets, pushes applied.
  int pulls() const { return pulls_; }
  int holes() const { return holes_; }
  int resets() const { return resets_; }
  int pushes_applied() const { return pushes_applied_; }
  // Error answers to requests nobody waited for (acks), as "code: message".
  const std::vector<std::string>& unexpected_errors() const { return unexpected_errors_; }
  // The last GET /v1/conversations body fetched for a reset.
  const std::string& bootstrap_json() const { return bootstrap_json_; }

  WsClient& ws() { return ws_; }

 private:
  Status learn_self();
  bool self_known_ = false;
  // Receives one frame (waiting up to `timeout`) and files it: answers by id, pushes into
  // the held queue. false when none arrived.
  Result<bool> receive_one(std::chrono::milliseconds timeout);
  // Applies held pushes in order; pulls on a hole.
  Status apply_held();
  Status bootstrap(SyncSeq next);

  SyncClientOptions options_;
  WsClient ws_;
  Timeline timeline_;
  std::int64_t next_id_ = 1;
  std::set<std::int64_t> awaited_;             // ids a caller will await
  std::map<std::int64_t, std::string> answers_;  // arrived answers of awaited ids
  std::deque<std::string> held_pushes_;        // bounded by kMaxHeldPushes
  bool need_pull_ = false;                     // pushes were dropped or had a hole
  SyncSeq acked_ = 0;
  int pulls_ = 0;
  int holes_ = 0;
  int resets_ = 0;
  int pushes_applied_ = 0;
  std::vector<std::string> unexpected_errors_;
  std::string bootstrap_json_;
};

}  // namespace missive::client
