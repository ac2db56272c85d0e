#pragma once
// The frozen audience of a deferred fan-out, as both stores keep it in message_fanout's
// recipients column: written by the send (inside the writer's transaction, so it is kept
// small and cheap to make) and read back by every fan-out chunk.
//
// Format: "d" then one item per recipient, comma-separated: the user id's difference from the
// previous item's (the first: the id itself), then "/GROUP" when the group differs from the
// previous item's (0 before the first; 0 = named directly). Recipients come sorted by user, so
// a group of 10,000 is "d10001/5,1,1,1,...": about 2 bytes a member instead of 12.
// Rows written before this format ("user,group,user,group,...") still decode.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/types.h"

namespace missive {

std::string encode_audience(const std::vector<RecipientRef>& recipients);

// unavailable ("stored fan-out audience is corrupt") for text neither format reads.
Result<std::vector<RecipientRef>> decode_audience(std::string_view text);

}  // namespace missive
