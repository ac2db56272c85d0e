#pragma once
// SqliteStore: the Store over one writer connection and a pool of read connections. The
// operations live in users_groups.cpp, messages.cpp, reads.cpp, reminders.cpp, search.cpp,
// timeline.cpp (sync reads, delivery, pruning), fanout.cpp, uploads.cpp, notifications.cpp
// and leases.cpp.

#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <optional>
#include <type_traits>
#include <utility>

#include "store/sqlite/batch_scratch.h"
#include "store/sqlite/read_pool.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/timeline.h"
#include "store/sqlite/writer.h"

namespace missive::sqlite {

// Every write runs as a job of the group-committing Writer; every read on a pooled read-only
// connection inside one read transaction (a consistent snapshot).
// Thread-safety: all methods may be called from any thread concurrently.
class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Db> writer_db, std::vector<std::unique_ptr<Db>> readers,
              const SqliteOptions& options)
      : search_plan_(options.search_plan),
        pool_(std::move(readers)),
        writer_(std::move(writer_db), options.max_batch, options.fail_commit,
                flush_batch_scratch) {}

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
  Result<std::int64_t> mark_delivered(UserId user, SyncSeq up_to, Timestamp now) override;
  Result<std::int64_t> mark_delivered(const std::vector<DeliveryMark>& marks, Timestamp now) override;
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

 private:
  // Runs `f(Db&) -> Result<T>` as one write job and returns its result once committed. The
  // timeline entries and search rows the job queued are written at the end of its batch, in
  // the same transaction (batch_scratch.h).
  template <class F>
  auto write(F&& f) -> std::invoke_result_t<F, Db&> {
    return run_write(std::forward<F>(f), false);
  }

  // As write, but a maintenance job: alone, in a plain transaction of its own
  // (Writer::submit_alone), which has no before-commit step: it queues nothing.
  template <class F>
  auto write_alone(F&& f) -> std::invoke_result_t<F, Db&> {
    return run_write(std::forward<F>(f), true);
  }

  template <class F>
  auto run_write(F&& f, bool alone) -> std::invoke_result_t<F, Db&> {
    using R = std::invoke_result_t<F, Db&>;
    std::optional<R> out;
    const Writer::Job job = [&](Db& db) -> Status {
      out.emplace(f(db));
      if (!*out) return std::unexpected(out->error());
      return Status{};
    };
    Status status = alone ? writer_.submit_alone(job) : writer_.submit(job);
    if (!status) return std::unexpected(std::move(status).error());
    return std::move(*out);
  }

  // Runs `f(Db&) -> Result<T>` on a read connection inside one read transaction.
  template <class F>
  auto read(F&& f) -> std::invoke_result_t<F, Db&> {
    ReadPool::Lease lease = pool_.acquire();
    Db& db = lease.db();
    if (auto begun = db.exec("BEGIN"); !begun) return std::unexpected(begun.error());
    std::optional<std::invoke_result_t<F, Db&>> out;
    try {
      out.emplace(f(db));
    } catch (const std::exception& e) {
      out.emplace(fail(ErrorCode::internal, std::string("read failed: ") + e.what()));
    } catch (...) {
      out.emplace(fail(ErrorCode::internal, "read failed"));
    }
    // A read transaction has nothing to keep; ending it lets checkpoints move on.
    if (db.in_transaction()) (void)db.exec("ROLLBACK");
    return std::move(*out);
  }

  struct Lease {
    std::string holder;
    Timestamp expires_at = 0;
  };

  const SearchPlan search_plan_;
  // Node leases (leases.cpp): an SQLite database has one server process, so they live in
  // memory; they only have to be exclusive between that process's threads.
  std::mutex leases_mutex_;
  std::map<std::string, Lease, std::less<>> leases_;  // guarded by leases_mutex_
  ReadPool pool_;
  Writer writer_;  // last: its thread stops (after finishing queued jobs) before pool_ goes
};

}  // namespace missive::sqlite
