#pragma once
// Short-hand for integration tests: JSON helpers and a logged-in API client over HttpClient.
//
// Thread-safety: one TestApi per thread.

// Assertions inside RapidJSON (a missing member, a wrong type) throw instead of aborting, so a
// wrong response fails one test instead of killing the whole run.
#include <stdexcept>
#ifndef RAPIDJSON_ASSERT
#define RAPIDJSON_ASSERT(x) \
  do {                      \
    if (!(x)) throw std::logic_error("RapidJSON assertion: " #x); \
  } while (0)
#endif

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "client/http_client.h"

namespace missive::itest {

// A JSON string literal for `text` (quotes and escapes added).
std::string quote(std::string_view text);
// "[1,2,3]"
std::string id_list(const std::vector<std::int64_t>& ids);

struct Reply {
  int status = 0;
  std::string body;
  std::string retry_after;   // the Retry-After header, empty when absent
  rapidjson::Document json;  // null when the body is empty or not JSON

  // "<status>" or "<status> <error code>": one string for an exact assertion.
  std::string outcome() const;
  std::string error_message() const;
  std::int64_t id() const { return json["id"].GetInt64(); }
};

class TestApi {
 public:
  explicit TestApi(std::uint16_t port, client::TlsOptions tls = {});

  Reply call(std::string_view method, std::string_view target, std::string_view body = {});
  Reply get(std::string_view target) { return call("GET", target); }
  Reply post(std::string_view target, std::string_view body = {}) {
    return call("POST", target, body);
  }
  Reply patch(std::string_view target, std::string_view body) {
    return call("PATCH", target, body);
  }

  // Logs in and uses the token from then on; throws when login fails.
  void login(const std::string& handle, const std::string& password);
  void set_token(std::string token);
  const std::string& token() const { return token_; }

  // Admin helpers; each throws std::runtime_error on an unexpected status.
  // Password: "password-<handle>". `attributes` is a JSON object text.
  std::int64_t create_user(const std::string& handle, const std::string& attributes = "{}");
  std::int64_t create_group(const std::string& name);
  std::int64_t create_rule_group(const std::string& name, const std::string& rule);
  void add_member(std::int64_t group, std::int64_t user);
  // POST /v1/messages to users (ids); returns the reply (201 expected by callers).
  Reply send_to_users(const std::vector<std::int64_t>& users, const std::string& subject = "Hello",
                      const std::string& extra = {});
  Reply send_to_group(std::int64_t group, const std::string& subject = "Hello",
                      const std::string& extra = {});
  // Ids of the messages in the caller's inbox (first page, limit 200).
  std::vector<std::int64_t> inbox_ids(std::string_view query = {});

 private:
  std::unique_ptr<client::HttpClient> http_;
  std::string token_;
};

// Throws std::runtime_error("<what>: <status> <body>") unless `reply` has `status`.
const Reply& expect_status(const Reply& reply, int status, std::string_view what);

}  // namespace missive::itest
