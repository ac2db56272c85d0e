// BlobCache: LRU eviction by bytes, oversized copies, and a drop racing a download.

#include "blob/blob_cache.h"

#include <gtest/gtest.h>

#include "test_s3rver.h"

namespace missive::blob {
namespace {

class BlobCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cache = BlobCache::open(dir_.path() / "cache", 100);
    ASSERT_TRUE(cache);
    cache_ = std::move(*cache);
  }

  std::filesystem::path add(const std::string& key, std::size_t size) {
    auto download = cache_->begin(key);
    EXPECT_TRUE(download);
    const std::string content(size, key[0]);
    EXPECT_TRUE(write_all(download->fd.get(), content.data(), content.size(), download->temp));
    auto path = cache_->finish(std::move(*download));
    EXPECT_TRUE(path);
    return *path;
  }

  testing::TestDir dir_;
  std::unique_ptr<BlobCache> cache_;
};

TEST_F(BlobCacheTest, EvictsLeastRecentlyUsedFirst) {
  const auto a = add("a", 40);
  const auto b = add("b", 40);
  EXPECT_TRUE(cache_->find("a"));  // b is now the least recently used
  add("c", 40);
  EXPECT_TRUE(cache_->find("a"));
  EXPECT_FALSE(cache_->find("b"));
  EXPECT_FALSE(std::filesystem::exists(b));
  EXPECT_TRUE(std::filesystem::exists(a));
  EXPECT_EQ(cache_->bytes(), 80);
}

TEST_F(BlobCacheTest, OversizedCopyStaysUntilTheNext) {
  add("a", 10);
  const auto big = add("b", 150);
  EXPECT_FALSE(cache_->find("a"));
  EXPECT_EQ(cache_->find("b"), big);
  EXPECT_EQ(testing::read_file(big).size(), 150u);
  add("c", 10);
  EXPECT_FALSE(cache_->find("b"));
  EXPECT_EQ(cache_->bytes(), 10);
}

TEST_F(BlobCacheTest, DropRemovesTheCopy) {
  const auto a = add("a", 10);
  cache_->drop("a");
  EXPECT_FALSE(cache_->find("a"));
  EXPECT_FALSE(std::filesystem::exists(a));
  EXPECT_EQ(cache_->bytes(), 0);
  cache_->drop("never");
}

TEST_F(BlobCacheTest, DropDuringADownloadMakesItsCopyStale) {
  auto download = cache_->begin("k");
  ASSERT_TRUE(download);
  cache_->drop("k");  // a put replaced k while the old content was downloading
  auto path = cache_->finish(std::move(*download));
  ASSERT_TRUE(path) << "the caller still gets what it asked for";
  EXPECT_FALSE(cache_->find("k")) << "but the copy is not served again";
  // A download begun after the drop is fresh.
  add("k", 5);
  EXPECT_TRUE(cache_->find("k"));
}

TEST_F(BlobCacheTest, AbandonLeavesNothing) {
  auto download = cache_->begin("k");
  ASSERT_TRUE(download);
  cache_->abandon(std::move(*download));
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() / "cache"));
}

TEST_F(BlobCacheTest, OpenEmptiesTheDirectory) {
  add("a", 10);
  auto reopened = BlobCache::open(dir_.path() / "cache", 100);
  ASSERT_TRUE(reopened);
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() / "cache"));
  EXPECT_FALSE(BlobCache::open(dir_.path() / "cache", -1));
}

}  // namespace
}  // namespace missive::blob
