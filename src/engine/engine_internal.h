#pragma once
// Helpers shared by the engine's feature files. Not part of the public API.

#include <string_view>

#include "engine/engine.h"

namespace missive::engine_detail {

inline Status require_admin(const Caller& caller, std::string_view action) {
  if (caller.is_admin) return {};
  return fail(ErrorCode::forbidden, "only an admin can " + std::string(action));
}

inline bool can_manage(const Caller& caller, const Group& group) {
  return caller.is_admin || group.owner == caller.id;
}

// Page sizes accepted by every listing.
inline Status validate_limit(int limit) {
  if (limit >= 1 && limit <= 200) return {};
  return fail(ErrorCode::invalid, "limit must be between 1 and 200");
}

inline std::unexpected<Error> message_not_found(MessageId id) {
  return fail(ErrorCode::not_found, "message " + std::to_string(id.value) + " not found");
}

}  // namespace missive::engine_detail
