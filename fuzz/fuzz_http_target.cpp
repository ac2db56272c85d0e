// The request line as the API reads it before any handler runs (src/server/router.h,
// request_parsing.h, api.h): the input is "<METHOD> <target>", split at the first space.
// The target is matched against the real route table, its path parameters and query string
// are percent-decoded, and the typed query getters and the time parser read the values.
// Properties:
//  - a route match binds one non-empty raw segment per pattern parameter; 405 lists methods;
//  - decoded text is valid UTF-8; a positive id is 1..2^63-1 written in digits only;
//  - limit is within 1..max; a parsed time formats back to a time that parses to itself;
//  - bearer_token() returns a trimmed part of the header.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/time_format.h"
#include "core/validate.h"
#include "fuzz_check.h"
#include "server/api.h"
#include "server/request_parsing.h"
#include "server/router.h"
#include "server/server.h"

namespace {

using namespace missive;
using namespace missive::server;

const std::vector<RouteInfo>& routes() {
  static const std::vector<RouteInfo> all = registered_routes();
  return all;
}

const Router& router() {
  static const Router built = [] {
    Router r;
    std::size_t id = 0;
    for (const auto& route : routes()) {
      FUZZ_CHECK(r.add(route.method, route.path, id++), route.method + " " + route.path);
    }
    return r;
  }();
  return built;
}

void check_decoded(const Result<std::string>& decoded) {
  if (decoded) FUZZ_CHECK(is_valid_utf8(*decoded), *decoded);
}

void check_path(std::string_view method, std::string_view path) {
  const auto outcome = router().match(method, path);
  if (const auto* match = std::get_if<Router::Match>(&outcome)) {
    const auto& route = routes()[match->route_id];
    FUZZ_CHECK(route.method == method, route.method);
    const auto params = std::count(route.path.begin(), route.path.end(), '{');
    FUZZ_CHECK(static_cast<std::ptrdiff_t>(match->params.size()) == params, route.path);
    for (const auto& [name, raw] : match->params) {
      FUZZ_CHECK(!raw.empty() && raw.find('/') == std::string::npos, raw);
      const auto decoded = percent_decode(raw, name);
      check_decoded(decoded);
      if (!decoded) continue;
      if (const auto id = parse_positive_id(*decoded, name)) {
        FUZZ_CHECK(*id >= 1 && decoded->find_first_not_of("0123456789") == std::string::npos,
                   *decoded);
      }
    }
  } else if (const auto* wrong = std::get_if<Router::MethodNotAllowed>(&outcome)) {
    FUZZ_CHECK(!wrong->allow.empty() && std::is_sorted(wrong->allow.begin(), wrong->allow.end()),
               std::string(path));
    FUZZ_CHECK(std::find(wrong->allow.begin(), wrong->allow.end(), method) == wrong->allow.end(),
               std::string(method));
  }
}

void check_query(std::string_view query_text) {
  const auto query = parse_query(query_text);
  if (!query) {
    FUZZ_CHECK(query.error().code == ErrorCode::invalid, query.error().message);
    return;
  }
  for (const auto& [name, value] : *query) {
    FUZZ_CHECK(is_valid_utf8(name) && is_valid_utf8(value), name + "=" + value);
    if (const auto t = parse_time(value)) {
      const auto text = format_time(*t);
      const auto again = parse_time(text);
      FUZZ_CHECK(again && *again == *t, value + " -> " + text);
    }
  }
  if (const auto limit = query_limit(*query, 50, 200)) {
    FUZZ_CHECK(*limit >= 1 && *limit <= 200, std::to_string(*limit));
  }
  for (const char* name : {"after", "before", "sender", "group", "conversation"}) {
    if (const auto id = query_id(*query, name); id && *id) FUZZ_CHECK(**id >= 1, name);
  }
  for (const char* name : {"since", "up_to"}) {
    if (const auto count = query_count(*query, name); count && *count) {
      FUZZ_CHECK(**count >= 0, name);
    }
  }
  (void)query_bool(*query, "unread", false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = missive::fuzz::as_text(data, size);
  const auto space = text.find(' ');
  const auto method = space == std::string_view::npos ? std::string_view("GET")
                                                      : text.substr(0, space);
  const auto target = space == std::string_view::npos ? text : text.substr(space + 1);

  // As Api::dispatch splits it.
  const auto question = target.find('?');
  check_path(method, target.substr(0, question));
  if (question != std::string_view::npos) check_query(target.substr(question + 1));

  const auto token = bearer_token(text);
  if (!token.empty()) {
    FUZZ_CHECK(token.front() != ' ' && token.back() != ' ', std::string(token));
    FUZZ_CHECK(text.ends_with(token) || text.find(token) != std::string_view::npos,
               std::string(token));
  }
  return 0;
}
