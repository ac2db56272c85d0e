// The real missive-media worker, through make_preview, on fixtures generated here with the
// vips and ffmpeg command-line tools.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

#include "media/preview.h"
#include "media/sniff.h"
#include "media_test_support.h"

namespace missive::media {
namespace {

using namespace std::chrono_literals;
using testing::ScratchDir;
using testing::sh;

constexpr int kSize = 100;

// A big-endian EXIF APP1 segment: orientation 6 (rotate 90° clockwise to display) and a GPS
// block with a latitude, as phones write them.
std::string exif_app1() {
  auto u16 = [](int v) { return std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)}; };
  auto u32 = [&](int v) { return u16(v >> 16) + u16(v & 0xFFFF); };
  auto entry = [&](int tag, int type, int count, const std::string& value) {
    return u16(tag) + u16(type) + u32(count) + value;
  };
  std::string tiff = "MM" + u16(42) + u32(8);
  // IFD0 at 8: two entries (2 + 24 bytes) and the next-IFD link (4): the GPS IFD follows at 38.
  tiff += u16(2) + entry(0x0112, 3, 1, u16(6) + u16(0)) + entry(0x8825, 4, 1, u32(38)) + u32(0);
  // GPS IFD at 38: latitude ref "N" and latitude (three rationals at 38 + 30 = 68).
  tiff += u16(2) + entry(0x0001, 2, 2, std::string("N\0\0\0", 4)) + entry(0x0002, 5, 3, u32(68)) +
          u32(0);
  tiff += u32(48) + u32(1) + u32(51) + u32(1) + u32(30) + u32(1);
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  return "\xFF\xE1" + u16(static_cast<int>(payload.size()) + 2) + payload;
}

// How each fixture is made (after the fixtures it needs), with the vips and ffmpeg CLIs.
struct Recipe {
  std::vector<std::string> needs;
  std::string command;
};

const std::map<std::string, Recipe>& recipes() {
  static const auto* table = new std::map<std::string, Recipe>{
      // A 640x480 noisy RGB image, then every format from it.
      {"base.v", {{}, "vips gaussnoise noise.v 640 480 --mean 128 --sigma 40"
                      " && vips cast noise.v n8.v uchar && vips bandjoin 'n8.v n8.v n8.v' base.v"}},
      {"base.jpg", {{"base.v"}, "vips copy base.v base.jpg"}},
      {"base.png", {{"base.v"}, "vips copy base.v base.png"}},
      {"base.webp", {{"base.v"}, "vips copy base.v base.webp"}},
      {"base.gif", {{"base.v"}, "vips copy base.v base.gif"}},
      {"base.heic", {{"base.v"}, "vips heifsave base.v base.heic --compression hevc"}},
      {"base.avif", {{"base.v"}, "vips heifsave base.v base.avif --compression av1"}},
      // Landscape 400x200; exif.jpg adds EXIF to it (below).
      {"land.jpg", {{"base.v"}, "vips crop base.v land.v 0 0 400 200 && vips jpegsave land.v land.jpg"}},
      // An animated GIF of 5 frames, 160x120.
      {"anim.gif", {{}, "ffmpeg -loglevel error -y -f lavfi -i testsrc=duration=1:size=160x120:rate=5"
                        " anim.gif"}},
      // Video: H.264 in MP4 and VP9 in WebM, 3 s; a 1.5 s MP4 (poster from the start).
      {"video.mp4", {{}, "ffmpeg -loglevel error -y -f lavfi -i testsrc=duration=3:size=320x240:rate=25"
                         " -c:v libx264 -pix_fmt yuv420p video.mp4"}},
      {"video.webm", {{}, "ffmpeg -loglevel error -y -f lavfi -i testsrc=duration=3:size=320x240:rate=25"
                          " -c:v libvpx-vp9 -deadline realtime video.webm"}},
      {"short.mp4", {{}, "ffmpeg -loglevel error -y -f lavfi -i testsrc=duration=1.5:size=320x240:rate=25"
                         " -c:v libx264 -pix_fmt yuv420p short.mp4"}},
      // Audio: 2 s of 440 Hz as Opus in Ogg and WebM and as WAV; 4 s silent for the first 2 s.
      {"tone.ogg", {{}, "ffmpeg -loglevel error -y -f lavfi -i sine=frequency=440:duration=2"
                        " -c:a libopus tone.ogg"}},
      {"tone.wav", {{}, "ffmpeg -loglevel error -y -f lavfi -i sine=frequency=440:duration=2 tone.wav"}},
      {"voice.webm", {{}, "ffmpeg -loglevel error -y -f lavfi -i sine=frequency=440:duration=2"
                          " -c:a libopus voice.webm"}},
      {"half.wav", {{}, "ffmpeg -loglevel error -y -f lavfi -i sine=frequency=440:duration=4"
                        " -af \"volume='if(lt(t,2),0,1)':eval=frame\" half.wav"}},
      // Corrupt inputs: the right magic, then garbage.
      {"corrupt.jpg", {{}, "{ printf '\\377\\330\\377\\340'; head -c 5000 /dev/urandom; } > corrupt.jpg"}},
      {"corrupt.mp4", {{"video.mp4"}, "{ head -c 300 video.mp4; head -c 5000 /dev/urandom; } > corrupt.mp4"}},
      {"corrupt.ogg", {{}, "{ printf 'OggS'; head -c 5000 /dev/urandom; } > corrupt.ogg"}},
  };
  return *table;
}

class WorkerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fixtures_ = new ScratchDir(); }
  static void TearDownTestSuite() {
    delete fixtures_;
    fixtures_ = nullptr;
  }

  // The fixture `name`, made on first use: CTest runs each test in its own process, so each
  // makes only what it needs. Empty path when it could not be made.
  static std::filesystem::path fixture(const std::string& name) {
    const auto path = fixtures_->path() / name;
    if (std::filesystem::exists(path)) return path;
    if (name == "exif.jpg") {
      const std::string land = testing::read_file(fixture("land.jpg"));
      testing::write_file(path, land.substr(0, 2) + exif_app1() + land.substr(2));
      return path;
    }
    const Recipe& recipe = recipes().at(name);
    for (const auto& need : recipe.needs) fixture(need);
    if (!sh("cd '" + fixtures_->path().string() + "' && " + recipe.command) ||
        !std::filesystem::exists(path)) {
      return {};
    }
    return path;
  }

  // Sniffs `name` as the server would, then previews it.
  Preview preview(const std::string& name, PreviewLimits limits = {}) {
    limits.thumbnail_px = kSize;
    const auto input = fixture(name);
    EXPECT_FALSE(input.empty()) << "cannot make the fixture " << name;
    const std::string head = testing::read_file(input).substr(0, kSniffBytes);
    return make_preview(testing::worker_path(), input, sniff_type(head), out_.path(), limits);
  }

  // The thumbnail decoded back by vips: "WIDTHxHEIGHT", or "" when vips cannot read it.
  static std::string decoded_size(const std::filesystem::path& path) {
    return testing::sh_output("vipsheader -f width '" + path.string() + "' 2>/dev/null") + "x" +
           testing::sh_output("vipsheader -f height '" + path.string() + "' 2>/dev/null");
  }

  static void expect_thumbnail(const Preview& p, const std::string& size) {
    ASSERT_TRUE(p.thumbnail.has_value());
    EXPECT_EQ(p.thumbnail_type, "image/jpeg");
    EXPECT_EQ(p.thumbnail->filename(), "thumb.jpg");
    const std::string bytes = testing::read_file(*p.thumbnail);
    EXPECT_EQ(sniff_type(bytes), "image/jpeg");
    EXPECT_EQ(decoded_size(*p.thumbnail), size);
  }

  static inline ScratchDir* fixtures_ = nullptr;
  ScratchDir out_;
};

TEST_F(WorkerTest, EveryImageFormatGetsAThumbnail) {
  for (const char* name : {"base.jpg", "base.png", "base.webp", "base.gif"}) {
    SCOPED_TRACE(name);
    const Preview p = preview(name);
    EXPECT_EQ(p.kind, MediaKind::image);
    EXPECT_EQ(p.status, PreviewStatus::ready) << p.error;
    EXPECT_EQ(p.width, 640);
    EXPECT_EQ(p.height, 480);
    expect_thumbnail(p, "100x75");
  }
}

TEST_F(WorkerTest, HeicAndAvif) {
  if (fixture("base.heic").empty() || fixture("base.avif").empty()) {
    GTEST_SKIP() << "this libvips/libheif cannot encode HEIC and AVIF fixtures";
  }
  for (const char* name : {"base.heic", "base.avif"}) {
    SCOPED_TRACE(name);
    const Preview p = preview(name);
    EXPECT_EQ(p.status, PreviewStatus::ready) << p.error;
    EXPECT_EQ(p.width, 640);
    EXPECT_EQ(p.height, 480);
    expect_thumbnail(p, "100x75");
  }
  const std::string head = testing::read_file(fixture("base.avif")).substr(0, 64);
  EXPECT_EQ(sniff_type(head), "image/avif");
  EXPECT_EQ(sniff_type(testing::read_file(fixture("base.heic")).substr(0, 64)), "image/heic");
}

TEST_F(WorkerTest, ExifOrientationIsAppliedAndMetadataStripped) {
  const std::string input = testing::read_file(fixture("exif.jpg"));
  ASSERT_NE(input.find("Exif"), std::string::npos);
  ASSERT_EQ(testing::sh_output("vipsheader -f orientation '" + fixture("exif.jpg").string() + "'"),
            "6") << "the fixture's EXIF is not what vips reads";
  const Preview p = preview("exif.jpg");
  EXPECT_EQ(p.status, PreviewStatus::ready) << p.error;
  EXPECT_EQ(p.width, 200) << "dimensions as displayed, after the rotation";
  EXPECT_EQ(p.height, 400);
  expect_thumbnail(p, "50x100");
  const std::string thumb = testing::read_file(*p.thumbnail);
  for (std::string marker : {std::string("Exif"), std::string("http://ns.adobe.com/xap"),
                             std::string("ICC_PROFILE"), std::string("MM\0\x2A", 4),
                             std::string("II\x2A\0", 4)}) {
    EXPECT_EQ(thumb.find(marker), std::string::npos) << marker;
  }
  EXPECT_EQ(testing::sh_output("vipsheader -f exif-data '" + p.thumbnail->string() +
                               "' 2>/dev/null"),
            "");
}

TEST_F(WorkerTest, AnimatedGifGivesItsFirstFrame) {
  const Preview p = preview("anim.gif");
  EXPECT_EQ(p.status, PreviewStatus::ready) << p.error;
  EXPECT_EQ(p.width, 160);
  EXPECT_EQ(p.height, 120) << "one frame, not the strip of all five";
  expect_thumbnail(p, "100x75");
}

TEST_F(WorkerTest, TooManyPixelsGivesDimensionsButNoThumbnail) {
  PreviewLimits limits;
  limits.max_pixels = 640 * 480 - 1;
  for (const char* name : {"base.png", "base.jpg"}) {
    const Preview p = preview(name, limits);
    EXPECT_EQ(p.status, PreviewStatus::too_large) << p.error;
    EXPECT_EQ(p.width, 640);
    EXPECT_EQ(p.height, 480);
    EXPECT_FALSE(p.thumbnail.has_value());
    EXPECT_TRUE(p.error.empty());
  }
  EXPECT_FALSE(std::filesystem::exists(out_.path() / "thumb.jpg"));
  limits.max_pixels = 640 * 480;
  EXPECT_EQ(preview("base.png", limits).status, PreviewStatus::ready);
}

TEST_F(WorkerTest, HugeImageIsRefusedFromItsHeader) {
  // A 30000x30000 PNG that compresses to almost nothing: decoding it would need 2.7 GB.
  ASSERT_TRUE(sh("cd '" + out_.path().string() + "' && vips black huge.png 30000 30000"
                 " --bands 1 >/dev/null 2>&1 || true"));
  const auto huge = out_.path() / "huge.png";
  if (!std::filesystem::exists(huge)) GTEST_SKIP() << "vips could not write the huge PNG";
  PreviewLimits limits;
  limits.thumbnail_px = kSize;
  const auto start = std::chrono::steady_clock::now();
  const Preview p = make_preview(testing::worker_path(), huge, "image/png", out_.path(), limits);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(p.status, PreviewStatus::too_large) << p.error;
  EXPECT_EQ(p.width, 30000);
  EXPECT_EQ(p.height, 30000);
  EXPECT_FALSE(p.thumbnail.has_value());
}

TEST_F(WorkerTest, VideoGetsDurationDimensionsAndPoster) {
  for (const char* name : {"video.mp4", "video.webm", "short.mp4"}) {
    SCOPED_TRACE(name);
    const Preview p = preview(name);
    EXPECT_EQ(p.kind, MediaKind::video);
    EXPECT_EQ(p.status, PreviewStatus::ready) << p.error;
    EXPECT_EQ(p.width, 320);
    EXPECT_EQ(p.height, 240);
    ASSERT_TRUE(p.duration_ms.has_value());
    const std::int64_t expected = std::string(name) == "short.mp4" ? 1500 : 3000;
    EXPECT_NEAR(static_cast<double>(*p.duration_ms), static_cast<double>(expected), 100);
    expect_thumbnail(p, "100x75");
  }
}

TEST_F(WorkerTest, AudioGetsDurationAndWaveform) {
  for (const char* name : {"tone.ogg", "tone.wav"}) {
    SCOPED_TRACE(name);
    const Preview p = preview(name);
    EXPECT_EQ(p.kind, MediaKind::audio);
    EXPECT_EQ(p.status, PreviewStatus::ready) << p.error;
    ASSERT_TRUE(p.duration_ms.has_value());
    EXPECT_NEAR(static_cast<double>(*p.duration_ms), 2000, 60);
    ASSERT_EQ(p.waveform.size(), kWaveformSize);
    EXPECT_EQ(*std::max_element(p.waveform.begin(), p.waveform.end()), 255);
    // A steady tone: every slice near the loudest (Opus's start-up slice may be quieter).
    for (std::size_t i = 1; i < kWaveformSize; ++i) EXPECT_GT(p.waveform[i], 200) << i;
    EXPECT_FALSE(p.thumbnail.has_value());
  }
}

TEST_F(WorkerTest, WaveformFollowsTheSound) {
  const Preview p = preview("half.wav");
  EXPECT_EQ(p.status, PreviewStatus::ready) << p.error;
  EXPECT_NEAR(static_cast<double>(p.duration_ms.value_or(0)), 4000, 50);
  ASSERT_EQ(p.waveform.size(), kWaveformSize);
  for (std::size_t i = 0; i < 31; ++i) EXPECT_LE(p.waveform[i], 2) << i;
  for (std::size_t i = 33; i < kWaveformSize; ++i) EXPECT_GE(p.waveform[i], 250) << i;
}

TEST_F(WorkerTest, SoundOnlyWebmSniffsAsAudio) {
  const std::string head = testing::read_file(fixture("voice.webm")).substr(0, kSniffBytes);
  EXPECT_EQ(sniff_type(head), "audio/webm");
  const Preview p = preview("voice.webm");
  EXPECT_EQ(p.status, PreviewStatus::ready) << p.error;
  EXPECT_EQ(p.waveform.size(), kWaveformSize);
}

TEST_F(WorkerTest, VideoTypeWithOnlySoundGetsTheAudioPreview) {
  PreviewLimits limits;
  limits.thumbnail_px = kSize;
  const Preview p = make_preview(testing::worker_path(), fixture("voice.webm"), "video/webm",
                                 out_.path(), limits);
  EXPECT_EQ(p.kind, MediaKind::video);
  EXPECT_EQ(p.status, PreviewStatus::ready) << p.error;
  EXPECT_EQ(p.waveform.size(), kWaveformSize);
  EXPECT_FALSE(p.thumbnail.has_value());
}

TEST_F(WorkerTest, CorruptInputIsFailedWithAReason) {
  for (const char* name : {"corrupt.jpg", "corrupt.mp4", "corrupt.ogg"}) {
    SCOPED_TRACE(name);
    const Preview p = preview(name);
    EXPECT_EQ(p.status, PreviewStatus::failed);
    EXPECT_FALSE(p.error.empty());
    EXPECT_FALSE(p.thumbnail.has_value());
  }
}

TEST_F(WorkerTest, ContentNotMatchingItsTypeIsFailed) {
  // A WAV file the server mislabelled as an image: the image loaders refuse it.
  PreviewLimits limits;
  const Preview p = make_preview(testing::worker_path(), fixture("tone.wav"), "image/png",
                                 out_.path(), limits);
  EXPECT_EQ(p.status, PreviewStatus::failed);
  EXPECT_FALSE(p.error.empty());
}

TEST_F(WorkerTest, TightMemoryLimitFailsCleanly) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer build's worker runs without the address-space limit (preview.cpp)";
#endif
  PreviewLimits limits;
  limits.memory_bytes = 16LL << 20;
  const Preview p = make_preview(testing::worker_path(), fixture("video.mp4"), "video/mp4",
                                 out_.path(), limits);
  EXPECT_EQ(p.status, PreviewStatus::failed);
  EXPECT_FALSE(p.error.empty());
}

TEST(Sandbox, NetworkIsRefused) {
  const auto ended = testing::run({testing::worker_path().string(), "selftest-sandbox", "socket"});
  EXPECT_FALSE(ended.signaled);
  EXPECT_EQ(ended.code, 0) << "socket() was not refused with EPERM";
}

TEST(Sandbox, ThreadsStillWork) {
  const auto ended = testing::run({testing::worker_path().string(), "selftest-sandbox", "thread"});
  EXPECT_FALSE(ended.signaled);
  EXPECT_EQ(ended.code, 0);
}

TEST(Sandbox, ForkAndExecKillTheWorker) {
  for (const char* what : {"fork", "exec"}) {
    const auto ended = testing::run({testing::worker_path().string(), "selftest-sandbox", what});
    EXPECT_TRUE(ended.signaled) << what;
    EXPECT_EQ(ended.code, SIGSYS) << what;
  }
}

TEST(Worker, UsageErrors) {
  const std::string worker = testing::worker_path().string();
  EXPECT_EQ(testing::run({worker}).code, 2);
  EXPECT_EQ(testing::run({worker, "preview", "--in"}).code, 2);
  EXPECT_EQ(testing::run({worker, "preview", "--in", "x", "--type", "image/png", "--out-dir",
                          "/tmp", "--max-pixels", "-5", "--size", "10"})
                .code,
            2);
}

}  // namespace
}  // namespace missive::media
