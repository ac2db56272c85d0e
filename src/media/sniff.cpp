#include "media/sniff.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/utf8.h"

namespace missive::media {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.starts_with(prefix); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool istarts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

std::uint8_t byte_at(std::string_view s, std::size_t i) {
  return i < s.size() ? static_cast<std::uint8_t>(s[i]) : 0;
}

std::uint32_t be32(std::string_view s, std::size_t i) {
  return (std::uint32_t{byte_at(s, i)} << 24) | (std::uint32_t{byte_at(s, i + 1)} << 16) |
         (std::uint32_t{byte_at(s, i + 2)} << 8) | std::uint32_t{byte_at(s, i + 3)};
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string_view skip_space(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

// ISO base media (MP4, QuickTime, HEIF, AVIF): the ftyp box's major brand decides, with its
// compatible brands for HEIF files whose major brand is the generic mif1/msf1.
std::string sniff_ftyp(std::string_view head) {
  const std::uint32_t box_size = be32(head, 0);
  const std::size_t end = std::min<std::size_t>(head.size(), box_size < 16 ? 16 : box_size);
  const std::string_view major = head.substr(8, 4);
  auto has_brand = [&](std::string_view brand) {
    if (major == brand) return true;
    for (std::size_t at = 16; at + 4 <= end; at += 4) {
      if (head.substr(at, 4) == brand) return true;
    }
    return false;
  };
  if (major == "avif" || major == "avis") return "image/avif";
  if (major == "heic" || major == "heix" || major == "heim" || major == "heis" ||
      major == "hevc" || major == "hevx") {
    return "image/heic";
  }
  if (major == "mif1" || major == "msf1") {
    if (has_brand("avif") || has_brand("avis")) return "image/avif";
    if (has_brand("heic") || has_brand("heix") || has_brand("hevc")) return "image/heic";
    return "image/heic";  // HEIF with some other codec; the HEIF decoder decides
  }
  if (major == "qt  ") return "video/quicktime";
  if (major == "M4A " || major == "M4B " || major == "M4P " || major == "F4A ") {
    return "audio/mp4";
  }
  static constexpr std::array<std::string_view, 19> kVideoBrands = {
      "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ",
      "M4VH", "M4VP", "dash", "3gp4", "3gp5", "3gp6", "3g2a", "mmp4", "f4v "};
  if (std::find(kVideoBrands.begin(), kVideoBrands.end(), major) != kVideoBrands.end()) {
    return "video/mp4";
  }
  if (has_brand("isom") || has_brand("mp42") || has_brand("mp41")) return "video/mp4";
  return "application/octet-stream";
}

// Matroska/WebM: the EBML DocType says which container; whether a WebM file is audio only is
// told from the track codec ids (V_... for video, A_... for audio) when the track list lies in
// the head, which it does for files written by common muxers.
std::string sniff_ebml(std::string_view head) {
  const bool webm = head.find("\x42\x82\x84webm") != std::string_view::npos;
  const bool matroska = head.find("\x42\x82\x88matroska") != std::string_view::npos;
  if (!webm && !matroska) return "application/octet-stream";
  const bool has_video = head.find("V_") != std::string_view::npos &&
                         (head.find("V_VP8") != std::string_view::npos ||
                          head.find("V_VP9") != std::string_view::npos ||
                          head.find("V_AV1") != std::string_view::npos ||
                          head.find("V_MPEG") != std::string_view::npos);
  const bool has_audio = head.find("A_OPUS") != std::string_view::npos ||
                         head.find("A_VORBIS") != std::string_view::npos;
  if (webm) return (has_audio && !has_video) ? "audio/webm" : "video/webm";
  return "video/x-matroska";
}

// An MPEG audio frame header (layer I-III) or an ADTS (AAC) header at the start.
std::string sniff_frame_sync(std::string_view head) {
  const std::uint8_t b0 = byte_at(head, 0), b1 = byte_at(head, 1), b2 = byte_at(head, 2);
  if (head.size() < 4 || b0 != 0xFF || (b1 & 0xE0) != 0xE0) return {};
  const int version = (b1 >> 3) & 3, layer = (b1 >> 1) & 3;
  if (layer == 0) {
    // ADTS: MPEG-4/2 AAC, version bits are the "ID" and layer must be 0.
    if ((b1 & 0xF6) == 0xF0 && ((b2 >> 2) & 0xF) < 13) return "audio/aac";
    return {};
  }
  const int bitrate = (b2 >> 4) & 0xF, rate = (b2 >> 2) & 3;
  if (version == 1 || bitrate == 0xF || rate == 3) return {};
  return "audio/mpeg";
}

// WHATWG's "HTML" patterns: a tag name from its list after leading whitespace,
// case-insensitive, ended by a space or '>'.
bool looks_like_html(std::string_view s) {
  static constexpr std::array<std::string_view, 17> kTags = {
      "<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font",
      "<table", "<a", "<style", "<title", "<b", "<body", "<br", "<p", "<!--"};
  for (std::string_view tag : kTags) {
    if (!istarts_with(s, tag)) continue;
    if (tag == "<!--") return true;
    const char next = s.size() > tag.size() ? s[tag.size()] : '\0';
    if (next == ' ' || next == '>' || next == '\t' || next == '\n' || next == '\r') return true;
  }
  return false;
}

// Markup: SVG is "<svg" after an optional BOM, whitespace, XML declaration, processing
// instructions, comments and a doctype; HTML is one of WHATWG's leading tags. A leading comment
// is HTML to WHATWG, but SVG editors write one before "<svg", so SVG is looked for first.
// Returns "" for anything else.
std::string sniff_markup(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  bool saw_comment = false;
  // Skip the prolog, at most a bounded number of items.
  for (int items = 0; items < 32; ++items) {
    s = skip_space(s);
    std::string_view closer;
    if (s.starts_with("<?")) {
      closer = "?>";
    } else if (s.starts_with("<!--")) {
      closer = "-->";
      saw_comment = true;
    } else if (istarts_with(s, "<!doctype")) {
      std::string_view name = skip_space(s.substr(9));
      if (istarts_with(name, "html")) return "text/html";
      closer = ">";
    } else {
      break;
    }
    const std::size_t end = s.find(closer, 2);
    if (end == std::string_view::npos) return saw_comment ? "text/html" : "";
    s.remove_prefix(end + closer.size());
  }
  if (istarts_with(s, "<svg")) {
    const char next = s.size() > 4 ? s[4] : '\0';
    if (next == '\0' || next == '>' || next == '/' || is_space(next)) return "image/svg+xml";
  }
  if (looks_like_html(s) || saw_comment) return "text/html";
  return {};
}

// Valid UTF-8 without NUL or other binary control bytes; a multi-byte sequence cut off by the
// end of a full head counts as valid, since the file goes on.
bool looks_like_text(std::string_view head, bool truncated) {
  for (char c : head) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != 0x1B) return false;
    if (b == 0x7F) return false;
  }
  const std::size_t bad = detail::utf8_error_offset(head);
  if (bad == std::string_view::npos) return true;
  if (!truncated || head.size() - bad > 3) return false;
  // The tail must be a well-formed prefix of one sequence: a lead byte then continuations.
  const auto lead = static_cast<unsigned char>(head[bad]);
  const std::size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  if (need == 0 || lead > 0xF4 || head.size() - bad >= need) return false;
  for (std::size_t i = bad + 1; i < head.size(); ++i) {
    if ((static_cast<unsigned char>(head[i]) & 0xC0) != 0x80) return false;
  }
  return true;
}

}  // namespace

std::string sniff_type(std::string_view head) {
  const bool truncated = head.size() >= kSniffBytes;
  head = head.substr(0, kSniffBytes);
  if (head.empty()) return "application/octet-stream";

  if (starts_with(head, "\xFF\xD8\xFF")) return "image/jpeg";
  if (starts_with(head, "\x89PNG\r\n\x1A\n")) return "image/png";
  if (starts_with(head, "GIF87a") || starts_with(head, "GIF89a")) return "image/gif";
  if (starts_with(head, "RIFF") && head.size() >= 12) {
    const std::string_view form = head.substr(8, 4);
    if (form == "WEBP") return "image/webp";
    if (form == "WAVE") return "audio/wav";
    if (form == "AVI ") return "video/x-msvideo";
  }
  if (head.size() >= 12 && head.substr(4, 4) == "ftyp") {
    std::string type = sniff_ftyp(head);
    if (type != "application/octet-stream") return type;
  }
  if (starts_with(head, "\x1A\x45\xDF\xA3")) {
    std::string type = sniff_ebml(head);
    if (type != "application/octet-stream") return type;
  }
  if (starts_with(head, "OggS")) {
    if (head.find("\x80theora") != std::string_view::npos) return "video/ogg";
    return "audio/ogg";
  }
  if (starts_with(head, "fLaC")) return "audio/flac";
  if (starts_with(head, "ID3") && head.size() >= 10) return "audio/mpeg";
  if (std::string type = sniff_frame_sync(head); !type.empty()) return type;
  if (starts_with(head, "%PDF-")) return "application/pdf";
  if (starts_with(head, "PK\x03\x04") || starts_with(head, "PK\x05\x06")) return "application/zip";

  if (std::string type = sniff_markup(head); !type.empty()) return type;
  std::string_view text = head;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (looks_like_text(text, truncated)) return "text/plain";
  return "application/octet-stream";
}

MediaKind kind_of(std::string_view mime) {
  if (mime.starts_with("image/")) return MediaKind::image;
  if (mime.starts_with("video/")) return MediaKind::video;
  if (mime.starts_with("audio/")) return MediaKind::audio;
  return MediaKind::other;
}

bool is_inline_safe(std::string_view mime) {
  static constexpr std::array<std::string_view, 15> kInline = {
      "image/jpeg", "image/png",  "image/gif",       "image/webp",
      "image/avif", "image/heic", "video/mp4",       "video/webm",
      "video/quicktime", "audio/ogg", "audio/mpeg",  "audio/wav",
      "audio/webm", "audio/mp4",  "audio/flac"};
  return std::find(kInline.begin(), kInline.end(), mime) != kInline.end();
}

std::string_view kind_name(MediaKind kind) {
  switch (kind) {
    case MediaKind::image: return "image";
    case MediaKind::video: return "video";
    case MediaKind::audio: return "audio";
    case MediaKind::other: return "other";
  }
  return "other";
}

}  // namespace missive::media
