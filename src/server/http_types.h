#pragma once
// Beast-free HTTP request and response values exchanged between the connection code
// (server.cpp) and the API dispatcher (api.cpp), so handlers and their tests never include
// Beast or Asio.
//
// Thread-safety: plain values.

#include <cstdint>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

namespace missive::server {

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // "/v1/inbox?limit=10" as received
  std::string authorization;  // the Authorization header, empty when absent
  std::string body;
  std::string client_address;  // the peer's IP address ("127.0.0.1"); empty when unknown
  std::string cookie;          // the Cookie header (the web page's session), empty when absent
  std::string origin;          // the Origin header a browser sends, empty when absent
  std::string host;            // the Host header ("127.0.0.1:8080")
  std::string if_none_match;   // the If-None-Match header (cached page assets)
  std::string accept_encoding;
  bool secure = false;  // arrived over TLS (the cookie is then marked Secure)
  // Headers only some routes read (Content-Type, Range, If-Range, tus's Upload-* and
  // Tus-Resumable), names in lowercase.
  std::vector<std::pair<std::string, std::string>> headers;
  // Routes that take a file (uploads): the body is in this local file instead of `body`,
  // which the handler consumes (moves away) or the server removes afterwards.
  std::string body_file;
  std::int64_t body_size = 0;

  // The value of the header `lowercase_name`, or empty.
  std::string_view header(std::string_view lowercase_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lowercase_name) return value;
    }
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::string body;  // JSON (unless headers say otherwise), or empty (204)
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Allow
  std::int64_t user =
      0;  // the authenticated caller's id; 0 when none (what the answer is held for)
  // A file answer (attachments): `file_length` bytes of this local file from `file_offset`
  // are the body, streamed; `body` stays empty.
  std::string file_path;
  std::int64_t file_offset = 0;
  std::int64_t file_length = 0;
};

// A 2xx/4xx/5xx answer with a JSON body.
inline HttpResponse json_response(int status, std::string body) {
  return HttpResponse{status, std::move(body), {}};
}

inline HttpResponse no_content() { return HttpResponse{204, {}, {}}; }

}  // namespace missive::server
