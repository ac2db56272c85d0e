#pragma once
// The text forms the stores keep of media details and of a message's attachment snapshot
// (JSON; the same form the API shows, docs/attachments.md). RapidJSON, no I/O.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/types.h"

namespace missive {

const char* preview_state_name(PreviewState state);
// invalid for a name preview_state_name never returns.
Result<PreviewState> preview_state_from_name(std::string_view name);

std::string media_to_json(const MediaInfo& media);
Result<MediaInfo> media_from_json(std::string_view json);

std::string attachments_to_json(const std::vector<Attachment>& attachments);
// "[]" (or empty text) is no attachments; invalid for anything attachments_to_json never wrote.
Result<std::vector<Attachment>> attachments_from_json(std::string_view json);

}  // namespace missive
