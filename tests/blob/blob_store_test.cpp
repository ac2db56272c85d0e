// The BlobStore conformance suite: the same tests against FileBlobStore and S3BlobStore (on
// the test s3rver). Each test gets a fresh directory and, on S3, its own object prefix.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <thread>

#include "blob/blob_store.h"
#include "blob/file_blob_store.h"
#include "blob/posix_io.h"
#include "blob/s3_blob_store.h"
#include "test_s3rver.h"

namespace missive::blob {
namespace {

using testing::pattern;
using testing::read_fd;
using testing::read_file;
using testing::write_file;

constexpr std::int64_t kSmallCache = 1 << 20;

struct Backend {
  std::string name;
  // Opens a store keeping its files under `dir`, with a local cache of `cache_bytes`.
  std::function<Result<std::unique_ptr<BlobStore>>(const std::filesystem::path& dir,
                                                   std::int64_t cache_bytes)> open;
};

Backend file_backend() {
  return {"file", [](const std::filesystem::path& dir, std::int64_t) -> Result<std::unique_ptr<BlobStore>> {
            MISSIVE_TRY(auto store, FileBlobStore::open(dir / "blobs", dir / "tmp"));
            return std::unique_ptr<BlobStore>(std::move(store));
          }};
}

Backend s3_backend() {
  return {"s3", [](const std::filesystem::path& dir, std::int64_t cache_bytes) -> Result<std::unique_ptr<BlobStore>> {
            S3Config config;
            config.endpoint = testing::s3_url();
            if (config.endpoint.empty()) return fail(ErrorCode::unavailable, "the test s3rver did not start");
            config.bucket = testing::kS3Bucket;
            config.prefix = "conformance/" + testing::test_name();
            config.access_key = testing::kS3Key;
            config.secret_key = testing::kS3Key;
            config.cache_dir = dir / "blob-cache";
            config.cache_bytes = cache_bytes;
            config.temp_dir = dir / "tmp";
            // Small pages, so every list walks continuation tokens.
            config.list_page_size = 3;
            MISSIVE_TRY(auto store, S3BlobStore::open(std::move(config)));
            return std::unique_ptr<BlobStore>(std::move(store));
          }};
}

void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

class BlobStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { open(1LL << 30); }

  void open(std::int64_t cache_bytes) {
    store_.reset();
    auto opened = GetParam().open(dir_.path(), cache_bytes);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  // Puts `content` under `key` through a file in temp_dir, as callers do.
  void put(const std::string& key, std::string_view content) {
    const auto file = store_->temp_dir() / ("upload-" + std::to_string(++uploads_));
    write_file(file, content);
    auto status = store_->put_file(key, file);
    ASSERT_TRUE(status) << key << ": " << status.error().message;
    EXPECT_FALSE(std::filesystem::exists(file)) << "put_file must consume its file";
  }

  // key's content through append_to, or the error code's name.
  std::string fetch(const std::string& key) {
    const auto file = dir_.path() / "fetched";
    UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    auto status = store_->append_to(key, fd.get());
    if (!status) return std::string(error_code_name(status.error().code));
    return read_fd(fd.get());
  }

  // key's content through local_path, or the error code's name.
  std::string fetch_local(const std::string& key) {
    auto path = store_->local_path(key);
    if (!path) return std::string(error_code_name(path.error().code));
    return read_file(*path);
  }

  // "key:size" of every listed blob, or the error code's name.
  std::string listing(const std::string& prefix) {
    auto listed = store_->list(prefix);
    if (!listed) {
      if (listed.error().code != ErrorCode::invalid) ADD_FAILURE() << listed.error().message;
      return std::string(error_code_name(listed.error().code));
    }
    std::string out;
    for (const BlobInfo& info : *listed) {
      if (!out.empty()) out += ' ';
      out += info.key + ':' + std::to_string(info.size);
    }
    return out;
  }

  testing::TestDir dir_;
  std::unique_ptr<BlobStore> store_;
  int uploads_ = 0;
};

TEST_P(BlobStoreTest, RoundTripOfAMultiMebibyteFile) {
  const std::string content = pattern(5 * (1 << 20) + 12345, 1);
  put("blobs/ab/abcdef0123-7f3a", content);
  EXPECT_TRUE(fetch("blobs/ab/abcdef0123-7f3a") == content);
  EXPECT_TRUE(fetch_local("blobs/ab/abcdef0123-7f3a") == content);
  // Twice: the S3 copy now comes from the cache.
  EXPECT_TRUE(fetch_local("blobs/ab/abcdef0123-7f3a") == content);
  EXPECT_TRUE(fetch("blobs/ab/abcdef0123-7f3a") == content);
}

TEST_P(BlobStoreTest, AppendToAppendsAfterWhatTheFdHolds) {
  put("a/one", "first,");
  put("a/two", "second");
  const auto file = dir_.path() / "joined";
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(store_->append_to("a/one", fd.get()));
  ASSERT_TRUE(store_->append_to("a/two", fd.get()));
  EXPECT_EQ(read_fd(fd.get()), "first,second");
}

TEST_P(BlobStoreTest, EmptyBlob) {
  put("empty", "");
  EXPECT_EQ(fetch("empty"), "");
  EXPECT_EQ(fetch_local("empty"), "");
  EXPECT_EQ(listing("empty"), "empty:0");
}

TEST_P(BlobStoreTest, PutReplacesPreviousContent) {
  put("staging/42/00000000000000000000", "old content");
  EXPECT_EQ(fetch_local("staging/42/00000000000000000000"), "old content");
  put("staging/42/00000000000000000000", "new");
  EXPECT_EQ(fetch("staging/42/00000000000000000000"), "new");
  EXPECT_EQ(fetch_local("staging/42/00000000000000000000"), "new");
  EXPECT_EQ(listing("staging/"), "staging/42/00000000000000000000:3");
}

TEST_P(BlobStoreTest, RemoveIsIdempotent) {
  EXPECT_TRUE(store_->remove("blobs/never/there"));
  put("blobs/x/y", "content");
  EXPECT_EQ(fetch_local("blobs/x/y"), "content");
  EXPECT_TRUE(store_->remove("blobs/x/y"));
  EXPECT_TRUE(store_->remove("blobs/x/y"));
  EXPECT_EQ(fetch("blobs/x/y"), "not_found");
  EXPECT_EQ(fetch_local("blobs/x/y"), "not_found");
  EXPECT_EQ(listing(""), "");
  // The key can be used again.
  put("blobs/x/y", "again");
  EXPECT_EQ(fetch_local("blobs/x/y"), "again");
}

TEST_P(BlobStoreTest, ListByPrefixInKeyOrderWithSizes) {
  for (const char* key : {"staging/42/00000000000001048576", "blobs/ab/2", "blobs/ab/10", "blobs/b/x",
                          "staging/42/00000000000000000000", "blobs/a", "blobs/ab-c", "blobs/ab/1.x",
                          "staging/7/00000000000000000000"}) {
    put(key, std::string(std::string_view(key).size(), 'k'));
  }
  EXPECT_EQ(listing("blobs/"),
            "blobs/a:7 blobs/ab-c:10 blobs/ab/1.x:12 blobs/ab/10:11 blobs/ab/2:10 blobs/b/x:9");
  EXPECT_EQ(listing("blobs/ab"), "blobs/ab-c:10 blobs/ab/1.x:12 blobs/ab/10:11 blobs/ab/2:10");
  EXPECT_EQ(listing("blobs/ab/"), "blobs/ab/1.x:12 blobs/ab/10:11 blobs/ab/2:10");
  EXPECT_EQ(listing("staging/42/"),
            "staging/42/00000000000000000000:31 staging/42/00000000000001048576:31");
  EXPECT_EQ(listing("staging/4"),
            "staging/42/00000000000000000000:31 staging/42/00000000000001048576:31");
  EXPECT_EQ(listing("blobs/ab/2"), "blobs/ab/2:10");
  EXPECT_EQ(listing("nothing/"), "");
  EXPECT_EQ(listing("blobs/zz/"), "");
  auto all = store_->list("");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 9u);
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end(),
                             [](const BlobInfo& a, const BlobInfo& b) { return a.key < b.key; }));
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  for (const BlobInfo& info : *all) {
    EXPECT_GT(info.modified, now - 5 * 60 * 1000) << info.key;
    EXPECT_LT(info.modified, now + 5 * 60 * 1000) << info.key;
  }
}

TEST_P(BlobStoreTest, InvalidKeysAreRefused) {
  const auto file = store_->temp_dir() / "upload";
  write_file(file, "content");
  const std::string long_key(kMaxKeyBytes + 1, 'a');
  const std::string long_segment = "a/" + std::string(256, 'b');
  for (const std::string& key :
       {std::string(), std::string("/abs"), std::string("trailing/"), std::string("a//b"),
        std::string(".."), std::string("a/../b"), std::string("."), std::string("a/./b"),
        std::string("sp ace"), std::string("nul\0byte", 8), std::string("caf\xc3\xa9"),
        std::string("back\\slash"), std::string("a:b"), long_key, long_segment}) {
    SCOPED_TRACE(key);
    auto put = store_->put_file(key, file);
    ASSERT_FALSE(put);
    EXPECT_EQ(put.error().code, ErrorCode::invalid);
    EXPECT_EQ(fetch(key), "invalid");
    EXPECT_EQ(fetch_local(key), "invalid");
    auto removed = store_->remove(key);
    ASSERT_FALSE(removed);
    EXPECT_EQ(removed.error().code, ErrorCode::invalid);
  }
  EXPECT_TRUE(std::filesystem::exists(file)) << "a refused put leaves its file";
  for (const char* prefix : {"/", "../", "a/../", "a b", "./x"}) {
    EXPECT_EQ(listing(prefix), "invalid") << prefix;
  }
  EXPECT_EQ(listing("a."), "");
  // The longest valid key works.
  const std::string longest = std::string(255, 'a') + "/" + std::string(255, 'b') + "/" +
                              std::string(255, 'c') + "/" + std::string(254, 'd') + "/x";
  ASSERT_EQ(longest.size(), kMaxKeyBytes);
  ASSERT_TRUE(check_key(longest));
}

TEST_P(BlobStoreTest, AbsentKeysAreNotFound) {
  put("blobs/present", "here");
  EXPECT_EQ(fetch("blobs/absent"), "not_found");
  EXPECT_EQ(fetch_local("blobs/absent"), "not_found");
  // A prefix of a key, or a key under a blob's name, is not that key.
  EXPECT_EQ(fetch("blobs/pres"), "not_found");
  EXPECT_EQ(fetch_local("blobs/present/below"), "not_found");
  EXPECT_EQ(fetch_local("blobs"), "not_found");
  auto put = store_->put_file("blobs/new", store_->temp_dir() / "no-such-file");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::not_found);
  EXPECT_EQ(fetch("blobs/new"), "not_found");
}

TEST_P(BlobStoreTest, LocalPathUnderASmallCacheLimit) {
  open(kSmallCache);
  const std::string contents[] = {pattern(400 << 10, 1), pattern(400 << 10, 2), pattern(400 << 10, 3)};
  for (int i = 0; i < 3; ++i) put("blobs/c/" + std::to_string(i), contents[i]);

  auto first = store_->local_path("blobs/c/0");
  ASSERT_TRUE(first);
  // An open copy stays readable whatever eviction does to its name.
  UniqueFd held(::open(first->c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(held);
  EXPECT_TRUE(fetch_local("blobs/c/1") == contents[1]);
  EXPECT_TRUE(fetch_local("blobs/c/2") == contents[2]);  // 1.2 MiB: evicts blobs/c/0
  if (auto* s3 = dynamic_cast<S3BlobStore*>(store_.get())) {
    EXPECT_LE(s3->cache_bytes(), kSmallCache);
    EXPECT_FALSE(std::filesystem::exists(*first)) << "the least recently used copy is evicted";
  }
  EXPECT_TRUE(read_fd(held.get()) == contents[0]);
  // Evicted copies come back on demand, still right.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(fetch_local("blobs/c/" + std::to_string(i)) == contents[i]) << i;
  }
  if (auto* s3 = dynamic_cast<S3BlobStore*>(store_.get())) {
    EXPECT_LE(s3->cache_bytes(), kSmallCache);
  }
}

TEST_P(BlobStoreTest, BlobBiggerThanTheCacheIsStillServed) {
  open(kSmallCache);
  const std::string big = pattern(3 * kSmallCache + 17, 9);
  put("blobs/big", big);
  put("blobs/small", "small");
  EXPECT_TRUE(fetch_local("blobs/small") == "small");
  EXPECT_TRUE(fetch_local("blobs/big") == big);
  EXPECT_TRUE(fetch_local("blobs/big") == big);
  EXPECT_TRUE(fetch("blobs/big") == big);
  // The next copy evicts the oversized one.
  EXPECT_EQ(fetch_local("blobs/small"), "small");
  if (auto* s3 = dynamic_cast<S3BlobStore*>(store_.get())) {
    EXPECT_LE(s3->cache_bytes(), kSmallCache);
  }
}

TEST_P(BlobStoreTest, ConcurrentCallsFromManyThreads) {
  open(kSmallCache);
  constexpr int kThreads = 6;
  constexpr int kRounds = 5;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const std::string key = "blobs/t" + std::to_string(t) + "/" + std::to_string(round);
        const std::string content = pattern(100'000 + 1000 * t + round, t * 100 + round);
        const auto file = store_->temp_dir() / ("thread-" + std::to_string(t) + "-" + std::to_string(round));
        write_file(file, content);
        if (!store_->put_file(key, file)) ++failures;
        auto path = store_->local_path(key);
        // Another thread's download may evict the copy before it is opened: ask again.
        std::string got;
        for (int attempt = 0; attempt < 5 && path; ++attempt) {
          UniqueFd fd(::open(path->c_str(), O_RDONLY | O_CLOEXEC));
          if (fd) {
            got = read_fd(fd.get());
            break;
          }
          path = store_->local_path(key);
        }
        if (got != content) ++failures;
        if (round % 2 == 0 && !store_->remove(key)) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto all = store_->list("blobs/");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), static_cast<std::size_t>(kThreads * (kRounds / 2)));
}

// S3 answers 500 InternalError and 503 SlowDown now and then and asks clients to try again.
class S3RetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = s3_backend().open(dir_.path(), kSmallCache);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }
  // The object name of `key` under this test's prefix (s3_backend's config.prefix).
  static std::string object(const std::string& key) { return "conformance/" + testing::test_name() + "/" + key; }

  testing::TestDir dir_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(S3RetryTest, TransientServerErrorsAreTriedAgain) {
  const std::string content = pattern(200'000, 3);
  const auto file = store_->temp_dir() / "upload";
  write_file(file, content);
  testing::inject_s3_fault(object("blobs/a"), 500, 2);
  auto put = store_->put_file("blobs/a", file);
  ASSERT_TRUE(put) << put.error().message;

  // The retried upload sent the whole body again, not what was left of it.
  testing::inject_s3_fault(object("blobs/a"), 503, 1);
  auto path = store_->local_path("blobs/a");
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_TRUE(read_file(*path) == content);

  testing::inject_s3_fault(object("blobs/a"), 500, 3);
  EXPECT_TRUE(store_->remove("blobs/a"));
  auto all = store_->list("blobs/");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
}

TEST_F(S3RetryTest, AnErrorThatLastsFailsAfterTheLastAttempt) {
  testing::inject_s3_fault(object("blobs/b"), 500, 4);  // S3Config::max_attempts
  const auto file = store_->temp_dir() / "upload";
  write_file(file, "content");
  auto put = store_->put_file("blobs/b", file);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::unavailable);
  EXPECT_NE(put.error().message.find("HTTP 500 InternalError"), std::string::npos) << put.error().message;
  // The fault is used up, and the file is still there for the caller to try again.
  ASSERT_TRUE(store_->put_file("blobs/b", file));
}

TEST_F(S3RetryTest, ClientErrorsAreNotTriedAgain) {
  testing::inject_s3_fault(object("blobs/c"), 403, 2);
  auto missing = store_->local_path("blobs/c");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("HTTP 403"), std::string::npos) << missing.error().message;
  // One request used one fault: the second call meets the other.
  auto again = store_->local_path("blobs/c");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("HTTP 403"), std::string::npos) << again.error().message;
  auto third = store_->local_path("blobs/c");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::not_found);
}

INSTANTIATE_TEST_SUITE_P(Backends, BlobStoreTest, ::testing::Values(file_backend(), s3_backend()),
                         [](const ::testing::TestParamInfo<Backend>& backend) { return backend.param.name; });

}  // namespace
}  // namespace missive::blob
