// PLACEHOLDER until the PostgreSQL upload operations land: every call is unavailable.
#include "store/postgres/postgres_store_impl.h"

namespace missive::postgres {
namespace {
std::unexpected<Error> not_yet() { return fail(ErrorCode::unavailable, "uploads: not yet on PostgreSQL"); }
}  // namespace
Result<UploadCreated> PostgresStore::create_upload(const NewUpload&) { return not_yet(); }
Result<Upload> PostgresStore::get_upload(UploadId) { return not_yet(); }
Result<Upload> PostgresStore::advance_upload(UploadId, std::int64_t, std::int64_t) { return not_yet(); }
Result<std::optional<Upload>> PostgresStore::complete_upload(const UploadCompletion&) { return not_yet(); }
Result<Upload> PostgresStore::set_upload_media(UploadId, const MediaInfo&, const std::string&, Timestamp) { return not_yet(); }
Status PostgresStore::delete_upload(UploadId, UserId) { return not_yet(); }
Result<Upload> PostgresStore::visible_upload(UploadId, UserId, Timestamp) { return not_yet(); }
Result<std::int64_t> PostgresStore::storage_used(UserId) { return not_yet(); }
Result<UploadSweep> PostgresStore::sweep_uploads(Timestamp, Timestamp, int) { return not_yet(); }
Status PostgresStore::forget_blobs(const std::vector<std::string>&) { return not_yet(); }
Result<std::vector<std::string>> PostgresStore::blob_keys() { return not_yet(); }
}  // namespace missive::postgres
