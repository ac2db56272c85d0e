#include "cli/output.h"

#include <fmt/format.h>

#include "cli/table.h"

namespace missive::cli {

std::string format_attributes(const JsonValue& attributes) {
  std::string out;
  if (!attributes.IsObject()) return out;
  for (auto it = attributes.MemberBegin(); it != attributes.MemberEnd(); ++it) {
    if (!out.empty()) out += ' ';
    out += std::string(it->name.GetString(), it->name.GetStringLength()) + "=" +
           to_json(it->value, /*bare_strings=*/true);
  }
  return out;
}

void print_user(const JsonValue& user) {
  fmt::print("id:         {}\n", get_int(user, "id"));
  fmt::print("handle:     {}\n", get_string(user, "handle"));
  fmt::print("name:       {}\n", get_string(user, "full_name"));
  if (const JsonValue* attributes = member(user, "attributes");
      attributes != nullptr && attributes->IsObject() && attributes->MemberCount() > 0) {
    fmt::print("attributes: {}\n", format_attributes(*attributes));
  }
  fmt::print("admin:      {}\n", get_bool(user, "is_admin") ? "yes" : "no");
  fmt::print("active:     {}\n", get_bool(user, "is_active", true) ? "yes" : "no");
  fmt::print("created:    {}\n", short_time(get_string(user, "created_at")));
  // Shown to admins and the user only.
  if (const JsonValue* permissions = member(user, "permissions");
      permissions != nullptr && permissions->IsArray()) {
    std::string names;
    for (const auto& name : permissions->GetArray()) {
      if (!name.IsString()) continue;
      if (!names.empty()) names += ", ";
      names += name.GetString();
    }
    fmt::print("permissions: {}\n", names.empty() ? "none" : names);
  }
}

void print_group(const JsonValue& group) {
  fmt::print("id:         {}\n", get_int(group, "id"));
  fmt::print("name:       {}\n", get_string(group, "name"));
  if (const std::string rule = get_string(group, "rule"); !rule.empty()) {
    fmt::print("rule:       {}\n", rule);
  } else {
    fmt::print("members:    {}\n", get_int(group, "member_count"));
  }
  fmt::print("senders:    {}", get_string(group, "senders"));
  if (const JsonValue* ids = member(group, "sender_ids"); ids != nullptr && ids->IsArray()) {
    for (rapidjson::SizeType i = 0; i < ids->Size(); ++i) {
      fmt::print("{}{}", i == 0 ? " " : ", ", (*ids)[i].IsInt64() ? (*ids)[i].GetInt64() : 0);
    }
  }
  fmt::print("\n");
  fmt::print("active:     {}\n", get_bool(group, "is_active", true) ? "yes" : "no");
  fmt::print("created:    {}\n", short_time(get_string(group, "created_at")));
}

void print_message(Api& api, const JsonValue& message) {
  fmt::print("message:    {}\n", get_int(message, "id"));
  fmt::print("from:       {}\n", api.user_handle(get_int(message, "creator_id")));
  fmt::print("to:         {}\n", get_string(message, "sent_to"));
  fmt::print("subject:    {}\n", get_string(message, "subject"));
  fmt::print("sent:       {}\n", short_time(get_string(message, "create_date")));
  if (const std::string expiry = get_string(message, "expiry_date"); !expiry.empty()) {
    fmt::print("expires:    {}{}\n", short_time(expiry),
               get_bool(message, "active", true) ? "" : " (expired)");
  }
  if (const auto parent = get_optional_int(message, "parent_id")) {
    fmt::print("reply to:   {}\n", *parent);
  }
  if (const JsonValue* flags = member(message, "flags");
      flags && flags->IsArray() && !flags->Empty()) {
    std::string joined;
    for (const auto& flag : flags->GetArray()) {
      joined += (joined.empty() ? "" : ", ") + to_json(flag, true);
    }
    fmt::print("flags:      {}\n", joined);
  }
  if (member(message, "recipient_count") != nullptr) {
    fmt::print("read:       {} of {} ({}%)\n", get_int(message, "read_count"),
               get_int(message, "recipient_count"),
               format_percent(get_double(message, "read_percent")));
  } else if (const std::string read_at = get_string(message, "read_at"); !read_at.empty()) {
    fmt::print("read:       {}\n", short_time(read_at));
  } else {
    fmt::print("read:       no\n");
  }
  if (const std::int64_t reminded = get_int(message, "reminder_count"); reminded > 0) {
    fmt::print("reminded:   {} time{}, last {}{}\n", reminded, reminded == 1 ? "" : "s",
               short_time(get_string(message, "last_reminded_at")),
               get_bool(message, "final_reminder") ? " (final: a response is expected within 24 hours)"
                                                   : "");
  }
  if (const JsonValue* r = member(message, "reminders")) {
    const std::string next = get_string(*r, "next_remind_date");
    fmt::print("reminders:  every {} day(s) until {}, {} sent, next {} ({})\n",
               get_int(*r, "period_days"), get_string(*r, "expiry_day"),
               get_int(*r, "reminders_sent"), next.empty() ? "none" : short_time(next),
               get_string(*r, "status"));
  }
  fmt::print("\n{}\n", get_string(message, "body"));
}

void print_sent(const Response& response) {
  const JsonValue& m = response.json;
  fmt::print("{} message {} to {} ({} recipient{})\n",
             response.status == 200 ? "already sent" : "sent", get_int(m, "id"),
             get_string(m, "sent_to"), get_int(m, "recipient_count"),
             get_int(m, "recipient_count") == 1 ? "" : "s");
}

}  // namespace missive::cli
