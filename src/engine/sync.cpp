// Multi-device sync: the caller's timeline, delivery acknowledgements, conversation history,
// and the background work behind them (deferred fan-out, pruning). docs/protocol.md.
#include <algorithm>

#include "engine/engine.h"
#include "engine/engine_internal.h"

namespace missive {
namespace {

constexpr int kFanoutChunk = 1000;

bool delivers_something(const std::vector<SyncEntry>& entries, UserId user) {
  return std::any_of(entries.begin(), entries.end(), [user](const SyncEntry& e) {
    return e.kind == EntryKind::message && (!e.content || e.content->creator != user);
  });
}

}  // namespace

Result<SyncResponse> Engine::sync(const Caller& caller, const SyncRequest& request) {
  if (request.since < 0) return fail(ErrorCode::invalid, "since must not be negative");
  if (request.limit < 1 || request.limit > 100) {
    return fail(ErrorCode::invalid, "limit must be between 1 and 100");
  }
  const Timestamp now = clock_.now();
  // One read of the whole limit (pulls are the hot path), ended early at the page bytes.
  SyncState state;
  const auto read = [&](int count, const SyncEntry*) -> Result<std::vector<SyncEntry>> {
    MISSIVE_TRY(SyncPage page,
                store_.sync(SyncQuery{
                    .user = caller.id, .since = request.since, .limit = count, .now = now}));
    state = page.state;
    return std::move(page.entries);
  };
  const auto limit = static_cast<std::size_t>(request.limit);
  MISSIVE_TRY(auto page, engine_detail::read_page<SyncEntry>(
                             limit, limit, options_.page_bytes, read, [](const SyncEntry& entry) {
                               return entry.content ? engine_detail::message_bytes(*entry.content)
                                                    : std::size_t{64};
                             }));
  // A cursor below what is kept, or past the newest entry (a restored database), cannot be
  // continued: the device starts again from the conversations and then from `next`.
  if (request.since < state.floor || request.since > state.last) {
    return SyncResponse{.reset = true, .entries = {}, .next = state.last, .has_more = false};
  }
  SyncResponse response;
  response.next = page.items.empty() ? request.since : page.items.back().seq;
  response.has_more = page.more || response.next < state.last;
  if (request.mark_delivered && response.next > state.delivered &&
      delivers_something(page.items, caller.id)) {
    if (delivery_sink_) {
      // Written shortly after, with other pulls: a page costs no commit of its own.
      delivery_sink_(caller.id, response.next);
    } else {
      // A failure here must not fail the pull: a later pull or ack marks them.
      (void)store_.mark_delivered(caller.id, response.next, now);
    }
  }
  response.entries = std::move(page.items);
  return response;
}

Result<SyncSeq> Engine::newest_entry(const Caller& caller) {
  MISSIVE_TRY(const SyncState state, store_.sync_state(caller.id));
  return state.last;
}

Status Engine::acknowledge(const Caller& caller, SyncSeq up_to) {
  if (up_to < 0) return fail(ErrorCode::invalid, "up_to must not be negative");
  MISSIVE_TRY(const SyncState state, store_.sync_state(caller.id));
  if (up_to > state.last) {
    return fail(ErrorCode::invalid, "up_to " + std::to_string(up_to) +
                                        " is past the newest entry " + std::to_string(state.last));
  }
  if (up_to <= state.delivered) return {};
  MISSIVE_TRY_STATUS(store_.mark_delivered(caller.id, up_to, clock_.now()));
  return {};
}

Result<HistoryPage> Engine::history(const Caller& caller, const HistoryRequest& request) {
  MISSIVE_TRY_STATUS(engine_detail::validate_limit(request.limit));
  if ((request.after && *request.after < 0) || (request.before && *request.before < 1)) {
    return fail(ErrorCode::invalid, "after must not be negative and before must be positive");
  }
  const bool range = request.after.has_value();
  // Newest first from `before`, or ascending from `after`; each chunk continues from the last.
  const auto read = [&](int count, const MessageSlot* last) {
    MessageRange chunk{.conversation = request.conversation,
                       .user = caller.id,
                       .after = request.after.value_or(0),
                       .before = request.before,
                       .limit = count,
                       .newest_first = !range,
                       .now = clock_.now()};
    if (last && range) chunk.after = last->seq;
    if (last && !range) chunk.before = last->seq;
    return store_.conversation_messages(chunk);
  };
  auto slots = engine_detail::read_page<MessageSlot>(
      static_cast<std::size_t>(request.limit), engine_detail::kPageChunk, options_.page_bytes, read,
      [](const MessageSlot& slot) {
        return slot.message ? engine_detail::message_bytes(*slot.message) : std::size_t{32};
      });
  if (!slots && slots.error().code == ErrorCode::not_found) {
    return fail(ErrorCode::not_found,
                "conversation " + std::to_string(request.conversation.value) + " not found");
  }
  if (!slots) return std::unexpected(slots.error());
  HistoryPage page{.slots = std::move(slots->items), .next = std::nullopt};
  if (slots->more) page.next = page.slots.back().seq;
  return page;
}

void Engine::set_fanout_signal(std::function<void()> signal) { fanout_signal_ = std::move(signal); }

void Engine::set_delivery_sink(std::function<void(UserId, SyncSeq)> sink) {
  delivery_sink_ = std::move(sink);
}

Result<std::int64_t> Engine::mark_delivered(const std::vector<DeliveryMark>& marks) {
  return store_.mark_delivered(marks, clock_.now());
}

Result<std::int64_t> Engine::run_fanout() {
  std::int64_t chunks = 0;
  for (;;) {
    MISSIVE_TRY(auto step, store_.fan_out_next(kFanoutChunk, clock_.now()));
    if (!step) return chunks;
    ++chunks;
  }
}

Result<std::int64_t> Engine::prune_timeline() {
  return store_.prune_timeline(clock_.now() - options_.sync_retention_ms);
}

Result<bool> Engine::maintain_search_index(int pages) {
  return store_.maintain_search_index(pages);
}

}  // namespace missive
