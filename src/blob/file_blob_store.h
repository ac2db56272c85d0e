#pragma once
// FileBlobStore: blobs as files in a directory tree, one file per key at root/KEY. A put is
// write-to-temp (by the caller, in temp_dir), fsync, rename into place, fsync the directory,
// so a crash never leaves a partial file under a key (docs/blobs.md).
// Thread-safety: every method may be called from any thread concurrently.

#include <filesystem>
#include <memory>

#include "blob/blob_store.h"

namespace missive::blob {

class FileBlobStore final : public BlobStore {
 public:
  // Opens the store rooted at `root` with temp files in `temp_dir` (which must be on the same
  // filesystem), creating both if missing. Fails: unavailable (cannot create them).
  static Result<std::unique_ptr<FileBlobStore>> open(const std::filesystem::path& root,
                                                     const std::filesystem::path& temp_dir);

  Status put_file(const std::string& key, const std::filesystem::path& file) override;
  Status append_to(const std::string& key, int fd) override;
  Result<std::filesystem::path> local_path(const std::string& key) override;
  Status remove(const std::string& key) override;
  Result<std::vector<BlobInfo>> list(const std::string& prefix) override;
  const std::filesystem::path& temp_dir() const override { return temp_dir_; }

  const std::filesystem::path& root() const { return root_; }

 private:
  FileBlobStore(std::filesystem::path root, std::filesystem::path temp_dir)
      : root_(std::move(root)), temp_dir_(std::move(temp_dir)) {}

  // Moves `file` (already fsynced) to `target`, creating its parent directories.
  Status rename_into_place(const std::filesystem::path& file, const std::filesystem::path& target);

  // Constant after construction.
  const std::filesystem::path root_;
  const std::filesystem::path temp_dir_;
};

}  // namespace missive::blob
