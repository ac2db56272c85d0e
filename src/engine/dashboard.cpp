// The read-% dashboard: counters kept by the store on every write, never an aggregate here.
#include <algorithm>

#include "engine/engine.h"
#include "engine/engine_internal.h"

namespace missive {

Result<DashboardPage> Engine::dashboard(const Caller& caller, const DashboardRequest& request) {
  MISSIVE_TRY_STATUS(engine_detail::validate_limit(request.limit));
  const auto read = [&](int count, const Message* last) {
    return store_.sent_messages(DashboardQuery{
        .creator = caller.id, .before = last ? last->id : request.before, .limit = count});
  };
  MISSIVE_TRY(auto messages, engine_detail::read_page<Message>(
                                 static_cast<std::size_t>(request.limit), engine_detail::kPageChunk,
                                 options_.page_bytes, read, engine_detail::message_bytes));
  DashboardPage page;
  if (messages.more) page.next = messages.items.back().id;
  page.messages = std::move(messages.items);
  std::vector<MessageId> ids;
  for (const Message& m : page.messages) ids.push_back(m.id);
  MISSIVE_TRY(page.reminders, store_.reminder_schedules(ids));
  return page;
}

Result<Message> Engine::reported_message(const Caller& caller, MessageId id) {
  auto message = store_.get_message(id);
  if (!message && message.error().code == ErrorCode::not_found) {
    return engine_detail::message_not_found(id);
  }
  if (!message) return std::unexpected(message.error());
  if (message->creator != caller.id && !caller.is_admin) {
    if (get_message(caller, id)) {
      return fail(ErrorCode::forbidden, "only the creator of a message can see who has read it");
    }
    return engine_detail::message_not_found(id);
  }
  return message;
}

Result<ReadReport> Engine::read_report(const Caller& caller, MessageId id) {
  MISSIVE_TRY(Message message, reported_message(caller, id));
  ReadReport report{.message = std::move(message), .groups = {}, .recipients = {}};
  MISSIVE_TRY(report.groups, store_.read_stats(id));
  MISSIVE_TRY(report.recipients, store_.recipient_statuses(id));
  MISSIVE_TRY(report.reminders, schedule_of(id));
  if (report.reminders) {
    MISSIVE_TRY(report.recipient_reminders, store_.recipient_reminders(id));
  }
  return report;
}

Result<ReadHistory> Engine::read_history(const Caller& caller, MessageId id) {
  MISSIVE_TRY(Message message, reported_message(caller, id));
  // Buckets span the send to now, so a chart of a message read over weeks has the same number
  // of points as one read over minutes; a read never falls after now.
  const Timestamp span = std::max<Timestamp>(1, clock_.now() - message.create_date);
  const Timestamp bucket_ms = (span + kReadHistoryBuckets - 1) / kReadHistoryBuckets;
  ReadHistory history{.message = message, .reads = {}, .rounds = {}};
  MISSIVE_TRY(history.reads,
              store_.read_history(ReadHistoryQuery{
                  .message = id, .origin = message.create_date, .bucket_ms = bucket_ms}));
  MISSIVE_TRY(history.rounds, store_.reminder_rounds(id));
  return history;
}

}  // namespace missive
