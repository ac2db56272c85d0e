// open_blob_store and the s3:// spec it reads.

#include <gtest/gtest.h>

#include <cstdlib>

#include "blob/blob_store.h"
#include "blob/file_blob_store.h"
#include "blob/s3_blob_store.h"
#include "test_s3rver.h"

namespace missive::blob {
namespace {

TEST(SpecTest, S3SpecWithEndpointAndRegion) {
  auto config = parse_s3_spec("s3://media/missive/prod?endpoint=http://127.0.0.1:9000&region=eu-west-1");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bucket, "media");
  EXPECT_EQ(config->prefix, "missive/prod");
  EXPECT_EQ(config->endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(config->region, "eu-west-1");
}

TEST(SpecTest, S3SpecDefaultsAndPercentEncoding) {
  auto plain = parse_s3_spec("s3://media");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->prefix, "");
  EXPECT_EQ(plain->region, "us-east-1");
  EXPECT_EQ(plain->endpoint, "https://s3.us-east-1.amazonaws.com");
  auto encoded = parse_s3_spec("s3://media/p/?region=us-west-2&endpoint=http%3A%2F%2Flocalhost%3A9000%2F");
  ASSERT_TRUE(encoded) << encoded.error().message;
  EXPECT_EQ(encoded->prefix, "p");
  EXPECT_EQ(encoded->endpoint, "http://localhost:9000");
}

TEST(SpecTest, BadSpecsAreInvalid) {
  for (const char* spec : {"s3://", "s3:///x", "s3://bucket?color=blue", "s3://bucket/../x",
                           "s3://bucket?endpoint=ftp://host", "s3://bucket?endpoint=http://h/path",
                           "s3://bu cket", "s3://bucket?region="}) {
    auto config = parse_s3_spec(spec);
    ASSERT_FALSE(config) << spec;
    EXPECT_EQ(config.error().code, ErrorCode::invalid) << spec;
  }
  testing::TestDir dir;
  auto store = open_blob_store("gcs://bucket", dir.path());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::invalid);
}

TEST(SpecTest, FileStoreUnderDataDir) {
  testing::TestDir dir;
  for (const char* spec : {"", "file"}) {
    auto store = open_blob_store(spec, dir.path());
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ((*store)->temp_dir(), dir.path() / "tmp");
    EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "blobs"));
    EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "tmp"));
    EXPECT_NE(dynamic_cast<FileBlobStore*>(store->get()), nullptr);
  }
}

TEST(SpecTest, S3StoreNeedsCredentialsFromTheEnvironment) {
  testing::TestDir dir;
  ::unsetenv("MISSIVE_S3_ACCESS_KEY");
  ::unsetenv("MISSIVE_S3_SECRET_KEY");
  const std::string spec = "s3://" + std::string(testing::kS3Bucket) + "/spec-" + testing::test_name() +
                           "?endpoint=" + testing::s3_url() + "&region=us-east-1";
  auto missing = open_blob_store(spec, dir.path());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::invalid);
  EXPECT_NE(missing.error().message.find("MISSIVE_S3_ACCESS_KEY"), std::string::npos);
  EXPECT_NE(missing.error().message.find("MISSIVE_S3_SECRET_KEY"), std::string::npos);

  ::setenv("MISSIVE_S3_ACCESS_KEY", testing::kS3Key, 1);
  ::setenv("MISSIVE_S3_SECRET_KEY", "wrong-secret", 1);
  auto wrong = open_blob_store(spec, dir.path());
  ASSERT_TRUE(wrong) << wrong.error().message;
  auto refused = (*wrong)->list("");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
  EXPECT_NE(refused.error().message.find("HTTP 403"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("SignatureDoesNotMatch"), std::string::npos) << refused.error().message;

  ::setenv("MISSIVE_S3_SECRET_KEY", testing::kS3Key, 1);
  auto store = open_blob_store(spec, dir.path(), 1 << 20);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "blob-cache"));
  EXPECT_EQ((*store)->temp_dir(), dir.path() / "tmp");
  testing::write_file((*store)->temp_dir() / "f", "hello");
  ASSERT_TRUE((*store)->put_file("k", (*store)->temp_dir() / "f"));
  auto path = (*store)->local_path("k");
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(path->parent_path(), dir.path() / "blob-cache");
  EXPECT_EQ(testing::read_file(*path), "hello");
  EXPECT_TRUE((*store)->remove("k"));
}

TEST(SpecTest, UnreachableS3IsUnavailable) {
  testing::TestDir dir;
  S3Config config;
  config.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  config.bucket = "b";
  config.access_key = config.secret_key = "k";
  config.cache_dir = dir.path() / "cache";
  config.temp_dir = dir.path() / "tmp";
  config.connect_timeout_ms = 2000;
  auto store = S3BlobStore::open(config);
  ASSERT_TRUE(store);
  auto listed = (*store)->list("");
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, ErrorCode::unavailable);
  auto path = (*store)->local_path("x");
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().code, ErrorCode::unavailable);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "cache")) << "a failed download leaves no temp file";
}

}  // namespace
}  // namespace missive::blob
