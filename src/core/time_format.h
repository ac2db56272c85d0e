#pragma once
// RFC 3339 timestamps, the form every interface shows: "2026-11-21T13:39:52.123Z".

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/ids.h"

namespace missive {

// Always UTC with millisecond precision and a trailing Z.
std::string format_time(Timestamp t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]" and "YYYY-MM-DD" (midnight UTC).
// invalid with a message naming the expected form on anything else.
Result<Timestamp> parse_time(std::string_view text);

}  // namespace missive
