#include "cli/json_util.h"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include <charconv>
#include <cmath>

namespace missive::cli {

Result<rapidjson::Document> parse_json(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag>(
      text.data(), text.size());
  if (doc.HasParseError()) {
    return fail(ErrorCode::invalid, fmt::format("not valid JSON: {} (at byte {})",
                                                rapidjson::GetParseError_En(doc.GetParseError()),
                                                doc.GetErrorOffset()));
  }
  return doc;
}

const JsonValue* member(const JsonValue& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

std::string get_string(const JsonValue& object, const char* key, std::string fallback) {
  const JsonValue* v = member(object, key);
  if (v == nullptr || !v->IsString()) return fallback;
  return {v->GetString(), v->GetStringLength()};
}

std::int64_t get_int(const JsonValue& object, const char* key, std::int64_t fallback) {
  return get_optional_int(object, key).value_or(fallback);
}

std::optional<std::int64_t> get_optional_int(const JsonValue& object, const char* key) {
  const JsonValue* v = member(object, key);
  if (v == nullptr || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

double get_double(const JsonValue& object, const char* key, double fallback) {
  const JsonValue* v = member(object, key);
  return v != nullptr && v->IsNumber() ? v->GetDouble() : fallback;
}

bool get_bool(const JsonValue& object, const char* key, bool fallback) {
  const JsonValue* v = member(object, key);
  return v != nullptr && v->IsBool() ? v->GetBool() : fallback;
}

std::string to_json(const JsonValue& value, bool bare_strings) {
  if (bare_strings && value.IsString()) return {value.GetString(), value.GetStringLength()};
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

void write_string(JsonWriter& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_key(JsonWriter& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void write_field_if_set(JsonWriter& w, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  write_key(w, key);
  write_string(w, value);
}

void write_raw(JsonWriter& w, std::string_view json) {
  w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

void write_attribute_value(JsonWriter& w, std::string_view text) {
  if (text == "true" || text == "false") {
    w.Bool(text == "true");
    return;
  }
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    write_string(w, text.substr(1, text.size() - 2));
    return;
  }
  std::int64_t integer = 0;
  if (auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
      !text.empty() && ec == std::errc() && p == text.data() + text.size()) {
    w.Int64(integer);
    return;
  }
  double number = 0;
  if (auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
      !text.empty() && ec == std::errc() && p == text.data() + text.size() &&
      std::isfinite(number)) {
    w.Double(number);
    return;
  }
  write_string(w, text);
}

}  // namespace missive::cli
