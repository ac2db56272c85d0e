#include "net/curl_handle.h"

#include <mutex>

#include <fmt/format.h>

namespace missive::net {

void init_curl() {
  // curl_global_init is not safe to race with other libcurl calls, so it runs once, before
  // any handle exists, for every layer that uses libcurl.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

EasyHandle make_easy() {
  init_curl();
  return EasyHandle(curl_easy_init());
}

bool append(Slist& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown == nullptr) return false;
  // The first append creates the list; later ones return its unchanged head.
  static_cast<void>(list.release());
  list.reset(grown);
  return true;
}

std::string error_text(CURLcode code, const char* error_buffer) {
  if (error_buffer == nullptr || error_buffer[0] == '\0') return curl_easy_strerror(code);
  return fmt::format("{}: {}", curl_easy_strerror(code), error_buffer);
}

}  // namespace missive::net
