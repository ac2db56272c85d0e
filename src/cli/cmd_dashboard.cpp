// `missive dashboard [ID]`: read % of the messages you sent.

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/table.h"

namespace missive::cli {
namespace {

struct DashboardOptions {
  std::int64_t id = 0;
  int limit = 50;
  std::int64_t before = 0;
};

// The next reminder of a dashboard row: a time, "-" when none is left, "" without reminders.
std::string next_reminder(const JsonValue& row) {
  const JsonValue* r = member(row, "reminders");
  if (r == nullptr) return "";
  const std::string next = get_string(*r, "next_remind_date");
  return next.empty() ? "-" : short_time(next);
}

Status list(const Context& context, Api& api, const DashboardOptions& o) {
  std::string target = fmt::format("/v1/dashboard?limit={}", o.limit);
  if (o.before > 0) target += fmt::format("&before={}", o.before);
  MISSIVE_TRY(const auto response, api.get(target));
  if (print_raw(context, response)) return {};
  Table table({"ID", "SUBJECT", "SENT TO", "SENT", "RECIPIENTS", "DELIVERED", "READ", "READ %",
               "NEXT REMINDER"});
  for (std::size_t c : {0, 4, 5, 6, 7}) table.align_right(c);
  if (const JsonValue* rows = member(response.json, "messages"); rows && rows->IsArray()) {
    for (const auto& m : rows->GetArray()) {
      table.add_row(
          {std::to_string(get_int(m, "id")), shorten(get_string(m, "subject"), 40),
           shorten(get_string(m, "sent_to"), 40), short_time(get_string(m, "create_date")),
           std::to_string(get_int(m, "recipients")), std::to_string(get_int(m, "delivered_count")),
           std::to_string(get_int(m, "read_count")), format_percent(get_double(m, "read_percent")),
           next_reminder(m)});
    }
  }
  if (table.empty()) {
    fmt::print("you have not sent any messages\n");
    return {};
  }
  fmt::print("{}", table.render());
  if (const auto next = get_optional_int(response.json, "next")) {
    fmt::print("(more: --before {})\n", *next);
  }
  return {};
}

// How many reminders a recipient got ("" for a message without reminders).
std::string reminded(const JsonValue& recipient) {
  if (member(recipient, "reminders") == nullptr) return "";
  return std::to_string(get_int(recipient, "reminders"));
}

Status report(const Context& context, Api& api, const DashboardOptions& o) {
  MISSIVE_TRY(const auto response, api.get(fmt::format("/v1/dashboard/{}", o.id)));
  if (print_raw(context, response)) return {};
  if (const JsonValue* m = member(response.json, "message")) {
    fmt::print("message {}: {}\n", get_int(*m, "id"), get_string(*m, "subject"));
    fmt::print("sent to {} on {}{}\n", get_string(*m, "sent_to"),
               short_time(get_string(*m, "create_date")),
               get_bool(*m, "active", true) ? "" : " (expired)");
    fmt::print("delivered to {}, read by {} of {} ({}%)\n", get_int(*m, "delivered_count"),
               get_int(*m, "read_count"), get_int(*m, "recipients"),
               format_percent(get_double(*m, "read_percent")));
    if (const JsonValue* r = member(*m, "reminders")) {
      const std::int64_t period = get_int(*r, "period_days");
      fmt::print("reminders: {}, final on {}; {} sent; next {}; {}{}\n",
                 period == 1 ? "daily" : period == 7 ? "weekly" : fmt::format("every {} days", period),
                 get_string(*r, "expiry_day"), get_int(*r, "reminders_sent"),
                 get_string(*r, "next_remind_date").empty()
                     ? std::string("none")
                     : short_time(get_string(*r, "next_remind_date")),
                 get_string(*r, "status"),
                 get_bool(*r, "deactivate_non_responders") && get_string(*r, "status") == "active"
                     ? "; non-responders deactivated at expiry"
                     : "");
    }
    fmt::print("\n");
  }
  Table groups({"GROUP", "RECIPIENTS", "READ", "READ %"});
  for (std::size_t c : {1, 2, 3}) groups.align_right(c);
  if (const JsonValue* rows = member(response.json, "groups"); rows && rows->IsArray()) {
    for (const auto& g : rows->GetArray()) {
      const bool direct = member(g, "group_id") == nullptr;
      groups.add_row({direct ? "(direct)" : get_string(g, "group_name"),
                      std::to_string(get_int(g, "recipients")), std::to_string(get_int(g, "reads")),
                      format_percent(get_double(g, "read_percent"))});
    }
  }
  fmt::print("{}", groups.render());

  Table read({"HANDLE", "NAME", "VIA", "READ AT", "REMINDED"});
  Table unread({"HANDLE", "NAME", "VIA", "DELIVERED AT", "REMINDED", "DEACTIVATED"});
  std::size_t read_count = 0, unread_count = 0;
  if (const JsonValue* rows = member(response.json, "recipients"); rows && rows->IsArray()) {
    for (const auto& r : rows->GetArray()) {
      const std::string via = member(r, "group_id") ? get_string(r, "group_name") : "(direct)";
      if (get_bool(r, "is_read")) {
        read.add_row({get_string(r, "handle"), get_string(r, "full_name"), via,
                      short_time(get_string(r, "read_at")), reminded(r)});
        ++read_count;
      } else {
        unread.add_row({get_string(r, "handle"), get_string(r, "full_name"), via,
                        short_time(get_string(r, "delivered_at")), reminded(r),
                        get_bool(r, "deactivated") ? short_time(get_string(r, "deactivated_at"))
                                                   : ""});
        ++unread_count;
      }
    }
  }
  fmt::print("\nRead ({}):\n", read_count);
  if (read_count > 0) fmt::print("{}", read.render());
  fmt::print("\nNot read ({}):\n", unread_count);
  if (unread_count > 0) fmt::print("{}", unread.render());
  return {};
}

}  // namespace

void register_dashboard_command(CLI::App& app, Context& context) {
  auto o = std::make_shared<DashboardOptions>();
  CLI::App* cmd = app.add_subcommand(
      "dashboard", "read % of the messages you sent; with an ID, who has and has not read it");
  cmd->add_option("id", o->id, "a message: show its per-group breakdown and readers");
  cmd->add_option("--limit", o->limit, "page size (1-200)")->check(CLI::Range(1, 200));
  cmd->add_option("--before", o->before, "continue before this message id");
  cmd->callback([&context, o] {
    context.action = [&context, o]() -> Status {
      MISSIVE_TRY(auto api, Api::connect(context));
      return o->id > 0 ? report(context, *api, *o) : list(context, *api, *o);
    };
  });
}

}  // namespace missive::cli
