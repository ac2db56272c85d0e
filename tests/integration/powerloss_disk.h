#pragma once
// The test's side of the power-loss disk (tests/powerloss/powerloss_shim.c describes the model
// and the image's layout): write the image of a data directory, and rebuild a data directory
// from an image, as a power cut would leave it.

#include <filesystem>

namespace missive::itest {

// Replaces `state` with an image of `data` as it is now (the server is not running): every
// file and name durable, ids "i<inode>", SQLite's -shm left out.
void snapshot_image(const std::filesystem::path& data, const std::filesystem::path& state);
// Replaces `data` with what `state` holds: the directories and names their last sync made
// durable, each file with its last synced content (empty if it was never synced).
void restore_image(const std::filesystem::path& state, const std::filesystem::path& data);

}  // namespace missive::itest
