#pragma once
// Typed identifiers: a UserId can never be passed where a MessageId is expected.

#include <compare>
#include <cstdint>
#include <functional>

namespace missive {

template <class Tag>
struct Id {
  std::int64_t value = 0;

  constexpr Id() = default;
  constexpr explicit Id(std::int64_t v) : value(v) {}
  constexpr bool valid() const { return value > 0; }
  constexpr auto operator<=>(const Id&) const = default;
};

using UserId = Id<struct UserTag>;
using GroupId = Id<struct GroupTag>;
using MessageId = Id<struct MessageTag>;
using ConversationId = Id<struct ConversationTag>;
// An uploaded file; once a message carries it, the same id names the attachment.
using UploadId = Id<struct UploadTag>;
using WebhookId = Id<struct WebhookTag>;
// A row of the notification outbox (docs/notifications.md).
using NotificationId = Id<struct NotificationTag>;

// Position of a message in its conversation: gap-free, starts at 1, assigned at commit.
using Seq = std::int64_t;

// Milliseconds since the Unix epoch, UTC.
using Timestamp = std::int64_t;

}  // namespace missive

template <class Tag>
struct std::hash<missive::Id<Tag>> {
  std::size_t operator()(const missive::Id<Tag>& id) const noexcept {
    return std::hash<std::int64_t>{}(id.value);
  }
};
