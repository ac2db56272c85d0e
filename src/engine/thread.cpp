// Threads as trees, keeping only the messages the caller may see.
#include <functional>
#include <unordered_map>

#include "engine/engine.h"

namespace missive {

Result<ThreadNode> Engine::thread(const Caller& caller, MessageId id) {
  MISSIVE_TRY(const MessageView asked, get_message(caller, id));
  MISSIVE_TRY(const auto messages, store_.get_thread(asked.item.message.root));

  std::unordered_map<MessageId, const Message*> by_id;
  for (const Message& message : messages) by_id[message.id] = &message;

  std::unordered_map<MessageId, MessageView> visible;
  for (const Message& message : messages) {
    auto view = view_of(caller, message);
    if (view) {
      visible.emplace(message.id, std::move(*view));
    } else if (view.error().code != ErrorCode::not_found) {
      return std::unexpected(view.error());
    }
  }

  // A visible message hangs under its nearest visible ancestor, so hidden messages leave no
  // trace but their visible replies stay in the tree.
  auto visible_parent = [&](const Message& message) -> std::optional<MessageId> {
    std::optional<MessageId> parent = message.parent;
    while (parent && !visible.contains(*parent)) {
      auto it = by_id.find(*parent);
      parent = it == by_id.end() ? std::nullopt : it->second->parent;
    }
    return parent;
  };

  std::unordered_map<MessageId, std::vector<MessageId>> children;
  MessageId top = asked.item.message.id;
  for (const Message& message : messages) {  // id order: replies come oldest first
    if (!visible.contains(message.id)) continue;
    if (auto parent = visible_parent(message)) children[*parent].push_back(message.id);
  }
  while (auto parent = visible_parent(*by_id.at(top))) top = *parent;

  std::function<ThreadNode(MessageId)> build = [&](MessageId node_id) {
    ThreadNode node{.view = visible.at(node_id), .replies = {}};
    for (const MessageId child : children[node_id]) node.replies.push_back(build(child));
    return node;
  };
  return build(top);
}

}  // namespace missive
