#include <vips/vips.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "media/protocol.h"
#include "media/worker.h"

namespace missive::media {
namespace {

struct Unref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using ImagePtr = std::unique_ptr<VipsImage, Unref>;

std::string vips_failure(std::string_view what) {
  std::string message(what);
  std::string detail = vips_error_buffer();
  vips_error_clear();
  while (!detail.empty() && detail.back() == '\n') detail.pop_back();
  if (!detail.empty()) message += ": " + detail;
  return message;
}

Preview image_failed(std::string error) {
  Preview preview;
  preview.kind = MediaKind::image;
  preview.status = PreviewStatus::failed;
  preview.error = std::move(error);
  return preview;
}

// Saves as a baseline JPEG, 8-bit sRGB without alpha (flattened onto white), with every piece
// of metadata removed: EXIF with its GPS block, XMP, IPTC, the ICC profile. Not WebP: Debian's
// libvips 8.14 webpsave ignores strip and writes an EXIF block whatever the image carries.
// The fields are also removed from a copy before the save, so nothing depends on the saver's
// strip option alone.
Status save_jpeg(VipsImage* image, const std::filesystem::path& path) {
  VipsImage* srgb = nullptr;
  if (vips_colourspace(image, &srgb, VIPS_INTERPRETATION_sRGB, nullptr) != 0) {
    return fail(ErrorCode::unprocessable, vips_failure("cannot convert to sRGB"));
  }
  ImagePtr converted(srgb);
  VipsImage* opaque = nullptr;
  if (vips_image_hasalpha(srgb)) {
    VipsArrayDouble* white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
    const int rc = vips_flatten(srgb, &opaque, "background", white, nullptr);
    vips_area_unref(VIPS_AREA(white));
    if (rc != 0) return fail(ErrorCode::unprocessable, vips_failure("cannot flatten"));
  } else if (vips_copy(srgb, &opaque, nullptr) != 0) {
    return fail(ErrorCode::internal, vips_failure("cannot copy the thumbnail"));
  }
  ImagePtr bare(opaque);
  if (char** fields = vips_image_get_fields(opaque); fields != nullptr) {
    // Header fields (width, bands, ...) cannot be removed; everything else is metadata.
    for (char** field = fields; *field != nullptr; ++field) vips_image_remove(opaque, *field);
    g_strfreev(fields);
  }
  if (vips_jpegsave(opaque, path.c_str(), "Q", 82, "strip", TRUE, "optimize_coding", TRUE,
                    nullptr) != 0) {
    return fail(ErrorCode::unprocessable, vips_failure("cannot write the thumbnail"));
  }
  return {};
}

}  // namespace

Status init_image_decoder(const char* argv0) {
  if (VIPS_INIT(argv0) != 0) return fail(ErrorCode::internal, vips_failure("vips_init"));
  // Loaders built on less-audited libraries (ImageMagick, PDF, SVG, JPEG 2000, ...) are off,
  // and of the rest only the formats we preview are on: the header sniffing in
  // vips_image_new_from_file would otherwise hand a disguised file to any loader.
  vips_block_untrusted_set(TRUE);
  vips_operation_block_set("VipsForeignLoad", TRUE);
  for (const char* loader : {"VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp",
                             "VipsForeignLoadNsgif", "VipsForeignLoadHeif"}) {
    vips_operation_block_set(loader, FALSE);
  }
  vips_concurrency_set(1);
  vips_cache_set_max(0);
  return {};
}

Preview preview_image(const WorkerRequest& request) {
  Preview preview;
  preview.kind = MediaKind::image;
  // The input descriptor opened before the sandbox, by a name vips cannot misread: a "["
  // in the server's path would otherwise start vips load options.
  const std::string file = "/proc/self/fd/" + std::to_string(request.input_fd);
  // Only the header is read here: the pixel count is checked before anything is decoded.
  ImagePtr header(
      vips_image_new_from_file(file.c_str(), "access", VIPS_ACCESS_SEQUENTIAL, nullptr));
  if (!header) return image_failed(vips_failure("cannot read the image header"));
  vips_error_clear();  // loaders leave harmless notes (heifload's probing seeks)
  std::int64_t width = vips_image_get_width(header.get());
  std::int64_t height = vips_image_get_height(header.get());
  if (width <= 0 || height <= 0) return image_failed("the image has no pixels");
  if (vips_image_get_orientation_swap(header.get())) std::swap(width, height);
  preview.width = static_cast<int>(width);
  preview.height = static_cast<int>(height);
  if (width * height > request.max_pixels) {
    preview.status = PreviewStatus::too_large;
    return preview;
  }
  header.reset();

  // vips_thumbnail shrinks while loading (JPEG DCT scaling, HEIF's own thumbnails) and
  // applies the EXIF orientation; fail_on=error turns a truncated or corrupt file into a
  // failure instead of a half-grey thumbnail. Animated images give their first frame.
  VipsImage* thumb = nullptr;
  const std::string file_with_options = file + "[fail_on=error]";
  if (vips_thumbnail(file_with_options.c_str(), &thumb, request.size, "height", request.size,
                     "size", VIPS_SIZE_DOWN, nullptr) != 0) {
    return image_failed(vips_failure("cannot decode the image"));
  }
  ImagePtr owned(thumb);
  const std::filesystem::path out = request.out_dir / kThumbnailJpeg;
  if (auto saved = save_jpeg(thumb, out); !saved) return image_failed(saved.error().message);
  preview.status = PreviewStatus::ready;
  preview.thumbnail = out;
  preview.thumbnail_type = "image/jpeg";
  return preview;
}

Status write_rgb_jpeg(const std::uint8_t* rgb, int width, int height, int stride,
                      const std::filesystem::path& path) {
  // Rows padded to `stride` are packed first: vips wants contiguous pixels.
  std::vector<std::uint8_t> packed(static_cast<std::size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    std::copy_n(rgb + static_cast<std::size_t>(y) * stride, static_cast<std::size_t>(width) * 3,
                packed.data() + static_cast<std::size_t>(y) * width * 3);
  }
  ImagePtr image(vips_image_new_from_memory(packed.data(), packed.size(), width, height, 3,
                                            VIPS_FORMAT_UCHAR));
  if (!image) return fail(ErrorCode::internal, vips_failure("cannot wrap the frame"));
  image->Type = VIPS_INTERPRETATION_sRGB;
  return save_jpeg(image.get(), path);
}

}  // namespace missive::media
