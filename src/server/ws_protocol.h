#pragma once
// The WebSocket protocol's frames without the network (docs/protocol.md): a client frame is
// turned into the HTTP request that answers it (so the WebSocket and the HTTP API share every
// handler, validation and error), and the HTTP response back into the answer frame; pushes
// are written here too. ws_session.cpp moves the frames.
//
// Thread-safety: free functions; no shared state.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/sync.h"
#include "server/http_types.h"

namespace missive::server {

// What to do with one text frame from a client.
struct WsCall {
  enum class Kind {
    forward,   // run `request` through the API; answer with ws_answer(id, type, response)
    answer,    // send `answer` as it is (ping, or an error found before any API call)
    bad_data,  // not a JSON object: close the connection with 1007
  };
  Kind kind = Kind::answer;
  std::string id;    // the request's id as JSON text ("7", "\"a\"", or "null")
  std::string type;  // "sync", "send", ...
  HttpRequest request;  // forward: method, target and body (no authorization)
  std::string answer;   // answer: the frame to send
};

WsCall parse_ws_frame(std::string_view text);

// The answer frame of a forwarded request: {"id":..,"type":..,...} from the API's response;
// an error response becomes {"id":..,"type":"error","status":..,"error":{...}}.
std::string ws_answer(std::string_view id, std::string_view type, const HttpResponse& response);

// {"id":..,"type":"error","status":..,"error":{"code":..,"message":..}}.
std::string ws_error(std::string_view id, const Error& error);

// {"type":"push","entries":[...]} as `viewer` sees them.
std::string ws_push_frame(const std::vector<SyncEntry>& entries, UserId viewer, Timestamp now);
// The same entries as consecutive push frames of at most `max_bytes` each (a frame holds at
// least one entry, however large), so that one page never fills a connection's queue alone.
std::vector<std::string> ws_push_frames(const std::vector<SyncEntry>& entries, UserId viewer,
                                        Timestamp now, std::size_t max_bytes);

}  // namespace missive::server
