#include "store/upload_rules.h"

#include <fmt/format.h>

namespace missive {

std::unexpected<Error> no_upload(UploadId id) {
  return fail(ErrorCode::not_found, fmt::format("no upload {}", id.value));
}

std::unexpected<Error> no_attachment(UploadId id) {
  return fail(ErrorCode::not_found, fmt::format("no attachment {}", id.value));
}

Result<Attachment> attachable(UploadId id, const std::optional<Upload>& upload, UserId creator,
                              Timestamp now) {
  if (!upload || upload->owner != creator) {
    return fail(ErrorCode::unprocessable,
                fmt::format("attachment {} is not an upload of yours", id.value));
  }
  if (upload->state != UploadState::complete) {
    return fail(ErrorCode::unprocessable,
                fmt::format("attachment {} has not finished uploading", id.value));
  }
  if (upload->expires_at && *upload->expires_at <= now) {
    return fail(ErrorCode::unprocessable,
                fmt::format("attachment {} has expired: upload it again", id.value));
  }
  return upload->attachment();
}

Status completable(const Upload& upload) {
  if (upload.state != UploadState::receiving || upload.offset != upload.size) {
    return fail(ErrorCode::conflict,
                fmt::format("upload {} is not waiting to complete", upload.id.value));
  }
  return {};
}

std::unexpected<Error> offset_moved(UploadId id, std::int64_t stored, std::int64_t from) {
  return fail(ErrorCode::conflict,
              fmt::format("upload {} is at offset {}, not {}", id.value, stored, from));
}

Status has_content(const Upload& upload) {
  if (upload.state != UploadState::complete) {
    return fail(ErrorCode::conflict, fmt::format("upload {} is not complete", upload.id.value));
  }
  return {};
}

Status terminable(const Upload& upload, UserId owner) {
  if (upload.owner != owner) return no_upload(upload.id);
  if (upload.state != UploadState::receiving) {
    return fail(ErrorCode::conflict,
                fmt::format("upload {} is already complete", upload.id.value));
  }
  return {};
}

}  // namespace missive
