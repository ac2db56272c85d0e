#include "cli/credentials.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/json_util.h"

namespace missive::cli {
namespace {

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::unavailable, std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

Result<std::string> credentials_path() {
  if (const char* config = std::getenv("MISSIVE_CONFIG"); config != nullptr && *config != '\0') {
    return std::string(config);
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    return fail(ErrorCode::invalid,
                "cannot locate the credentials file: set MISSIVE_CONFIG or HOME");
  }
  return std::string(home) + "/.config/missive/credentials";
}

Result<std::optional<SavedCredentials>> load_credentials() {
  MISSIVE_TRY(const std::string path, credentials_path());
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::optional<SavedCredentials>{};
    return fail(ErrorCode::invalid, fmt::format("cannot read {}", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto doc = parse_json(text.str());
  if (!doc || !doc->IsObject()) {
    return fail(ErrorCode::invalid, fmt::format("{} is damaged; run `missive login` again", path));
  }
  return std::optional<SavedCredentials>(
      SavedCredentials{get_string(*doc, "server"), get_string(*doc, "token"),
                       get_string(*doc, "ca_file")});
}

Status save_credentials(const SavedCredentials& credentials) {
  MISSIVE_TRY(const std::string path, credentials_path());
  const std::filesystem::path file(path);
  std::error_code ec;
  if (file.has_parent_path()) {
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      return fail(ErrorCode::unavailable,
                  fmt::format("cannot create {}: {}", file.parent_path().string(), ec.message()));
    }
  }
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  write_key(w, "server");
  write_string(w, credentials.server);
  write_key(w, "token");
  write_string(w, credentials.token);
  if (!credentials.ca_file.empty()) {
    write_key(w, "ca_file");
    write_string(w, credentials.ca_file);
  }
  w.EndObject();
  const std::string text = std::string(buffer.GetString(), buffer.GetSize()) + "\n";

  // Written to a private temporary file, then renamed, so the token is never world-readable
  // and a crash never leaves a half-written file.
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(ErrorCode::unavailable,
                fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  Status status = ::fchmod(fd, 0600) == 0 ? write_all(fd, text)
                                          : fail(ErrorCode::unavailable, std::strerror(errno));
  if (status && ::fsync(fd) != 0) status = fail(ErrorCode::unavailable, std::strerror(errno));
  ::close(fd);
  if (status && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = fail(ErrorCode::unavailable, std::strerror(errno));
  }
  if (!status) {
    ::unlink(tmp.c_str());
    return fail(ErrorCode::unavailable,
                fmt::format("cannot write {}: {}", path, status.error().message));
  }
  return {};
}

Status remove_credentials() {
  MISSIVE_TRY(const std::string path, credentials_path());
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec)
    return fail(ErrorCode::unavailable, fmt::format("cannot remove {}: {}", path, ec.message()));
  return {};
}

}  // namespace missive::cli
