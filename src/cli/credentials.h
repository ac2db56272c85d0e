#pragma once
// The token saved by `missive login`: a JSON file {"server": ..., "token": ...} (and
// "ca_file" when login was given --ca-file), mode 0600, at $MISSIVE_CONFIG or
// ~/.config/missive/credentials.

#include <optional>
#include <string>

#include "core/error.h"

namespace missive::cli {

struct SavedCredentials {
  std::string server;
  std::string token;
  std::string ca_file;  // absolute path of the CA file trusted for `server`; empty: none
};

// The file's path; invalid when neither MISSIVE_CONFIG nor HOME is set.
Result<std::string> credentials_path();
// nullopt when there is no file; invalid when it cannot be read or parsed.
Result<std::optional<SavedCredentials>> load_credentials();
// Replaces the file atomically, readable by its owner only.
Status save_credentials(const SavedCredentials& credentials);
// Removes the file; success when there was none.
Status remove_credentials();

}  // namespace missive::cli
