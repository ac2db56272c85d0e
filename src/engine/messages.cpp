// Sending and replying: validate, authorise, resolve the audience, then one store write.
#include <algorithm>

#include <fmt/format.h>

#include "core/validate.h"
#include "engine/audience.h"
#include "engine/engine.h"
#include "engine/engine_internal.h"
#include "engine/reminder_plan.h"

namespace missive {
namespace {

struct Content {
  const std::string& subject;
  const std::string& body;
  const std::optional<Timestamp>& expiry_date;
  const std::string& metadata_json;
  const std::vector<std::string>& flags;
  const std::optional<std::string>& client_msg_id;
  const std::vector<UploadId>& attachments;
};

Status validate_content(const Content& content, Timestamp now, const EngineOptions& options) {
  MISSIVE_TRY_STATUS(validate_subject(content.subject, options.subject_limit));
  MISSIVE_TRY_STATUS(validate_body(content.body, options.body_limit));
  MISSIVE_TRY_STATUS(validate_flags(content.flags));
  MISSIVE_TRY_STATUS(validate_metadata(content.metadata_json));
  if (content.client_msg_id) MISSIVE_TRY_STATUS(validate_client_msg_id(*content.client_msg_id));
  if (content.expiry_date && *content.expiry_date <= now) {
    return fail(ErrorCode::unprocessable, "expiry_date must be in the future");
  }
  if (std::ssize(content.attachments) > options.max_attachments) {
    return fail(ErrorCode::unprocessable,
                fmt::format("a message carries at most {} attachments", options.max_attachments));
  }
  std::vector<UploadId> sorted = content.attachments;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return fail(ErrorCode::invalid, "attachments names the same upload twice");
  }
  return {};
}

NewMessage new_message(const Caller& caller, const Content& content, Timestamp now,
                       Audience audience) {
  return NewMessage{.creator = caller.id,
                    .client_msg_id = content.client_msg_id,
                    .subject = content.subject,
                    .body = content.body,
                    .parent = {},
                    .create_date = now,
                    .expiry_date = content.expiry_date,
                    .metadata_json = content.metadata_json,
                    .flags = content.flags,
                    .sent_to = std::move(audience.sent_to),
                    .conversation = audience.conversation,
                    .recipients = std::move(audience.recipients),
                    .attachments = content.attachments};
}

std::int64_t distinct_users(const std::vector<RecipientRef>& recipients) {
  std::vector<UserId> users;
  users.reserve(recipients.size());
  for (const RecipientRef& r : recipients) users.push_back(r.user);
  std::sort(users.begin(), users.end());
  return std::unique(users.begin(), users.end()) - users.begin();
}

// A reply to everyone reaches the parent's groups again: the replier must be one who may send
// to each of them, or a reply-all would get around a group's senders.
Status require_sender_of_each(Store& store, const Caller& caller,
                              const std::vector<RecipientRef>& refs) {
  std::vector<GroupId> groups;
  for (const RecipientRef& ref : refs) {
    if (ref.group.valid()) push_unique(groups, ref.group);
  }
  for (const GroupId id : groups) {
    MISSIVE_TRY(const Group group, store.get_group(id));
    std::optional<GroupRule> rule;
    if (group.rule) {
      MISSIVE_TRY(rule, GroupRule::parse(*group.rule));
    }
    MISSIVE_TRY_STATUS(require_sender(store, caller, group, rule));
  }
  return {};
}

std::string reply_subject(const std::string& parent_subject, std::size_t limit) {
  if (parent_subject.starts_with("Re: ")) return parent_subject;
  std::string subject = "Re: " + parent_subject;
  return subject.size() <= limit ? subject : parent_subject;
}

}  // namespace

// A retry returns the original even when the audience has changed since (a recipient
// deactivated, a group renamed): the first answer may have been lost on the way back.
Result<std::optional<SendResult>> Engine::earlier_send(
    const Caller& caller, const std::optional<std::string>& client_msg_id) {
  if (!client_msg_id) return std::optional<SendResult>();
  MISSIVE_TRY(auto original, store_.find_sent_message(caller.id, *client_msg_id));
  if (!original) return std::optional<SendResult>();
  MISSIVE_TRY(auto reminders, schedule_of(original->id));
  return std::optional<SendResult>(SendResult{
      .message = std::move(*original), .duplicate = true, .reminders = std::move(reminders)});
}

// The writer re-checks the client_msg_id inside the transaction: of racing retries one writes,
// the others get the original (and its schedule) back.
Result<SendResult> Engine::commit_send(const Caller& caller, NewMessage message) {
  const std::int64_t audience = distinct_users(message.recipients);
  if (audience > options_.recipients_limit) {
    return fail(ErrorCode::unprocessable,
                fmt::format("the message would reach {} recipients; the limit is {}", audience,
                            options_.recipients_limit));
  }
  // The policy's threshold is at least 1: a message to one person (the hot path) reads none.
  MISSIVE_TRY(const OrgPolicy policy,
              audience > 1 ? store_.get_policy() : Result<OrgPolicy>(OrgPolicy{}));
  if (audience > policy.large_audience) {
    MISSIVE_TRY(const bool held, engine_detail::holds_permission(
                                     store_, caller, Permission::send_to_large_audiences));
    if (!held) {
      return fail(ErrorCode::forbidden,
                  fmt::format("the message would reach {} recipients; reaching more than {} "
                              "needs the send_to_large_audiences permission; an admin grants it",
                              audience, policy.large_audience));
    }
  }
  message.defer_fanout = audience > options_.diffusion_limit;
  MISSIVE_TRY(auto outcome, store_.send_message(message));
  if (message.defer_fanout && !outcome.duplicate && fanout_signal_) fanout_signal_();
  std::optional<ReminderSchedule> reminders = message.reminders;
  if (outcome.duplicate) {
    MISSIVE_TRY(reminders, schedule_of(outcome.message.id));
  }
  return SendResult{.message = std::move(outcome.message),
                    .duplicate = outcome.duplicate,
                    .reminders = std::move(reminders)};
}

Result<SendResult> Engine::send(const Caller& caller, const SendRequest& request) {
  MISSIVE_TRY(auto earlier, earlier_send(caller, request.client_msg_id));
  if (earlier) return std::move(*earlier);
  const Timestamp now = clock_.now();
  std::optional<Timestamp> expiry = request.expiry_date;
  std::optional<ReminderSchedule> reminders;
  if (request.reminders) {
    MISSIVE_TRY(reminders, engine_detail::initial_schedule(*request.reminders, expiry, now,
                                                           options_.reminder_minutes));
  }
  const Content content{request.subject,       request.body,  expiry,
                        request.metadata_json, request.flags, request.client_msg_id,
                        request.attachments};
  MISSIVE_TRY_STATUS(validate_content(content, now, options_));
  MISSIVE_TRY(auto audience, AudienceResolver(store_, caller).resolve(request.to));
  NewMessage message = new_message(caller, content, now, std::move(audience));
  message.reminders = reminders;
  return commit_send(caller, std::move(message));
}

Result<SendResult> Engine::reply(const Caller& caller, const ReplyRequest& request) {
  MISSIVE_TRY(auto earlier, earlier_send(caller, request.client_msg_id));
  if (earlier) return std::move(*earlier);
  MISSIVE_TRY(const MessageView parent, get_message(caller, request.parent));
  const Message& original = parent.item.message;
  const Timestamp now = clock_.now();
  const std::string subject = request.subject.value_or(reply_subject(original.subject, options_.subject_limit));
  std::optional<Timestamp> expiry = request.expiry_date;
  std::optional<ReminderSchedule> reminders;
  if (request.reminders) {
    MISSIVE_TRY(reminders, engine_detail::initial_schedule(*request.reminders, expiry, now,
                                                           options_.reminder_minutes));
  }
  const Content content{subject,       request.body,  expiry, request.metadata_json,
                        request.flags, request.client_msg_id,
                        request.attachments};
  MISSIVE_TRY_STATUS(validate_content(content, now, options_));

  Audience audience;
  const bool to_everyone = request.reply_all || original.creator == caller.id;
  if (!to_everyone) {
    AudienceResolver resolver(store_, caller);
    MISSIVE_TRY(audience, resolver.resolve(Addresses{.users = {original.creator}}));
  } else {
    // The parent's audience as it was frozen at send time, less the replier, plus the parent's
    // creator; each record keeps the group it came through.
    // "Sent to" names who this reply reaches: the parent's creator and its recipients' groups
    // and names, not the parent's own "sent to" (which names the replier).
    MISSIVE_TRY(const auto statuses, store_.recipient_statuses(original.id));
    std::vector<RecipientRef> refs;
    std::vector<std::string> names;
    if (original.creator != caller.id) {
      MISSIVE_TRY(const User creator, store_.get_user(original.creator));
      if (creator.is_active) {
        refs.push_back({original.creator, GroupId{}});
        push_unique(names, creator.full_name());
      }
    }
    for (const RecipientStatus& status : statuses) {
      if (status.user != caller.id && status.user_is_active) {
        refs.push_back({status.user, status.group});
        push_unique(names, status.group.valid() ? status.group_name : status.full_name);
      }
    }
    std::sort(refs.begin(), refs.end());
    refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
    if (refs.empty()) {
      return fail(ErrorCode::unprocessable, "the message has no active recipients to reply to");
    }
    MISSIVE_TRY_STATUS(require_sender_of_each(store_, caller, refs));
    audience.recipients = std::move(refs);
    audience.conversation.existing = original.conversation;
    audience.conversation.kind = ConversationKind::multi;
    audience.sent_to = sent_to_text(names);
  }
  NewMessage message = new_message(caller, content, now, std::move(audience));
  message.parent = original.id;
  message.reminders = reminders;
  return commit_send(caller, std::move(message));
}

Result<MessageView> Engine::get_message(const Caller& caller, MessageId id) {
  auto message = store_.get_message(id);
  if (!message && message.error().code == ErrorCode::not_found) {
    return engine_detail::message_not_found(id);
  }
  if (!message) return std::unexpected(message.error());
  return view_of(caller, std::move(*message));
}

Result<MessageView> Engine::view_of(const Caller& caller, Message message) {
  const MessageId id = message.id;
  if (message.creator == caller.id) {
    InboxItem own{.message = std::move(message), .is_read = true, .read_at = {}, .via_groups = {}};
    own.read_at = own.message.create_date;
    MISSIVE_TRY(auto reminders, schedule_of(id));
    return MessageView{.item = std::move(own), .caller_is_creator = true, .reminders = reminders};
  }
  if (!message.is_active(clock_.now())) return engine_detail::message_not_found(id);
  auto item = store_.get_inbox_item(id, caller.id);
  if (!item && item.error().code == ErrorCode::not_found) return engine_detail::message_not_found(id);
  if (!item) return std::unexpected(item.error());
  return MessageView{.item = std::move(*item), .caller_is_creator = false, .reminders = {}};
}

Result<InboxPage> Engine::inbox(const Caller& caller, const InboxRequest& request) {
  MISSIVE_TRY_STATUS(engine_detail::validate_limit(request.limit));
  const auto read = [&](int count, const InboxItem* last) {
    return store_.inbox(InboxQuery{.user = caller.id,
                                   .before = last ? last->message.id : request.before,
                                   .limit = count,
                                   .unread_only = request.unread_only,
                                   .sender = request.sender,
                                   .group = request.group,
                                   .now = clock_.now()});
  };
  MISSIVE_TRY(auto items, engine_detail::read_page<InboxItem>(
                              static_cast<std::size_t>(request.limit), engine_detail::kPageChunk,
                              options_.page_bytes, read, [](const InboxItem& item) {
                                return engine_detail::message_bytes(item.message);
                              }));
  InboxPage page;
  if (items.more) page.next = items.items.back().message.id;
  page.items = std::move(items.items);
  return page;
}

Result<std::vector<ConversationSummary>> Engine::conversations(const Caller& caller) {
  return store_.conversations(caller.id, clock_.now());
}

Result<Message> Engine::set_expiry(const Caller& caller, MessageId id,
                                   std::optional<Timestamp> expiry) {
  MISSIVE_TRY(const MessageView view, get_message(caller, id));
  if (!view.caller_is_creator) {
    return fail(ErrorCode::forbidden, "only the creator of a message can change its expiry");
  }
  MISSIVE_TRY(auto with_reminders, set_reminder_expiry(view.item.message, expiry));
  if (with_reminders) return std::move(*with_reminders);
  return store_.set_expiry(id, expiry, clock_.now());
}

Result<Message> Engine::withdraw(const Caller& caller, MessageId id) {
  return set_expiry(caller, id, clock_.now());
}

}  // namespace missive
