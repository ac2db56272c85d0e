#pragma once
// Previews of attachments made in a separate, sandboxed process: media decoders parse
// untrusted input, so a decoder bug can crash, hang or exhaust only that process. The server
// calls make_preview after an upload completes, off its request threads (it blocks for up to
// PreviewLimits::wall_seconds). Protocol and sandbox: docs/media.md.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "media/sniff.h"

namespace missive::media {

// Bounds on one preview run; each is enforced on the worker process by the kernel (rlimits) or
// by the runner (wall clock), not by the worker's good behaviour.
struct PreviewLimits {
  std::int64_t max_pixels = 50'000'000;   // images larger (width x height) get no thumbnail
  int thumbnail_px = 480;                  // thumbnails and posters fit thumbnail_px squared
  std::int64_t memory_bytes = 1LL << 30;   // RLIMIT_AS of the worker
  int cpu_seconds = 30;                    // RLIMIT_CPU of the worker
  int wall_seconds = 60;                   // then the worker's process group gets SIGKILL
};

enum class PreviewStatus {
  ready,      // dimensions/duration known; thumbnail (image, video) or waveform (audio) made
  too_large,  // image over max_pixels: dimensions known, no thumbnail
  failed,     // the input could not be decoded, or the worker crashed, timed out or misbehaved
  none,       // not a media type we preview; no worker was run
};

// The result of one preview run. A plain value.
struct Preview {
  MediaKind kind = MediaKind::other;
  PreviewStatus status = PreviewStatus::none;
  std::optional<int> width, height;        // image (after EXIF orientation) and video
  std::optional<std::int64_t> duration_ms; // video and audio
  std::vector<int> waveform;               // audio: kWaveformSize values 0..255
  std::optional<std::filesystem::path> thumbnail;  // image thumbnail or video poster, in out_dir
  std::string thumbnail_type;              // "image/webp" or "image/jpeg"
  std::string error;  // failed: why (decoder error, crashed with signal N, timed out)
};

inline constexpr std::size_t kWaveformSize = 64;

// Runs `worker` (the missive-media executable) on `input`, sniffed as `sniffed_type`, in a
// child process with the rlimits of `limits`, an empty environment, no inherited descriptors
// but stdin (/dev/null), stdout and stderr (pipes), in its own session; the child is killed
// (with its whole process group) when it outlives limits.wall_seconds and is always reaped.
// The thumbnail, if any, is written into `out_dir`, which must exist and be writable.
// Returns:
//   status none without running anything when the type is not one we preview (kind other,
//     image/svg+xml, or an image format the worker does not decode);
//   ready or too_large with what the worker reported;
//   failed with `error` saying why: the worker's own decoder error, "crashed with signal N",
//     "timed out after N s", "exited with status N" (plus the worker's stderr, bounded), or
//     output that is not the protocol's JSON; also when the worker could not be started.
// Never throws. Thread-safe: may be called from several threads at once (the child runs only
// async-signal-safe calls between fork and exec; everything is prepared before the fork).
Preview make_preview(const std::filesystem::path& worker, const std::filesystem::path& input,
                     std::string_view sniffed_type, const std::filesystem::path& out_dir,
                     const PreviewLimits& limits);

// True when make_preview runs the worker for `mime`: the image formats the worker decodes
// (jpeg, png, gif, webp, heic, avif) and every video/ and audio/ type.
bool is_previewable(std::string_view mime);

// The missive-media executable installed next to the running program (the directory of
// /proc/self/exe), or $MISSIVE_MEDIA_WORKER when set and non-empty. Does not check that the
// file exists: make_preview reports a missing worker as failed.
std::filesystem::path default_worker_path();

}  // namespace missive::media
