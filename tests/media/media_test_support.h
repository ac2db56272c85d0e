#pragma once
// Helpers for media_tests: a scratch directory, running shell commands that generate
// fixtures, reading files, and running a program to see how it ended.

#include <filesystem>
#include <string>
#include <vector>

namespace missive::media::testing {

// A fresh directory under the system's temporary directory, removed with its contents on
// destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Runs `command` with /bin/sh; true when it exited 0. Its output goes to the test's log.
bool sh(const std::string& command);
// Runs `command` with /bin/sh and returns its stdout, without a trailing newline.
std::string sh_output(const std::string& command);
// A file's whole content.
std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);
// Writes an executable /bin/sh script with `body`.
void write_script(const std::filesystem::path& path, const std::string& body);

// How a program ended: exit code, or the signal that killed it.
struct Ended {
  bool signaled = false;
  int code = 0;  // exit status, or the signal number
};
// Runs `argv` (argv[0] a path) with stdout and stderr to /dev/null and waits for it.
Ended run(const std::vector<std::string>& argv);

// The missive-media executable under test.
std::filesystem::path worker_path();

}  // namespace missive::media::testing
