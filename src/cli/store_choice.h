#pragma once
// Which store `missive serve` and `missive migrate` use: --store URL (MISSIVE_STORE) names a
// PostgreSQL database; without it the SQLite database DATA/missive.db is used.

#include <filesystem>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/error.h"

namespace missive::cli {

// Empty: SQLite in the data directory. Otherwise a postgres:// or postgresql:// URL.
inline Status check_store_url(std::string_view url) {
  if (url.empty() || url.starts_with("postgres://") || url.starts_with("postgresql://")) return {};
  return fail(ErrorCode::invalid,
              fmt::format("--store \"{}\": expected a PostgreSQL URL (postgres://USER@HOST:PORT/DB); "
                          "leave it out to use SQLite in --data",
                          url));
}

inline std::string sqlite_path(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "missive.db").string();
}

// The URL without its password, for logs and messages.
inline std::string redacted_url(const std::string& url) {
  const auto scheme = url.find("://");
  const auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

}  // namespace missive::cli
