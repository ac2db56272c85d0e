#pragma once
// One HTTP/1.1 request with any headers and a binary body, on a connection of its own
// ("Connection: close"), for what TestApi does not send: uploads (a file as the body) and tus
// (its headers). Used by tests that kill the server, so every failure to get a whole answer
// is an exception the caller retries.
//
// Thread-safety: free functions; any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace missive::itest {

struct RawReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The first header called `name` (case-insensitive); empty when absent.
  std::string header(std::string_view name) const;
};

using RawHeaders = std::vector<std::pair<std::string, std::string>>;

// Sends the request to 127.0.0.1:`port` and reads the whole answer. Throws std::runtime_error
// when the server cannot be reached, or closes before the answer is complete (its
// Content-Length), or says nothing for 30 s.
RawReply raw_request(std::uint16_t port, std::string_view method, std::string_view target,
                     const RawHeaders& headers = {}, std::string_view body = {});

}  // namespace missive::itest
