#pragma once
// Turning request bytes into typed values: JSON bodies (UTF-8 validated), fields with precise
// "<field> must be a <type>" errors, percent-decoded path segments and query parameters.
// Every failure is ErrorCode::invalid (HTTP 400) with a message naming the field.
//
// Thread-safety: free functions and a read-only view; no shared state.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "core/error.h"
#include "core/types.h"

namespace missive::server {

// Deeper JSON is refused before parsing so that no later recursive walk can exhaust a stack.
inline constexpr int kMaxJsonDepth = 64;

// The body as one JSON object. invalid for malformed JSON ("malformed JSON at offset N: ..."),
// invalid UTF-8, nesting deeper than kMaxJsonDepth, or a top-level value that is not an object.
// With `empty_is_object`, an empty body counts as {}.
Result<rapidjson::Document> parse_json_object(std::string_view body, bool empty_is_object = false);

// Compact JSON text of `value`.
std::string json_text(const rapidjson::Value& value);

// Read-only access to the fields of one JSON object. Absent and null are the same for the
// optional_* getters; unknown fields are ignored. `prefix` is prepended to field names in
// error messages ("to." gives "to.users must be an array").
class JsonFields {
 public:
  explicit JsonFields(const rapidjson::Value& object, std::string prefix = {})
      : object_(object), prefix_(std::move(prefix)) {}

  // nullptr when absent; may point at a null value.
  const rapidjson::Value* find(std::string_view name) const;
  std::string field(std::string_view name) const { return prefix_ + std::string(name); }

  Result<std::string> required_string(std::string_view name) const;
  Result<std::optional<std::string>> optional_string(std::string_view name) const;
  Result<std::optional<bool>> optional_bool(std::string_view name) const;
  Result<std::optional<std::int64_t>> optional_int(std::string_view name) const;
  // An RFC 3339 string (see core/time_format.h).
  Result<std::optional<Timestamp>> optional_time(std::string_view name) const;
  Result<std::optional<std::vector<std::string>>> optional_strings(std::string_view name) const;

 private:
  const rapidjson::Value& object_;
  std::string prefix_;
};

// A user attribute value: string, number or boolean.
Result<AttributeValue> attribute_value(const rapidjson::Value& value, std::string_view field);

// Decodes %XX escapes (and nothing else) and checks the result is UTF-8; `what` names the
// value in errors ("handle is not valid UTF-8").
Result<std::string> percent_decode(std::string_view text, std::string_view what);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}} ('+' is a space in queries).
Result<QueryParams> parse_query(std::string_view query);
const std::string* find_param(const QueryParams& query, std::string_view name);

// Digits only, 1..2^63-1: "<what> must be a positive integer" otherwise.
Result<std::int64_t> parse_positive_id(std::string_view text, std::string_view what);

// Query parameter getters; absent gives the default / nullopt.
Result<std::optional<std::int64_t>> query_id(const QueryParams& query, std::string_view name);
Result<int> query_limit(const QueryParams& query, int fallback, int max = 200);  // 1..max
// Digits only, 0..2^63-1: "<name> must be a non-negative integer" otherwise.
Result<std::optional<std::int64_t>> query_count(const QueryParams& query, std::string_view name);
Result<bool> query_bool(const QueryParams& query, std::string_view name, bool fallback);

// `target` as it may be logged: the value of every query parameter that can carry a secret
// (token, access_token, password) replaced by "REDACTED" ("/ws?token=REDACTED&x=1").
std::string loggable_target(std::string_view target);

}  // namespace missive::server
