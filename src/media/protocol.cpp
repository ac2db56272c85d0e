#include "media/protocol.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <system_error>

namespace missive::media {
namespace {

Result<MediaKind> parse_kind(std::string_view name) {
  for (MediaKind kind : {MediaKind::image, MediaKind::video, MediaKind::audio, MediaKind::other}) {
    if (kind_name(kind) == name) return kind;
  }
  return fail(ErrorCode::invalid, "unknown kind \"" + std::string(name) + "\"");
}

Result<PreviewStatus> parse_status(std::string_view name) {
  for (PreviewStatus status : {PreviewStatus::ready, PreviewStatus::too_large,
                               PreviewStatus::failed, PreviewStatus::none}) {
    if (status_name(status) == name) return status;
  }
  return fail(ErrorCode::invalid, "unknown status \"" + std::string(name) + "\"");
}

// A non-negative integer member that fits `max`, or nothing when absent.
Result<std::optional<std::int64_t>> optional_count(const rapidjson::Value& object,
                                                   const char* name, std::int64_t max) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return std::optional<std::int64_t>{};
  if (!it->value.IsInt64() || it->value.GetInt64() < 0 || it->value.GetInt64() > max) {
    return fail(ErrorCode::invalid, std::string(name) + " is not a count in range");
  }
  return std::optional<std::int64_t>{it->value.GetInt64()};
}

}  // namespace

std::string_view status_name(PreviewStatus status) {
  switch (status) {
    case PreviewStatus::ready: return "ready";
    case PreviewStatus::too_large: return "too_large";
    case PreviewStatus::failed: return "failed";
    case PreviewStatus::none: return "none";
  }
  return "none";
}

std::string preview_to_json(const Preview& preview) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  auto string = [&](std::string_view s) {
    writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  writer.StartObject();
  writer.Key("kind");
  string(kind_name(preview.kind));
  writer.Key("status");
  string(status_name(preview.status));
  if (preview.width && preview.height) {
    writer.Key("width");
    writer.Int(*preview.width);
    writer.Key("height");
    writer.Int(*preview.height);
  }
  if (preview.duration_ms) {
    writer.Key("duration_ms");
    writer.Int64(*preview.duration_ms);
  }
  if (!preview.waveform.empty()) {
    writer.Key("waveform");
    writer.StartArray();
    for (int value : preview.waveform) writer.Int(value);
    writer.EndArray();
  }
  if (preview.thumbnail) {
    writer.Key("thumbnail");
    string(preview.thumbnail->filename().string());
    writer.Key("thumbnail_type");
    string(preview.thumbnail_type);
  }
  if (!preview.error.empty()) {
    writer.Key("error");
    string(preview.error);
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<Preview> preview_from_json(std::string_view text, const std::filesystem::path& out_dir) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseStopWhenDoneFlag>(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return fail(ErrorCode::invalid, "worker output is not a JSON object");
  }
  Preview preview;
  auto kind = doc.FindMember("kind");
  auto status = doc.FindMember("status");
  if (kind == doc.MemberEnd() || !kind->value.IsString() || status == doc.MemberEnd() ||
      !status->value.IsString()) {
    return fail(ErrorCode::invalid, "worker output lacks kind or status");
  }
  MISSIVE_TRY(preview.kind, parse_kind(kind->value.GetString()));
  MISSIVE_TRY(preview.status, parse_status(status->value.GetString()));

  constexpr std::int64_t kMaxSide = 1'000'000'000;
  MISSIVE_TRY(auto width, optional_count(doc, "width", kMaxSide));
  MISSIVE_TRY(auto height, optional_count(doc, "height", kMaxSide));
  if (width.has_value() != height.has_value()) {
    return fail(ErrorCode::invalid, "worker output has only one of width and height");
  }
  if (width) {
    preview.width = static_cast<int>(*width);
    preview.height = static_cast<int>(*height);
  }
  MISSIVE_TRY(preview.duration_ms,
              optional_count(doc, "duration_ms", std::int64_t{1} << 53));

  if (auto wave = doc.FindMember("waveform"); wave != doc.MemberEnd()) {
    if (!wave->value.IsArray() || wave->value.Size() != kWaveformSize) {
      return fail(ErrorCode::invalid, "waveform is not 64 values");
    }
    for (const auto& v : wave->value.GetArray()) {
      if (!v.IsInt() || v.GetInt() < 0 || v.GetInt() > 255) {
        return fail(ErrorCode::invalid, "waveform value out of 0..255");
      }
      preview.waveform.push_back(v.GetInt());
    }
  }

  if (auto thumb = doc.FindMember("thumbnail"); thumb != doc.MemberEnd()) {
    auto type = doc.FindMember("thumbnail_type");
    if (!thumb->value.IsString() || type == doc.MemberEnd() || !type->value.IsString()) {
      return fail(ErrorCode::invalid, "thumbnail without a thumbnail_type");
    }
    const std::string_view name = thumb->value.GetString();
    const std::string_view mime = type->value.GetString();
    if (!((name == kThumbnailWebp && mime == "image/webp") ||
          (name == kThumbnailJpeg && mime == "image/jpeg"))) {
      return fail(ErrorCode::invalid, "unexpected thumbnail \"" + std::string(name) + "\"");
    }
    std::filesystem::path path = out_dir / name;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(path, ec))) {
      return fail(ErrorCode::invalid, "worker named a thumbnail it did not write");
    }
    preview.thumbnail = std::move(path);
    preview.thumbnail_type = mime;
  }

  if (auto error = doc.FindMember("error"); error != doc.MemberEnd()) {
    if (!error->value.IsString()) return fail(ErrorCode::invalid, "error is not a string");
    preview.error = error->value.GetString();
  }
  return preview;
}

}  // namespace missive::media
