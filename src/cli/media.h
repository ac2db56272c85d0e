#pragma once
// Attachments from the command line (docs/attachments.md): the resumable tus upload behind
// `missive send --attach` and `missive upload`, and `missive download`'s file name.

#include <optional>
#include <string>
#include <string_view>

#include "cli/context.h"
#include "core/error.h"

namespace missive::cli {

struct TransferOptions {
  bool quiet = false;  // no progress on stderr
};

// Uploads the file at `path` with tus: creates the upload, sends it in chunks of the server's
// chunk_size (GET /v1/media/config; only one chunk is in memory at a time) and, after a failed
// chunk, asks HEAD where the server got to and goes on from there, retrying a few times with
// backoff. Shows progress on stderr (a bar on a terminal, percentage lines otherwise). Returns
// the complete upload (GET /v1/uploads/{id}). invalid when the file cannot be read; the
// server's error (too_large, rate_limited, ...) when it refuses; unavailable when the server
// stays unreachable.
Result<Response> upload_file(Api& api, const std::string& path, const TransferOptions& options);

// The file name a Content-Disposition header suggests (filename*, else filename), made safe
// to create in the current directory: no directory part, no control characters, not "." or
// "..", not hidden. nullopt when it names none.
std::optional<std::string> download_file_name(std::string_view content_disposition);

}  // namespace missive::cli
