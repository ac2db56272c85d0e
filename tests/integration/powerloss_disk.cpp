#include "powerloss_disk.h"

#include <sys/stat.h>

#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

namespace missive::itest {
namespace {

namespace fs = std::filesystem;

std::string id_of(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) throw std::runtime_error("lstat " + path.string());
  return "i" + std::to_string(st.st_ino);
}

// Writes the image of directory `dir` and everything below it; returns its id.
std::string snapshot_dir(const fs::path& dir, const fs::path& state) {
  const auto id = id_of(dir);
  std::ostringstream listing;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    // -shm is never durable (SQLite rebuilds it); the shim keeps no symlinks either.
    if (name.ends_with("-shm") || entry.is_symlink()) continue;
    if (entry.is_directory()) {
      listing << "d " << snapshot_dir(entry.path(), state) << ' ' << name << '\n';
    } else if (entry.is_regular_file()) {
      const auto file_id = id_of(entry.path());
      fs::copy_file(entry.path(), state / "ino" / file_id, fs::copy_options::overwrite_existing);
      listing << "f " << file_id << ' ' << name << '\n';
    }
  }
  std::ofstream(state / "dir" / id) << listing.str();
  return id;
}

void restore_dir(const std::string& id, const fs::path& state, const fs::path& dir) {
  fs::create_directory(dir);
  std::ifstream listing(state / "dir" / id);  // absent: the directory's names never synced
  std::string line;
  while (std::getline(listing, line)) {
    const auto first = line.find(' ');
    const auto second = line.find(' ', first + 1);
    if (line.size() < 5 || first != 1 || second == std::string::npos) {
      throw std::runtime_error("bad listing line in " + (state / "dir" / id).string() + ": " + line);
    }
    const auto child_id = line.substr(2, second - 2);
    const auto path = dir / line.substr(second + 1);
    if (line[0] == 'd') {
      restore_dir(child_id, state, path);
    } else if (fs::exists(state / "ino" / child_id)) {
      fs::copy_file(state / "ino" / child_id, path);
    } else {
      std::ofstream{path};  // named, never synced: empty
    }
  }
}

}  // namespace

void snapshot_image(const fs::path& data, const fs::path& state) {
  fs::remove_all(state);
  for (const auto* sub : {"ino", "dir", "tmp"}) fs::create_directories(state / sub);
  const auto root = snapshot_dir(data, state);
  std::ofstream(state / "root") << root;
}

void restore_image(const fs::path& state, const fs::path& data) {
  std::string root;
  std::ifstream(state / "root") >> root;
  if (root.empty()) throw std::runtime_error("no image in " + state.string());
  fs::remove_all(data);
  restore_dir(root, state, data);
}

bool PowerLossDisk::available() {
#ifdef MISSIVE_POWERLOSS_SHIM
  return true;
#else
  return false;
#endif
}

PowerLossDisk::~PowerLossDisk() {
  std::error_code ec;
  if (!state_.empty()) fs::remove_all(state_, ec);
}

void PowerLossDisk::attach(ServerProcess& server, bool ignore_sync) {
#ifdef MISSIVE_POWERLOSS_SHIM
  state_ = fs::temp_directory_path() / ("missive-powerloss-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(std::random_device{}()));
  std::vector<std::string> env = {std::string("LD_PRELOAD=") + MISSIVE_POWERLOSS_SHIM,
                                  "MISSIVE_POWERLOSS_DATA=" + server.data_dir().string(),
                                  "MISSIVE_POWERLOSS_STATE=" + state_.string()};
  if (ignore_sync) env.push_back("MISSIVE_POWERLOSS_IGNORE_SYNC=1");
  server.set_extra_env(std::move(env));
  snapshot_image(server.data_dir(), state_);
#else
  (void)server;
  (void)ignore_sync;
  throw std::runtime_error("the power-loss shim is not built (a sanitizer preset)");
#endif
}

void PowerLossDisk::cut(ServerProcess& server) {
  server.kill();
  restore_image(state_, server.data_dir());
  snapshot_image(server.data_dir(), state_);
  server.start();
}

void PowerLossDisk::clean_restart(ServerProcess& server) {
  server.stop();
  snapshot_image(server.data_dir(), state_);
  server.start();
}

}  // namespace missive::itest
