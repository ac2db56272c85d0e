#pragma once
// Shorthands for the attachment tests' raw requests (raw_http.h): credentials and extra
// headers, and the text of a request, for sending only part of it.

#include <string>
#include <string_view>

#include "raw_http.h"

namespace missive::itest {

inline RawHeaders bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

inline RawHeaders with(RawHeaders headers, const RawHeaders& more) {
  headers.insert(headers.end(), more.begin(), more.end());
  return headers;
}

// A request as raw_request sends it, without a Content-Length of its own (the caller's headers
// carry one), so a test can send part of it and hang up.
inline std::string http_request_text(std::string_view method, std::string_view target,
                                     const RawHeaders& headers, std::string_view body) {
  std::string text = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
  text += "Host: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) text += name + ": " + value + "\r\n";
  text += "\r\n";
  text += body;
  return text;
}

}  // namespace missive::itest
