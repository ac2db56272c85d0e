#include "store/fanout_audience.h"

#include <charconv>
#include <cstdint>

namespace missive {
namespace {

void append_number(std::string& out, std::int64_t value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

std::unexpected<Error> corrupt() {
  return fail(ErrorCode::unavailable, "database error: stored fan-out audience is corrupt");
}

// Reads an integer at p, moving p past it; false when there is none.
bool read_number(const char*& p, const char* end, std::int64_t& value) {
  const auto [next, ec] = std::from_chars(p, end, value);
  if (ec != std::errc()) return false;
  p = next;
  return true;
}

// The format written before deltas: "user,group,user,group,...".
Result<std::vector<RecipientRef>> decode_pairs(std::string_view text) {
  std::vector<RecipientRef> out;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    std::int64_t user = 0, group = 0;
    if (!read_number(p, end, user) || p == end || *p++ != ',' || !read_number(p, end, group)) {
      return corrupt();
    }
    out.push_back(RecipientRef{UserId(user), GroupId(group)});
    if (p < end && (*p++ != ',' || p == end)) return corrupt();  // a comma, then more
  }
  return out;
}

}  // namespace

std::string encode_audience(const std::vector<RecipientRef>& recipients) {
  std::string out = "d";
  out.reserve(1 + 3 * recipients.size());
  std::int64_t user = 0, group = 0;
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    const RecipientRef& r = recipients[i];
    if (i > 0) out += ',';
    append_number(out, r.user.value - user);
    const std::int64_t g = r.group.valid() ? r.group.value : 0;
    if (g != group) {
      out += '/';
      append_number(out, g);
    }
    user = r.user.value;
    group = g;
  }
  return out;
}

Result<std::vector<RecipientRef>> decode_audience(std::string_view text) {
  if (!text.starts_with('d')) return decode_pairs(text);
  std::vector<RecipientRef> out;
  const char* p = text.data() + 1;
  const char* end = text.data() + text.size();
  std::int64_t user = 0, group = 0;
  while (p < end) {
    std::int64_t delta = 0;
    if (!read_number(p, end, delta)) return corrupt();
    user += delta;
    if (p < end && *p == '/') {
      ++p;
      if (!read_number(p, end, group)) return corrupt();
    }
    out.push_back(RecipientRef{UserId(user), GroupId(group)});
    if (p < end && (*p++ != ',' || p == end)) return corrupt();  // a comma, then more
  }
  return out;
}

}  // namespace missive
