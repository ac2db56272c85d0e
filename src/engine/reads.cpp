// Read tracking: one message, or a conversation up to a sequence (the watermark).
#include "engine/engine.h"

namespace missive {

Result<ReadOutcome> Engine::mark_read(const Caller& caller, MessageId id) {
  MISSIVE_TRY(const MessageView view, get_message(caller, id));
  if (view.caller_is_creator) {
    // A sender's own message is never unread: nothing to mark.
    MISSIVE_TRY(const auto conversation,
                store_.conversation(view.item.message.conversation, caller.id, clock_.now()));
    return ReadOutcome{.messages_marked = 0, .read_seq = conversation.read_seq};
  }
  return store_.mark_message_read(id, caller.id, clock_.now());
}

Result<ReadOutcome> Engine::mark_conversation_read(const Caller& caller, ConversationId id,
                                                   std::optional<Seq> up_to) {
  if (up_to && *up_to < 0) return fail(ErrorCode::invalid, "up_to_seq must not be negative");
  auto conversation = store_.conversation(id, caller.id, clock_.now());
  if (!conversation && conversation.error().code == ErrorCode::not_found) {
    return fail(ErrorCode::not_found, "conversation " + std::to_string(id.value) + " not found");
  }
  if (!conversation) return std::unexpected(conversation.error());
  return store_.mark_conversation_read(id, caller.id, up_to.value_or(conversation->max_seq),
                                       clock_.now());
}

}  // namespace missive
