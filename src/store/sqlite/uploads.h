#pragma once
// The part of attaching uploads that runs inside a send's transaction (messages.cpp).

#include <vector>

#include "core/error.h"
#include "core/types.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

// The snapshots of `ids` for a message `creator` sends at `now`: each must be the creator's,
// complete and unexpired (unprocessable otherwise, naming the id).
Result<std::vector<Attachment>> attach_uploads(Db& db, UserId creator,
                                               const std::vector<UploadId>& ids, Timestamp now);
// Records that `message` carries each attachment: a message_attachment row and a message
// reference on the upload, which no longer expires.
Status link_attachments(Db& db, MessageId message, const std::vector<Attachment>& attachments);

}  // namespace missive::sqlite
