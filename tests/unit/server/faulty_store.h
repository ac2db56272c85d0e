#pragma once
// A Store that forwards to a real one until told to fail: every call then either answers
// unavailable (a disk error) or throws (a bug), so tests can check how the API reports both.
// For fail loops it counts operations and can fail only the n-th one from now; a hook sees
// each operation's name first (a test can block there to hold a request in flight).
//
// Thread-safety: as the wrapped store; the fault mode and the counter are atomic; set the
// hook before the calls it must see.

#include <atomic>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "store/store.h"

namespace missive::testing {

enum class Fault { none, unavailable, exception };

class FaultyStore final : public Store {
 public:
  explicit FaultyStore(Store& inner) : inner_(inner) {}
  // Every operation from now on fails this way (Fault::none: none does).
  void set_fault(Fault fault) { fault_.store(fault); }
  // Only the n-th operation from now (1 = the next one) fails, as unavailable; 0: none.
  // Restarts the operation count.
  void fail_nth(long n) {
    count_.store(0);
    fail_at_.store(n);
  }
  // Operations since the last fail_nth().
  long operations() const { return count_.load(); }
  // Called with the operation's name (e.g. "send_message") before each operation.
  void set_hook(std::function<void(std::string_view)> hook) { hook_ = std::move(hook); }

#define MISSIVE_FAULT_POINT()                                                  \
  do {                                                                         \
    const Fault fault = check(__func__);                                       \
    if (fault == Fault::exception) throw std::runtime_error("boom");           \
    if (fault == Fault::unavailable) {                                         \
      return fail(ErrorCode::unavailable, "database is unavailable");          \
    }                                                                          \
  } while (0)

  Result<User> create_user(const NewUser& user) override {
    MISSIVE_FAULT_POINT();
    return inner_.create_user(user);
  }
  Result<User> get_user(UserId id) override {
    MISSIVE_FAULT_POINT();
    return inner_.get_user(id);
  }
  Result<User> get_user_by_handle(const std::string& handle) override {
    MISSIVE_FAULT_POINT();
    return inner_.get_user_by_handle(handle);
  }
  Result<Credentials> get_credentials(const std::string& handle) override {
    MISSIVE_FAULT_POINT();
    return inner_.get_credentials(handle);
  }
  Result<std::vector<User>> list_users(const UserQuery& query) override {
    MISSIVE_FAULT_POINT();
    return inner_.list_users(query);
  }
  Result<std::vector<User>> list_active_users() override {
    MISSIVE_FAULT_POINT();
    return inner_.list_active_users();
  }
  Result<std::int64_t> count_users() override {
    MISSIVE_FAULT_POINT();
    return inner_.count_users();
  }
  Result<User> update_user(UserId id, const UserUpdate& update) override {
    MISSIVE_FAULT_POINT();
    return inner_.update_user(id, update);
  }
  Result<User> set_user_active(UserId id, bool active) override {
    MISSIVE_FAULT_POINT();
    return inner_.set_user_active(id, active);
  }
  Result<OrgPolicy> get_policy() override {
    MISSIVE_FAULT_POINT();
    return inner_.get_policy();
  }
  Result<OrgPolicy> set_policy(const OrgPolicy& policy) override {
    MISSIVE_FAULT_POINT();
    return inner_.set_policy(policy);
  }
  Status create_session(const std::string& token_hash, const Session& session) override {
    MISSIVE_FAULT_POINT();
    return inner_.create_session(token_hash, session);
  }
  Result<Session> find_session(const std::string& token_hash, Timestamp now) override {
    MISSIVE_FAULT_POINT();
    return inner_.find_session(token_hash, now);
  }
  Status revoke_session(const std::string& token_hash) override {
    MISSIVE_FAULT_POINT();
    return inner_.revoke_session(token_hash);
  }
  Result<Group> create_group(const NewGroup& group) override {
    MISSIVE_FAULT_POINT();
    return inner_.create_group(group);
  }
  Result<Group> get_group(GroupId id) override {
    MISSIVE_FAULT_POINT();
    return inner_.get_group(id);
  }
  Result<std::vector<Group>> list_groups(bool include_inactive) override {
    MISSIVE_FAULT_POINT();
    return inner_.list_groups(include_inactive);
  }
  Result<Group> update_group(GroupId id, const GroupUpdate& update) override {
    MISSIVE_FAULT_POINT();
    return inner_.update_group(id, update);
  }
  Status add_member(GroupId group, UserId user) override {
    MISSIVE_FAULT_POINT();
    return inner_.add_member(group, user);
  }
  Status remove_member(GroupId group, UserId user) override {
    MISSIVE_FAULT_POINT();
    return inner_.remove_member(group, user);
  }
  Result<std::vector<User>> list_members(GroupId group) override {
    MISSIVE_FAULT_POINT();
    return inner_.list_members(group);
  }
  Result<std::vector<UserId>> member_ids(GroupId group) override {
    MISSIVE_FAULT_POINT();
    return inner_.member_ids(group);
  }
  Result<bool> is_member(GroupId group, UserId user) override {
    MISSIVE_FAULT_POINT();
    return inner_.is_member(group, user);
  }
  Result<SendOutcome> send_message(const NewMessage& message) override {
    MISSIVE_FAULT_POINT();
    return inner_.send_message(message);
  }
  Result<Message> get_message(MessageId id) override {
    MISSIVE_FAULT_POINT();
    return inner_.get_message(id);
  }
  Result<std::optional<Message>> find_sent_message(UserId creator,
                                                   const std::string& client_msg_id) override {
    MISSIVE_FAULT_POINT();
    return inner_.find_sent_message(creator, client_msg_id);
  }
  Result<InboxItem> get_inbox_item(MessageId id, UserId user) override {
    MISSIVE_FAULT_POINT();
    return inner_.get_inbox_item(id, user);
  }
  Result<std::vector<Message>> get_thread(MessageId root) override {
    MISSIVE_FAULT_POINT();
    return inner_.get_thread(root);
  }
  Result<std::vector<InboxItem>> inbox(const InboxQuery& query) override {
    MISSIVE_FAULT_POINT();
    return inner_.inbox(query);
  }
  Result<SearchHits> search(const MessageSearch& search) override {
    MISSIVE_FAULT_POINT();
    return inner_.search(search);
  }
  Result<Message> set_expiry(MessageId id, std::optional<Timestamp> expiry,
                             Timestamp now) override {
    MISSIVE_FAULT_POINT();
    return inner_.set_expiry(id, expiry, now);
  }
  Result<ReadOutcome> mark_message_read(MessageId id, UserId user, Timestamp now) override {
    MISSIVE_FAULT_POINT();
    return inner_.mark_message_read(id, user, now);
  }
  Result<ReadOutcome> mark_conversation_read(ConversationId id, UserId user, Seq up_to, Timestamp now) override {
    MISSIVE_FAULT_POINT();
    return inner_.mark_conversation_read(id, user, up_to, now);
  }
  Result<std::vector<ConversationSummary>> conversations(UserId user, Timestamp now) override {
    MISSIVE_FAULT_POINT();
    return inner_.conversations(user, now);
  }
  Result<ConversationSummary> conversation(ConversationId id, UserId user, Timestamp now) override {
    MISSIVE_FAULT_POINT();
    return inner_.conversation(id, user, now);
  }
  Result<std::vector<Message>> sent_messages(const DashboardQuery& query) override {
    MISSIVE_FAULT_POINT();
    return inner_.sent_messages(query);
  }
  Result<std::vector<GroupReadStat>> read_stats(MessageId id) override {
    MISSIVE_FAULT_POINT();
    return inner_.read_stats(id);
  }
  Result<std::vector<RecipientStatus>> recipient_statuses(MessageId id) override {
    MISSIVE_FAULT_POINT();
    return inner_.recipient_statuses(id);
  }
  Result<std::vector<ReadBucket>> read_history(const ReadHistoryQuery& query) override {
    MISSIVE_FAULT_POINT();
    return inner_.read_history(query);
  }
  Result<std::vector<ReminderSchedule>> reminder_schedules(
      const std::vector<MessageId>& ids) override {
    MISSIVE_FAULT_POINT();
    return inner_.reminder_schedules(ids);
  }
  Result<std::vector<ReminderSchedule>> due_reminder_schedules(Timestamp until,
                                                               int limit) override {
    MISSIVE_FAULT_POINT();
    return inner_.due_reminder_schedules(until, limit);
  }
  Result<ReminderWriteOutcome> write_reminders(const ReminderWrite& write) override {
    MISSIVE_FAULT_POINT();
    return inner_.write_reminders(write);
  }
  Result<std::vector<ReceivedReminder>> received_reminders(const ReminderQuery& query) override {
    MISSIVE_FAULT_POINT();
    return inner_.received_reminders(query);
  }
  Result<std::vector<RecipientReminders>> recipient_reminders(MessageId id) override {
    MISSIVE_FAULT_POINT();
    return inner_.recipient_reminders(id);
  }
  Result<std::vector<ReminderRound>> reminder_rounds(MessageId id) override {
    MISSIVE_FAULT_POINT();
    return inner_.reminder_rounds(id);
  }
  // Not a fault point: it only registers a callback and cannot fail.
  void set_timeline_listener(TimelineListener listener) override {
    inner_.set_timeline_listener(std::move(listener));
  }
  Result<SyncPage> sync(const SyncQuery& query) override {
    MISSIVE_FAULT_POINT();
    return inner_.sync(query);
  }
  Result<SyncState> sync_state(UserId user) override {
    MISSIVE_FAULT_POINT();
    return inner_.sync_state(user);
  }
  Result<std::int64_t> mark_delivered(UserId user, SyncSeq up_to, Timestamp now) override {
    MISSIVE_FAULT_POINT();
    return inner_.mark_delivered(user, up_to, now);
  }
  Result<std::vector<MessageSlot>> conversation_messages(const MessageRange& range) override {
    MISSIVE_FAULT_POINT();
    return inner_.conversation_messages(range);
  }
  Result<bool> maintain_search_index(int pages) override {
    MISSIVE_FAULT_POINT();
    return inner_.maintain_search_index(pages);
  }
  Result<std::int64_t> prune_timeline(Timestamp before) override {
    MISSIVE_FAULT_POINT();
    return inner_.prune_timeline(before);
  }
  Result<std::optional<FanoutStep>> fan_out_next(int chunk, Timestamp now) override {
    MISSIVE_FAULT_POINT();
    return inner_.fan_out_next(chunk, now);
  }
  Result<UploadCreated> create_upload(const NewUpload& upload) override {
    MISSIVE_FAULT_POINT();
    return inner_.create_upload(upload);
  }
  Result<Upload> get_upload(UploadId id) override {
    MISSIVE_FAULT_POINT();
    return inner_.get_upload(id);
  }
  Result<Upload> advance_upload(UploadId id, std::int64_t from, std::int64_t to) override {
    MISSIVE_FAULT_POINT();
    return inner_.advance_upload(id, from, to);
  }
  Result<std::optional<Upload>> complete_upload(const UploadCompletion& completion) override {
    MISSIVE_FAULT_POINT();
    return inner_.complete_upload(completion);
  }
  Result<Upload> set_upload_media(UploadId id, const MediaInfo& media,
                                  const std::string& thumbnail_key, Timestamp now) override {
    MISSIVE_FAULT_POINT();
    return inner_.set_upload_media(id, media, thumbnail_key, now);
  }
  Status delete_upload(UploadId id, UserId owner) override {
    MISSIVE_FAULT_POINT();
    return inner_.delete_upload(id, owner);
  }
  Result<Upload> visible_upload(UploadId id, UserId user, Timestamp now) override {
    MISSIVE_FAULT_POINT();
    return inner_.visible_upload(id, user, now);
  }
  Result<std::int64_t> storage_used(UserId owner) override {
    MISSIVE_FAULT_POINT();
    return inner_.storage_used(owner);
  }
  Result<UploadSweep> sweep_uploads(Timestamp now, Timestamp expired_before, int limit) override {
    MISSIVE_FAULT_POINT();
    return inner_.sweep_uploads(now, expired_before, limit);
  }
  Status forget_blobs(const std::vector<std::string>& keys) override {
    MISSIVE_FAULT_POINT();
    return inner_.forget_blobs(keys);
  }
  Result<std::vector<std::string>> blob_keys() override {
    MISSIVE_FAULT_POINT();
    return inner_.blob_keys();
  }
  Result<EmailSettings> email_settings(UserId user) override {
    MISSIVE_FAULT_POINT();
    return inner_.email_settings(user);
  }
  Result<EmailSettings> request_email_change(const EmailChange& change) override {
    MISSIVE_FAULT_POINT();
    return inner_.request_email_change(change);
  }
  Result<EmailSettings> clear_email(UserId user) override {
    MISSIVE_FAULT_POINT();
    return inner_.clear_email(user);
  }
  Result<UserId> confirm_email(const std::string& token_hash, Timestamp now) override {
    MISSIVE_FAULT_POINT();
    return inner_.confirm_email(token_hash, now);
  }
  Result<EmailSettings> set_email_preferences(UserId user,
                                              const EmailPreferences& preferences) override {
    MISSIVE_FAULT_POINT();
    return inner_.set_email_preferences(user, preferences);
  }
  Result<WebhookEndpoint> create_webhook(const NewWebhook& webhook) override {
    MISSIVE_FAULT_POINT();
    return inner_.create_webhook(webhook);
  }
  Result<WebhookEndpoint> get_webhook(WebhookId id) override {
    MISSIVE_FAULT_POINT();
    return inner_.get_webhook(id);
  }
  Result<std::vector<WebhookEndpoint>> list_webhooks() override {
    MISSIVE_FAULT_POINT();
    return inner_.list_webhooks();
  }
  Result<WebhookEndpoint> update_webhook(WebhookId id, const WebhookUpdate& update) override {
    MISSIVE_FAULT_POINT();
    return inner_.update_webhook(id, update);
  }
  Status delete_webhook(WebhookId id) override {
    MISSIVE_FAULT_POINT();
    return inner_.delete_webhook(id);
  }
  Result<std::vector<Notification>> claim_notifications(
      const NotificationClaim& claim) override {
    MISSIVE_FAULT_POINT();
    return inner_.claim_notifications(claim);
  }
  Status finish_notification(const NotificationResult& result) override {
    MISSIVE_FAULT_POINT();
    return inner_.finish_notification(result);
  }
  Result<Notification> get_notification(NotificationId id) override {
    MISSIVE_FAULT_POINT();
    return inner_.get_notification(id);
  }
  Result<std::vector<Notification>> list_notifications(
      const NotificationQuery& query) override {
    MISSIVE_FAULT_POINT();
    return inner_.list_notifications(query);
  }
  Result<Notification> replay_notification(NotificationId id, Timestamp now) override {
    MISSIVE_FAULT_POINT();
    return inner_.replay_notification(id, now);
  }
  Result<OutboxCounts> outbox_counts() override {
    MISSIVE_FAULT_POINT();
    return inner_.outbox_counts();
  }
  Result<std::int64_t> queue_digests(const DigestPass& pass) override {
    MISSIVE_FAULT_POINT();
    return inner_.queue_digests(pass);
  }
  Result<bool> acquire_lease(const std::string& name, const std::string& holder, Timestamp now,
                             std::int64_t ttl_ms) override {
    MISSIVE_FAULT_POINT();
    return inner_.acquire_lease(name, holder, now, ttl_ms);
  }
  Status release_lease(const std::string& name, const std::string& holder) override {
    MISSIVE_FAULT_POINT();
    return inner_.release_lease(name, holder);
  }

#undef MISSIVE_FAULT_POINT

 private:
  Fault check(std::string_view operation) {
    if (hook_) hook_(operation);
    const long n = ++count_;
    if (n == fail_at_.load()) return Fault::unavailable;
    return fault_.load();
  }

  Store& inner_;
  std::atomic<Fault> fault_{Fault::none};
  std::atomic<long> count_{0};
  std::atomic<long> fail_at_{0};
  std::function<void(std::string_view)> hook_;
};

}  // namespace missive::testing
