#include "test_s3rver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "net/curl_handle.h"

namespace missive::blob::testing {
namespace {

// The s3rver this process started, if any; stopped when the tests end.
class OwnS3rver : public ::testing::Environment {
 public:
  std::string url() {
    std::call_once(once_, [this] {
      dir_ = std::filesystem::temp_directory_path() / ("missive-blob-s3rver-" + std::to_string(::getpid()));
      const std::string command = std::string(MISSIVE_TEST_S3_SCRIPT) + " start " + dir_.string();
      started_ = std::system(command.c_str()) == 0;
    });
    if (!started_) return "";
    return read_url(dir_);
  }

  void TearDown() override {
    if (!dir_.empty()) {
      const std::string command = std::string(MISSIVE_TEST_S3_SCRIPT) + " cleanup " + dir_.string();
      if (std::system(command.c_str()) != 0) ADD_FAILURE() << "cannot stop " << dir_;
    }
  }

  static std::string read_url(const std::filesystem::path& dir) {
    std::ifstream in(dir / "url");
    std::string url;
    std::getline(in, url);
    return url;
  }

 private:
  std::once_flag once_;
  std::filesystem::path dir_;
  bool started_ = false;
};

OwnS3rver* const own_s3rver =
    static_cast<OwnS3rver*>(::testing::AddGlobalTestEnvironment(new OwnS3rver));

}  // namespace

void inject_s3_fault(const std::string& object, int status, int count) {
  net::init_curl();
  net::EasyHandle handle = net::make_easy();
  ASSERT_TRUE(handle);
  char* path = curl_easy_escape(handle.get(), ("/" + std::string(kS3Bucket) + "/" + object).c_str(), 0);
  const std::string url = s3_url() + "/__faults?path=" + path + "&status=" + std::to_string(status) +
                          "&count=" + std::to_string(count);
  curl_free(path);
  curl_easy_setopt(handle.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle.get(), CURLOPT_POSTFIELDS, "");
  ASSERT_EQ(curl_easy_perform(handle.get()), CURLE_OK) << url;
  long response = 0;
  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &response);
  ASSERT_EQ(response, 204) << url;
}

std::string s3_url() {
  if (const char* dir = std::getenv("MISSIVE_TEST_S3_DIR")) return OwnS3rver::read_url(dir);
  return own_s3rver->url();
}

std::string test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "_" + info->name() + "-" +
                     std::to_string(::getpid());
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return name;
}

TestDir::TestDir() : path_(std::filesystem::temp_directory_path() / ("missive-blob-" + test_name())) {
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TestDir::~TestDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string read_fd(int fd) {
  std::string out;
  char buffer[65536];
  for (off_t offset = 0;;) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
    offset += n;
  }
  return out;
}

std::string pattern(std::size_t size, int seed) {
  std::string out(size, '\0');
  std::uint32_t x = 2463534242u + static_cast<std::uint32_t>(seed) * 7919u;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

}  // namespace missive::blob::testing
