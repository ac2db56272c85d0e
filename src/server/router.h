#pragma once
// Method + path pattern matching for the HTTP API. Patterns are '/'-separated segments, each a
// literal ("users") or a parameter ("{id}"): "/v1/users/{id}/deactivate". A literal segment
// beats a parameter at the same position, so "/v1/users/by-handle/{handle}" and
// "/v1/users/{id}/activate" never shadow each other.
//
// Thread-safety: build with add() on one thread; match() is const and may then be called from
// any number of threads.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace missive::server {

// Parameter name -> the raw (still percent-encoded) path segment.
using PathParams = std::vector<std::pair<std::string, std::string>>;

class Router {
 public:
  struct Match {
    std::size_t route_id = 0;  // the id given to add()
    PathParams params;
  };
  // The path exists but not with this method: answer 405 with these methods in Allow.
  struct MethodNotAllowed {
    std::vector<std::string> allow;
  };
  struct NoRoute {};
  using Outcome = std::variant<Match, MethodNotAllowed, NoRoute>;

  // Registers `method pattern` under `route_id`. Returns false (and adds nothing) when the
  // pattern is malformed or the same method + pattern is already registered.
  bool add(std::string method, std::string_view pattern, std::size_t route_id);

  // `path` is the request target without its query string.
  Outcome match(std::string_view method, std::string_view path) const;

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::vector<Segment> segments;
    std::size_t id = 0;
  };
  static bool more_specific(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

// Splits "/a/b/c" into {"a","b","c"}; false unless `path` starts with '/'.
bool split_path(std::string_view path, std::vector<std::string_view>& segments);

}  // namespace missive::server
