#pragma once
// The Store: every durable operation on the domain, one transaction each. Nothing SQL-shaped
// leaks out. Implementations: store/sqlite (embedded, default); PostgreSQL later.
//
// Thread-safety: every method may be called from any thread concurrently. Writes are applied
// by the store's writer in batches (group commit); a write returns only after its commit.
// Reads never wait for the writer and see every write that has returned.
//
// Failures common to every method: ErrorCode::unavailable when the database fails (the
// store stays usable). A failed write changes nothing.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/notification.h"
#include "core/reminder_schedule.h"
#include "core/search_query.h"
#include "core/sync.h"
#include "core/types.h"

namespace missive {

struct NewUser {
  std::string handle;
  std::string first_name;
  std::string last_name;
  std::string password_hash;
  Attributes attributes;
  bool is_admin = false;
  Timestamp created_at = 0;
  Permissions permissions;
};

// Fields left empty are unchanged. attributes replaces the whole map.
struct UserUpdate {
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<Attributes> attributes;
  std::optional<std::string> password_hash;
  std::optional<bool> is_admin;
  std::optional<Permissions> permissions;  // replaces the whole set
};

struct UserQuery {
  UserId after;  // cursor: ids greater than this
  int limit = 100;
  bool include_inactive = false;
  // Non-empty: only users whose handle, first or last name starts with it (ASCII letters
  // compared without case), for autocompletion.
  std::string prefix;
};

// Who first read a message, grouped in buckets of `bucket_ms` from `origin` (read_history).
struct ReadHistoryQuery {
  MessageId message;
  Timestamp origin = 0;
  Timestamp bucket_ms = 1;
};

// The recipients (distinct users) whose first read of the message fell in one bucket.
struct ReadBucket {
  Timestamp last_read_at = 0;  // the latest of those first reads
  std::int64_t readers = 0;
};

// One reminder round of a message: reminder `number` went to `reminded` recipients.
struct ReminderRound {
  std::int64_t number = 0;
  Timestamp sent_at = 0;  // when the first of them was sent
  bool is_final = false;
  std::int64_t reminded = 0;
};

struct NewGroup {
  std::string name;
  std::optional<std::string> rule;
  UserId owner;
  Timestamp created_at = 0;
  GroupSenders senders = GroupSenders::members;
  std::vector<UserId> sender_ids;
};

// Fields left empty are unchanged. rule: an engaged empty optional inside clears the rule.
struct GroupUpdate {
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> rule;
  std::optional<bool> is_active;
  std::optional<GroupSenders> senders;
  std::optional<std::vector<UserId>> sender_ids;  // replaces the whole list
};

// A fully resolved message: audience computed and validated by the engine.
struct NewMessage {
  UserId creator;
  std::optional<std::string> client_msg_id;
  std::string subject;
  std::string body;
  std::optional<MessageId> parent;
  Timestamp create_date = 0;
  std::optional<Timestamp> expiry_date;
  std::string metadata_json = "{}";
  std::vector<std::string> flags;
  std::string sent_to;
  ConversationKey conversation;
  std::vector<RecipientRef> recipients;  // distinct (user, group) pairs, creator excluded
  std::optional<ReminderSchedule> reminders;  // written with the message (its id filled in)
  // Large audiences: the send commits the message, the frozen audience and the sender's
  // timeline entry only; recipient records, memberships and the recipients' timeline entries
  // follow in chunks (fan_out_next). Send latency then does not grow with the audience.
  bool defer_fanout = false;
  // Uploads the message carries, in order: each must be the creator's, complete, and not
  // expired (unprocessable otherwise, naming the upload). The message keeps a snapshot of
  // each (Message::attachments) and every upload gains a message reference, in the send's
  // transaction.
  std::vector<UploadId> attachments;
};

// --- uploads and blobs (docs/attachments.md, "Storage") ---

struct NewUpload {
  UserId owner;
  std::optional<std::string> client_upload_id;
  std::string name;
  std::string declared_type;
  std::int64_t size = 0;
  Timestamp created_at = 0;
  Timestamp expires_at = 0;  // removed after this unless a message carries it by then
};

struct UploadCreated {
  Upload upload;
  bool existing = false;  // the (owner, client_upload_id) had been used: upload is the original
};

// Completing an upload whose stored offset has reached its size. The content's blob row is
// shared by every upload with the same sha256 and counts them (refs).
struct UploadCompletion {
  UploadId upload;
  std::string sha256;
  std::string type;  // sniffed
  // The key the caller has already put the content under; empty on the first call.
  std::string new_key;
  Timestamp now = 0;
};

// What one sweep claimed (sweep_uploads): storage the caller must delete from the blob store
// and then report back with forget_blobs.
struct UploadSweep {
  std::vector<UploadId> removed_receiving;  // incomplete uploads removed: their staged parts
  std::vector<std::string> dead_blobs;      // blob keys no upload references, now "deleting"
  std::int64_t removed_uploads = 0;
};

// --- notifications: email, webhooks and the outbox (docs/notifications.md) ---

// A user asks for a new email address (set by the user or an admin). It stays pending until
// confirm_email with the token; the confirmation email is queued in the same transaction
// (an email_confirmation notification to the pending address, payload {"address","token"}).
struct EmailChange {
  UserId user;
  std::string address;     // validated by the engine
  std::string token;       // for the email's link; only its hash is kept on the user
  std::string token_hash;
  Timestamp expires_at = 0;
  Timestamp now = 0;
};

// Fields left empty are unchanged.
struct EmailPreferences {
  std::optional<bool> reminders;
  std::optional<bool> digest;
};

struct NewWebhook {
  std::string url;
  std::string secret;
  std::uint32_t events = 0;
  std::string description;
  Timestamp created_at = 0;
};

// Fields left empty are unchanged. enabled = true also clears disabled_reason and
// failing_since (an admin turning a disabled endpoint back on); enabled = false fails its
// queued rows, as disable_endpoint does. A new url becomes its queued rows' destination.
struct WebhookUpdate {
  std::optional<std::string> url;
  std::optional<std::string> secret;
  std::optional<std::uint32_t> events;
  std::optional<std::string> description;
  std::optional<bool> enabled;
};

// Claims due notifications for one delivery attempt: queued rows with next_attempt_at <= now
// and no live claim (claimed_until <= now or none), earliest due first. Each claimed row is
// held by `holder` until now + lease_ms; no other claim takes it before then (on PostgreSQL
// across nodes: FOR UPDATE SKIP LOCKED).
struct NotificationClaim {
  std::string holder;
  Timestamp now = 0;
  std::int64_t lease_ms = 60'000;
  int limit = 100;
};

// What an attempt came to. Applied only while `holder` still holds the claim (conflict
// otherwise: the lease ran out and another attempt may have taken it). A row cancelled or
// failed during the attempt keeps that state unless the result is sent.
struct NotificationResult {
  NotificationId id;
  std::string holder;
  Timestamp now = 0;
  NotificationState state = NotificationState::sent;  // queued: retry at next_attempt_at
  Timestamp next_attempt_at = 0;
  std::optional<std::string> error;  // the attempt's error (kept as last_error; none keeps it)
  // Webhooks: the endpoint's health. A success clears failing_since; a failure sets it if
  // unset. disable_endpoint disables the endpoint with this reason and fails its queued rows.
  std::optional<std::string> disable_endpoint;
  // false: the row is handed back unattempted (its destination was busy), queued again at
  // next_attempt_at; attempts and the endpoint's health stay as they were.
  bool attempted = true;
};

struct NotificationQuery {
  std::optional<NotificationChannel> channel;
  std::optional<NotificationState> state;
  std::optional<WebhookId> endpoint;
  std::optional<UserId> user;
  std::optional<NotificationId> before;  // cursor: smaller ids (newest first)
  int limit = 50;
};

// How many rows of the outbox are in each state (the admin's overview, metrics).
struct OutboxCounts {
  std::int64_t queued = 0;
  std::int64_t sent = 0;
  std::int64_t failed = 0;
  std::int64_t cancelled = 0;
  std::optional<Timestamp> oldest_queued_at;  // created_at of the oldest queued row
};

// One digest pass (queue_digests). A user is due a digest when they are active, have a
// confirmed address and digests on, their last digest is at or before now - interval_ms (or
// they had none), and they received messages after their digest cursor that are unread,
// undelivered to every device, created at or before unseen_before and not expired at now.
// Each due user gets one digest notification (payload {"messages":[ids, newest first, at most
// max_messages], "count": all of them}) and their cursor moves past those messages, in one
// transaction.
struct DigestPass {
  Timestamp now = 0;
  Timestamp unseen_before = 0;
  std::int64_t interval_ms = 0;
  int max_messages = 20;
  int limit = 500;  // users per pass
};

struct SendOutcome {
  Message message;
  bool duplicate = false;  // the client_msg_id had been used: message is the original
};

struct InboxQuery {
  UserId user;
  std::optional<MessageId> before;  // cursor: messages with smaller ids (newest first)
  int limit = 50;
  bool unread_only = false;
  std::optional<UserId> sender;
  std::optional<GroupId> group;     // only messages that came through this group
  Timestamp now = 0;                // messages expired at `now` are left out
};

enum class SearchSort { relevance, date };

// Where a search page starts: among hits with ids at most `upper`, after skipping `offset`
// of them in the page order (relevance: within the window that ends at `upper`).
struct SearchCursor {
  MessageId upper;
  std::int64_t offset = 0;
};

// A full-text search over the messages `user` may see: those they sent, and those they
// received (directly or through a group, as recorded at send time).
struct MessageSearch {
  UserId user;
  SearchNode match;                   // a parsed SearchQuery
  std::optional<UserId> sender;
  std::optional<GroupId> group;       // addressed to this group
  std::optional<ConversationId> conversation;
  std::optional<Timestamp> from;      // create_date >= from
  std::optional<Timestamp> to;        // create_date < to
  bool unread_only = false;
  std::optional<MessageId> thread;    // this message and every reply under it
  bool has_reminder = false;          // only messages sent with reminders
  bool has_attachment = false;        // only messages that carry attachments
  SearchSort sort = SearchSort::relevance;
  std::optional<SearchCursor> cursor;
  int limit = 20;
  // Relevance ranks the newest `window` visible hits at a time (BM25, newer first on ties);
  // the next window continues below the oldest of them.
  int window = 2000;
  bool include_expired = false;       // the user's own expired messages too
  Timestamp now = 0;                  // messages expired at `now` are left out
};

struct SearchHit {
  InboxItem item;      // the recipient's view; for the user's own messages is_read = true
  double score = 0;    // lower is better (BM25 as FTS5 reports it); 0 when sorting by date
};

struct SearchHits {
  std::vector<SearchHit> hits;
  std::optional<SearchCursor> next;  // empty after the last page
};

struct DashboardQuery {
  UserId creator;
  std::optional<MessageId> before;
  int limit = 50;
};

struct ReadOutcome {
  std::int64_t messages_marked = 0;  // messages that went from unread to read for the user
  Seq read_seq = 0;                  // the user's watermark in the conversation afterwards
};

// One reminder write (write_reminders): the message's new schedule, and optionally a round
// of reminders, the deactivation of non-responders, and a new message expiry.
struct ReminderWrite {
  ReminderSchedule schedule;  // the new state; schedule.version = the version it replaces
  // A round: reminder `number` to every active recipient who has neither read nor replied to
  // the message and has no reminder with that number yet.
  std::optional<std::int64_t> round;
  bool is_final = false;
  bool deactivate_non_responders = false;  // deactivate (non-admin) active non-responders
  std::optional<Timestamp> message_expiry;  // also set the message's expiry_date
  Timestamp now = 0;
};

struct ReminderWriteOutcome {
  ReminderSchedule schedule;  // as stored (version bumped)
  std::int64_t reminded = 0;
  std::int64_t deactivated = 0;
};

// What `missive migrate` did: the schema version found (0: no schema yet) and the version
// the database has now.
struct SchemaMigration {
  int from = 0;
  int to = 0;
};

// A reminder as its recipient sees it.
struct ReceivedReminder {
  std::int64_t id = 0;  // increases with every reminder sent
  MessageId message;
  std::string subject;
  UserId creator;
  std::int64_t number = 0;
  bool is_final = false;
  Timestamp sent_at = 0;
  std::optional<Timestamp> expiry_date;
};

struct ReminderQuery {
  UserId user;
  std::optional<std::int64_t> before;  // cursor: reminders with smaller ids (newest first)
  int limit = 50;
  Timestamp now = 0;                   // reminders of messages expired at `now` are left out
};

// What one recipient of a reminder message got.
struct RecipientReminders {
  UserId user;
  std::int64_t reminders = 0;
  std::optional<Timestamp> last_reminded_at;
  std::optional<Timestamp> deactivated_at;  // deactivated when the message expired
};

// --- sync timeline (docs/protocol.md) ---

struct SyncQuery {
  UserId user;
  SyncSeq since = 0;  // entries with seq > since
  int limit = 100;
  Timestamp now = 0;  // message entries of messages expired at `now` come without content
};

// Where a user's timeline stands.
struct SyncState {
  SyncSeq last = 0;       // the newest entry's seq (0: none yet)
  SyncSeq floor = 0;      // entries at or below were pruned: a cursor below it must reset
  SyncSeq delivered = 0;  // message entries up to here have been marked delivered
};

struct SyncPage {
  std::vector<SyncEntry> entries;  // ascending seq, at most limit
  SyncState state;                 // read in the same snapshot as the entries
};

// A range of a conversation as `user` sees it: slots for every seq in (after, before), at
// most `limit` of them, ascending, or descending from before - 1 when newest_first.
struct MessageRange {
  ConversationId conversation;
  UserId user;
  Seq after = 0;
  std::optional<Seq> before;  // empty: up to the user's visible max_seq
  int limit = 100;
  bool newest_first = false;
  Timestamp now = 0;          // messages expired at `now` are placeholders
};

// A device pulled a user's timeline up to `up_to` (Store::mark_delivered of many users).
struct DeliveryMark {
  UserId user;
  SyncSeq up_to = 0;
};

// One chunk of a deferred fan-out (fan_out_next).
struct FanoutStep {
  MessageId message;
  std::int64_t recipients = 0;  // recipient records written by this chunk
  bool done = false;            // the message's fan-out is complete
};

// Told, after each commit that added timeline entries, which users got them (each once).
// Called on the writer's thread: it must return at once (hand the work to another thread).
using TimelineListener = std::function<void(const std::vector<UserId>& users)>;

class Store {
 public:
  virtual ~Store() = default;

  // --- users ---
  // conflict if the handle is taken.
  virtual Result<User> create_user(const NewUser& user) = 0;
  // not_found if no such user.
  virtual Result<User> get_user(UserId id) = 0;
  virtual Result<User> get_user_by_handle(const std::string& handle) = 0;
  virtual Result<Credentials> get_credentials(const std::string& handle) = 0;
  virtual Result<std::vector<User>> list_users(const UserQuery& query) = 0;
  // Every active user, for resolving rule groups.
  virtual Result<std::vector<User>> list_active_users() = 0;
  virtual Result<std::int64_t> count_users() = 0;
  virtual Result<User> update_user(UserId id, const UserUpdate& update) = 0;
  // Deactivating also revokes every session of the user.
  virtual Result<User> set_user_active(UserId id, bool active) = 0;

  // --- the organisation's policy (docs/security.md, "Permissions") ---
  // The stored policy; OrgPolicy's defaults until an admin sets one.
  virtual Result<OrgPolicy> get_policy() = 0;
  // Replaces the policy; answers it as stored.
  virtual Result<OrgPolicy> set_policy(const OrgPolicy& policy) = 0;

  // --- sessions (token hashes only; the token itself is never stored) ---
  virtual Status create_session(const std::string& token_hash, const Session& session) = 0;
  // not_found if unknown, revoked, or expired at `now`.
  virtual Result<Session> find_session(const std::string& token_hash, Timestamp now) = 0;
  virtual Status revoke_session(const std::string& token_hash) = 0;

  // --- groups ---
  // conflict if the name is taken.
  virtual Result<Group> create_group(const NewGroup& group) = 0;
  virtual Result<Group> get_group(GroupId id) = 0;
  virtual Result<std::vector<Group>> list_groups(bool include_inactive) = 0;
  virtual Result<Group> update_group(GroupId id, const GroupUpdate& update) = 0;
  // Adds (or re-activates) an explicit membership. not_found for an unknown group or user.
  virtual Status add_member(GroupId group, UserId user) = 0;
  // Deactivates a membership; not_found if the user was not an active member.
  virtual Status remove_member(GroupId group, UserId user) = 0;
  // Active members who are active users.
  virtual Result<std::vector<User>> list_members(GroupId group) = 0;
  // The ids of list_members, ascending: what a send needs, without loading whole users.
  virtual Result<std::vector<UserId>> member_ids(GroupId group) = 0;
  virtual Result<bool> is_member(GroupId group, UserId user) = 0;

  // --- messages ---
  // Writes the message, its conversation seq, recipient records, membership changes and
  // dashboard counters in one transaction. A (creator, client_msg_id) already used returns
  // the original with duplicate = true and writes nothing.
  virtual Result<SendOutcome> send_message(const NewMessage& message) = 0;
  virtual Result<Message> get_message(MessageId id) = 0;
  // The message `creator` sent with this client_msg_id, or nullopt if none.
  virtual Result<std::optional<Message>> find_sent_message(UserId creator,
                                                           const std::string& client_msg_id) = 0;
  // The recipient's view of a message; not_found if `user` is not a recipient.
  virtual Result<InboxItem> get_inbox_item(MessageId id, UserId user) = 0;
  // Every message of the thread whose root is `root`, in id order.
  virtual Result<std::vector<Message>> get_thread(MessageId root) = 0;
  virtual Result<std::vector<InboxItem>> inbox(const InboxQuery& query) = 0;
  // One page of `search.limit` hits, never fewer while more exist: visibility and every
  // filter are part of the query, applied before paging. Pages stay stable while messages
  // are added (later messages are not in a search already paged).
  virtual Result<SearchHits> search(const MessageSearch& search) = 0;
  // One bounded step of background upkeep of the search index (SQLite: an FTS5 incremental
  // merge writing about `pages` pages, in a transaction of its own). Returns true while the
  // index has more merging to do: call again (later) until false. Never changes what a
  // search finds; a backend without such upkeep returns false.
  virtual Result<bool> maintain_search_index(int pages) = 0;
  // Sets (or clears) the expiry date; `now` dates the expiry entries. not_found for an unknown
  // message.
  virtual Result<Message> set_expiry(MessageId id, std::optional<Timestamp> expiry,
                                     Timestamp now) = 0;

  // --- read tracking ---
  // Marks every recipient record of (message, user) read and advances the user's watermark
  // over a now-contiguous read prefix. Idempotent. not_found if not a recipient.
  virtual Result<ReadOutcome> mark_message_read(MessageId id, UserId user, Timestamp now) = 0;
  // Raises the watermark to min(up_to, max visible seq), never lowers it, and marks every
  // recipient record up to it read. not_found if the user is not a member.
  virtual Result<ReadOutcome> mark_conversation_read(ConversationId id, UserId user, Seq up_to,
                                                     Timestamp now) = 0;
  // The user's conversations, latest activity first. `unread` counts the messages past the
  // watermark the user has not read and that have not expired at `now`.
  virtual Result<std::vector<ConversationSummary>> conversations(UserId user, Timestamp now) = 0;
  // not_found if the user is not a member.
  virtual Result<ConversationSummary> conversation(ConversationId id, UserId user,
                                                   Timestamp now) = 0;

  // --- dashboard (reads counters kept by the writes above) ---
  virtual Result<std::vector<Message>> sent_messages(const DashboardQuery& query) = 0;
  virtual Result<std::vector<GroupReadStat>> read_stats(MessageId id) = 0;
  virtual Result<std::vector<RecipientStatus>> recipient_statuses(MessageId id) = 0;
  // When the message's recipients first read it, by bucket, in time order. Bounded by the
  // bucket count, whatever the audience's size.
  virtual Result<std::vector<ReadBucket>> read_history(const ReadHistoryQuery& query) = 0;

  // --- reminders ---
  // The schedules of those of `ids` that have one, in id order.
  virtual Result<std::vector<ReminderSchedule>> reminder_schedules(
      const std::vector<MessageId>& ids) = 0;
  // Schedules whose due_at <= until, earliest first.
  virtual Result<std::vector<ReminderSchedule>> due_reminder_schedules(Timestamp until,
                                                                       int limit) = 0;
  // Applies `write` in one transaction. not_found without a schedule; conflict when the
  // schedule's version is no longer write.schedule.version (nothing written).
  virtual Result<ReminderWriteOutcome> write_reminders(const ReminderWrite& write) = 0;
  // The user's reminders, newest (highest id) first.
  virtual Result<std::vector<ReceivedReminder>> received_reminders(const ReminderQuery& query) = 0;
  // Recipients of the message with a reminder or a deactivation, by user id.
  virtual Result<std::vector<RecipientReminders>> recipient_reminders(MessageId id) = 0;
  // The message's reminder rounds, by number.
  virtual Result<std::vector<ReminderRound>> reminder_rounds(MessageId id) = 0;

  // --- sync timeline (docs/protocol.md) ---
  // Every write above adds the entries its event implies, in the same transaction:
  //   send: a message entry for the sender and every recipient (deferred: sender only);
  //   read (any path, including the sender's watermark moving on send): a read entry for the
  //     reader per conversation whose watermark rose, and a status entry (read) for the
  //     creator of each message that became read, unless its fan-out was deferred;
  //   set_expiry: an expiry entry for the creator and every recipient;
  //   write_reminders: a reminder entry for every user reminded.
  // Set once, before the store is used concurrently.
  virtual void set_timeline_listener(TimelineListener listener) = 0;
  // Entries after query.since (message entries with their message), and the timeline's state.
  virtual Result<SyncPage> sync(const SyncQuery& query) = 0;
  virtual Result<SyncState> sync_state(UserId user) = 0;
  // Marks delivered (at `now`) the user's recipient records of the messages of their message
  // entries up to `up_to` not yet delivered, counts them in message.delivered_count, and adds
  // a status entry (delivered) for each creator, unless the fan-out was deferred. Idempotent;
  // returns how many messages became delivered.
  virtual Result<std::int64_t> mark_delivered(UserId user, SyncSeq up_to, Timestamp now) = 0;
  // mark_delivered for each mark (at most one per user), in one transaction where the store
  // batches writes (SQLite: one writer job, so the pulls of many users cost one commit).
  // Returns how many messages became delivered in all.
  virtual Result<std::int64_t> mark_delivered(const std::vector<DeliveryMark>& marks, Timestamp now) {
    std::int64_t delivered = 0;
    for (const DeliveryMark& mark : marks) {
      MISSIVE_TRY(const std::int64_t one, mark_delivered(mark.user, mark.up_to, now));
      delivered += one;
    }
    return delivered;
  }
  // not_found if the user has never been a member of the conversation.
  virtual Result<std::vector<MessageSlot>> conversation_messages(const MessageRange& range) = 0;
  // Deletes the timeline entries created before `before` (raising each user's floor).
  // Returns how many were deleted.
  virtual Result<std::int64_t> prune_timeline(Timestamp before) = 0;
  // Writes the next chunk (at most `chunk` recipients) of the oldest deferred fan-out: their
  // recipient records, memberships and message entries; the last chunk also the dashboard's
  // group counters and the members who leave. nullopt when no fan-out is pending. Resumes
  // where the last committed chunk ended (after a crash too).
  virtual Result<std::optional<FanoutStep>> fan_out_next(int chunk, Timestamp now) = 0;

  // --- uploads and blobs (docs/attachments.md) ---
  // A new receiving upload. A (owner, client_upload_id) already used returns the original
  // with existing = true and writes nothing.
  virtual Result<UploadCreated> create_upload(const NewUpload& upload) = 0;
  // not_found if no such upload.
  virtual Result<Upload> get_upload(UploadId id) = 0;
  // Raises a receiving upload's offset from `from` to `to` (a part is stored). conflict when
  // the stored offset is not `from` or the upload is not receiving; not_found if absent.
  virtual Result<Upload> advance_upload(UploadId id, std::int64_t from, std::int64_t to) = 0;
  // Completes a receiving upload whose offset equals its size. If a live blob with this
  // sha256 exists, the upload shares it (refs + 1) and the answer is the completed upload.
  // Otherwise, without new_key, nothing is written and the answer is nullopt: the caller puts
  // the content under a fresh key and calls again with it, which creates (or revives) the
  // blob row with that key. conflict if the upload is not receiving or not fully stored.
  virtual Result<std::optional<Upload>> complete_upload(const UploadCompletion& completion) = 0;
  // Records what decoding the upload's content found (and the thumbnail's blob key, empty
  // when none) on its blob, so every upload of the same bytes shares it, and adds an
  // attachment entry to the timeline of every user who sees a message carrying the upload.
  virtual Result<Upload> set_upload_media(UploadId id, const MediaInfo& media,
                                          const std::string& thumbnail_key, Timestamp now) = 0;
  // Removes a receiving upload of `owner` (tus termination). not_found if absent or not
  // theirs; conflict if already complete.
  virtual Status delete_upload(UploadId id, UserId owner) = 0;
  // The upload if `user` may fetch it at `now`: its owner before any message carries it, or
  // anyone who sees (sent or received) a message carrying it that has not expired at `now`.
  // not_found otherwise, the same as for an upload that does not exist.
  virtual Result<Upload> visible_upload(UploadId id, UserId user, Timestamp now) = 0;
  // Bytes the owner's uploads hold (receiving ones at their declared size).
  virtual Result<std::int64_t> storage_used(UserId owner) = 0;
  // Releases storage in one transaction, at most `limit` rows of each step: the attachments
  // of messages expired before `expired_before` (each upload loses a message reference; one
  // left with none is removed), unattached uploads past their expires_at at `now`, and
  // claims blobs no upload references (state deleting). dead_blobs lists every claimed blob,
  // also those claimed by an earlier sweep that did not finish: the caller deletes their
  // storage, then calls forget_blobs.
  virtual Result<UploadSweep> sweep_uploads(Timestamp now, Timestamp expired_before,
                                            int limit) = 0;
  // Drops the rows of blobs claimed by sweep_uploads whose storage is gone.
  virtual Status forget_blobs(const std::vector<std::string>& keys) = 0;
  // Every key a blob or thumbnail row names, in any state: what the orphan sweep keeps.
  virtual Result<std::vector<std::string>> blob_keys() = 0;

  // --- notifications (docs/notifications.md) ---
  // Besides the writes below, these writes queue notifications in their own transaction:
  //   send_message: a message_sent webhook row per enabled endpoint subscribed to it;
  //   mark_message_read / mark_conversation_read (and the sender's watermark moving on
  //     send): a message_read webhook row per endpoint and message that became read for the
  //     user;
  //   write_reminders: per reminded user, a reminder (or final_reminder) email row if they
  //     have a confirmed address with reminders on, and a webhook row per endpoint; per user
  //     deactivated, a user_deactivated webhook row per endpoint.
  // New rows are queued with next_attempt_at = the event's time.
  // not_found for an unknown user.
  virtual Result<EmailSettings> email_settings(UserId user) = 0;
  virtual Result<EmailSettings> request_email_change(const EmailChange& change) = 0;
  // Removes the address and any pending one (queued emails to the user are cancelled).
  virtual Result<EmailSettings> clear_email(UserId user) = 0;
  // The pending address whose token hashes to `token_hash` becomes the address. not_found
  // for an unknown, used or expired (at now) token. Answers the user whose address it is.
  virtual Result<UserId> confirm_email(const std::string& token_hash, Timestamp now) = 0;
  virtual Result<EmailSettings> set_email_preferences(UserId user,
                                                      const EmailPreferences& preferences) = 0;

  virtual Result<WebhookEndpoint> create_webhook(const NewWebhook& webhook) = 0;
  virtual Result<WebhookEndpoint> get_webhook(WebhookId id) = 0;
  virtual Result<std::vector<WebhookEndpoint>> list_webhooks() = 0;
  virtual Result<WebhookEndpoint> update_webhook(WebhookId id, const WebhookUpdate& update) = 0;
  // Removes the endpoint; its queued deliveries are cancelled, its log kept.
  virtual Status delete_webhook(WebhookId id) = 0;

  virtual Result<std::vector<Notification>> claim_notifications(const NotificationClaim& claim) = 0;
  virtual Status finish_notification(const NotificationResult& result) = 0;
  virtual Result<Notification> get_notification(NotificationId id) = 0;
  virtual Result<std::vector<Notification>> list_notifications(const NotificationQuery& query) = 0;
  // Queues the notification again for an attempt at `now` (whatever its state; the same id,
  // so a receiver that has it drops the repeat), with a new day of retries.
  virtual Result<Notification> replay_notification(NotificationId id, Timestamp now) = 0;
  virtual Result<OutboxCounts> outbox_counts() = 0;
  // Returns how many digests were queued.
  virtual Result<std::int64_t> queue_digests(const DigestPass& pass) = 0;

  // --- node leases: work exactly one server node does at a time (reminder passes, pruning) ---
  // Takes the lease `name` for `holder` until now + ttl_ms, or renews it if `holder` already
  // holds it. true when `holder` holds it afterwards; false while another holder's lease has
  // not expired (expires_at > now). Atomic across every process sharing the store.
  virtual Result<bool> acquire_lease(const std::string& name, const std::string& holder,
                                     Timestamp now, std::int64_t ttl_ms) = 0;
  // Gives the lease up if `holder` holds it, so another holder may take it at once; nothing
  // happens otherwise.
  virtual Status release_lease(const std::string& name, const std::string& holder) = 0;
};

}  // namespace missive
