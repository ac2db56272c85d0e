#include "cli/table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "core/time_format.h"

namespace missive::cli {
namespace {

// Decodes the code point at `i` (input is assumed valid UTF-8; bad bytes count as one).
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (c >= 0x80 && c < 0xC0) len = 1;
  if (i + len > s.size()) len = 1;
  std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (std::size_t k = 1; k < len; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return cp;
}

std::size_t code_point_width(std::uint32_t cp) {
  const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                    (cp >= 0x20000 && cp <= 0x3FFFD);
  return wide ? 2 : 1;
}

std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return out;
}

}  // namespace

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), right_(headers_.size(), false) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (auto& cell : cells) cell = one_line(cell);
  rows_.push_back(std::move(cells));
}

void Table::align_right(std::size_t column) {
  if (column < right_.size()) right_[column] = true;
}

std::string Table::render() const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) widths[c] = display_width(headers_[c]);
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::string pad(widths[c] - display_width(cells[c]), ' ');
      if (c > 0) line += "  ";
      line += right_[c] ? pad + cells[c] : cells[c] + (c + 1 < cells.size() ? pad : "");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(headers_);
  for (const auto& row : rows_) emit(row);
  return out;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) width += code_point_width(next_code_point(text, i));
  return width;
}

std::string shorten(std::string_view text, std::size_t max_width) {
  if (display_width(text) <= max_width) return std::string(text);
  std::size_t width = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t next = i;
    const std::size_t w = code_point_width(next_code_point(text, next));
    if (width + w + 1 > max_width) break;  // keep one column for the ellipsis
    width += w;
    i = next;
  }
  return std::string(text.substr(0, i)) + "…";
}

std::string short_time(std::string_view rfc3339) {
  if (rfc3339.empty()) return "-";
  auto t = parse_time(rfc3339);
  if (!t) return std::string(rfc3339);
  const std::string full = format_time(*t);  // 2026-11-21T13:39:52.123Z
  return full.substr(0, 10) + " " + full.substr(11, 5);
}

std::string format_percent(double percent) { return fmt::format("{:.1f}", percent); }

}  // namespace missive::cli
