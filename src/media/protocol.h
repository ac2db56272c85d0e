#pragma once
// The worker protocol's result line: one JSON object on the worker's stdout (docs/media.md).
// Internal to src/media: the worker writes it, the runner reads it. Thread-safe (pure).

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"
#include "media/preview.h"

namespace missive::media {

// The names the worker may give its thumbnail; anything else in the JSON is refused, so a
// confused worker cannot point the server at another file.
inline constexpr std::string_view kThumbnailWebp = "thumb.webp";
inline constexpr std::string_view kThumbnailJpeg = "thumb.jpg";

// One line of JSON (no newline) for `preview`; its thumbnail is written as its file name only.
std::string preview_to_json(const Preview& preview);

// The Preview a worker's stdout describes, with the thumbnail resolved inside `out_dir`.
// Fails with invalid when the text is not one JSON object of the protocol: unknown kind or
// status, a field of the wrong type, a waveform that is not kWaveformSize values 0..255,
// negative sizes, or a thumbnail that is not one of the two names above or is not a regular
// file in out_dir.
Result<Preview> preview_from_json(std::string_view text, const std::filesystem::path& out_dir);

std::string_view status_name(PreviewStatus status);

}  // namespace missive::media
