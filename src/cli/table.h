#pragma once
// Plain-text tables and the small formatting rules every listing shares.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace missive::cli {

// Columns padded to their widest cell (East Asian wide characters count two), separated by
// two spaces. Control characters in cells print as spaces so a row stays on one line.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  void align_right(std::size_t column);
  std::string render() const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> right_;
};

// Terminal columns `text` takes (UTF-8).
std::size_t display_width(std::string_view text);
// At most `max_width` columns, ending in "…" when cut.
std::string shorten(std::string_view text, std::size_t max_width);
// "2026-11-21T13:39:52.123Z" -> "2026-11-21 13:39"; other text unchanged; "" -> "-".
std::string short_time(std::string_view rfc3339);
// 50 -> "50.0".
std::string format_percent(double percent);

}  // namespace missive::cli
