// `missive reminders` (received), `reminders due` (admins), `remind stop` and `remind set`.

#include <charconv>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/output.h"
#include "cli/table.h"
#include "core/time_format.h"

namespace missive::cli {
namespace {

struct ReminderOptions {
  std::int64_t id = 0;  // remind: the message
  std::string frequency;
  std::string expires;
  std::string until;
  int limit = 50;
  std::int64_t before = 0;
};

// "2026-10-05T09:00:00.000Z" -> "2026-10-05 09:00"; "-" for a missing value.
std::string when(const JsonValue& object, const char* key) {
  const std::string text = get_string(object, key);
  return text.empty() ? "-" : short_time(text);
}

// One line about a message's reminders, from its "reminders" object.
std::string describe(const JsonValue& r) {
  const std::int64_t period = get_int(r, "period_days");
  const std::string frequency = period == 1   ? "daily"
                                : period == 7 ? "weekly"
                                              : fmt::format("every {} days", period);
  return fmt::format("{}, final on {}, {} sent, next {}, {}{}", frequency,
                     get_string(r, "expiry_day"), get_int(r, "reminders_sent"),
                     when(r, "next_remind_date"), get_string(r, "status"),
                     get_bool(r, "deactivate_non_responders") && get_string(r, "status") == "active"
                         ? ", non-responders deactivated at expiry"
                         : "");
}

Status print_updated(const Context& context, const Response& response) {
  if (print_raw(context, response)) return {};
  const JsonValue* r = member(response.json, "reminders");
  fmt::print("message {}: reminders {}\n", get_int(response.json, "id"),
             r ? describe(*r) : std::string("none"));
  return {};
}

Status received(const Context& context, const ReminderOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  std::string target = fmt::format("/v1/reminders?limit={}", o.limit);
  if (o.before > 0) target += fmt::format("&before={}", o.before);
  MISSIVE_TRY(const auto response, api->get(target));
  if (print_raw(context, response)) return {};
  Table table({"MESSAGE", "FROM", "SUBJECT", "REMINDER", "SENT"});
  table.align_right(0);
  table.align_right(3);
  if (const JsonValue* rows = member(response.json, "reminders"); rows && rows->IsArray()) {
    for (const auto& r : rows->GetArray()) {
      table.add_row({std::to_string(get_int(r, "message_id")),
                     api->user_handle(get_int(r, "creator_id")), shorten(get_string(r, "subject"), 50),
                     fmt::format("#{}{}", get_int(r, "number"),
                                 get_bool(r, "is_final") ? " final: respond within 24 hours" : ""),
                     when(r, "sent_at")});
    }
  }
  if (table.empty()) {
    fmt::print("no reminders\n");
    return {};
  }
  fmt::print("{}", table.render());
  if (const auto next = get_optional_int(response.json, "next")) {
    fmt::print("(more: --before {})\n", *next);
  }
  return {};
}

Status due(const Context& context, const ReminderOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  std::string target = fmt::format("/v1/reminders/due?limit={}", o.limit);
  if (!o.until.empty()) {
    auto until = parse_time(o.until);
    if (!until) return fail(ErrorCode::invalid, "--until: " + until.error().message);
    target += "&until=" + url_encode(format_time(*until));
  }
  MISSIVE_TRY(const auto response, api->get(target));
  if (print_raw(context, response)) return {};
  Table table({"MESSAGE", "SUBJECT", "ACTION", "DUE", "UNREAD", "REMINDERS"});
  table.align_right(0);
  table.align_right(4);
  if (const JsonValue* rows = member(response.json, "due"); rows && rows->IsArray()) {
    for (const auto& d : rows->GetArray()) {
      const JsonValue* r = member(d, "reminders");
      table.add_row({std::to_string(get_int(d, "message_id")), shorten(get_string(d, "subject"), 40),
                     get_string(d, "action"), when(d, "due_at"), std::to_string(get_int(d, "unread")),
                     r ? describe(*r) : ""});
    }
  }
  if (table.empty()) {
    fmt::print("no reminders due\n");
    return {};
  }
  fmt::print("{}", table.render());
  return {};
}

Status stop(const Context& context, const ReminderOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response,
              api->patch(fmt::format("/v1/messages/{}/reminders", o.id), R"({"stop":true})"));
  return print_updated(context, response);
}

Status set(const Context& context, const ReminderOptions& o) {
  if (o.frequency.empty() && o.expires.empty()) {
    return fail(ErrorCode::invalid, "give --frequency and/or --expires");
  }
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  if (!o.frequency.empty()) MISSIVE_TRY_STATUS(write_frequency(w, o.frequency, "--frequency"));
  if (!o.expires.empty()) {
    auto expiry = parse_time(o.expires);
    if (!expiry) return fail(ErrorCode::invalid, "--expires: " + expiry.error().message);
    write_key(w, "expiry_date");
    write_string(w, format_time(*expiry));
  }
  w.EndObject();
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response,
              api->patch(fmt::format("/v1/messages/{}/reminders", o.id), buffer.GetString()));
  return print_updated(context, response);
}

}  // namespace

Status write_frequency(JsonWriter& w, std::string_view text, std::string_view option) {
  if (text == "daily" || text == "weekly") {
    write_key(w, "frequency");
    write_string(w, text);
    return {};
  }
  constexpr std::string_view kEvery = "every:";
  if (text.starts_with(kEvery)) {
    const std::string_view digits = text.substr(kEvery.size());
    std::int64_t days = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), days);
    if (!digits.empty() && ec == std::errc() && ptr == digits.data() + digits.size()) {
      write_key(w, "every_days");
      w.Int64(days);
      return {};
    }
  }
  return fail(ErrorCode::invalid,
              fmt::format("{} \"{}\": expected daily, weekly or every:N (N days)", option, text));
}

void register_reminder_commands(CLI::App& app, Context& context) {
  auto o = std::make_shared<ReminderOptions>();
  CLI::App* list = app.add_subcommand("reminders", "reminders you received, newest first");
  list->add_option("--limit", o->limit, "page size (1-200)")->check(CLI::Range(1, 200));
  list->add_option("--before", o->before, "continue before this reminder id");
  CLI::App* due_cmd = command(*list, context, o, "due",
                              "messages with reminders due (admins)", due);
  due_cmd->add_option("--until", o->until, "as of this date or time (default now)");
  list->callback([&context, o, due_cmd] {
    if (due_cmd->parsed()) return;
    context.action = [&context, o] { return received(context, *o); };
  });

  CLI::App* remind = app.add_subcommand("remind", "change the reminders of a message you sent")
                         ->require_subcommand(1);
  command(*remind, context, o, "stop", "stop its reminders (no final one, no deactivation)", stop)
      ->add_option("id", o->id, "the message")
      ->required();
  CLI::App* set_cmd =
      command(*remind, context, o, "set", "change the frequency and/or the expiry day", set);
  set_cmd->add_option("id", o->id, "the message")->required();
  set_cmd->add_option("--frequency", o->frequency, "daily, weekly or every:N");
  set_cmd->add_option("--expires", o->expires, "the new expiry day (the final reminder's)");
}

}  // namespace missive::cli
