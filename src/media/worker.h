#pragma once
// The missive-media executable's decoders. Internal to it: each function runs in the sandboxed
// worker process, single-threaded from the caller's point of view, and reports every failure
// in the returned Preview (status failed, error set), never by throwing or exiting.

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "media/preview.h"

namespace missive::media {

struct WorkerRequest {
  std::filesystem::path input;
  int input_fd = -1;  // the input, opened before the sandbox
  std::string type;  // the sniffed MIME type
  std::filesystem::path out_dir;
  std::int64_t max_pixels = 0;
  int size = 0;  // thumbnails fit size x size
};

// libvips: started, untrusted and unneeded loaders blocked, one thread, no cache. Fails with
// internal when libvips cannot start.
Status init_image_decoder(const char* argv0);
// libav: quiet logging (errors only, on stderr).
void init_av_decoder();

// Image: dimensions (after EXIF orientation) from the header; a JPEG thumbnail without
// metadata unless width x height exceeds max_pixels (then too_large).
Preview preview_image(const WorkerRequest& request);
// Video: duration, dimensions and a JPEG poster frame (from about 1 s in when longer than 2 s).
// A video container with no video stream gets the audio preview, still of kind video.
Preview preview_video(const WorkerRequest& request);
// Audio: duration and kWaveformSize peaks, both from decoding the whole stream.
Preview preview_audio(const WorkerRequest& request);

// Writes an 8-bit RGB image (rows `stride` bytes apart) as a metadata-free JPEG at `path`.
Status write_rgb_jpeg(const std::uint8_t* rgb, int width, int height, int stride,
                      const std::filesystem::path& path);

}  // namespace missive::media
