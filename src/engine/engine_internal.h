#pragma once
// Helpers shared by the engine's feature files. Not part of the public API.

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace missive::engine_detail {

inline Status require_admin(const Caller& caller, std::string_view action) {
  if (caller.is_admin) return {};
  return fail(ErrorCode::forbidden, "only an admin can " + std::string(action));
}

inline bool can_manage(const Caller& caller, const Group& group) {
  return caller.is_admin || group.owner == caller.id;
}

// Whether the caller holds `permission` now (admins hold every one), read from the store so
// a grant or a revocation applies to the next request.
Result<bool> holds_permission(Store& store, const Caller& caller, Permission permission);

// Success when `grant` is everyone or the caller holds `permission`; forbidden otherwise,
// naming the permission: "<action> needs the <permission> permission; an admin grants it".
Status require_grant(Store& store, const Caller& caller, Grant grant, Permission permission,
                     std::string_view action);

// What one caller may see of other users (Engine's user answers).
struct UserViewer {
  UserId id;
  bool is_admin = false;
  bool sees_attributes = false;  // of every user; everyone sees their own
};
Result<UserViewer> viewer_of(Store& store, const Caller& caller);
// `user` with what the viewer may not see marked hidden (and emptied).
User shown_to(const UserViewer& viewer, User user);
Result<User> shown_to(const UserViewer& viewer, Result<User> user);
std::vector<User> shown_to(const UserViewer& viewer, std::vector<User> users);

// Page sizes accepted by every listing.
inline Status validate_limit(int limit) {
  if (limit >= 1 && limit <= 200) return {};
  return fail(ErrorCode::invalid, "limit must be between 1 and 200");
}

// What a message adds to an answer, roughly: its texts and a margin for the other members.
inline std::size_t message_bytes(const Message& message) {
  return message.subject.size() + message.body.size() + message.metadata_json.size() +
         message.sent_to.size() + 256;
}

// A page read in chunks of `chunk` items through `read(count, last)` (the next `count` items
// after `last`, nullptr for the first chunk), ending at `limit` items or once their `bytes`
// pass `max_bytes` (always at least one item): a page of big messages ends early, so no answer
// grows to `limit` times the largest message (docs/api.md, "Pagination"), and reading in
// chunks keeps what a request holds while building its page small too. `more`: items are left.
template <class Item>
struct BytePage {
  std::vector<Item> items;
  bool more = false;
};

inline constexpr std::size_t kPageChunk = 32;

template <class Item, class Read, class Bytes>
Result<BytePage<Item>> read_page(std::size_t limit, std::size_t chunk_size, std::size_t max_bytes,
                                 Read&& read, Bytes&& bytes) {
  BytePage<Item> page;
  std::size_t total = 0;
  for (;;) {
    const std::size_t want = std::min(limit - page.items.size(), chunk_size);
    MISSIVE_TRY(std::vector<Item> chunk, read(static_cast<int>(want + 1),
                                              page.items.empty() ? nullptr : &page.items.back()));
    const bool store_has_more = chunk.size() > want;
    for (std::size_t i = 0; i < std::min(chunk.size(), want); ++i) {
      total += bytes(chunk[i]);
      if (!page.items.empty() && total > max_bytes) {
        page.more = true;
        return page;
      }
      page.items.push_back(std::move(chunk[i]));
    }
    if (!store_has_more) return page;
    if (page.items.size() == limit) {
      page.more = true;
      return page;
    }
  }
}

inline std::unexpected<Error> message_not_found(MessageId id) {
  return fail(ErrorCode::not_found, "message " + std::to_string(id.value) + " not found");
}

}  // namespace missive::engine_detail
