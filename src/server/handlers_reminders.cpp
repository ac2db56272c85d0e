// Reminders: the settings of a send or reply, changing or stopping them, the caller's received
// reminders, and the admins' list of due reminders.
#include <fmt/format.h>

#include "core/time_format.h"
#include "server/routes.h"

namespace missive::server {
namespace {

constexpr int kDefaultPage = 50;

// "frequency": "daily" | "weekly" | "every_days" (with "every_days": N), or "every_days": N
// alone. nullopt when neither is given. The range of N is the engine's to check.
Result<std::optional<int>> parse_frequency(const JsonFields& fields) {
  MISSIVE_TRY(auto frequency, fields.optional_string("frequency"));
  MISSIVE_TRY(auto every, fields.optional_int("every_days"));
  const auto bad = [&] {
    return fail(ErrorCode::invalid,
                fmt::format("{} must be \"daily\", \"weekly\" or \"every_days\" (with {}: N)",
                            fields.field("frequency"), fields.field("every_days")));
  };
  if (every) {
    if (frequency && *frequency != "every_days") return bad();
    if (*every < -1'000'000 || *every > 1'000'000) {
      return fail(ErrorCode::unprocessable,
                  fmt::format("the reminder frequency must be 1 to {} days, not {}",
                              kMaxReminderPeriodDays, *every));
    }
    return std::optional<int>(static_cast<int>(*every));
  }
  if (!frequency) return std::optional<int>();
  if (*frequency == "daily") return std::optional<int>(1);
  if (*frequency == "weekly") return std::optional<int>(7);
  return bad();
}

Result<HttpResponse> update(const HandlerContext& ctx) {
  MISSIVE_TRY(auto id, ctx.path_id<MessageId>("id", "message id"));
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  UpdateRemindersRequest request;
  MISSIVE_TRY(request.period_days, parse_frequency(fields));
  MISSIVE_TRY(request.expiry_date, fields.optional_time("expiry_date"));
  MISSIVE_TRY(auto stop, fields.optional_bool("stop"));
  request.stop = stop.value_or(false);
  if (request.stop && (request.period_days || request.expiry_date)) {
    return fail(ErrorCode::invalid, "stop cannot be combined with a frequency or expiry_date");
  }
  MISSIVE_TRY_STATUS(ctx.engine.update_reminders(ctx.caller, id, request));
  MISSIVE_TRY(auto view, ctx.engine.get_message(ctx.caller, id));
  return json_ok(200, [&](JsonWriter& w) { write_message(w, view, ctx.now()); });
}

Result<HttpResponse> received(const HandlerContext& ctx) {
  ReminderListRequest request;
  MISSIVE_TRY(request.before, query_id(ctx.query, "before"));
  MISSIVE_TRY(request.limit, query_limit(ctx.query, kDefaultPage));
  MISSIVE_TRY(auto page, ctx.engine.reminders(ctx.caller, request));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("reminders");
    w.StartArray();
    for (const auto& reminder : page.reminders) write_received_reminder(w, reminder);
    w.EndArray();
    w.Key("next");
    if (page.next) {
      w.Int64(*page.next);
    } else {
      w.Null();
    }
    w.EndObject();
  });
}

Result<HttpResponse> due(const HandlerContext& ctx) {
  Timestamp until = ctx.now();
  if (const auto* text = find_param(ctx.query, "until")) {
    auto parsed = parse_time(*text);
    if (!parsed) return fail(ErrorCode::invalid, "until: " + parsed.error().message);
    until = *parsed;
  }
  MISSIVE_TRY(int limit, query_limit(ctx.query, kDefaultPage));
  MISSIVE_TRY(auto due_list, ctx.engine.due_reminders(ctx.caller, until, limit));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    put_time(w, "until", until);
    w.Key("due");
    w.StartArray();
    for (const auto& item : due_list) write_due_reminder(w, item);
    w.EndArray();
    w.EndObject();
  });
}

// When the reminders of a message sent now would go out: {expiry_date, reminders} as a send
// has them.
Result<HttpResponse> plan(const HandlerContext& ctx) {
  MISSIVE_TRY(auto doc, ctx.body_object());
  const JsonFields fields(doc);
  MISSIVE_TRY(auto expiry, fields.optional_time("expiry_date"));
  MISSIVE_TRY(auto settings, parse_reminder_settings(fields));
  if (!settings) {
    return fail(ErrorCode::invalid, "reminders is required: {\"frequency\": \"weekly\"}");
  }
  MISSIVE_TRY(auto plan, ctx.engine.plan_reminders(*settings, expiry));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    put_string(w, "expiry_day", format_day(plan.expiry_day));
    w.Key("dates");
    w.StartArray();
    for (const auto& slot : plan.slots) {
      w.StartObject();
      put_time(w, "at", slot.at);
      put_bool(w, "final", slot.is_final);
      w.EndObject();
    }
    w.EndArray();
    put_int(w, "omitted", plan.omitted);
    w.EndObject();
  });
}

}  // namespace

Result<std::optional<ReminderSettings>> parse_reminder_settings(const JsonFields& body) {
  const auto* value = body.find("reminders");
  if (value == nullptr || value->IsNull()) return std::optional<ReminderSettings>();
  if (!value->IsObject()) {
    return fail(ErrorCode::invalid, "reminders must be an object: {\"frequency\": \"weekly\"}");
  }
  const JsonFields fields(*value, "reminders.");
  ReminderSettings settings;
  MISSIVE_TRY(auto period, parse_frequency(fields));
  if (!period) {
    return fail(ErrorCode::invalid,
                "reminders.frequency is required: \"daily\", \"weekly\", or \"every_days\" with "
                "reminders.every_days: N");
  }
  settings.period_days = *period;
  MISSIVE_TRY(auto deactivate, fields.optional_bool("deactivate_non_responders"));
  settings.deactivate_non_responders = deactivate.value_or(false);
  return std::optional<ReminderSettings>(settings);
}

std::vector<RouteDef> reminder_routes() {
  return {
      {"PATCH", "/v1/messages/{id}/reminders", Auth::required, update},
      {"GET", "/v1/reminders", Auth::required, received},
      {"GET", "/v1/reminders/due", Auth::required, due},
      {"POST", "/v1/reminders/plan", Auth::required, plan},
  };
}

}  // namespace missive::server
