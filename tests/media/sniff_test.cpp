#include "media/sniff.h"

#include <gtest/gtest.h>

#include <string>

namespace missive::media {
namespace {

using namespace std::string_literals;

// An ISO-BMFF ftyp box with `major` and the compatible brands `compatible` (4 bytes each).
std::string ftyp(const std::string& major, const std::string& compatible) {
  const std::size_t size = 16 + compatible.size();
  std::string box = "\0\0\0"s + static_cast<char>(size) + "ftyp" + major + "\0\0\0\0"s + compatible;
  return box + "\0\0\0\x08mdat"s;
}

TEST(Sniff, Images) {
  EXPECT_EQ(sniff_type("\xFF\xD8\xFF\xE0\0\x10JFIF\0"s), "image/jpeg");
  EXPECT_EQ(sniff_type("\x89PNG\r\n\x1A\n\0\0\0\rIHDR"s), "image/png");
  EXPECT_EQ(sniff_type("GIF89a\x01\0\x01\0"s), "image/gif");
  EXPECT_EQ(sniff_type("GIF87a\x01\0\x01\0"s), "image/gif");
  EXPECT_EQ(sniff_type("RIFF\x24\0\0\0WEBPVP8 "s), "image/webp");
  EXPECT_EQ(sniff_type(ftyp("heic", "mif1heic")), "image/heic");
  EXPECT_EQ(sniff_type(ftyp("mif1", "mif1heicmiaf")), "image/heic");
  EXPECT_EQ(sniff_type(ftyp("avif", "avifmif1miaf")), "image/avif");
  EXPECT_EQ(sniff_type(ftyp("mif1", "mif1avifmiaf")), "image/avif");
}

TEST(Sniff, VideoAndAudioContainers) {
  EXPECT_EQ(sniff_type(ftyp("isom", "isomiso2avc1mp41")), "video/mp4");
  EXPECT_EQ(sniff_type(ftyp("mp42", "mp42isom")), "video/mp4");
  EXPECT_EQ(sniff_type(ftyp("qt  ", "qt  ")), "video/quicktime");
  EXPECT_EQ(sniff_type(ftyp("M4A ", "M4A mp42isom")), "audio/mp4");
  const std::string ebml = "\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm"s;
  EXPECT_EQ(sniff_type(ebml + "\x16\x54\xAE\x6B...\x86\x85V_VP9"s), "video/webm");
  EXPECT_EQ(sniff_type(ebml + "\x16\x54\xAE\x6B...\x86\x86" "A_OPUS"s), "audio/webm");
  EXPECT_EQ(sniff_type(ebml), "video/webm") << "no track list in the head: assume video";
  EXPECT_EQ(sniff_type("\x1A\x45\xDF\xA3\x9F\x42\x82\x88matroska"s), "video/x-matroska");
  EXPECT_EQ(sniff_type("OggS\0\x02\0\0\0\0\0\0\0\0OpusHead"s), "audio/ogg");
  EXPECT_EQ(sniff_type("OggS\0\x02\0\0\0\0\0\0\0\0\x01vorbis"s), "audio/ogg");
  EXPECT_EQ(sniff_type("OggS\0\x02\0\0\0\0\0\0\0\0\x80theora"s), "video/ogg");
  EXPECT_EQ(sniff_type("ID3\x04\0\0\0\0\0\x10"s), "audio/mpeg");
  EXPECT_EQ(sniff_type("\xFF\xFB\x90\x64\0\0"s), "audio/mpeg");  // MPEG-1 layer III, 128 kb/s
  EXPECT_EQ(sniff_type("\xFF\xF1\x50\x80\x02\x1F\xFC"s), "audio/aac");
  EXPECT_EQ(sniff_type("RIFF\x24\0\0\0WAVEfmt "s), "audio/wav");
  EXPECT_EQ(sniff_type("fLaC\0\0\0\x22"s), "audio/flac");
}

TEST(Sniff, Documents) {
  EXPECT_EQ(sniff_type("%PDF-1.7\n%\xE2\xE3\xCF\xD3"s), "application/pdf");
  EXPECT_EQ(sniff_type("PK\x03\x04\x14\0\0\0"s), "application/zip");
  EXPECT_EQ(sniff_type("PK\x05\x06\0\0\0\0"s), "application/zip");
}

TEST(Sniff, SvgAfterItsProlog) {
  EXPECT_EQ(sniff_type("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "image/svg+xml");
  EXPECT_EQ(sniff_type("\xEF\xBB\xBF  \n<?xml version=\"1.0\"?>\n<svg>"), "image/svg+xml");
  EXPECT_EQ(sniff_type("<?xml version=\"1.0\"?><!-- by an editor -->\n"
                       "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x.dtd\">\n<SVG "),
            "image/svg+xml");
  EXPECT_EQ(sniff_type("<svgfoo>"), "text/plain") << "a tag that only starts with svg";
}

TEST(Sniff, HtmlCaseInsensitiveAfterWhitespace) {
  EXPECT_EQ(sniff_type("<!DOCTYPE html><p>hi"), "text/html");
  EXPECT_EQ(sniff_type("  \r\n\t<HtMl lang=en>"), "text/html");
  EXPECT_EQ(sniff_type("<script>alert(1)</script>"), "text/html");
  EXPECT_EQ(sniff_type("\n<BODY onload=x()>"), "text/html");
  EXPECT_EQ(sniff_type("<!-- comment -->hello"), "text/html");
  EXPECT_EQ(sniff_type("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">"),
            "text/html");
  EXPECT_EQ(sniff_type("\xEF\xBB\xBF<iframe src=x>"), "text/html");
  EXPECT_EQ(sniff_type("<b>bold</b>"), "text/html");
  EXPECT_EQ(sniff_type("<bold>"), "text/plain") << "only whole tag names count";
}

TEST(Sniff, TextIsValidUtf8WithoutBinaryBytes) {
  EXPECT_EQ(sniff_type("hello, world\n"), "text/plain");
  EXPECT_EQ(sniff_type("gr\xC3\xBC\xC3\x9F" "e \xE6\x97\xA5\xE6\x9C\xAC\n"), "text/plain");
  EXPECT_EQ(sniff_type("abc\0def"s), "application/octet-stream");
  EXPECT_EQ(sniff_type("\xC3\x28 invalid"s), "application/octet-stream");
  EXPECT_EQ(sniff_type("\x01\x02\x03\x04"s), "application/octet-stream");
  EXPECT_EQ(sniff_type(""), "application/octet-stream");
  // A full head cut inside a multi-byte character is still text: the file goes on.
  std::string head(kSniffBytes - 1, 'a');
  head += "\xE6";
  EXPECT_EQ(sniff_type(head), "text/plain");
  // A short file that ends inside one is not.
  EXPECT_EQ(sniff_type("abc\xE6"s), "application/octet-stream");
}

TEST(Sniff, ContentWinsOverNothingElse) {
  // Bytes that look like nothing known, but begin like a container whose brand is unknown.
  EXPECT_EQ(sniff_type(ftyp("zzzz", "zzzz")), "application/octet-stream");
  EXPECT_EQ(sniff_type("RIFF\x24\0\0\0ABCD"s), "application/octet-stream");
  // Only the first kSniffBytes count.
  std::string late(kSniffBytes, 'a');
  late += "\0\0\0"s;
  EXPECT_EQ(sniff_type(late), "text/plain");
}

TEST(Sniff, KindOf) {
  EXPECT_EQ(kind_of("image/png"), MediaKind::image);
  EXPECT_EQ(kind_of("image/svg+xml"), MediaKind::image);
  EXPECT_EQ(kind_of("video/webm"), MediaKind::video);
  EXPECT_EQ(kind_of("audio/ogg"), MediaKind::audio);
  EXPECT_EQ(kind_of("application/pdf"), MediaKind::other);
  EXPECT_EQ(kind_of("text/plain"), MediaKind::other);
  EXPECT_EQ(kind_of(""), MediaKind::other);
}

TEST(Sniff, InlineAllowlist) {
  for (const char* mime : {"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif",
                           "image/heic", "video/mp4", "video/webm", "video/quicktime",
                           "audio/ogg", "audio/mpeg", "audio/wav", "audio/webm", "audio/mp4",
                           "audio/flac"}) {
    EXPECT_TRUE(is_inline_safe(mime)) << mime;
  }
  for (const char* mime : {"image/svg+xml", "text/html", "text/plain", "text/css",
                           "application/pdf", "application/zip", "application/octet-stream",
                           "video/x-matroska", "IMAGE/PNG", "image/png; charset=x", ""}) {
    EXPECT_FALSE(is_inline_safe(mime)) << mime;
  }
}

}  // namespace
}  // namespace missive::media
