#pragma once
// JSON text forms of the values the store keeps as text columns (attributes, flags).
// RapidJSON is used here; it is header-only and does no I/O.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/types.h"

namespace missive {

std::string attributes_to_json(const Attributes& attributes);
// invalid unless a JSON object whose values are strings, numbers or booleans.
Result<Attributes> attributes_from_json(std::string_view json);

std::string flags_to_json(const std::vector<std::string>& flags);
Result<std::vector<std::string>> flags_from_json(std::string_view json);

// invalid unless `json` is one well-formed JSON object (UTF-8 validated).
Status validate_json_object(std::string_view json);

}  // namespace missive
