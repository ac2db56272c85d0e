#pragma once
// Content sniffing for attachments: the real type of an upload from its first bytes, which
// media kind it is, and whether it may be shown inline. Pure byte inspection, no decoders, so
// it is safe to run in the server on untrusted bytes. Every function is thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace missive::media {

// What a type is, for choosing a preview: images get a thumbnail, video a poster frame, audio
// a waveform; everything else is an ordinary download.
enum class MediaKind { image, video, audio, other };

// How many leading bytes sniff_type looks at; pass at least this many when the file has them.
inline constexpr std::size_t kSniffBytes = 4096;

// The MIME type `head` (a file's first bytes, up to kSniffBytes; more are ignored) really is,
// whatever name or type the uploader claimed: image/jpeg, image/png, image/gif, image/webp,
// image/heic, image/avif, image/svg+xml, text/html, application/pdf, video/mp4,
// video/quicktime, video/webm, video/x-matroska, video/ogg, video/x-msvideo, audio/webm,
// audio/ogg, audio/mpeg, audio/aac, audio/wav, audio/flac, audio/mp4, application/zip,
// text/plain (valid UTF-8 without NUL or other binary control bytes), and otherwise
// application/octet-stream. Never fails: an empty head is application/octet-stream.
std::string sniff_type(std::string_view head);

// The kind of a MIME type by its top-level type (image/..., video/..., audio/...); other for
// everything else. Note image/svg+xml is an image here (kind of content) but it is neither
// previewed nor inline-safe: it is a document that can run script.
MediaKind kind_of(std::string_view mime);

// True when `mime` (as sniff_type returns it) may be served with Content-Disposition: inline:
// raster images, audio and video that browsers play in a sandboxed element and that cannot
// run script in the serving origin. False for everything else, notably image/svg+xml,
// text/html, text/* and application/pdf (docs/media.md says why).
bool is_inline_safe(std::string_view mime);

// The lowercase name of a kind ("image", "video", "audio", "other"), as in the worker's JSON.
std::string_view kind_name(MediaKind kind);

}  // namespace missive::media
