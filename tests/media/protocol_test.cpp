#include "media/protocol.h"

#include <gtest/gtest.h>

#include "media_test_support.h"

namespace missive::media {
namespace {

using testing::ScratchDir;

std::string wave_json(int value, std::size_t count) {
  std::string json = "[";
  for (std::size_t i = 0; i < count; ++i) json += (i ? "," : "") + std::to_string(value);
  return json + "]";
}

TEST(Protocol, RoundTrip) {
  ScratchDir dir;
  testing::write_file(dir / "thumb.webp", "RIFF");
  Preview preview;
  preview.kind = MediaKind::video;
  preview.status = PreviewStatus::ready;
  preview.width = 320;
  preview.height = 240;
  preview.duration_ms = 3000;
  preview.thumbnail = dir / "thumb.webp";
  preview.thumbnail_type = "image/webp";
  const std::string json = preview_to_json(preview);
  EXPECT_EQ(json,
            R"({"kind":"video","status":"ready","width":320,"height":240,"duration_ms":3000,)"
            R"("thumbnail":"thumb.webp","thumbnail_type":"image/webp"})");
  auto back = preview_from_json(json, dir.path());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->kind, MediaKind::video);
  EXPECT_EQ(back->status, PreviewStatus::ready);
  EXPECT_EQ(back->width, 320);
  EXPECT_EQ(back->duration_ms, 3000);
  EXPECT_EQ(back->thumbnail, dir / "thumb.webp");
}

TEST(Protocol, Waveform) {
  ScratchDir dir;
  auto ok = preview_from_json(
      R"({"kind":"audio","status":"ready","duration_ms":5,"waveform":)" + wave_json(7, 64) + "}",
      dir.path());
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->waveform, std::vector<int>(64, 7));
  EXPECT_FALSE(preview_from_json(
      R"({"kind":"audio","status":"ready","waveform":)" + wave_json(7, 63) + "}", dir.path()));
  EXPECT_FALSE(preview_from_json(
      R"({"kind":"audio","status":"ready","waveform":)" + wave_json(256, 64) + "}", dir.path()));
}

TEST(Protocol, RefusesWhatIsNotTheProtocol) {
  ScratchDir dir;
  testing::write_file(dir / "thumb.webp", "RIFF");
  for (std::string bad : {
           std::string("not json"),
           std::string("[]"),
           std::string(R"({"status":"ready"})"),
           std::string(R"({"kind":"picture","status":"ready"})"),
           std::string(R"({"kind":"image","status":"done"})"),
           std::string(R"({"kind":"image","status":"ready","width":-1,"height":2})"),
           std::string(R"({"kind":"image","status":"ready","width":3})"),
           std::string(R"({"kind":"image","status":"ready","width":"3","height":2})"),
           // Only its own two names, inside out_dir, and only files it wrote.
           std::string(R"({"kind":"image","status":"ready","thumbnail":"../../etc/passwd",)"
                       R"("thumbnail_type":"image/webp"})"),
           std::string(R"({"kind":"image","status":"ready","thumbnail":"thumb.webp",)"
                       R"("thumbnail_type":"text/html"})"),
           std::string(R"({"kind":"image","status":"ready","thumbnail":"thumb.jpg",)"
                       R"("thumbnail_type":"image/jpeg"})"),
       }) {
    EXPECT_FALSE(preview_from_json(bad, dir.path())) << bad;
  }
}

}  // namespace
}  // namespace missive::media
