#include "core/json_values.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

namespace missive {
namespace {

constexpr unsigned kParseFlags = rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseFullPrecisionFlag |
                                 rapidjson::kParseIterativeFlag;

// Deeper documents are refused so that no later recursive walk (DOM destruction, printing)
// can exhaust the stack.
constexpr int kMaxDepth = 64;

std::string parse_error_message(const rapidjson::ParseResult& result) {
  return fmt::format("not valid JSON: {} (at byte {})", rapidjson::GetParseError_En(result.Code()),
                     result.Offset());
}

// SAX handler that only tracks nesting depth and the kind of the root value.
struct DepthChecker : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, DepthChecker> {
  int depth = 0;
  bool too_deep = false;
  bool root_seen = false;
  bool root_is_object = false;

  bool Default() {
    if (!root_seen) root_seen = true;
    return true;
  }
  bool StartObject() { return open(true); }
  bool StartArray() { return open(false); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool EndArray(rapidjson::SizeType) { return close(); }

 private:
  bool open(bool is_object) {
    if (!root_seen) {
      root_seen = true;
      root_is_object = is_object;
    }
    if (++depth > kMaxDepth) {
      too_deep = true;
      return false;
    }
    return true;
  }
  bool close() {
    --depth;
    return true;
  }
};

// Parses `json` into `doc` after checking depth; "<what>: ..." messages on failure.
Status parse_bounded(std::string_view json, rapidjson::Document& doc) {
  MISSIVE_TRY_STATUS(validate_json_object(json));
  doc.Parse<kParseFlags>(json.data(), json.size());
  if (doc.HasParseError()) return fail(ErrorCode::invalid, parse_error_message(doc));
  return {};
}

std::string_view view_of(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

}  // namespace

std::string attributes_to_json(const Attributes& attributes) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  for (const auto& [name, value] : attributes) {
    writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    if (const auto* s = std::get_if<std::string>(&value)) {
      writer.String(s->data(), static_cast<rapidjson::SizeType>(s->size()));
    } else if (const auto* b = std::get_if<bool>(&value)) {
      writer.Bool(*b);
    } else {
      const double d = std::get<double>(value);
      // Integral values print as integers ("3", not "3.0"); exact up to 2^53.
      if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) {
        writer.Int64(static_cast<std::int64_t>(d));
      } else if (std::isfinite(d)) {
        writer.Double(d);
      } else {
        writer.Null();  // not representable in JSON; validate_attributes refuses these
      }
    }
  }
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

Result<Attributes> attributes_from_json(std::string_view json) {
  rapidjson::Document doc;
  auto parsed = parse_bounded(json, doc);
  if (!parsed) return fail(ErrorCode::invalid, "attributes: " + parsed.error().message);
  Attributes out;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string name(view_of(it->name));
    const auto& v = it->value;
    if (v.IsString()) {
      out[name] = std::string(view_of(v));
    } else if (v.IsBool()) {
      out[name] = v.GetBool();
    } else if (v.IsNumber()) {
      out[name] = v.GetDouble();
    } else {
      return fail(
          ErrorCode::invalid,
          fmt::format("attributes: the value of '{}' must be a string, a number or a boolean",
                      name));
    }
  }
  return out;
}

std::string flags_to_json(const std::vector<std::string>& flags) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartArray();
  for (const auto& flag : flags) {
    writer.String(flag.data(), static_cast<rapidjson::SizeType>(flag.size()));
  }
  writer.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

Result<std::vector<std::string>> flags_from_json(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<kParseFlags>(json.data(), json.size());
  if (doc.HasParseError()) return fail(ErrorCode::invalid, "flags: " + parse_error_message(doc));
  if (!doc.IsArray()) return fail(ErrorCode::invalid, "flags: expected a JSON array of strings");
  std::vector<std::string> out;
  out.reserve(doc.Size());
  for (const auto& v : doc.GetArray()) {
    if (!v.IsString()) return fail(ErrorCode::invalid, "flags: every flag must be a string");
    out.emplace_back(view_of(v));
  }
  return out;
}

Status validate_json_object(std::string_view json) {
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(json.data(), json.size());
  DepthChecker checker;
  const rapidjson::ParseResult result = reader.Parse<kParseFlags>(stream, checker);
  if (checker.too_deep) {
    return fail(ErrorCode::invalid, fmt::format("nested deeper than {} levels", kMaxDepth));
  }
  if (result.IsError()) return fail(ErrorCode::invalid, parse_error_message(result));
  if (!checker.root_is_object) return fail(ErrorCode::invalid, "expected a JSON object");
  return {};
}

}  // namespace missive
