#pragma once
// Domain types shared by every layer. Plain values: no I/O, no locking.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/ids.h"
#include "core/permissions.h"

namespace missive {

// A user attribute value: "role": "dba", "access_level": 3, "contractor": true.
using AttributeValue = std::variant<std::string, double, bool>;
using Attributes = std::map<std::string, AttributeValue>;

struct User {
  UserId id;
  std::string handle;
  std::string first_name;
  std::string last_name;
  Attributes attributes;
  bool is_admin = false;
  bool is_active = true;
  Timestamp created_at = 0;
  Permissions permissions;  // granted by admins (docs/security.md, "Permissions")
  // What the engine shows of this user to the caller it answers: hidden members are left
  // out of the answer (attributes per the policy; permissions to admins and the user only).
  bool attributes_shown = true;
  bool permissions_shown = true;

  std::string full_name() const { return first_name + " " + last_name; }
};

// What login needs to check a password.
struct Credentials {
  UserId user;
  std::string password_hash;  // libsodium crypto_pwhash_str format (Argon2id)
  bool is_active = true;
};

// An authenticated bearer token, looked up by the hash of the token.
struct Session {
  UserId user;
  Timestamp created_at = 0;
  Timestamp expires_at = 0;
};

struct Group {
  GroupId id;
  std::string name;
  // When set the group has no explicit members: its audience is every active user whose
  // attributes match this rule (see core/group_rule.h), resolved when a message is sent.
  std::optional<std::string> rule;
  UserId owner;
  bool is_active = true;
  Timestamp created_at = 0;
  std::int64_t member_count = 0;  // active explicit members (0 for rule groups)
  // Who may send to it besides its owner and admins; sender_ids when senders is named.
  GroupSenders senders = GroupSenders::members;
  std::vector<UserId> sender_ids;
};

enum class ConversationKind { direct, group, multi };

// Which conversation a new message belongs to. A conversation's members are exactly the
// audience of its messages (sender + recipients), so unread = max_seq - read_seq holds.
struct ConversationKey {
  ConversationKind kind = ConversationKind::direct;
  UserId low, high;                       // direct: the pair, low < high
  GroupId group;                          // group: the one group addressed
  std::optional<ConversationId> existing; // reply-all / multi replies: the parent's conversation
};

// One recipient record: a user, and the group it came through (invalid GroupId = direct).
struct RecipientRef {
  UserId user;
  GroupId group;
  auto operator<=>(const RecipientRef&) const = default;
};

// What the server learnt by decoding an upload (docs/attachments.md, "Previews"). Never
// taken from the client.
enum class PreviewState {
  none,       // not a media type that gets a preview
  pending,    // queued for the decoder process
  ready,      // thumbnail (image) or poster (video) made; audio: waveform computed
  too_large,  // an image over the pixel limit: dimensions known, no thumbnail
  failed,     // the decoder failed, crashed or ran out of time
};

struct MediaInfo {
  PreviewState preview = PreviewState::none;
  std::optional<std::int64_t> width, height;  // images and videos, orientation applied
  std::optional<std::int64_t> duration_ms;    // videos and audio
  std::vector<int> waveform;                  // audio: 64 peaks, 0..255
  std::string thumbnail_type;                 // "image/webp" when a thumbnail exists
};

// A file as a message carries it: a snapshot of its upload, frozen when the message is sent
// (like sent_to); media details made later reach clients as attachment timeline entries.
struct Attachment {
  UploadId id;
  std::string name;
  std::string type;           // sniffed from the content
  std::int64_t size = 0;
  std::string sha256;         // lowercase hex
  MediaInfo media;
};

struct Message {
  MessageId id;
  ConversationId conversation;
  Seq seq = 0;
  UserId creator;
  std::optional<std::string> client_msg_id;
  std::string subject;
  std::string body;
  std::optional<MessageId> parent;
  MessageId root;  // the first message of the thread (itself when not a reply)
  Timestamp create_date = 0;
  std::optional<Timestamp> expiry_date;
  std::string metadata_json = "{}";  // a JSON object, stored and returned verbatim
  std::vector<std::string> flags;
  std::string sent_to;               // "Ops, Ada Lovelace": frozen at send time
  std::int64_t recipient_count = 0;  // distinct recipient users
  std::int64_t read_count = 0;       // distinct recipient users who have read
  std::int64_t delivered_count = 0;  // distinct recipient users a device of whom received it
  std::vector<Attachment> attachments;

  bool is_active(Timestamp now) const { return !expiry_date || *expiry_date > now; }
};

enum class UploadState { receiving, complete };

// An upload as stored (docs/attachments.md): receiving until `offset` reaches `size`, then
// complete with its content in a blob shared by every upload of the same bytes.
struct Upload {
  UploadId id;
  UserId owner;
  std::optional<std::string> client_upload_id;
  std::string name;
  std::string declared_type;  // what the client said (Content-Type, tus filetype)
  std::string type;           // sniffed from the content once complete
  std::int64_t size = 0;      // the whole length, declared at creation
  std::int64_t offset = 0;    // bytes durably stored so far
  UploadState state = UploadState::receiving;
  std::string sha256;         // complete: lowercase hex of the content
  std::string blob_key;       // complete: where the content is (the blob's key)
  std::string thumbnail_key;  // a preview blob, when media.preview is ready with a thumbnail
  MediaInfo media;
  Timestamp created_at = 0;
  // Not yet carried by a message: removed (with its content) after this time.
  std::optional<Timestamp> expires_at;
  std::int64_t message_refs = 0;  // messages that carry it

  Attachment attachment() const { return {id, name, type, size, sha256, media}; }
};

// A message as one recipient sees it.
struct InboxItem {
  Message message;
  bool is_read = false;
  std::optional<Timestamp> read_at;
  std::vector<GroupId> via_groups;  // groups it came through; empty when sent directly
  std::int64_t reminder_count = 0;  // reminders the recipient has been sent for it
  std::optional<Timestamp> last_reminded_at;
  bool final_reminder = false;      // the last one was the final reminder
};

// A conversation as one member sees it.
struct ConversationSummary {
  ConversationId id;
  ConversationKind kind = ConversationKind::direct;
  GroupId group;
  Seq max_seq = 0;   // highest seq the member can see
  Seq read_seq = 0;  // the member's read watermark
  std::int64_t unread = 0;
  std::optional<MessageId> last_message;
  Timestamp last_activity = 0;
};

// Per-group read figures of one message, for the dashboard.
struct GroupReadStat {
  GroupId group;  // invalid = sent directly
  std::string group_name;
  std::int64_t recipients = 0;
  std::int64_t reads = 0;
};

// One recipient record with the names a report shows.
struct RecipientStatus {
  UserId user;
  std::string handle;
  std::string full_name;
  GroupId group;
  std::string group_name;
  bool is_read = false;
  std::optional<Timestamp> read_at;
  std::optional<Timestamp> delivered_at;  // when a device of the user first received it
  bool user_is_active = true;  // the account now, not at send time
};

}  // namespace missive
