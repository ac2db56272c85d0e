#include "blob/file_blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include <fmt/format.h>

#include "blob/posix_io.h"

namespace missive::blob {
namespace {

// Appends every regular file below root/dir whose key starts with `prefix` to `out`.
// Directories vanishing meanwhile (a concurrent remove prunes them) are skipped, not errors.
Status walk(const std::filesystem::path& root, const std::string& dir, const std::string& prefix,
            std::vector<BlobInfo>& out) {
  const std::filesystem::path path = dir.empty() ? root : root / dir;
  std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(path.c_str()), ::closedir);
  if (!handle) {
    if (errno == ENOENT || errno == ENOTDIR) return {};
    return io_error("opendir", path);
  }
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(handle.get());
    if (entry == nullptr) {
      if (errno != 0) return io_error("readdir", path);
      return {};
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string key = dir.empty() ? std::string(name) : dir + '/' + std::string(name);
    // Only descend where keys with the prefix can be: "blobs/a" needs "blobs", not "staging".
    const std::size_t common = std::min(key.size(), prefix.size());
    if (key.compare(0, common, prefix, 0, common) != 0) continue;
    struct stat st{};
    if (::fstatat(dirfd(handle.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return io_error("stat", path / name);
    }
    if (S_ISDIR(st.st_mode)) {
      MISSIVE_TRY_STATUS(walk(root, key, prefix, out));
    } else if (S_ISREG(st.st_mode) && key.starts_with(prefix) && check_key(key)) {
      out.push_back(BlobInfo{std::move(key), static_cast<std::int64_t>(st.st_size), modified_ms(st)});
    }
  }
}

}  // namespace

Result<std::unique_ptr<FileBlobStore>> FileBlobStore::open(const std::filesystem::path& root,
                                                           const std::filesystem::path& temp_dir) {
  std::error_code ec;
  for (const auto& dir : {root, temp_dir}) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return fail(ErrorCode::unavailable,
                  fmt::format("cannot create directory {}: {}", dir.string(), ec.message()));
    }
    // The directory's own name is only durable once its parent is synced: without this, a
    // power cut in a fresh data directory's first life takes back blobs/ and every blob in it
    // (PowerLossTest). Every start, as a killed earlier start may have made it unsynced.
    MISSIVE_TRY_STATUS(fsync_dir(dir.parent_path()));
  }
  // Without a trailing '/', so remove() can tell root_ from the directories below it.
  std::filesystem::path normal = root.lexically_normal();
  if (!normal.has_filename() && normal.has_relative_path()) normal = normal.parent_path();
  return std::unique_ptr<FileBlobStore>(new FileBlobStore(std::move(normal), temp_dir));
}

Status FileBlobStore::rename_into_place(const std::filesystem::path& file,
                                        const std::filesystem::path& target) {
  const std::filesystem::path parent = target.parent_path();
  // A concurrent remove may prune the freshly made parent before the rename (ENOENT): make it
  // again. Three rounds are plenty; the race needs a remove of the last sibling each time.
  for (int attempt = 0;; ++attempt) {
    MISSIVE_TRY_STATUS(create_dirs_durably(root_, parent));
    if (::rename(file.c_str(), target.c_str()) == 0) break;
    if (errno == ENOENT && attempt < 3 && ::access(file.c_str(), F_OK) == 0) continue;
    if (errno == ENOENT) return fail(ErrorCode::not_found, fmt::format("{} does not exist", file.string()));
    return io_error(fmt::format("rename {} to", file.string()), target);
  }
  // The rename is only durable once the directory holding the new entry is synced.
  return fsync_dir(parent);
}

Status FileBlobStore::put_file(const std::string& key, const std::filesystem::path& file) {
  MISSIVE_TRY_STATUS(check_key(key));
  const std::filesystem::path target = root_ / key;
  {
    // The content must be on disk before the name points at it, or a power cut could leave
    // the key naming an empty or partial file.
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      if (errno == ENOENT) return fail(ErrorCode::not_found, fmt::format("{} does not exist", file.string()));
      return io_error("open", file);
    }
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) return io_error("stat", file);
    if (!S_ISREG(st.st_mode)) {
      return fail(ErrorCode::invalid, fmt::format("{} is not a regular file", file.string()));
    }
    if (::fsync(fd.get()) != 0) return io_error("fsync", file);
  }
  if (::rename(file.c_str(), target.c_str()) == 0) return fsync_dir(target.parent_path());
  if (errno == EXDEV) {
    // Not the same filesystem (a caller outside temp_dir): copy into temp_dir, which is,
    // and put that copy.
    MISSIVE_TRY(UniqueFd in, open_read(file));
    char name[] = "put-XXXXXX";
    const std::filesystem::path pattern = temp_dir_ / name;
    std::string temp = pattern.string();
    UniqueFd out(::mkostemp(temp.data(), O_CLOEXEC));
    if (!out) return io_error("create temp file in", temp_dir_);
    Status copied = copy_all(in.get(), out.get(), file);
    if (copied && ::fsync(out.get()) != 0) copied = io_error("fsync", temp);
    if (copied) copied = rename_into_place(temp, target);
    if (!copied) {
      ::unlink(temp.c_str());
      return copied;
    }
    ::unlink(file.c_str());
    return {};
  }
  if (errno != ENOENT) return io_error(fmt::format("rename {} to", file.string()), target);
  return rename_into_place(file, target);
}

Status FileBlobStore::append_to(const std::string& key, int fd) {
  MISSIVE_TRY_STATUS(check_key(key));
  const std::filesystem::path path = root_ / key;
  MISSIVE_TRY(UniqueFd in, open_read(path));
  return copy_all(in.get(), fd, path);
}

Result<std::filesystem::path> FileBlobStore::local_path(const std::string& key) {
  MISSIVE_TRY_STATUS(check_key(key));
  std::filesystem::path path = root_ / key;
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return fail(ErrorCode::not_found, fmt::format("blob {} does not exist", key));
    }
    return io_error("stat", path);
  }
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::not_found, fmt::format("blob {} does not exist", key));
  return path;
}

Status FileBlobStore::remove(const std::string& key) {
  MISSIVE_TRY_STATUS(check_key(key));
  const std::filesystem::path path = root_ / key;
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return {};
    return io_error("unlink", path);
  }
  // A remove that a power cut forgets would bring a deleted blob back.
  MISSIVE_TRY_STATUS(fsync_dir(path.parent_path()));
  // Prune directories left empty (staging/42/ after its last chunk), so they do not pile up;
  // rmdir refuses a non-empty one, which ends the walk.
  for (std::filesystem::path dir = path.parent_path();
       dir.native().size() > root_.native().size(); dir = dir.parent_path()) {
    if (::rmdir(dir.c_str()) != 0) break;
  }
  return {};
}

Result<std::vector<BlobInfo>> FileBlobStore::list(const std::string& prefix) {
  MISSIVE_TRY_STATUS(check_prefix(prefix));
  std::vector<BlobInfo> out;
  // Start at the deepest directory the prefix names in full.
  const std::size_t slash = prefix.rfind('/');
  const std::string start = slash == std::string::npos ? "" : prefix.substr(0, slash);
  struct stat st{};
  if (!start.empty() && (::stat((root_ / start).c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    return out;
  }
  MISSIVE_TRY_STATUS(walk(root_, start, prefix, out));
  std::sort(out.begin(), out.end(), [](const BlobInfo& a, const BlobInfo& b) { return a.key < b.key; });
  return out;
}

}  // namespace missive::blob
