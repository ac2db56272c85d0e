#pragma once
// Raw HTTP requests with any headers and body, for uploads and downloads (the test API's
// client sends only JSON): one request per connection ("Connection: close"), and the answer's
// status, headers (names in lowercase) and body.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "raw_connection.h"

namespace missive::itest {

struct RawReply {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

inline std::string http_request_text(std::string_view method, std::string_view target,
                                     const Headers& headers, std::string_view body,
                                     bool declare_length = true) {
  std::string text = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
  text += "Host: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) text += name + ": " + value + "\r\n";
  if (declare_length) text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  text += "\r\n";
  text += body;
  return text;
}

inline RawReply parse_raw_reply(const std::string& text) {
  RawReply reply;
  const auto end = text.find("\r\n\r\n");
  if (end == std::string::npos || text.size() < 12) return reply;
  reply.status = std::stoi(text.substr(9, 3));
  std::size_t line = text.find("\r\n") + 2;
  while (line < end) {
    const auto next = text.find("\r\n", line);
    const auto colon = text.find(':', line);
    if (colon != std::string::npos && colon < next) {
      std::string name = text.substr(line, colon - line);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = text.substr(colon + 1, next - colon - 1);
      while (!value.empty() && value.front() == ' ') value.erase(value.begin());
      reply.headers[name] = value;
    }
    line = next + 2;
  }
  reply.body = text.substr(end + 4);
  return reply;
}

// Sends the request and reads the whole answer (the server closes after it).
inline RawReply raw_request(std::uint16_t port, std::string_view method, std::string_view target,
                            const Headers& headers = {}, std::string_view body = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  RawConnection connection(port, http_request_text(method, target, headers, body));
  return parse_raw_reply(connection.read_until_closed(timeout));
}

inline Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

inline Headers with(Headers headers, const Headers& more) {
  headers.insert(headers.end(), more.begin(), more.end());
  return headers;
}

}  // namespace missive::itest
