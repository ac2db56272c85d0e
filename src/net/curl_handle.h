#pragma once
// libcurl plumbing shared by the layers that call other servers (blob/'s S3 client, notify/'s
// SMTP mailer and webhook sender): the one global initialisation, owning handles, error text.
// Thread-safety: every function may be called from any thread; a handle is used by one
// thread at a time.

#include <curl/curl.h>

#include <memory>
#include <string>

namespace missive::net {

// curl_global_init, once per process. make_easy calls it; call it directly before making
// handles any other way.
void init_curl();

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

// A new easy handle, after init_curl; null when libcurl cannot allocate one.
EasyHandle make_easy();

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Appends a copy of `line` (a header, an SMTP recipient); false when out of memory.
bool append(Slist& list, const std::string& line);

// libcurl's text for `code`, then the details it wrote into the CURLOPT_ERRORBUFFER
// `error_buffer` (may be null or empty): "Timeout was reached: Connection timed out after
// 1001 milliseconds".
std::string error_text(CURLcode code, const char* error_buffer);

}  // namespace missive::net
