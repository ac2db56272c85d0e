#pragma once
// What both stores decide about uploads without SQL (docs/attachments.md): whether an upload
// may be attached, completed or terminated, and the errors they answer, so the two backends
// refuse the same things with the same words. Each backend loads the rows; these judge them.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>

#include "core/error.h"
#include "core/types.h"

namespace missive {

// The media column of a blob nothing has decoded yet (media_to_json of a default MediaInfo).
inline constexpr const char* kNoMediaJson = "{\"preview\":\"none\"}";

// not_found: "no upload N".
std::unexpected<Error> no_upload(UploadId id);
// not_found for visible_upload: the same answer whether the upload is absent or hidden.
std::unexpected<Error> no_attachment(UploadId id);

// The snapshot a message `creator` sends at `now` keeps of upload `id` (`upload`: the row,
// nullopt if there is none). unprocessable, naming the id, unless the upload is the
// creator's, complete and not expired at `now`.
Result<Attachment> attachable(UploadId id, const std::optional<Upload>& upload, UserId creator,
                              Timestamp now);

// conflict unless `upload` is receiving and fully stored (complete_upload may run).
Status completable(const Upload& upload);
// conflict: advance_upload found the stored offset at `stored`, not `from` (or the upload
// is no longer receiving).
std::unexpected<Error> offset_moved(UploadId id, std::int64_t stored, std::int64_t from);
// conflict unless `upload` is complete (set_upload_media).
Status has_content(const Upload& upload);
// not_found unless `upload` is `owner`'s; conflict unless it is still receiving
// (delete_upload, tus termination).
Status terminable(const Upload& upload, UserId owner);

}  // namespace missive
