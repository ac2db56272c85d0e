#pragma once
// The Missive engine: the message service every interface (HTTP server, CLI, tests) calls.
// It validates input, authorises the caller, resolves audiences and hands each write to the
// Store as one transaction.
//
// Thread-safety: every method may be called from any thread concurrently.
//
// Failures: every method answers unauthenticated/forbidden/not_found/invalid/unprocessable/
// conflict as documented in docs/api.md, and unavailable when the store fails. A failed call
// changes nothing.

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/types.h"
#include "store/store.h"

namespace missive {

// Who is asking: the result of authenticate().
struct Caller {
  UserId id;
  bool is_admin = false;
};

enum class PasswordCost {
  interactive,  // libsodium's interactive Argon2id limits: the default
  minimal,      // the smallest limits libsodium allows: for tests only
};

struct EngineOptions {
  PasswordCost password_cost = PasswordCost::interactive;
  Timestamp session_ttl_ms = 30LL * 24 * 3600 * 1000;  // a login's token expires after this
  // Message limits (docs/security.md): subject and body in bytes (over: unprocessable), and the
  // distinct recipients one send or reply may reach (users and group members after
  // resolution; over: unprocessable, nothing written).
  std::size_t subject_limit = 1000;
  std::size_t body_limit = 64 * 1024;
  std::int64_t recipients_limit = 1'000'000;
  int reminder_minutes = kDefaultReminderMinutes;  // time of day (UTC) reminders go out
  // Audiences (distinct recipients) above this size are fanned out after the send commits.
  int diffusion_limit = 500;
  // A page of inbox, history, sync or dashboard entries ends early once its messages pass
  // this many bytes (at least one is always returned), keeping every answer small.
  std::size_t page_bytes = 256 << 10;
  // Timeline entries older than this are pruned (prune_timeline); a device whose cursor
  // falls below what is kept gets a reset.
  Timestamp sync_retention_ms = 30LL * 24 * 3600 * 1000;
  int max_attachments = 10;  // per message (over: unprocessable)
};

struct LoginResult {
  std::string token;  // opaque bearer token; only its hash is stored
  User user;
  Timestamp expires_at = 0;
};

struct CreateUserRequest {
  std::string handle;
  std::string first_name;
  std::string last_name;
  std::string password;
  Attributes attributes;
  bool is_admin = false;
  Permissions permissions;
};

struct UpdateUserRequest {
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  // Merged into the current attributes; a key mapped to nullopt is removed.
  std::map<std::string, std::optional<AttributeValue>> attributes;
  std::optional<std::string> password;
  std::optional<bool> is_admin;
  std::optional<Permissions> permissions;  // admins only; replaces the whole set
};

struct CreateGroupRequest {
  std::string name;
  std::optional<std::string> rule;  // set: a rule group, members are resolved at send time
  GroupSenders senders = GroupSenders::members;
  std::vector<UserId> sender_ids;  // only with senders == named
};

struct UpdateGroupRequest {
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> rule;  // engaged nullopt: back to explicit members
  std::optional<GroupSenders> senders;             // away from named clears sender_ids
  std::optional<std::vector<UserId>> sender_ids;   // replaces the list; needs senders named
};

// Addresses of a send: ids or names, resolved by the engine.
struct Addresses {
  std::vector<UserId> users;
  std::vector<std::string> handles;
  std::vector<GroupId> groups;
  std::vector<std::string> group_names;

  bool empty() const {
    return users.empty() && handles.empty() && groups.empty() && group_names.empty();
  }
};

// Reminders asked for by a send or reply. The expiry_date is then required and taken as a UTC
// calendar day: the day of the final reminder (docs/api.md, "Reminders").
struct ReminderSettings {
  int period_days = 0;  // 1 daily, 7 weekly, N every N days (1..366)
  bool deactivate_non_responders = false;
};

struct SendRequest {
  Addresses to;
  std::string subject;
  std::string body;
  std::optional<Timestamp> expiry_date;
  std::string metadata_json = "{}";
  std::vector<std::string> flags;
  std::optional<std::string> client_msg_id;
  std::optional<ReminderSettings> reminders;
  std::vector<UploadId> attachments;  // the sender's complete uploads (docs/attachments.md)
};

struct ReplyRequest {
  MessageId parent;
  bool reply_all = false;             // false: to the parent's creator only
  std::optional<std::string> subject; // default "Re: <parent subject>"
  std::string body;
  std::optional<Timestamp> expiry_date;
  std::string metadata_json = "{}";
  std::vector<std::string> flags;
  std::optional<std::string> client_msg_id;
  std::optional<ReminderSettings> reminders;
  std::vector<UploadId> attachments;
};

struct SendResult {
  Message message;
  bool duplicate = false;  // a retry: `message` is the original
  std::optional<ReminderSchedule> reminders;
};

// A message as the caller sees it.
struct MessageView {
  InboxItem item;
  bool caller_is_creator = false;  // counters (recipient_count, read_count) are for creators
  std::optional<ReminderSchedule> reminders;  // the creator's view of a reminder message
};

struct ThreadNode {
  MessageView view;
  std::vector<ThreadNode> replies;  // oldest first
};

struct InboxRequest {
  std::optional<MessageId> before;
  int limit = 50;  // 1..200
  bool unread_only = false;
  std::optional<UserId> sender;
  std::optional<GroupId> group;
};

struct InboxPage {
  std::vector<InboxItem> items;
  std::optional<MessageId> next;  // pass as `before` for the next page; empty at the end
};

struct SearchRequest {
  std::string query;                  // see core/search_query.h and docs/api.md
  std::optional<UserId> sender;
  std::optional<GroupId> group;       // addressed to this group
  std::optional<ConversationId> conversation;
  std::optional<Timestamp> from;      // sent at or after
  std::optional<Timestamp> to;        // sent before
  bool unread_only = false;
  std::optional<MessageId> thread;    // this message and the replies under it
  bool has_reminder = false;          // only messages sent with reminders
  bool has_attachment = false;        // only messages carrying attachments (or has:attachment)
  SearchSort sort = SearchSort::relevance;
  std::optional<std::string> cursor;  // `next` of the previous page of the same search
  int limit = 20;                     // 1..200
  bool include_expired = false;       // the caller's own withdrawn and expired messages too
};

// Where a hit sits in its thread. root_subject is empty when the caller may not see the root.
struct ThreadContext {
  MessageId root;
  std::optional<MessageId> parent;
  std::optional<std::string> root_subject;
  bool is_reply() const { return parent.has_value(); }
};

struct SearchResult {
  MessageView view;
  std::string snippet;  // matches between « and » (see docs/api.md)
  ThreadContext thread;
  double score = 0;     // relevance sort: lower is better
};

struct SearchPage {
  std::vector<SearchResult> results;
  std::optional<std::string> next;  // opaque cursor; empty at the end
};

struct DashboardRequest {
  std::optional<MessageId> before;
  int limit = 50;  // 1..200
};

struct DashboardPage {
  std::vector<Message> messages;
  std::optional<MessageId> next;
  std::vector<ReminderSchedule> reminders;  // of those messages that have reminders
};

struct ReadReport {
  Message message;
  std::vector<GroupReadStat> groups;
  std::vector<RecipientStatus> recipients;
  std::optional<ReminderSchedule> reminders;
  std::vector<RecipientReminders> recipient_reminders;  // by user id
};

// A change to a message's reminders: a new frequency and/or expiry day, or stop.
struct UpdateRemindersRequest {
  std::optional<int> period_days;
  std::optional<Timestamp> expiry_date;  // its UTC calendar day is taken
  bool stop = false;
};

struct ReminderListRequest {
  std::optional<std::int64_t> before;
  int limit = 50;  // 1..200
};

struct ReminderPage {
  std::vector<ReceivedReminder> reminders;
  std::optional<std::int64_t> next;
};

// What the scheduler will do for one message at the time asked about.
enum class ReminderAction { remind, final, expire, reschedule };

struct DueReminder {
  ReminderSchedule schedule;
  Message message;
  ReminderAction action = ReminderAction::remind;
};

// What one run_due_reminders pass did.
struct ReminderRunReport {
  std::int64_t messages = 0;     // schedules handled
  std::int64_t rounds = 0;       // reminder rounds sent (one per message at most)
  std::int64_t reminders = 0;    // reminders recorded (one per recipient and round)
  std::int64_t deactivated = 0;  // recipients deactivated at expiry
};

struct SyncRequest {
  SyncSeq since = 0;  // the device's cursor: the seq of the last entry it applied
  int limit = 100;    // 1..100
  // A device pulling marks the message entries it gets delivered; a server fetching entries
  // to push them does not (the device's ack does).
  bool mark_delivered = true;
};

// One page of the caller's timeline. reset: the cursor is below what is kept or above the
// newest entry; the device must re-bootstrap (conversations, then history) and continue from
// `next`.
struct SyncResponse {
  bool reset = false;
  std::vector<SyncEntry> entries;  // ascending seq
  SyncSeq next = 0;                // the cursor after this page
  bool has_more = false;           // entries after `next` exist: pull again
};

// A range pull or a history page of one conversation. With `after`: the slots after it,
// ascending (filling a hole). Without: the newest slots below `before` (or from the newest),
// descending (history, paging backwards).
struct HistoryRequest {
  ConversationId conversation;
  std::optional<Seq> after;
  std::optional<Seq> before;
  int limit = 50;  // 1..200
};

struct HistoryPage {
  std::vector<MessageSlot> slots;
  std::optional<Seq> next;  // history: pass as `before`; range: as `after`; empty at the end
};

// The users a rule matches now (a rule group's members if it were used in a send).
struct RulePreview {
  std::int64_t count = 0;
  std::vector<User> users;  // the first `limit` matches, by id
};

// When the reminders of a message sent now would go out.
struct ReminderPlan {
  std::int64_t expiry_day = 0;
  std::vector<ReminderSlot> slots;  // ascending; the final one last
  std::int64_t omitted = 0;         // regular reminders between the listed ones and the final
};

// A message's read % over time: who first read it when, and its reminder rounds.
struct ReadHistory {
  Message message;
  std::vector<ReadBucket> reads;
  std::vector<ReminderRound> rounds;
};

// read % = read recipients / recipients * 100, to one decimal (0 when there are none).
double read_percent(std::int64_t reads, std::int64_t recipients);
inline double read_percent(const Message& message) {
  return read_percent(message.read_count, message.recipient_count);
}

class Engine {
 public:
  Engine(Store& store, const Clock& clock, EngineOptions options = {});

  // Success when the store answers a read (for GET /healthz); unavailable otherwise.
  Status health();

  // --- bootstrap and authentication ---
  // On an empty store creates the admin account ("admin") and returns its password: the one
  // given, or a random one when `password` is empty (to be printed once). Returns nullopt
  // when users already exist. unprocessable if the given password is too short.
  Result<std::optional<std::string>> bootstrap_admin(const std::string& password);
  // unauthenticated for an unknown handle, wrong password or deactivated user. An unknown
  // handle costs the same password check as a known one, so timing does not tell them apart.
  Result<LoginResult> login(const std::string& handle, const std::string& password);
  // unauthenticated unless `token` is a live session of an active user.
  Result<Caller> authenticate(const std::string& token);
  Status logout(const std::string& token);

  // --- users (create/deactivate/attributes/admin/permissions: admins only; names/password:
  // self too). Others are shown as docs/security.md "Permissions" says. ---
  Result<User> create_user(const Caller& caller, const CreateUserRequest& request);
  Result<User> get_user(const Caller& caller, UserId id);
  Result<User> get_user_by_handle(const Caller& caller, const std::string& handle);
  Result<std::vector<User>> list_users(const Caller& caller, const UserQuery& query);
  Result<User> update_user(const Caller& caller, UserId id, const UpdateUserRequest& request);
  Result<User> set_user_active(const Caller& caller, UserId id, bool active);

  // --- the organisation's policy (admins only; docs/security.md, "Permissions") ---
  Result<OrgPolicy> policy(const Caller& caller);
  // invalid for a large_audience out of range.
  Result<OrgPolicy> set_policy(const Caller& caller, const OrgPolicy& policy);

  // --- groups (create: per the policy; change: the owner or an admin) ---
  // Users are shown to the caller as the policy says: attributes to admins, the user and
  // (per the policy) holders of see_attributes; permissions to admins and the user only.
  // create_group, and update_group giving a rule: forbidden without the permission the policy
  // asks for (named in the error); not_found for an unknown sender id; unprocessable for
  // sender_ids without senders "named".
  Result<Group> create_group(const Caller& caller, const CreateGroupRequest& request);
  Result<Group> get_group(const Caller& caller, GroupId id);
  Result<std::vector<Group>> list_groups(const Caller& caller, bool include_inactive);
  Result<Group> update_group(const Caller& caller, GroupId id, const UpdateGroupRequest& request);
  Result<Group> set_group_active(const Caller& caller, GroupId id, bool active);
  Status add_member(const Caller& caller, GroupId group, UserId user);
  Status remove_member(const Caller& caller, GroupId group, UserId user);
  // Explicit members, or for a rule group the users the rule matches now.
  Result<std::vector<User>> list_members(const Caller& caller, GroupId group);
  // The active users `rule` matches now, as a rule group would resolve it (anyone who may
  // create a rule group may ask). unprocessable, with the error's position, for a bad rule.
  Result<RulePreview> preview_rule(const Caller& caller, const std::string& rule, int limit);

  // --- messages ---
  // send and reply: forbidden for a group the caller may not send to (its senders), and for an
  // audience over the policy's large_audience without send_to_large_audiences.
  Result<SendResult> send(const Caller& caller, const SendRequest& request);
  Result<SendResult> reply(const Caller& caller, const ReplyRequest& request);
  // not_found unless the caller is the creator, or a recipient of an active message.
  Result<MessageView> get_message(const Caller& caller, MessageId id);
  // The whole thread containing `id`, from its root, keeping only what the caller may see.
  Result<ThreadNode> thread(const Caller& caller, MessageId id);
  Result<InboxPage> inbox(const Caller& caller, const InboxRequest& request);
  Result<std::vector<ConversationSummary>> conversations(const Caller& caller);
  // Full-text search over what the caller may see (sent by them or to them). invalid for a
  // query that does not parse (with its position), a bad cursor, a limit outside 1..200 or
  // from >= to; not_found for a thread message the caller may not see.
  Result<SearchPage> search(const Caller& caller, const SearchRequest& request);
  // Creator only (forbidden otherwise). Withdraw = set_expiry(now).
  Result<Message> set_expiry(const Caller& caller, MessageId id, std::optional<Timestamp> expiry);
  Result<Message> withdraw(const Caller& caller, MessageId id);

  // --- read tracking ---
  Result<ReadOutcome> mark_read(const Caller& caller, MessageId id);
  // up_to empty: everything visible now.
  Result<ReadOutcome> mark_conversation_read(const Caller& caller, ConversationId id,
                                             std::optional<Seq> up_to);

  // --- dashboard (the caller's own sent messages; admins may read any report) ---
  Result<DashboardPage> dashboard(const Caller& caller, const DashboardRequest& request);
  Result<ReadReport> read_report(const Caller& caller, MessageId id);
  // Read % over time, in at most kReadHistoryBuckets buckets from the send to now (or to the
  // last read). Who may: as read_report.
  static constexpr int kReadHistoryBuckets = 500;
  Result<ReadHistory> read_history(const Caller& caller, MessageId id);

  // --- reminders (docs/api.md, "Reminders") ---
  // Creator only. invalid with nothing to change; unprocessable for a message without
  // reminders, reminders already ended, a bad frequency or expiry day.
  Result<ReminderSchedule> update_reminders(const Caller& caller, MessageId id,
                                            const UpdateRemindersRequest& request);
  // When reminders with `settings` would go out for a message sent now expiring on `expiry`'s
  // UTC day: the send's own validation (unprocessable for a bad frequency or expiry day).
  Result<ReminderPlan> plan_reminders(const ReminderSettings& settings,
                                      std::optional<Timestamp> expiry);
  // The caller's received reminders, newest first (messages still active only).
  Result<ReminderPage> reminders(const Caller& caller, const ReminderListRequest& request);
  // Admins: schedules the scheduler has work for at `until`, earliest first.
  Result<std::vector<DueReminder>> due_reminders(const Caller& caller, Timestamp until,
                                                 int limit);
  // The scheduler's pass: for every schedule due at `now`, sends the latest reminder due (one
  // round per message, never a backlog), advances its next date past `now`, and processes
  // expiry (deactivation). Idempotent: a second pass at the same `now` does nothing.
  Result<ReminderRunReport> run_due_reminders(Timestamp now);
  // When the earliest schedule falls due; nullopt when none is pending.
  Result<std::optional<Timestamp>> next_reminder_due();
  // Takes or renews the node lease `name` for `holder` for ttl_ms from the clock's now
  // (Store::acquire_lease): true when `holder` holds it. Several nodes on one store run a
  // reminder pass only while holding the lease kReminderLease.
  static constexpr const char* kReminderLease = "reminders";
  Result<bool> acquire_lease(const std::string& name, const std::string& holder,
                             std::int64_t ttl_ms);
  Status release_lease(const std::string& name, const std::string& holder);

  // --- multi-device sync (docs/protocol.md) ---
  // The caller's timeline after request.since. Message entries pulled are marked delivered.
  Result<SyncResponse> sync(const Caller& caller, const SyncRequest& request);
  // The seq of the caller's newest entry (0: none yet): where live pushes start.
  Result<SyncSeq> newest_entry(const Caller& caller);
  // A device received (by push) every entry up to `up_to`: their messages become delivered.
  // invalid when up_to is negative or past the caller's newest entry.
  Status acknowledge(const Caller& caller, SyncSeq up_to);
  // not_found unless the caller is or was a member of the conversation.
  Result<HistoryPage> history(const Caller& caller, const HistoryRequest& request);
  // Called after a send whose fan-out was deferred commits (to wake the fan-out worker).
  void set_fanout_signal(std::function<void()> signal);
  // Where a pull hands "the caller's entries up to here were delivered" instead of writing it
  // before it answers (the server's DeliveryMarker, which writes many pulls in one commit).
  // Empty (the default): each pull writes its marks itself. Set before serving.
  void set_delivery_sink(std::function<void(UserId, SyncSeq)> sink);
  // Marks delivered what pulls handed to the sink, in one transaction where the store can.
  Result<std::int64_t> mark_delivered(const std::vector<DeliveryMark>& marks);
  // Writes deferred fan-outs, chunk by chunk, until none is pending. Returns the chunks done.
  Result<std::int64_t> run_fanout();
  // Deletes timeline entries older than the retention. Returns how many.
  Result<std::int64_t> prune_timeline();
  // One bounded step of search index upkeep (Store::maintain_search_index, about `pages`
  // pages written, a few milliseconds). true while more remains: call again later.
  Result<bool> maintain_search_index(int pages);

  const Clock& clock() const { return clock_; }

 private:
  // set_expiry of a message whose reminders are running: nullopt when it has none.
  Result<std::optional<Message>> set_reminder_expiry(const Message& message,
                                                     std::optional<Timestamp> expiry);
  Result<std::optional<ReminderSchedule>> schedule_of(MessageId id);
  // `message` as the caller sees it (get_message without loading it again).
  Result<MessageView> view_of(const Caller& caller, Message message);
  // The message of a read report: its creator's or an admin's; forbidden for a recipient,
  // not_found for anyone else.
  Result<Message> reported_message(const Caller& caller, MessageId id);
  // The message already sent with this client_msg_id, as a duplicate SendResult.
  Result<std::optional<SendResult>> earlier_send(const Caller& caller,
                                                 const std::optional<std::string>& client_msg_id);
  // Writes `message` (or finds the original of a racing retry) and answers with its schedule.
  // Large audiences (over diffusion_limit) are fanned out after the commit. forbidden when
  // the audience is over the policy's large_audience and the caller lacks
  // send_to_large_audiences.
  Result<SendResult> commit_send(const Caller& caller, NewMessage message);
  // forbidden unless the policy lets the caller create a group of this kind (a rule group
  // when `rule`); the error names `action` and the permission missing.
  Status require_group_creation(const Caller& caller, bool rule, std::string_view action);

  // A hash at options_.password_cost that no password matches, checked against when a login
  // names an unknown handle. Computed once, on first use.
  const std::string& decoy_hash();

  Store& store_;
  const Clock& clock_;
  const EngineOptions options_;
  std::function<void()> fanout_signal_;  // set before serving
  std::function<void(UserId, SyncSeq)> delivery_sink_;  // set before serving
  std::once_flag decoy_once_;
  std::string decoy_hash_;  // written once under decoy_once_
};

}  // namespace missive
