#include "server/request_parsing.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/time_format.h"
#include "core/validate.h"

namespace missive::server {
namespace {

// Nesting depth of `text`, counting brackets outside strings; stops early past kMaxJsonDepth.
int json_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > kMaxJsonDepth) break;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

// True when every string and member name in `value` is valid UTF-8. rapidjson 1.1.0 validates
// the raw bytes but decodes a lone low-surrogate escape ("\udc00") into bytes that are not
// UTF-8; nesting is bounded by kMaxJsonDepth, so the recursion is too.
bool strings_are_utf8(const rapidjson::Value& value) {
  if (value.IsString()) return is_valid_utf8({value.GetString(), value.GetStringLength()});
  if (value.IsArray()) {
    for (const auto& item : value.GetArray()) {
      if (!strings_are_utf8(item)) return false;
    }
  } else if (value.IsObject()) {
    for (const auto& member : value.GetObject()) {
      if (!strings_are_utf8(member.name) || !strings_are_utf8(member.value)) return false;
    }
  }
  return true;
}

// The first key an object of `value` repeats, or null. RapidJSON keeps both members and
// lookups find the first, so {"password":"a","password":"b"} would be read one way here and
// another way by a proxy or a log: such a body is refused. Bounded like strings_are_utf8.
const rapidjson::Value* repeated_key(const rapidjson::Value& value) {
  if (value.IsArray()) {
    for (const auto& item : value.GetArray()) {
      if (const auto* key = repeated_key(item)) return key;
    }
  } else if (value.IsObject()) {
    std::vector<const rapidjson::Value*> names;
    for (const auto& member : value.GetObject()) {
      if (const auto* key = repeated_key(member.value)) return key;
      names.push_back(&member.name);
    }
    const auto by_name = [](const rapidjson::Value* a, const rapidjson::Value* b) {
      return std::string_view(a->GetString(), a->GetStringLength()) <
             std::string_view(b->GetString(), b->GetStringLength());
    };
    std::sort(names.begin(), names.end(), by_name);
    const auto same = std::adjacent_find(names.begin(), names.end(), [](auto* a, auto* b) {
      return *a == *b;
    });
    if (same != names.end()) return *same;
  }
  return nullptr;
}

const char* type_name(const rapidjson::Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return "a string";
    case rapidjson::kNumberType: return "a number";
  }
  return "unknown";
}

Error wrong_type(const std::string& field, const char* expected, const rapidjson::Value& got) {
  return Error{ErrorCode::invalid,
               fmt::format("{} must be {}, not {}", field, expected, type_name(got))};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<rapidjson::Document> parse_json_object(std::string_view body, bool empty_is_object) {
  rapidjson::Document doc;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (!empty_is_object) return fail(ErrorCode::invalid, "request body must be a JSON object");
    doc.SetObject();
    return doc;
  }
  if (json_depth(body) > kMaxJsonDepth) {
    return fail(ErrorCode::invalid,
                fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
  }
  // Iterative parsing keeps the stack flat; encoding validation rejects invalid UTF-8.
  constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseIterativeFlag;
  doc.Parse<kFlags>(body.data(), body.size());
  if (doc.HasParseError()) {
    return fail(ErrorCode::invalid,
                fmt::format("malformed JSON at offset {}: {}", doc.GetErrorOffset(),
                            rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) {
    return fail(ErrorCode::invalid,
                fmt::format("request body must be a JSON object, not {}", type_name(doc)));
  }
  if (!strings_are_utf8(doc)) {
    return fail(ErrorCode::invalid,
                "malformed JSON: a \\u escape encodes an unpaired surrogate (U+DC00..U+DFFF)");
  }
  if (const auto* key = repeated_key(doc)) {
    return fail(ErrorCode::invalid,
                fmt::format("malformed JSON: the key \"{}\" appears twice in one object",
                            std::string_view(key->GetString(), key->GetStringLength())));
  }
  return doc;
}

std::string json_text(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

const rapidjson::Value* JsonFields::find(std::string_view name) const {
  const auto it = object_.FindMember(
      rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  return it == object_.MemberEnd() ? nullptr : &it->value;
}

Result<std::string> JsonFields::required_string(std::string_view name) const {
  const auto* v = find(name);
  if (v == nullptr || v->IsNull()) {
    return fail(ErrorCode::invalid, fmt::format("{} is required", field(name)));
  }
  if (!v->IsString()) return std::unexpected(wrong_type(field(name), "a string", *v));
  return std::string(v->GetString(), v->GetStringLength());
}

Result<std::optional<std::string>> JsonFields::optional_string(std::string_view name) const {
  const auto* v = find(name);
  if (v == nullptr || v->IsNull()) return std::optional<std::string>();
  if (!v->IsString()) return std::unexpected(wrong_type(field(name), "a string", *v));
  return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
}

Result<std::optional<bool>> JsonFields::optional_bool(std::string_view name) const {
  const auto* v = find(name);
  if (v == nullptr || v->IsNull()) return std::optional<bool>();
  if (!v->IsBool()) return std::unexpected(wrong_type(field(name), "a boolean", *v));
  return std::optional<bool>(v->GetBool());
}

Result<std::optional<std::int64_t>> JsonFields::optional_int(std::string_view name) const {
  const auto* v = find(name);
  if (v == nullptr || v->IsNull()) return std::optional<std::int64_t>();
  if (!v->IsInt64()) return std::unexpected(wrong_type(field(name), "an integer", *v));
  return std::optional<std::int64_t>(v->GetInt64());
}

Result<std::optional<Timestamp>> JsonFields::optional_time(std::string_view name) const {
  MISSIVE_TRY(auto text, optional_string(name));
  if (!text) return std::optional<Timestamp>();
  auto t = parse_time(*text);
  if (!t) return fail(ErrorCode::invalid, fmt::format("{}: {}", field(name), t.error().message));
  return std::optional<Timestamp>(*t);
}

Result<std::optional<std::vector<std::string>>> JsonFields::optional_strings(
    std::string_view name) const {
  const auto* v = find(name);
  if (v == nullptr || v->IsNull()) return std::optional<std::vector<std::string>>();
  if (!v->IsArray()) {
    return std::unexpected(wrong_type(field(name), "an array of strings", *v));
  }
  std::vector<std::string> out;
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    const auto& item = (*v)[i];
    if (!item.IsString()) {
      return std::unexpected(wrong_type(fmt::format("{}[{}]", field(name), i), "a string", item));
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<AttributeValue> attribute_value(const rapidjson::Value& value, std::string_view field) {
  if (value.IsString()) return AttributeValue(std::string(value.GetString(), value.GetStringLength()));
  if (value.IsBool()) return AttributeValue(value.GetBool());
  if (value.IsNumber()) return AttributeValue(value.GetDouble());
  return fail(ErrorCode::invalid, fmt::format("{} must be a string, a number or a boolean, not {}",
                                              field, type_name(value)));
}

Result<std::string> percent_decode(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size() || hex_value(text[i + 1]) < 0 || hex_value(text[i + 2]) < 0) {
      return fail(ErrorCode::invalid, fmt::format("{} has a malformed %-escape", what));
    }
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (!is_valid_utf8(out)) {
    return fail(ErrorCode::invalid, fmt::format("{} is not valid UTF-8", what));
  }
  return out;
}

Result<QueryParams> parse_query(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string key(pair.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    for (auto& c : key) c = c == '+' ? ' ' : c;
    for (auto& c : value) c = c == '+' ? ' ' : c;
    MISSIVE_TRY(auto name, percent_decode(key, "query parameter name"));
    MISSIVE_TRY(auto decoded, percent_decode(value, fmt::format("query parameter {}", name)));
    params.emplace_back(std::move(name), std::move(decoded));
  }
  return params;
}

const std::string* find_param(const QueryParams& query, std::string_view name) {
  for (const auto& [key, value] : query) {
    if (key == name) return &value;
  }
  return nullptr;
}

Result<std::int64_t> parse_positive_id(std::string_view text, std::string_view what) {
  std::int64_t value = 0;
  // Canonical digits only: "01" would name message 1 under a second spelling (caches, logs
  // and authorisation rules keyed by the path would see two resources).
  const bool digits = !text.empty() && text.front() != '0' &&
                      text.find_first_not_of("0123456789") == std::string_view::npos;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!digits || ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    return fail(ErrorCode::invalid, fmt::format("{} must be a positive integer", what));
  }
  return value;
}

Result<std::optional<std::int64_t>> query_id(const QueryParams& query, std::string_view name) {
  const auto* text = find_param(query, name);
  if (text == nullptr || text->empty()) return std::optional<std::int64_t>();
  MISSIVE_TRY(auto id, parse_positive_id(*text, name));
  return std::optional<std::int64_t>(id);
}

Result<std::optional<std::int64_t>> query_count(const QueryParams& query, std::string_view name) {
  const auto* text = find_param(query, name);
  if (text == nullptr || text->empty()) return std::optional<std::int64_t>();
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 0 ||
      (*text)[0] == '-' || (*text)[0] == '+') {
    return fail(ErrorCode::invalid, fmt::format("{} must be a non-negative integer", name));
  }
  return std::optional<std::int64_t>(value);
}

Result<int> query_limit(const QueryParams& query, int fallback, int max) {
  const auto* text = find_param(query, "limit");
  if (text == nullptr || text->empty()) return fallback;
  int value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 1 || value > max) {
    return fail(ErrorCode::invalid, fmt::format("limit must be an integer from 1 to {}", max));
  }
  return value;
}

Result<bool> query_bool(const QueryParams& query, std::string_view name, bool fallback) {
  const auto* text = find_param(query, name);
  if (text == nullptr || text->empty()) return fallback;
  if (*text == "true" || *text == "1") return true;
  if (*text == "false" || *text == "0") return false;
  return fail(ErrorCode::invalid, fmt::format("{} must be true or false", name));
}

std::string loggable_target(std::string_view target) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, question + 1));
  std::string_view rest = target.substr(question + 1);
  bool first = true;
  while (true) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto equals = pair.find('=');
    // Names compared raw and case-insensitively: a client that encodes or capitalises the
    // name gets it redacted too.
    std::string name(pair.substr(0, equals));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!first) out += '&';
    first = false;
    if (equals != std::string_view::npos &&
        (name == "token" || name == "access_token" || name == "password")) {
      out += pair.substr(0, equals + 1);
      out += "REDACTED";
    } else {
      out += pair;
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace missive::server
