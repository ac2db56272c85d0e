#pragma once
// The test's side of the power-loss disk (tests/powerloss/powerloss_shim.c describes the model
// and the image's layout): write the image of a data directory, and rebuild a data directory
// from an image, as a power cut would leave it.

#include <filesystem>
#include <string>

#include "server_harness.h"

namespace missive::itest {

// Replaces `state` with an image of `data` as it is now (the server is not running): every
// file and name durable, ids "i<inode>", SQLite's -shm left out.
void snapshot_image(const std::filesystem::path& data, const std::filesystem::path& state);
// Replaces `data` with what `state` holds: the directories and names their last sync made
// durable, each file with its last synced content (empty if it was never synced).
void restore_image(const std::filesystem::path& state, const std::filesystem::path& data);

// A server's disk under the shim: attach() before the server's first start, then cut() is a
// power cut (SIGKILL, the data directory replaced by the image, start again). Owns the image
// directory (a temp directory beside the data directory, removed on destruction).
class PowerLossDisk {
 public:
  // The shim is built (not under the sanitizer presets); otherwise attach() throws.
  static bool available();

  ~PowerLossDisk();
  // The server runs over the shim from its next start, its current directory the disk's
  // first state. With `ignore_sync`, no sync is honoured (MISSIVE_POWERLOSS_IGNORE_SYNC=1).
  void attach(ServerProcess& server, bool ignore_sync = false);
  void cut(ServerProcess& server);
  // SIGTERM and start again: the data directory, complete, is the disk's new state.
  void clean_restart(ServerProcess& server);

 private:
  std::filesystem::path state_;
};

}  // namespace missive::itest
