#include "server/router.h"

#include <algorithm>

namespace missive::server {

bool split_path(std::string_view path, std::vector<std::string_view>& segments) {
  segments.clear();
  if (path.empty() || path.front() != '/') return false;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return true;
}

bool Router::add(std::string method, std::string_view pattern, std::size_t route_id) {
  std::vector<std::string_view> parts;
  if (method.empty() || !split_path(pattern, parts)) return false;
  Route route{std::move(method), {}, route_id};
  for (const auto part : parts) {
    if (part.empty()) return false;
    if (part.front() == '{') {
      if (part.size() < 3 || part.back() != '}') return false;
      route.segments.push_back({std::string(part.substr(1, part.size() - 2)), true});
    } else {
      if (part.find_first_of("{}") != std::string_view::npos) return false;
      route.segments.push_back({std::string(part), false});
    }
  }
  const auto same = [&](const Route& r) {
    if (r.method != route.method || r.segments.size() != route.segments.size()) return false;
    for (std::size_t i = 0; i < r.segments.size(); ++i) {
      const auto& a = r.segments[i];
      const auto& b = route.segments[i];
      // Two parameters at one position collide whatever their names.
      if (a.is_param != b.is_param || (!a.is_param && a.text != b.text)) return false;
    }
    return true;
  };
  if (std::any_of(routes_.begin(), routes_.end(), same)) return false;
  routes_.push_back(std::move(route));
  return true;
}

bool Router::more_specific(const Route& a, const Route& b) {
  for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) return !a.segments[i].is_param;
  }
  return false;
}

Router::Outcome Router::match(std::string_view method, std::string_view path) const {
  std::vector<std::string_view> parts;
  if (!split_path(path, parts)) return NoRoute{};

  const Route* best = nullptr;
  std::vector<std::string> allow;
  for (const auto& route : routes_) {
    if (route.segments.size() != parts.size()) continue;
    bool fits = true;
    for (std::size_t i = 0; i < parts.size() && fits; ++i) {
      const auto& segment = route.segments[i];
      fits = segment.is_param ? !parts[i].empty() : segment.text == parts[i];
    }
    if (!fits) continue;
    if (route.method == method) {
      if (best == nullptr || more_specific(route, *best)) best = &route;
    } else if (std::find(allow.begin(), allow.end(), route.method) == allow.end()) {
      allow.push_back(route.method);
    }
  }
  if (best == nullptr) {
    if (allow.empty()) return NoRoute{};
    std::sort(allow.begin(), allow.end());
    return MethodNotAllowed{std::move(allow)};
  }
  Match result{best->id, {}};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (best->segments[i].is_param) {
      result.params.emplace_back(best->segments[i].text, std::string(parts[i]));
    }
  }
  return result;
}

}  // namespace missive::server
