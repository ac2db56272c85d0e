// docs/openapi.yaml and the server's route table must describe the same API: every registered
// route is documented and every documented operation is registered.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>

#include "server/server.h"

namespace missive::server {
namespace {

std::size_t indent_of(const std::string& line) { return line.find_first_not_of(' '); }

// "METHOD /path" for each operation under `paths:`. A deliberately small reader: it relies on
// the two-space indentation the file uses (paths at 2, methods at 4).
std::set<std::string> documented_operations(const std::string& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in) << "cannot open " << file;
  std::set<std::string> operations;
  std::string line;
  std::string path;
  bool in_paths = false;
  static const std::set<std::string> kMethods = {"get", "put", "post", "delete", "patch",
                                                 "head", "options"};
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto indent = indent_of(line);
    if (indent == std::string::npos || line[indent] == '#') continue;
    if (indent == 0) {
      in_paths = line == "paths:";
      continue;
    }
    if (!in_paths || line.back() != ':') continue;
    const auto key = line.substr(indent, line.size() - indent - 1);
    if (indent == 2) {
      path = key;
      if (path.size() > 2 && path.front() == '"' && path.back() == '"') {
        path = path.substr(1, path.size() - 2);
      }
    } else if (indent == 4 && kMethods.contains(key)) {
      std::string method = key;
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      operations.insert(method + " " + path);
    }
  }
  return operations;
}

TEST(OpenApi, DescribesExactlyTheRegisteredRoutes) {
  const auto documented = documented_operations(std::string(MISSIVE_SOURCE_DIR) + "/docs/openapi.yaml");
  std::set<std::string> registered;
  for (const auto& route : registered_routes()) registered.insert(route.method + " " + route.path);
  ASSERT_FALSE(registered.empty());
  for (const auto& operation : registered) {
    EXPECT_TRUE(documented.contains(operation)) << operation << " is not in docs/openapi.yaml";
  }
  for (const auto& operation : documented) {
    EXPECT_TRUE(registered.contains(operation)) << operation << " is documented but not served";
  }
}

TEST(OpenApi, RegisteredRoutesAreUnique) {
  std::set<std::string> seen;
  for (const auto& route : registered_routes()) {
    EXPECT_TRUE(seen.insert(route.method + " " + route.path).second) << route.path;
  }
}

}  // namespace
}  // namespace missive::server
