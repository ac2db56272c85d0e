// Attachments against the real server (docs/attachments.md): uploads in one request and with
// tus (cut and resumed, across a restart), who may download what, ranges, dedup and the
// sweep, limits and quotas, files that must never run script in the page's origin, and
// memory that does not grow with the file.

#include <sodium.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "core/time_format.h"
#include "fixture.h"
#include "media_http.h"
#include "raw_connection.h"

namespace missive::itest {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kMeasuresMemory = false;
#else
constexpr bool kMeasuresMemory = true;
#endif

std::string sha256_hex(std::string_view bytes) {
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  std::string out;
  for (unsigned char c : hash) out += fmt::format("{:02x}", c);
  return out;
}

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A real PNG made by libvips' command line at test time (no media files are committed).
std::string make_png(const fs::path& dir, int width, int height) {
  const fs::path path = dir / fmt::format("fixture-{}x{}.png", width, height);
  const std::string command =
      fmt::format("vips black '{}' {} {} --bands 3 >/dev/null 2>&1", path.string(), width, height);
  if (std::system(command.c_str()) != 0) throw std::runtime_error("vips could not make a PNG");
  return read_file(path);
}

std::size_t files_under(const fs::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it); ++it) {
    if (it->is_regular_file()) ++n;
  }
  return n;
}

class AttachmentsTest : public IntegrationTest {
 protected:
  void SetUp() override {
    if (sodium_init() < 0) GTEST_FAIL() << "libsodium";
    server_.set_extra_args(extra_args());
    IntegrationTest::SetUp();
  }
  virtual std::vector<std::string> extra_args() const { return {}; }

  std::uint16_t port() const { return server_.port(); }

  // POST /v1/uploads: the upload's JSON (201 expected).
  Reply upload(TestApi& api, const std::string& name, std::string_view bytes,
               const std::string& type = "application/octet-stream") {
    RawReply raw = raw_request(port(), "POST", "/v1/uploads?name=" + name,
                               with(bearer(api.token()), {{"Content-Type", type}}), bytes);
    Reply reply;
    reply.status = raw.status;
    reply.body = raw.body;
    reply.json.Parse(raw.body.c_str());
    return reply;
  }
  std::int64_t upload_id(TestApi& api, const std::string& name, std::string_view bytes,
                         const std::string& type = "application/octet-stream") {
    Reply reply = upload(api, name, bytes, type);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.status == 201 ? reply.id() : 0;
  }

  RawReply download(const std::string& token, std::int64_t id, const std::string& suffix = "",
                    const RawHeaders& more = {}) {
    return raw_request(port(), "GET", fmt::format("/v1/attachments/{}{}", id, suffix),
                       with(bearer(token), more));
  }

  std::int64_t send_with(TestApi& from, std::int64_t to, std::vector<std::int64_t> uploads,
                         const std::string& extra = {}) {
    Reply sent = from.send_to_users({to}, "Files",
                                    ",\"attachments\":" + id_list(uploads) + extra);
    EXPECT_EQ(sent.status, 201) << sent.body;
    return sent.status == 201 ? sent.id() : 0;
  }

  // tus: creates an upload of `size` bytes and answers its path.
  std::string tus_create(TestApi& api, std::int64_t size, const std::string& name) {
    std::string encoded(sodium_base64_ENCODED_LEN(name.size(), sodium_base64_VARIANT_ORIGINAL),
                        '\0');
    sodium_bin2base64(encoded.data(), encoded.size(),
                      reinterpret_cast<const unsigned char*>(name.data()), name.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    encoded.resize(std::strlen(encoded.c_str()));
    RawReply created = raw_request(
        port(), "POST", "/v1/tus",
        with(bearer(api.token()), {{"Tus-Resumable", "1.0.0"},
                                   {"Upload-Length", std::to_string(size)},
                                   {"Upload-Metadata", "filename " + encoded}}));
    EXPECT_EQ(created.status, 201) << created.body;
    return created.header("location");
  }
  std::int64_t tus_offset(TestApi& api, const std::string& location) {
    RawReply head = raw_request(port(), "HEAD", location,
                                with(bearer(api.token()), {{"Tus-Resumable", "1.0.0"}}));
    EXPECT_EQ(head.status, 200) << head.body;
    return std::stoll(head.header("upload-offset"));
  }
  RawReply tus_patch(TestApi& api, const std::string& location, std::int64_t offset,
                     std::string_view bytes) {
    return raw_request(port(), "PATCH", location,
                       with(bearer(api.token()),
                            {{"Tus-Resumable", "1.0.0"},
                             {"Upload-Offset", std::to_string(offset)},
                             {"Content-Type", "application/offset+octet-stream"}}),
                       bytes);
  }
  // Sends the headers of a PATCH for `bytes` but only the first `sent` of them, then hangs
  // up: a client that lost its connection mid-part.
  void tus_patch_cut(TestApi& api, const std::string& location, std::int64_t offset,
                     std::string_view bytes, std::size_t sent) {
    std::string text = http_request_text(
        "PATCH", location,
        with(bearer(api.token()), {{"Tus-Resumable", "1.0.0"},
                                   {"Upload-Offset", std::to_string(offset)},
                                   {"Content-Type", "application/offset+octet-stream"},
                                   {"Content-Length", std::to_string(bytes.size())}}),
        bytes.substr(0, sent));
    RawConnection cut(port(), text);
    std::this_thread::sleep_for(20ms);
  }

  // Waits until `done()` or fails after `limit`.
  template <class F>
  bool eventually(F done, std::chrono::milliseconds limit = 15s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return done();
  }
};

TEST_F(AttachmentsTest, AnAttachmentTravelsWithItsMessageAndGetsAThumbnail) {
  Person bob = person("bob");
  const std::string png = make_png(server_.data_dir(), 1200, 800);
  Reply up = upload(admin(), "sunset.png", png, "image/png");
  ASSERT_EQ(up.status, 201) << up.body;
  const std::int64_t id = up.id();
  EXPECT_EQ(std::string(up.json["sha256"].GetString()), sha256_hex(png));
  EXPECT_EQ(std::string(up.json["type"].GetString()), "image/png");
  EXPECT_EQ(std::string(up.json["state"].GetString()), "complete");

  // The preview is made in the background: dimensions and a thumbnail.
  ASSERT_TRUE(eventually([&] {
    Reply got = admin().get(fmt::format("/v1/uploads/{}", id));
    return std::string(got.json["preview"].GetString()) == "ready";
  }));
  Reply details = admin().get(fmt::format("/v1/uploads/{}", id));
  EXPECT_EQ(details.json["width"].GetInt64(), 1200);
  EXPECT_EQ(details.json["height"].GetInt64(), 800);

  const std::int64_t message = send_with(admin(), bob.id, {id});
  Reply item = bob.api->get(fmt::format("/v1/messages/{}", message));
  ASSERT_EQ(item.status, 200) << item.body;
  const auto& attachments = item.json["attachments"];
  ASSERT_EQ(attachments.Size(), 1u);
  EXPECT_EQ(attachments[0]["id"].GetInt64(), id);
  EXPECT_EQ(std::string(attachments[0]["name"].GetString()), "sunset.png");
  EXPECT_EQ(attachments[0]["size"].GetInt64(), static_cast<std::int64_t>(png.size()));
  EXPECT_EQ(std::string(attachments[0]["preview"].GetString()), "ready");

  RawReply file = download(bob.api->token(), id);
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, png);
  EXPECT_EQ(file.header("content-type"), "image/png");
  EXPECT_EQ(file.header("etag"), "\"" + sha256_hex(png) + "\"");
  EXPECT_TRUE(file.header("content-disposition").starts_with("inline"));
  RawReply thumbnail = download(bob.api->token(), id, "/thumbnail");
  EXPECT_EQ(thumbnail.status, 200);
  EXPECT_EQ(thumbnail.header("content-type"), "image/jpeg");
  EXPECT_TRUE(thumbnail.body.starts_with("\xFF\xD8\xFF")) << "not a JPEG";
  EXPECT_LT(thumbnail.body.size(), png.size() * 4);

  // The inbox and the sync timeline carry it too.
  Reply inbox = bob.api->get("/v1/inbox");
  EXPECT_EQ(inbox.json["messages"][0]["attachments"][0]["id"].GetInt64(), id);
  Reply sync = bob.api->get("/v1/sync?since=0");
  bool carried = false;
  for (const auto& entry : sync.json["entries"].GetArray()) {
    if (entry.HasMember("message") && entry["message"].IsObject() &&
        entry["message"]["attachments"].Size() == 1) {
      carried = true;
    }
  }
  EXPECT_TRUE(carried) << sync.body;
}

TEST_F(AttachmentsTest, OnlyThoseWhoSeeALiveMessageMayFetchItsAttachment) {
  Person bob = person("bob");
  Person cyd = person("cyd");
  Person dan = person("dan");
  const std::string png = make_png(server_.data_dir(), 64, 64);
  const std::int64_t id = upload_id(admin(), "a.png", png, "image/png");
  ASSERT_TRUE(eventually([&] { return download(admin().token(), id, "/thumbnail").status == 200; }));
  // Before any message carries it: only its owner.
  EXPECT_EQ(download(bob.api->token(), id).status, 404);
  const std::int64_t message = send_with(admin(), bob.id, {id});
  send_with(admin(), dan.id, {id});  // dan gets it in another message

  const std::string missing = download(cyd.api->token(), 999999).body;
  for (const std::string suffix : {"", "/thumbnail"}) {
    EXPECT_EQ(download(admin().token(), id, suffix).status, 200) << "sender" << suffix;
    EXPECT_EQ(download(bob.api->token(), id, suffix).status, 200) << "recipient" << suffix;
    RawReply stranger = download(cyd.api->token(), id, suffix);
    EXPECT_EQ(stranger.status, 404) << "non-recipient" << suffix;
    // The same answer as for an id that does not exist, but for the id it names.
    EXPECT_EQ(stranger.body.size(), missing.size() - std::string("999999").size() +
                                        std::to_string(id).size());
    EXPECT_EQ(raw_request(port(), "GET", fmt::format("/v1/attachments/{}{}", id, suffix)).status,
              401);
  }

  // A signed URL works without credentials, for its user only while they may see it.
  Reply mine = bob.api->get(fmt::format("/v1/uploads/{}", id));
  const std::string url = mine.json["url"].GetString();
  const std::string thumbnail_url = mine.json["thumbnail_url"].GetString();
  EXPECT_EQ(raw_request(port(), "GET", url).body, png);
  EXPECT_EQ(raw_request(port(), "GET", thumbnail_url).status, 200);
  std::string forged = url;
  forged[forged.size() - 1] = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(raw_request(port(), "GET", forged).status, 401);

  // Withdrawn: bob and the sender lose it at once (dan's message still carries it).
  ASSERT_EQ(admin().post(fmt::format("/v1/messages/{}/withdraw", message)).status, 200);
  EXPECT_EQ(download(bob.api->token(), id).status, 404);
  EXPECT_EQ(raw_request(port(), "GET", url).status, 404);
  EXPECT_EQ(raw_request(port(), "GET", thumbnail_url).status, 404);
  EXPECT_EQ(download(dan.api->token(), id).status, 200);

  // A deactivated user has no session, and their signed URLs stop working.
  Reply dans = dan.api->get(fmt::format("/v1/uploads/{}", id));
  const std::string dan_url = dans.json["url"].GetString();
  EXPECT_EQ(raw_request(port(), "GET", dan_url).status, 200);
  ASSERT_EQ(admin().post(fmt::format("/v1/users/{}/deactivate", dan.id)).status, 200);
  EXPECT_EQ(download(dan.api->token(), id).status, 401);
  EXPECT_EQ(raw_request(port(), "GET", dan_url).status, 401);
}

TEST_F(AttachmentsTest, AnExpiredMessageTakesItsAttachmentsAway) {
  Person bob = person("bob");
  const std::int64_t id = upload_id(admin(), "notes.txt", "expiring words\n", "text/plain");
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  send_with(admin(), bob.id, {id},
            fmt::format(",\"expiry_date\":\"{}\"", format_time(now_ms + 1500)));
  EXPECT_EQ(download(bob.api->token(), id).status, 200);
  std::this_thread::sleep_for(1600ms);
  EXPECT_EQ(download(bob.api->token(), id).status, 404);
  EXPECT_EQ(download(admin().token(), id).status, 404);
}

TEST_F(AttachmentsTest, RangesLetAPlayerSeekAndETagsSpareARefetch) {
  Person bob = person("bob");
  const std::string bytes = random_bytes(100'000, 7);
  const std::int64_t id = upload_id(admin(), "clip.bin", bytes);
  send_with(admin(), bob.id, {id});
  const std::string token = bob.api->token();

  RawReply part = download(token, id, "", {{"Range", "bytes=1000-1999"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, bytes.substr(1000, 1000));
  EXPECT_EQ(part.header("content-range"), "bytes 1000-1999/100000");
  RawReply tail = download(token, id, "", {{"Range", "bytes=-10"}});
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, bytes.substr(99'990));
  RawReply open_ended = download(token, id, "", {{"Range", "bytes=99000-"}});
  EXPECT_EQ(open_ended.body, bytes.substr(99'000));
  RawReply past = download(token, id, "", {{"Range", "bytes=100000-"}});
  EXPECT_EQ(past.status, 416);
  EXPECT_EQ(past.header("content-range"), "bytes */100000");
  EXPECT_EQ(download(token, id, "", {{"Range", "bytes=0-1,5-6"}}).body, bytes);  // whole file

  const std::string etag = download(token, id).header("etag");
  EXPECT_EQ(download(token, id, "", {{"If-None-Match", etag}}).status, 304);
  // A stale If-Range gets the whole file, not a range of different content.
  EXPECT_EQ(download(token, id, "", {{"Range", "bytes=0-9"}, {"If-Range", "\"other\""}}).status,
            200);
}

TEST_F(AttachmentsTest, FilesThatCouldRunScriptAreOfferedAsDownloadsInASandbox) {
  Person bob = person("bob");
  const std::string html = "<!DOCTYPE html><html><script>parent.stolen = document.cookie</script>";
  const std::string svg = R"(<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>)";
  const std::string png = make_png(server_.data_dir(), 8, 8);
  // Declared as harmless types; the server goes by the content.
  const std::int64_t page = upload_id(admin(), "page.png", html, "image/png");
  const std::int64_t drawing = upload_id(admin(), "drawing.svg", svg, "image/svg+xml");
  const std::int64_t image = upload_id(admin(), "image.html", png, "text/html");
  send_with(admin(), bob.id, {page, drawing, image});

  for (const auto id : {page, drawing}) {
    RawReply got = download(bob.api->token(), id);
    EXPECT_EQ(got.status, 200);
    EXPECT_TRUE(got.header("content-disposition").starts_with("attachment")) << id;
    EXPECT_EQ(got.header("content-security-policy"), "sandbox");
    EXPECT_EQ(got.header("x-content-type-options"), "nosniff");
  }
  EXPECT_EQ(download(bob.api->token(), page).header("content-type"), "text/html");
  EXPECT_EQ(download(bob.api->token(), drawing).header("content-type"), "image/svg+xml");
  RawReply shown = download(bob.api->token(), image);
  EXPECT_EQ(shown.header("content-type"), "image/png");
  EXPECT_TRUE(shown.header("content-disposition").starts_with("inline"));
  Reply details = bob.api->get(fmt::format("/v1/uploads/{}", page));
  EXPECT_EQ(std::string(details.json["declared_type"].GetString()), "image/png");
  EXPECT_EQ(std::string(details.json["type"].GetString()), "text/html");
}

TEST_F(AttachmentsTest, TusUploadsResumeFromWhatTheServerStoredEvenAcrossARestart) {
  Person bob = person("bob");
  const std::string bytes = random_bytes(3'000'000, 11);
  const std::string location = tus_create(admin(), static_cast<std::int64_t>(bytes.size()), "big.bin");
  ASSERT_FALSE(location.empty());
  EXPECT_EQ(tus_offset(admin(), location), 0);

  std::mt19937 rng(5);
  std::int64_t offset = 0;
  int cuts = 0;
  bool restarted = false;
  while (offset < static_cast<std::int64_t>(bytes.size())) {
    const std::size_t size = std::min<std::size_t>(bytes.size() - offset, 100'000 + rng() % 400'000);
    const std::string_view part = std::string_view(bytes).substr(offset, size);
    if (rng() % 3 == 0) {
      // Cut mid-part: nothing of it counts, and the client asks where to go on from.
      tus_patch_cut(admin(), location, offset, part, rng() % size);
      ++cuts;
      EXPECT_EQ(tus_offset(admin(), location), offset);
      continue;
    }
    // A stale offset is refused with the stored one.
    if (offset > 0 && rng() % 4 == 0) {
      EXPECT_EQ(tus_patch(admin(), location, offset - 1, part).status, 409);
    }
    RawReply patched = tus_patch(admin(), location, offset, part);
    ASSERT_EQ(patched.status, 204) << patched.body;
    offset += static_cast<std::int64_t>(size);
    EXPECT_EQ(std::stoll(patched.header("upload-offset")), offset);
    if (!restarted && offset > 1'000'000) {
      restart({&bob});
      restarted = true;
      EXPECT_EQ(tus_offset(admin(), location), offset);
    }
  }
  EXPECT_GT(cuts, 0);
  const std::int64_t id = std::stoll(location.substr(location.rfind('/') + 1));
  Reply done = admin().get(fmt::format("/v1/uploads/{}", id));
  EXPECT_EQ(std::string(done.json["state"].GetString()), "complete");
  EXPECT_EQ(std::string(done.json["sha256"].GetString()), sha256_hex(bytes));
  send_with(admin(), bob.id, {id});
  EXPECT_EQ(download(bob.api->token(), id).body, bytes);
  // Its parts are gone once it is whole.
  EXPECT_EQ(files_under(server_.data_dir() / "blobs" / "staging"), 0u);
}

TEST_F(AttachmentsTest, ARetriedUploadWithTheSameClientIdStoresNothingTwice) {
  const std::string bytes = random_bytes(5000, 3);
  RawReply first = raw_request(port(), "POST", "/v1/uploads?name=a.bin&client_upload_id=u-1",
                               bearer(admin().token()), bytes);
  RawReply again = raw_request(port(), "POST", "/v1/uploads?name=a.bin&client_upload_id=u-1",
                               bearer(admin().token()), bytes);
  EXPECT_EQ(first.status, 201);
  EXPECT_EQ(again.status, 200);
  rapidjson::Document a, b;
  a.Parse(first.body.c_str());
  b.Parse(again.body.c_str());
  EXPECT_EQ(a["id"].GetInt64(), b["id"].GetInt64());
}

class SweptAttachmentsTest : public AttachmentsTest {
  std::vector<std::string> extra_args() const override {
    return {"--upload-ttl", "1", "--sweep-interval", "1"};
  }
};

TEST_F(SweptAttachmentsTest, SameBytesAreStoredOnceAndOutliveOneOfTheirMessages) {
  Person bob = person("bob");
  const std::string bytes = random_bytes(50'000, 9);
  const std::int64_t first = upload_id(admin(), "a.bin", bytes);
  const std::int64_t second = upload_id(admin(), "b.bin", bytes);
  const fs::path blobs = server_.data_dir() / "blobs" / "blobs";
  EXPECT_EQ(files_under(blobs), 1u);  // one blob, two references
  const std::int64_t withdrawn = send_with(admin(), bob.id, {first});
  send_with(admin(), bob.id, {second});
  const std::int64_t unattached = upload_id(admin(), "c.bin", random_bytes(1000, 10));

  ASSERT_EQ(admin().post(fmt::format("/v1/messages/{}/withdraw", withdrawn)).status, 200);
  // The sweep releases the withdrawn message's attachment and the upload no message took.
  ASSERT_TRUE(eventually([&] {
    return admin().get(fmt::format("/v1/uploads/{}", first)).status == 404 &&
           admin().get(fmt::format("/v1/uploads/{}", unattached)).status == 404;
  }));
  EXPECT_EQ(download(bob.api->token(), second).body, bytes);
  EXPECT_EQ(files_under(blobs), 1u);
  Reply config = admin().get("/v1/media/config");
  EXPECT_EQ(config.json["used_bytes"].GetInt64(), 50'000);
}

class LimitedAttachmentsTest : public AttachmentsTest {
  std::vector<std::string> extra_args() const override {
    return {"--upload-limit", "10000", "--upload-quota", "25000", "--upload-rate", "10"};
  }
};

TEST_F(LimitedAttachmentsTest, LimitsQuotasAndRatesRefuseWithTheLimitStated) {
  Reply config = admin().get("/v1/media/config");
  EXPECT_EQ(config.json["upload_limit"].GetInt64(), 10'000);
  EXPECT_EQ(config.json["quota_bytes"].GetInt64(), 25'000);

  Reply big = upload(admin(), "big.bin", random_bytes(10'001, 1));
  EXPECT_EQ(big.outcome(), "413 too_large");
  EXPECT_NE(big.error_message().find("upload limit is 10.0 KB"), std::string::npos)
      << big.error_message();
  RawReply tus_big = raw_request(port(), "POST", "/v1/tus",
                                 with(bearer(admin().token()), {{"Tus-Resumable", "1.0.0"},
                                                                {"Upload-Length", "10001"}}));
  EXPECT_EQ(tus_big.status, 413);

  upload_id(admin(), "1.bin", random_bytes(10'000, 2));
  upload_id(admin(), "2.bin", random_bytes(10'000, 3));
  Reply over = upload(admin(), "3.bin", random_bytes(10'000, 4));
  EXPECT_EQ(over.outcome(), "413 too_large");
  EXPECT_NE(over.error_message().find("quota"), std::string::npos) << over.error_message();
  EXPECT_EQ(admin().get("/v1/media/config").json["used_bytes"].GetInt64(), 20'000);

  // Nothing was stored for the refused ones; then the rate: 10 a minute, 3 at once.
  bool limited = false;
  for (int i = 0; i < 6 && !limited; ++i) {
    RawReply r = raw_request(port(), "POST", "/v1/uploads?name=s.bin", bearer(admin().token()), "x");
    if (r.status == 429) {
      limited = true;
      EXPECT_FALSE(r.header("retry-after").empty());
      EXPECT_NE(r.body.find("at most 10 a minute"), std::string::npos) << r.body;
    }
  }
  EXPECT_TRUE(limited);
}

TEST_F(AttachmentsTest, SearchFindsFilesByNameAndFiltersOnAttachments) {
  Person bob = person("bob");
  const std::int64_t id = upload_id(admin(), "quarterly-report.pdf", "%PDF-1.4 something");
  send_with(admin(), bob.id, {id});  // subject "Files"
  admin().send_to_users({bob.id}, "Files inline");
  Reply by_name = bob.api->get("/v1/search?q=quarterly");
  ASSERT_EQ(by_name.status, 200) << by_name.body;
  EXPECT_EQ(by_name.json["results"].Size(), 1u) << by_name.body;
  EXPECT_EQ(bob.api->get("/v1/search?q=files").json["results"].Size(), 2u);
  EXPECT_EQ(bob.api->get("/v1/search?q=files&has_attachment=true").json["results"].Size(), 1u);
  EXPECT_EQ(bob.api->get("/v1/search?q=files%20has:attachment").json["results"].Size(), 1u);
}

class LargeAttachmentsTest : public AttachmentsTest {
  std::vector<std::string> extra_args() const override {
    return {"--upload-limit", "400000000", "--upload-quota", "400000000"};
  }
};

TEST_F(LargeAttachmentsTest, NeitherUploadNorDownloadHoldsTheFileInMemory) {
  if (!kMeasuresMemory) GTEST_SKIP() << "resident memory is not meaningful under a sanitizer";
  Person bob = person("bob");
  const std::size_t size = 300u << 20;
  const std::string bytes = random_bytes(size, 13);
  const auto rss_mib = [&] {
    std::ifstream status("/proc/" + std::to_string(server_.pid()) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.starts_with("VmHWM:")) return std::stod(line.substr(6)) / 1024;
    }
    return 0.0;
  };
  const double before = rss_mib();
  const std::int64_t id = upload_id(admin(), "huge.bin", bytes);
  send_with(admin(), bob.id, {id});
  RawReply got = download(bob.api->token(), id);
  EXPECT_EQ(got.body.size(), size);
  EXPECT_TRUE(got.body == bytes);
  const double peak = rss_mib();
  // A 300 MiB file went in and out; the server's peak grew by far less.
  EXPECT_LT(peak - before, 64) << "peak resident memory " << before << " -> " << peak << " MiB";
}

}  // namespace
}  // namespace missive::itest
