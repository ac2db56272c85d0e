#pragma once
// PostgresStore: the Store over a Pool. The operations live one file per area, as in the
// SQLite store: users_groups.cpp (users, sessions, groups), messages.cpp, reads.cpp,
// dashboard.cpp, reminders.cpp, search.cpp, sync.cpp, fanout.cpp, uploads.cpp and
// notifications.cpp.

#include <algorithm>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/postgres/pool.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/timeline.h"
#include "store/postgres/transaction.h"

namespace missive::postgres {

// Every operation is one transaction: writes through write(), reads through read().
// Thread-safety: all methods may be called from any thread concurrently.
class PostgresStore final : public Store {
 public:
  explicit PostgresStore(const PostgresOptions& options)
      : pool_(options.url, options.connections, std::chrono::seconds(10), kTimelineSessionSql),
        search_plan_(options.search_plan) {}

  Result<User> create_user(const NewUser& user) override;
  Result<User> get_user(UserId id) override;
  Result<User> get_user_by_handle(const std::string& handle) override;
  Result<Credentials> get_credentials(const std::string& handle) override;
  Result<std::vector<User>> list_users(const UserQuery& query) override;
  Result<std::vector<User>> list_active_users() override;
  Result<std::int64_t> count_users() override;
  Result<User> update_user(UserId id, const UserUpdate& update) override;
  Result<User> set_user_active(UserId id, bool active) override;
  Result<OrgPolicy> get_policy() override;
  Result<OrgPolicy> set_policy(const OrgPolicy& policy) override;

  Status create_session(const std::string& token_hash, const Session& session) override;
  Result<Session> find_session(const std::string& token_hash, Timestamp now) override;
  Status revoke_session(const std::string& token_hash) override;

  Result<Group> create_group(const NewGroup& group) override;
  Result<Group> get_group(GroupId id) override;
  Result<std::vector<Group>> list_groups(bool include_inactive) override;
  Result<Group> update_group(GroupId id, const GroupUpdate& update) override;
  Status add_member(GroupId group, UserId user) override;
  Status remove_member(GroupId group, UserId user) override;
  Result<std::vector<User>> list_members(GroupId group) override;
  Result<std::vector<UserId>> member_ids(GroupId group) override;
  Result<bool> is_member(GroupId group, UserId user) override;

  Result<SendOutcome> send_message(const NewMessage& message) override;
  Result<Message> get_message(MessageId id) override;
  Result<std::optional<Message>> find_sent_message(UserId creator,
                                                   const std::string& client_msg_id) override;
  Result<InboxItem> get_inbox_item(MessageId id, UserId user) override;
  Result<std::vector<Message>> get_thread(MessageId root) override;
  Result<std::vector<InboxItem>> inbox(const InboxQuery& query) override;
  Result<SearchHits> search(const MessageSearch& search) override;
  Result<bool> maintain_search_index(int pages) override;
  Result<Message> set_expiry(MessageId id, std::optional<Timestamp> expiry,
                             Timestamp now) override;

  Result<ReadOutcome> mark_message_read(MessageId id, UserId user, Timestamp now) override;
  Result<ReadOutcome> mark_conversation_read(ConversationId id, UserId user, Seq up_to,
                                             Timestamp now) override;
  Result<std::vector<ConversationSummary>> conversations(UserId user, Timestamp now) override;
  Result<ConversationSummary> conversation(ConversationId id, UserId user, Timestamp now) override;

  Result<std::vector<Message>> sent_messages(const DashboardQuery& query) override;
  Result<std::vector<GroupReadStat>> read_stats(MessageId id) override;
  Result<std::vector<RecipientStatus>> recipient_statuses(MessageId id) override;
  Result<std::vector<ReadBucket>> read_history(const ReadHistoryQuery& query) override;

  Result<std::vector<ReminderSchedule>> reminder_schedules(
      const std::vector<MessageId>& ids) override;
  Result<std::vector<ReminderSchedule>> due_reminder_schedules(Timestamp until, int limit) override;
  Result<ReminderWriteOutcome> write_reminders(const ReminderWrite& write) override;
  Result<std::vector<ReceivedReminder>> received_reminders(const ReminderQuery& query) override;
  Result<std::vector<RecipientReminders>> recipient_reminders(MessageId id) override;
  Result<std::vector<ReminderRound>> reminder_rounds(MessageId id) override;

  void set_timeline_listener(TimelineListener listener) override;
  Result<SyncPage> sync(const SyncQuery& query) override;
  Result<SyncState> sync_state(UserId user) override;
  using Store::mark_delivered;  // of many users: one transaction each, in turn
  Result<std::int64_t> mark_delivered(UserId user, SyncSeq up_to, Timestamp now) override;
  Result<std::vector<MessageSlot>> conversation_messages(const MessageRange& range) override;
  Result<std::int64_t> prune_timeline(Timestamp before) override;
  Result<std::optional<FanoutStep>> fan_out_next(int chunk, Timestamp now) override;
  Result<UploadCreated> create_upload(const NewUpload& upload) override;
  Result<Upload> get_upload(UploadId id) override;
  Result<Upload> advance_upload(UploadId id, std::int64_t from, std::int64_t to) override;
  Result<std::optional<Upload>> complete_upload(const UploadCompletion& completion) override;
  Result<Upload> set_upload_media(UploadId id, const MediaInfo& media,
                                  const std::string& thumbnail_key, Timestamp now) override;
  Status delete_upload(UploadId id, UserId owner) override;
  Result<Upload> visible_upload(UploadId id, UserId user, Timestamp now) override;
  Result<std::int64_t> storage_used(UserId owner) override;
  Result<UploadSweep> sweep_uploads(Timestamp now, Timestamp expired_before, int limit) override;
  Status forget_blobs(const std::vector<std::string>& keys) override;
  Result<std::vector<std::string>> blob_keys() override;

  Result<EmailSettings> email_settings(UserId user) override;
  Result<EmailSettings> request_email_change(const EmailChange& change) override;
  Result<EmailSettings> clear_email(UserId user) override;
  Result<UserId> confirm_email(const std::string& token_hash, Timestamp now) override;
  Result<EmailSettings> set_email_preferences(UserId user,
                                              const EmailPreferences& preferences) override;
  Result<WebhookEndpoint> create_webhook(const NewWebhook& webhook) override;
  Result<WebhookEndpoint> get_webhook(WebhookId id) override;
  Result<std::vector<WebhookEndpoint>> list_webhooks() override;
  Result<WebhookEndpoint> update_webhook(WebhookId id, const WebhookUpdate& update) override;
  Status delete_webhook(WebhookId id) override;
  Result<std::vector<Notification>> claim_notifications(const NotificationClaim& claim) override;
  Status finish_notification(const NotificationResult& result) override;
  Result<Notification> get_notification(NotificationId id) override;
  Result<std::vector<Notification>> list_notifications(const NotificationQuery& query) override;
  Result<Notification> replay_notification(NotificationId id, Timestamp now) override;
  Result<OutboxCounts> outbox_counts() override;
  Result<std::int64_t> queue_digests(const DigestPass& pass) override;

  Result<bool> acquire_lease(const std::string& name, const std::string& holder, Timestamp now,
                             std::int64_t ttl_ms) override;
  Status release_lease(const std::string& name, const std::string& holder) override;

  Pool& pool() { return pool_; }

 private:
  // Runs `f(Tx&) -> Result<T>` as one write transaction (retried on serialization failures
  // and deadlocks) and returns its result once committed. The timeline entries f queued are
  // written last, in its transaction; after the commit the timeline listener learns which
  // users got entries (tx.timeline_users).
  template <class F>
  auto write(F&& f) -> std::invoke_result_t<F, Tx&> {
    using R = std::invoke_result_t<F, Tx&>;
    return with_transaction(
        pool_, TxMode::write,
        [&](Tx& tx) -> R {
          R out = f(tx);
          if (!out) return out;
          if (Status flushed = flush_timeline(tx); !flushed) {
            return std::unexpected(std::move(flushed).error());
          }
          return out;
        },
        [this](Tx& tx) { notify(tx.timeline_users); });
  }

  // Runs `f(Tx&) -> Result<T>` in one read-only snapshot.
  template <class F>
  auto read(F&& f) -> std::invoke_result_t<F, Tx&> {
    return with_transaction(pool_, TxMode::read, std::forward<F>(f));
  }

  void notify(std::vector<UserId>& users) {
    if (users.empty() || !listener_) return;
    std::sort(users.begin(), users.end());
    users.erase(std::unique(users.begin(), users.end()), users.end());
    listener_(users);
  }

  Pool pool_;
  const PostgresSearchPlan search_plan_;
  TimelineListener listener_;  // set once before concurrent use
};

}  // namespace missive::postgres
