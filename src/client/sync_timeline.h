#pragma once
// The device side of the sync protocol without any I/O (docs/protocol.md): parsing timeline
// entries and frames, applying entries strictly in order (hole detection), and a small model
// of what a device knows, printable as text so tests can compare devices.
//
// Thread-safety: plain values; a Timeline or DeviceState belongs to one thread.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/sync.h"

namespace missive::client {

// One timeline entry as received. Fields not carried by the entry's kind keep their default.
struct Entry {
  SyncSeq seq = 0;
  std::string kind;  // "message", "read", "status", "expiry", "reminder"
  std::int64_t conversation = 0;
  std::int64_t conv_seq = 0;  // message, status, expiry, reminder
  std::int64_t read_seq = 0;  // read: the new watermark
  std::optional<std::int64_t> message_id;
  std::optional<std::int64_t> user;  // status: the recipient
  std::string status;                // status: "delivered" or "read"
  std::int64_t number = 0;           // reminder
  bool is_final = false;             // reminder
  std::optional<std::string> expiry_date;  // expiry: nullopt when cleared
  std::string at;
  bool placeholder = false;          // message: withdrawn or expired, no content
  std::int64_t creator_id = 0;       // message with content
  std::string subject;               // message with content
  std::string json;                  // the entry's JSON text as received
};

// A `sync` answer (HTTP body or WebSocket answer).
struct SyncPage {
  bool reset = false;
  std::vector<Entry> entries;
  SyncSeq next = 0;
  bool has_more = false;
};

// One WebSocket frame from the server, classified.
struct Frame {
  std::string type;               // "push", "sync", "send", "error", "pong", ...
  std::optional<std::string> id;  // the echoed id as JSON text ("7", "\"a\"", "null"); none
                                  // for pushes
  std::string raw;
};

// invalid when the text is not a JSON object or an entry lacks seq/kind.
Result<Entry> parse_entry(std::string_view json);
Result<SyncPage> parse_sync_page(std::string_view json);
Result<Frame> parse_frame(std::string_view json);
// The entries of a push frame.
Result<std::vector<Entry>> parse_push(std::string_view json);
// For an answer of type "error": the Error it carries (code by name, message); otherwise
// success.
Status error_of_answer(std::string_view json);
// The ErrorCode named `name` ("not_found", ...); internal for an unknown name.
ErrorCode error_code_from_name(std::string_view name);

// What a device knows, built from the entries it applied (and a bootstrap after a reset).
// describe() lists it in a fixed order, so two devices that saw the same timeline print the
// same text whatever arrived by push or by pull.
class DeviceState {
 public:
  void apply(const Entry& entry);
  // After a reset: a GET /v1/conversations body sets each conversation's read_seq.
  Status bootstrap(std::string_view conversations_json);
  std::string describe() const;

  struct Conversation {
    std::int64_t read_seq = 0;
    std::int64_t max_seq = 0;                        // from message entries or a bootstrap
    std::map<std::int64_t, std::int64_t> messages;   // conv_seq -> message id
  };
  const std::map<std::int64_t, Conversation>& conversations() const { return conversations_; }
  // (message id, recipient) -> "delivered" or "read", for the messages this user sent.
  const std::map<std::pair<std::int64_t, std::int64_t>, std::string>& statuses() const {
    return statuses_;
  }

 private:
  std::map<std::int64_t, Conversation> conversations_;
  std::map<std::pair<std::int64_t, std::int64_t>, std::string> statuses_;
  std::map<std::int64_t, std::optional<std::string>> expiries_;  // message id -> expiry
  std::map<std::int64_t, std::int64_t> reminders_;              // message id -> last number
};

// The in-order rule of the protocol: an entry is applied only when its seq is cursor+1.
class Timeline {
 public:
  // nullopt: start "from now": the first push offered sets the cursor just before itself.
  explicit Timeline(std::optional<SyncSeq> cursor = 0);

  enum class Offer {
    applied,  // the push continued the timeline (entries already applied were skipped)
    stale,    // every entry was already applied
    hole,     // it starts past cursor+1 (or has a gap): pull sync(since=cursor)
  };
  // Applies a push's entries when they continue the cursor; nothing is applied on a hole.
  Offer offer_push(std::span<const Entry> entries);

  // Applies one sync page pulled with since=cursor(). internal when the page does not
  // continue the cursor, has a gap, or its `next` is not the cursor it leads to (a server
  // bug); nothing is applied then. A reset page is refused (invalid): call reset().
  Status apply_page(const SyncPage& page);

  // After a reset and the re-bootstrap: continue from `next`.
  void reset(SyncSeq next);

  bool has_cursor() const { return cursor_.has_value(); }
  SyncSeq cursor() const { return cursor_.value_or(0); }

  // Called for each entry applied, in order.
  void set_on_apply(std::function<void(const Entry&)> on_apply) { on_apply_ = std::move(on_apply); }
  // Keep applied entries in entries() (default true; a long-running watch turns it off).
  void set_keep_entries(bool keep) { keep_entries_ = keep; }
  const std::vector<Entry>& entries() const { return entries_; }
  const DeviceState& state() const { return state_; }
  DeviceState& state() { return state_; }

 private:
  void apply(const Entry& entry);

  std::optional<SyncSeq> cursor_;
  bool keep_entries_ = true;
  std::vector<Entry> entries_;
  DeviceState state_;
  std::function<void(const Entry&)> on_apply_;
};

}  // namespace missive::client
