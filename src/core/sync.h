#pragma once
// A user's sync timeline: every event each device of the user must learn, in order
// (docs/protocol.md). Plain values: no I/O.

#include <cstdint>
#include <optional>

#include "core/ids.h"
#include "core/types.h"

namespace missive {

// Position in one user's timeline: per user, gap-free, starts at 1, assigned at commit.
using SyncSeq = std::int64_t;

enum class EntryKind {
  message,   // a message (or reply) sent to or by the user
  read,      // the user's read watermark in a conversation rose (on any of their devices)
  status,    // a recipient's status of a message the user sent became delivered or read
  expiry,    // a message's expiry changed (a withdrawal sets it to the moment of withdrawal)
  reminder,  // the user was sent a reminder for a message
  attachment,  // an attachment of a message the user sees got its preview (or it failed)
};

enum class DeliveryStatus { sent, delivered, read };

struct SyncEntry {
  SyncSeq seq = 0;
  EntryKind kind = EntryKind::message;
  ConversationId conversation;
  // message, expiry: the message's seq in the conversation; read: the new watermark.
  Seq conv_seq = 0;
  std::optional<MessageId> message;  // every kind; read: only when one message was read
  std::optional<UserId> user;        // status: the recipient whose status changed
  DeliveryStatus status = DeliveryStatus::sent;  // status entries: delivered or read
  std::int64_t number = 0;           // reminder: the reminder's number (1, 2, ...)
  bool is_final = false;             // reminder: the final one
  std::optional<Timestamp> expiry;   // expiry: the new expiry date (nullopt: cleared)
  std::optional<UploadId> attachment;  // attachment: which one
  Timestamp at = 0;                  // when the event happened
  // message entries: the message while it is active; nullopt once withdrawn or expired (the
  // entry is then a placeholder that still fills its place).
  std::optional<Message> content;
};

// One place in a conversation's sequence, for range pulls and history.
struct MessageSlot {
  Seq seq = 0;
  // nullopt: a placeholder (withdrawn, expired, or sent while the user was not a member).
  std::optional<Message> message;
};

const char* entry_kind_name(EntryKind kind);
const char* delivery_status_name(DeliveryStatus status);

}  // namespace missive
