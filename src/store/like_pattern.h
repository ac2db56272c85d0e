#pragma once
// LIKE patterns shared by both backends (SQLite LIKE, PostgreSQL ILIKE), with '\' as the
// ESCAPE character.
//
// Thread-safety: a pure function.

#include <string>
#include <string_view>

namespace missive {

// "ad" -> "ad%": matches text starting with `prefix`, whose own %, _ and \ match themselves.
inline std::string like_prefix(std::string_view prefix) {
  std::string pattern;
  pattern.reserve(prefix.size() + 1);
  for (const char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

}  // namespace missive
