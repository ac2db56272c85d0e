#pragma once
// The two S3 XML documents the S3 backend reads: a ListObjectsV2 result and an error body. A
// small targeted parser (element text by tag name), enough for these flat documents, which
// hold no CDATA and no nesting of the tags read here.
// Thread-safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "blob/blob_store.h"
#include "core/error.h"

namespace missive::blob::s3 {

// One page of a ListObjectsV2 result; keys are object names, as in the bucket.
struct ListPage {
  std::vector<BlobInfo> objects;
  bool truncated = false;
  std::string next_token;  // NextContinuationToken, when truncated
};

// Parses a ListBucketResult. Fails: unavailable (not such a document, or a bad Size or
// LastModified), naming what is wrong.
Result<ListPage> parse_list_page(std::string_view xml);

// The Code and Message of an S3 <Error> body ("" when absent).
struct ErrorBody {
  std::string code;
  std::string message;
};
ErrorBody parse_error(std::string_view xml);

// "2013-05-24T00:00:00.000Z" (ISO 8601, UTC) as ms since the epoch. Fails: invalid.
Result<Timestamp> parse_iso8601(std::string_view text);

// Replaces XML's five entities and numeric character references.
std::string xml_unescape(std::string_view text);

}  // namespace missive::blob::s3
