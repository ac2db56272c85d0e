#pragma once
// The s3rver the S3 tests run against, and helpers shared by the blob tests.

#include <filesystem>
#include <string>
#include <string_view>

namespace missive::blob::testing {

inline constexpr char kS3Bucket[] = "missive-test";
inline constexpr char kS3Key[] = "S3RVER";  // s3rver's fixed access key and secret

// The URL (http://127.0.0.1:PORT) of the test s3rver: the CTest fixture's (MISSIVE_TEST_S3_DIR),
// or one this process starts on first use through scripts/test_s3rver.sh and stops at exit.
std::string s3_url();

// Makes the test s3rver answer the next `count` requests for `object` (in kS3Bucket) with
// HTTP `status` and S3's error document, as S3 does under load (500 InternalError, 503 SlowDown).
void inject_s3_fault(const std::string& object, int status, int count);

// A fresh directory for the current test (named after it and the process), removed with this.
class TestDir {
 public:
  TestDir();
  ~TestDir();
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A name unique to the current test and process ("Suite_Name-1234"), for key prefixes.
std::string test_name();

// Writes `content` to `path`.
void write_file(const std::filesystem::path& path, std::string_view content);

// The whole content of `path`, or of the open descriptor `fd` from offset 0.
std::string read_file(const std::filesystem::path& path);
std::string read_fd(int fd);

// `size` bytes of a pattern that differs with `seed` and along the content.
std::string pattern(std::size_t size, int seed);

}  // namespace missive::blob::testing
