#include "core/attachment_json.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>

namespace missive {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr std::array kPreviewNames = {"none", "pending", "ready", "too_large", "failed"};

void write_string(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// The media fields, inside an object the caller opened.
void write_media_fields(Writer& w, const MediaInfo& media) {
  w.Key("preview");
  w.String(preview_state_name(media.preview));
  if (media.width) {
    w.Key("width");
    w.Int64(*media.width);
  }
  if (media.height) {
    w.Key("height");
    w.Int64(*media.height);
  }
  if (media.duration_ms) {
    w.Key("duration_ms");
    w.Int64(*media.duration_ms);
  }
  if (!media.waveform.empty()) {
    w.Key("waveform");
    w.StartArray();
    for (int v : media.waveform) w.Int(v);
    w.EndArray();
  }
  if (!media.thumbnail_type.empty()) {
    w.Key("thumbnail_type");
    write_string(w, media.thumbnail_type);
  }
}

std::optional<std::int64_t> opt_int(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
  return it->value.GetInt64();
}

std::string text(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

Result<MediaInfo> read_media_fields(const rapidjson::Value& object) {
  MediaInfo media;
  MISSIVE_TRY(media.preview, preview_state_from_name(text(object, "preview")));
  media.width = opt_int(object, "width");
  media.height = opt_int(object, "height");
  media.duration_ms = opt_int(object, "duration_ms");
  if (auto it = object.FindMember("waveform"); it != object.MemberEnd() && it->value.IsArray()) {
    for (const auto& v : it->value.GetArray()) media.waveform.push_back(v.IsInt() ? v.GetInt() : 0);
  }
  media.thumbnail_type = text(object, "thumbnail_type");
  return media;
}

Result<rapidjson::Document> parse(std::string_view json, bool want_array) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || (want_array ? !doc.IsArray() : !doc.IsObject())) {
    return fail(ErrorCode::invalid, "stored media details are not valid JSON");
  }
  return doc;
}

}  // namespace

const char* preview_state_name(PreviewState state) {
  return kPreviewNames[static_cast<std::size_t>(state)];
}

Result<PreviewState> preview_state_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kPreviewNames.size(); ++i) {
    if (name == kPreviewNames[i]) return static_cast<PreviewState>(i);
  }
  return fail(ErrorCode::invalid, "unknown preview state");
}

std::string media_to_json(const MediaInfo& media) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  write_media_fields(w, media);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

Result<MediaInfo> media_from_json(std::string_view json) {
  MISSIVE_TRY(auto doc, parse(json, false));
  return read_media_fields(doc);
}

std::string attachments_to_json(const std::vector<Attachment>& attachments) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartArray();
  for (const Attachment& a : attachments) {
    w.StartObject();
    w.Key("id");
    w.Int64(a.id.value);
    w.Key("name");
    write_string(w, a.name);
    w.Key("type");
    write_string(w, a.type);
    w.Key("size");
    w.Int64(a.size);
    w.Key("sha256");
    write_string(w, a.sha256);
    write_media_fields(w, a.media);
    w.EndObject();
  }
  w.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

Result<std::vector<Attachment>> attachments_from_json(std::string_view json) {
  std::vector<Attachment> out;
  if (json.empty() || json == "[]") return out;
  MISSIVE_TRY(auto doc, parse(json, true));
  for (const auto& v : doc.GetArray()) {
    if (!v.IsObject()) return fail(ErrorCode::invalid, "stored attachments are not objects");
    Attachment a;
    a.id = UploadId(opt_int(v, "id").value_or(0));
    a.name = text(v, "name");
    a.type = text(v, "type");
    a.size = opt_int(v, "size").value_or(0);
    a.sha256 = text(v, "sha256");
    MISSIVE_TRY(a.media, read_media_fields(v));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace missive
