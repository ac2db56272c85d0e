#pragma once
// The part of attaching uploads that runs inside a send's transaction (messages.cpp), as in
// store/sqlite/uploads.h.

#include <vector>

#include "core/error.h"
#include "core/types.h"
#include "store/postgres/transaction.h"

namespace missive::postgres {

// The snapshots of `ids` for a message `creator` sends at `now`: each must be the creator's,
// complete and unexpired (unprocessable otherwise, naming the id; store/upload_rules.h). The
// upload rows stay locked until the send's transaction ends, so a concurrent sweep cannot
// remove one before link_attachments.
Result<std::vector<Attachment>> attach_uploads(Tx& tx, UserId creator,
                                               const std::vector<UploadId>& ids, Timestamp now);
// Records that `message` carries each attachment: a message_attachment row and a message
// reference on the upload, which no longer expires.
Status link_attachments(Tx& tx, MessageId message, const std::vector<Attachment>& attachments);

}  // namespace missive::postgres
