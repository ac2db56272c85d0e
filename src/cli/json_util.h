#pragma once
// Reading the API's JSON answers and writing request bodies (RapidJSON), for the CLI.

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace missive::cli {

using JsonValue = rapidjson::Value;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// invalid when `text` is not one JSON value.
Result<rapidjson::Document> parse_json(std::string_view text);

// Member accessors: a default when the member is missing, null or of another type.
const JsonValue* member(const JsonValue& object, const char* key);
std::string get_string(const JsonValue& object, const char* key, std::string fallback = "");
std::int64_t get_int(const JsonValue& object, const char* key, std::int64_t fallback = 0);
std::optional<std::int64_t> get_optional_int(const JsonValue& object, const char* key);
double get_double(const JsonValue& object, const char* key, double fallback = 0);
bool get_bool(const JsonValue& object, const char* key, bool fallback = false);

// Compact JSON text of a value; scalars print bare ("dba", 3, true) when `bare_strings`.
std::string to_json(const JsonValue& value, bool bare_strings = false);

void write_string(JsonWriter& w, std::string_view text);
void write_key(JsonWriter& w, std::string_view key);
// Writes "key": value, or nothing when `value` is empty (an option left out).
void write_field_if_set(JsonWriter& w, std::string_view key, std::string_view value);
// Writes an already validated JSON text (e.g. --meta) as a value.
void write_raw(JsonWriter& w, std::string_view json);

// "42" -> 42; nullopt for anything that is not a positive decimal id.
std::optional<std::int64_t> parse_id(std::string_view text);

// A typed attribute value from the command line: integers and decimals become numbers,
// true/false booleans, "quoted" text a string without its quotes, anything else a string.
void write_attribute_value(JsonWriter& w, std::string_view text);

}  // namespace missive::cli
