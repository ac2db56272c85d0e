// FileBlobStore beyond the conformance suite: crash safety of put, directory pruning, and
// append_to into descriptors sendfile refuses.

#include "blob/file_blob_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "blob/posix_io.h"
#include "test_s3rver.h"

namespace missive::blob {
namespace {

using testing::read_file;
using testing::write_file;

class FileBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = FileBlobStore::open(dir_.path() / "blobs", dir_.path() / "tmp");
    ASSERT_TRUE(store);
    store_ = std::move(*store);
  }

  void put(const std::string& key, std::string_view content) {
    const auto file = store_->temp_dir() / "upload";
    write_file(file, content);
    ASSERT_TRUE(store_->put_file(key, file));
  }

  // Every file below the root, relative to it.
  std::vector<std::string> files_under_root() const {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(store_->root())) {
      if (!entry.is_directory()) out.push_back(entry.path().lexically_relative(store_->root()).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::TestDir dir_;
  std::unique_ptr<FileBlobStore> store_;
};

TEST_F(FileBlobStoreTest, PutFromAVanishedFileKeepsTheOldContent) {
  put("blobs/k", "old");
  auto status = store_->put_file("blobs/k", store_->temp_dir() / "gone");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::not_found);
  EXPECT_EQ(read_file(store_->root() / "blobs/k"), "old");
  EXPECT_EQ(files_under_root(), std::vector<std::string>{"blobs/k"});
}

TEST_F(FileBlobStoreTest, PutOfADirectoryIsRefused) {
  std::filesystem::create_directories(store_->temp_dir() / "dir");
  auto status = store_->put_file("k", store_->temp_dir() / "dir");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::invalid);
  EXPECT_TRUE(files_under_root().empty());
}

// A process writing ever new versions of one blob (the caller's temp file, then put_file) is
// killed at random moments. Whatever moment the kill lands on, the key holds a complete
// version or nothing, and no other file ever appears under the root: partial data only ever
// lives under temp names in temp_dir.
TEST_F(FileBlobStoreTest, KilledPutNeverLeavesAPartialFile) {
  constexpr std::size_t kSize = 2 << 20;
  for (int round = 0; round < 12; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int version = 0;; ++version) {
        const std::string content(kSize, static_cast<char>('A' + version % 26));
        const auto file = store_->temp_dir() / ("upload-" + std::to_string(version));
        UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        // Written in pieces, so a kill often lands with the temp file half written.
        for (std::size_t at = 0; at < kSize; at += 64 << 10) {
          if (!write_all(fd.get(), content.data() + at, 64 << 10, file)) ::_exit(2);
        }
        fd = UniqueFd();
        if (!store_->put_file("blobs/ab/victim", file)) ::_exit(3);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + 17 * round));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer failed on its own: exit " << WEXITSTATUS(status);

    const auto files = files_under_root();
    if (files.empty()) continue;  // killed before the first rename
    ASSERT_EQ(files, std::vector<std::string>{"blobs/ab/victim"});
    const std::string content = read_file(store_->root() / "blobs/ab/victim");
    ASSERT_EQ(content.size(), kSize) << "round " << round;
    ASSERT_EQ(content.find_first_not_of(content[0]), std::string::npos) << "a mix of versions";
  }
}

TEST_F(FileBlobStoreTest, RemovePrunesEmptyDirectories) {
  put("staging/42/00000000000000000000", "a");
  put("staging/42/00000000000001048576", "b");
  put("staging/7/00000000000000000000", "c");
  ASSERT_TRUE(store_->remove("staging/42/00000000000000000000"));
  EXPECT_TRUE(std::filesystem::is_directory(store_->root() / "staging/42"));
  ASSERT_TRUE(store_->remove("staging/42/00000000000001048576"));
  EXPECT_FALSE(std::filesystem::exists(store_->root() / "staging/42"));
  EXPECT_TRUE(std::filesystem::is_directory(store_->root() / "staging/7"));
  ASSERT_TRUE(store_->remove("staging/7/00000000000000000000"));
  EXPECT_FALSE(std::filesystem::exists(store_->root() / "staging"));
  EXPECT_TRUE(std::filesystem::is_directory(store_->root()));
  put("staging/42/00000000000000000000", "again");
  EXPECT_EQ(read_file(store_->root() / "staging/42/00000000000000000000"), "again");
}

// Puts under sibling directories race with removes that prune their shared parent: a put that
// finds "staging" and then has it pruned before making "staging/N" must make both again, not
// fail (a sweep pruning while an upload stores its part, as in a busy server).
TEST_F(FileBlobStoreTest, PutsRaceRemovesPruningTheSharedParent) {
  constexpr int kThreads = 6;
  constexpr int kRounds = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const std::string key = "staging/" + std::to_string(t) + "/part";
        const auto file = store_->temp_dir() / ("part-" + std::to_string(t));
        write_file(file, "x");
        if (!store_->put_file(key, file)) ++failures;
        if (!store_->remove(key)) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(files_under_root().empty());
}

TEST_F(FileBlobStoreTest, LocalPathIsTheBlobsOwnFile) {
  put("blobs/ab/x", "content");
  auto path = store_->local_path("blobs/ab/x");
  ASSERT_TRUE(path);
  EXPECT_EQ(*path, store_->root() / "blobs/ab/x");
}

TEST_F(FileBlobStoreTest, AppendToAnAppendOnlyFileAndAPipe) {
  const std::string content = testing::pattern(3 << 20, 4);
  put("k", content);
  // sendfile refuses an O_APPEND target; the buffered copy takes over.
  const auto file = dir_.path() / "appended";
  write_file(file, "head:");
  {
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    ASSERT_TRUE(store_->append_to("k", fd.get()));
  }
  EXPECT_TRUE(read_file(file) == "head:" + content);

  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  std::string got;
  std::thread reader([&] {
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::read(read_end.get(), buffer, sizeof buffer);
      if (n <= 0) break;
      got.append(buffer, static_cast<std::size_t>(n));
    }
  });
  EXPECT_TRUE(store_->append_to("k", write_end.get()));
  write_end = UniqueFd();
  reader.join();
  EXPECT_TRUE(got == content);
}

}  // namespace
}  // namespace missive::blob
