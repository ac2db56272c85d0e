#include "client/sync_timeline.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>

namespace missive::client {
namespace {

using Value = rapidjson::Value;

Result<rapidjson::Document> parse_object(std::string_view json, std::string_view what) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return fail(ErrorCode::invalid,
                fmt::format("{} is not JSON: {} at offset {}", what,
                            rapidjson::GetParseError_En(doc.GetParseError()), doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) return fail(ErrorCode::invalid, fmt::format("{} is not a JSON object", what));
  return doc;
}

std::string to_text(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

const Value* member(const Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(key);
  return it == object.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::optional<std::int64_t> get_int(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (v == nullptr || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

std::string get_string(const Value& object, const char* key) {
  const Value* v = member(object, key);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
}

bool get_bool(const Value& object, const char* key) {
  const Value* v = member(object, key);
  return v != nullptr && v->IsBool() && v->GetBool();
}

Result<Entry> entry_from(const Value& v) {
  if (!v.IsObject()) return fail(ErrorCode::invalid, "a timeline entry is not a JSON object");
  Entry e;
  const auto seq = get_int(v, "seq");
  e.kind = get_string(v, "kind");
  if (!seq || e.kind.empty()) {
    return fail(ErrorCode::invalid, fmt::format("timeline entry without seq or kind: {}", to_text(v)));
  }
  e.seq = *seq;
  e.conversation = get_int(v, "conversation").value_or(0);
  e.conv_seq = get_int(v, "conv_seq").value_or(0);
  e.read_seq = get_int(v, "read_seq").value_or(0);
  e.message_id = get_int(v, "message_id");
  e.user = get_int(v, "user");
  e.status = get_string(v, "status");
  e.number = get_int(v, "number").value_or(0);
  e.is_final = get_bool(v, "final");
  if (const Value* expiry = member(v, "expiry_date"); expiry && expiry->IsString()) {
    e.expiry_date = expiry->GetString();
  }
  e.at = get_string(v, "at");
  e.placeholder = get_bool(v, "placeholder");
  if (const Value* message = member(v, "message")) {
    e.creator_id = get_int(*message, "creator_id").value_or(0);
    e.subject = get_string(*message, "subject");
  }
  e.json = to_text(v);
  return e;
}

Result<std::vector<Entry>> entries_from(const Value& object) {
  std::vector<Entry> out;
  const Value* entries = member(object, "entries");
  if (entries == nullptr) return out;
  if (!entries->IsArray()) return fail(ErrorCode::invalid, "\"entries\" is not an array");
  for (const auto& item : entries->GetArray()) {
    MISSIVE_TRY(auto entry, entry_from(item));
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

ErrorCode error_code_from_name(std::string_view name) {
  for (ErrorCode code : {ErrorCode::invalid, ErrorCode::unauthenticated, ErrorCode::forbidden,
                         ErrorCode::not_found, ErrorCode::conflict, ErrorCode::too_large,
                         ErrorCode::unprocessable, ErrorCode::rate_limited,
                         ErrorCode::unavailable}) {
    if (error_code_name(code) == name) return code;
  }
  return ErrorCode::internal;
}

Result<Entry> parse_entry(std::string_view json) {
  MISSIVE_TRY(const auto doc, parse_object(json, "the entry"));
  return entry_from(doc);
}

Result<SyncPage> parse_sync_page(std::string_view json) {
  MISSIVE_TRY(const auto doc, parse_object(json, "the sync answer"));
  SyncPage page;
  page.reset = get_bool(doc, "reset");
  const auto next = get_int(doc, "next");
  if (!next) return fail(ErrorCode::invalid, "the sync answer has no \"next\"");
  page.next = *next;
  page.has_more = get_bool(doc, "has_more");
  MISSIVE_TRY(page.entries, entries_from(doc));
  return page;
}

Result<Frame> parse_frame(std::string_view json) {
  MISSIVE_TRY(const auto doc, parse_object(json, "the frame"));
  Frame frame;
  frame.type = get_string(doc, "type");
  if (const auto it = doc.FindMember("id"); it != doc.MemberEnd()) frame.id = to_text(it->value);
  frame.raw = std::string(json);
  return frame;
}

Result<std::vector<Entry>> parse_push(std::string_view json) {
  MISSIVE_TRY(const auto doc, parse_object(json, "the push"));
  return entries_from(doc);
}

Status error_of_answer(std::string_view json) {
  MISSIVE_TRY(const auto doc, parse_object(json, "the answer"));
  if (get_string(doc, "type") != "error") return {};
  const Value* error = member(doc, "error");
  if (error == nullptr) {
    return fail(ErrorCode::internal, fmt::format("error answer without \"error\": {}", json));
  }
  return fail(error_code_from_name(get_string(*error, "code")), get_string(*error, "message"));
}

// --- DeviceState ---

void DeviceState::apply(const Entry& e) {
  auto& conversation = conversations_[e.conversation];
  if (e.kind == "message") {
    conversation.messages[e.conv_seq] = e.message_id.value_or(0);
    conversation.max_seq = std::max(conversation.max_seq, e.conv_seq);
    // Sending moves the sender's watermark to their message (no read entry is written).
    if (self_ != 0 && e.creator_id == self_) {
      conversation.read_seq = std::max(conversation.read_seq, e.conv_seq);
    }
  } else if (e.kind == "read") {
    conversation.read_seq = std::max(conversation.read_seq, e.read_seq);
    if (e.message_id) conversation.read_above.insert(*e.message_id);
  } else if (e.kind == "status" && e.message_id && e.user) {
    auto& status = statuses_[{*e.message_id, *e.user}];
    if (status != "read") status = e.status;  // read is final
  } else if (e.kind == "expiry" && e.message_id) {
    expiries_[*e.message_id] = e.expiry_date;
  } else if (e.kind == "reminder" && e.message_id) {
    reminders_[*e.message_id] = std::max(reminders_[*e.message_id], e.number);
  }
}

Status DeviceState::bootstrap(std::string_view conversations_json) {
  MISSIVE_TRY(const auto doc, parse_object(conversations_json, "the conversations"));
  const Value* list = member(doc, "conversations");
  if (list == nullptr || !list->IsArray()) {
    return fail(ErrorCode::invalid, "the conversations answer has no \"conversations\" array");
  }
  for (const auto& c : list->GetArray()) {
    auto& conversation = conversations_[get_int(c, "id").value_or(0)];
    conversation.read_seq = std::max(conversation.read_seq, get_int(c, "read_seq").value_or(0));
    conversation.max_seq = std::max(conversation.max_seq, get_int(c, "max_seq").value_or(0));
  }
  return {};
}

std::string DeviceState::describe() const {
  std::string out;
  for (const auto& [id, c] : conversations_) {
    out += fmt::format("conversation {} read_seq {} max_seq {}:", id, c.read_seq, c.max_seq);
    for (const auto& [seq, message] : c.messages) {
      const bool read = seq <= c.read_seq || c.read_above.contains(message);
      out += fmt::format(" {}={}{}", seq, message, read ? "r" : "");
    }
    out += "\n";
  }
  for (const auto& [key, status] : statuses_) {
    out += fmt::format("status message {} user {} {}\n", key.first, key.second, status);
  }
  for (const auto& [message, expiry] : expiries_) {
    out += fmt::format("expiry message {} {}\n", message, expiry.value_or("none"));
  }
  for (const auto& [message, number] : reminders_) {
    out += fmt::format("reminder message {} number {}\n", message, number);
  }
  return out;
}

// --- Timeline ---

Timeline::Timeline(std::optional<SyncSeq> cursor) : cursor_(cursor) {}

void Timeline::apply(const Entry& entry) {
  cursor_ = entry.seq;
  state_.apply(entry);
  if (on_apply_) on_apply_(entry);
  if (keep_entries_) entries_.push_back(entry);
}

Timeline::Offer Timeline::offer_push(std::span<const Entry> entries) {
  if (entries.empty()) return Offer::stale;
  // "From now": pushes start right after the newest entry at connect, so the first one
  // tells where now is.
  if (!cursor_) cursor_ = entries.front().seq - 1;
  std::size_t first = 0;
  while (first < entries.size() && entries[first].seq <= *cursor_) ++first;
  if (first == entries.size()) return Offer::stale;
  // Check the whole rest before applying any of it, so a hole applies nothing.
  for (std::size_t i = first; i < entries.size(); ++i) {
    if (entries[i].seq != *cursor_ + 1 + static_cast<SyncSeq>(i - first)) return Offer::hole;
  }
  for (std::size_t i = first; i < entries.size(); ++i) apply(entries[i]);
  return Offer::applied;
}

Status Timeline::apply_page(const SyncPage& page) {
  if (page.reset) return fail(ErrorCode::invalid, "a reset page has no entries to apply");
  const SyncSeq from = cursor();
  for (std::size_t i = 0; i < page.entries.size(); ++i) {
    const SyncSeq expected = from + 1 + static_cast<SyncSeq>(i);
    if (page.entries[i].seq != expected) {
      return fail(ErrorCode::internal,
                  fmt::format("sync since {}: entry {} has seq {}, expected {}", from, i,
                              page.entries[i].seq, expected));
    }
  }
  const SyncSeq last = from + static_cast<SyncSeq>(page.entries.size());
  if (page.next != last) {
    return fail(ErrorCode::internal,
                fmt::format("sync since {}: {} entries but next is {} (expected {})", from,
                            page.entries.size(), page.next, last));
  }
  if (!cursor_) cursor_ = from;
  for (const auto& entry : page.entries) apply(entry);
  return {};
}

void Timeline::reset(SyncSeq next) { cursor_ = next; }

}  // namespace missive::client
