// `missive email ...` (a user's address and what they get by email), `missive webhook ...`
// (endpoints, admins) and `missive outbox ...` (what was sent, what waits, what failed;
// admins). docs/notifications.md.

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/output.h"
#include "cli/table.h"

namespace missive::cli {
namespace {

struct NotifyOptions {
  std::string user;     // HANDLE or ID; empty: the caller
  std::string address;  // email set
  std::string token;    // email confirm
  std::string reminders, digest;  // "on" | "off"
  std::int64_t id = 0;  // webhook or notification id
  std::string url;
  std::vector<std::string> events;
  std::string description;
  bool enable = false, disable = false, new_secret = false;
  std::string state, channel;
  std::string webhook_filter;
  std::int64_t before = 0;
  int limit = 50;
};

// The user a command is about: --user, or the caller.
Result<std::int64_t> target_user(Api& api, const NotifyOptions& o) {
  if (!o.user.empty()) return api.user_id(o.user);
  MISSIVE_TRY(const auto me, api.get("/v1/me"));
  const JsonValue* user = member(me.json, "user");
  return get_int(user ? *user : me.json, "id");
}

std::string optional_text(const JsonValue& object, const char* key, const char* none = "-") {
  const JsonValue* value = member(object, key);
  return value && value->IsString() ? std::string(value->GetString()) : std::string(none);
}

// --- email ---

Status show_settings(const Context& context, const Response& response) {
  if (print_raw(context, response)) return {};
  const JsonValue& s = response.json;
  fmt::print("address:    {}\n", optional_text(s, "address", "(none)"));
  if (member(s, "pending")) {
    fmt::print("pending:    {} (waiting for its confirmation link)\n", optional_text(s, "pending"));
  }
  fmt::print("reminders:  {}\n", get_bool(s, "reminders") ? "on" : "off");
  fmt::print("digest:     {}\n", get_bool(s, "digest") ? "on" : "off");
  return {};
}

Status email_show(const Context& context, const NotifyOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto user, target_user(*api, o));
  MISSIVE_TRY(const auto response, api->get(fmt::format("/v1/users/{}/email", user)));
  return show_settings(context, response);
}

Status email_set(const Context& context, const NotifyOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto user, target_user(*api, o));
  rapidjson::StringBuffer body;
  JsonWriter w(body);
  w.StartObject();
  write_key(w, "address");
  write_string(w, o.address);
  w.EndObject();
  MISSIVE_TRY(const auto response,
              api->request("PUT", fmt::format("/v1/users/{}/email", user), body.GetString()));
  if (!context.json) fmt::print("A confirmation link was sent to {}.\n", o.address);
  return show_settings(context, response);
}

Status email_remove(const Context& context, const NotifyOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto user, target_user(*api, o));
  MISSIVE_TRY(const auto response, api->request("DELETE", fmt::format("/v1/users/{}/email", user)));
  return show_settings(context, response);
}

Status email_confirm(const Context& context, const NotifyOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context, /*need_token=*/false));
  rapidjson::StringBuffer body;
  JsonWriter w(body);
  w.StartObject();
  write_key(w, "token");
  write_string(w, o.token);
  w.EndObject();
  MISSIVE_TRY(const auto response, api->post("/v1/email/confirm", body.GetString()));
  if (!print_raw(context, response)) fmt::print("The address is confirmed.\n");
  return {};
}

Status email_preferences(const Context& context, const NotifyOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto user, target_user(*api, o));
  rapidjson::StringBuffer body;
  JsonWriter w(body);
  w.StartObject();
  if (!o.reminders.empty()) {
    write_key(w, "reminders");
    w.Bool(o.reminders == "on");
  }
  if (!o.digest.empty()) {
    write_key(w, "digest");
    w.Bool(o.digest == "on");
  }
  w.EndObject();
  MISSIVE_TRY(const auto response,
              api->patch(fmt::format("/v1/users/{}/email", user), body.GetString()));
  return show_settings(context, response);
}

// --- webhooks ---

std::string joined_events(const JsonValue& webhook) {
  std::string out;
  if (const JsonValue* events = member(webhook, "events"); events && events->IsArray()) {
    for (const auto& event : events->GetArray()) {
      if (!out.empty()) out += ",";
      if (event.IsString()) out += event.GetString();
    }
  }
  return out;
}

Status show_webhook(const Context& context, const Response& response) {
  if (print_raw(context, response)) return {};
  const JsonValue& h = response.json;
  fmt::print("id:           {}\n", get_int(h, "id"));
  fmt::print("url:          {}\n", get_string(h, "url"));
  fmt::print("events:       {}\n", joined_events(h));
  fmt::print("secret:       {}\n", get_string(h, "secret"));
  fmt::print("enabled:      {}\n", get_bool(h, "enabled") ? "yes" : "no");
  if (member(h, "disabled_reason")) fmt::print("disabled:     {}\n", optional_text(h, "disabled_reason"));
  if (member(h, "failing_since")) fmt::print("failing since {}\n", optional_text(h, "failing_since"));
  if (!get_string(h, "description").empty()) fmt::print("description:  {}\n", get_string(h, "description"));
  return {};
}

void write_webhook_fields(JsonWriter& w, const NotifyOptions& o) {
  write_field_if_set(w, "url", o.url);
  if (!o.events.empty()) {
    write_key(w, "events");
    w.StartArray();
    for (const auto& event : o.events) write_string(w, event);
    w.EndArray();
  }
  write_field_if_set(w, "description", o.description);
}

Status webhook_add(const Context& context, const NotifyOptions& o) {
  rapidjson::StringBuffer body;
  JsonWriter w(body);
  w.StartObject();
  write_webhook_fields(w, o);
  w.EndObject();
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->post("/v1/webhooks", body.GetString()));
  return show_webhook(context, response);
}

Status webhook_update(const Context& context, const NotifyOptions& o) {
  rapidjson::StringBuffer body;
  JsonWriter w(body);
  w.StartObject();
  write_webhook_fields(w, o);
  if (o.enable || o.disable) {
    write_key(w, "enabled");
    w.Bool(o.enable);
  }
  if (o.new_secret) {
    write_key(w, "new_secret");
    w.Bool(true);
  }
  w.EndObject();
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response,
              api->patch(fmt::format("/v1/webhooks/{}", o.id), body.GetString()));
  return show_webhook(context, response);
}

Status webhook_show(const Context& context, const NotifyOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->get(fmt::format("/v1/webhooks/{}", o.id)));
  return show_webhook(context, response);
}

Status webhook_remove(const Context& context, const NotifyOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY_STATUS(api->request("DELETE", fmt::format("/v1/webhooks/{}", o.id)));
  if (!context.json) fmt::print("Webhook {} removed; its queued deliveries are cancelled.\n", o.id);
  return {};
}

Status webhook_list(const Context& context, const NotifyOptions&) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->get("/v1/webhooks"));
  if (print_raw(context, response)) return {};
  Table table({"ID", "URL", "EVENTS", "ENABLED", "DISABLED BECAUSE"});
  table.align_right(0);
  if (const JsonValue* hooks = member(response.json, "webhooks"); hooks && hooks->IsArray()) {
    for (const auto& h : hooks->GetArray()) {
      table.add_row({std::to_string(get_int(h, "id")), get_string(h, "url"), joined_events(h),
                     get_bool(h, "enabled") ? "yes" : "no",
                     shorten(optional_text(h, "disabled_reason", ""), 50)});
    }
  }
  fmt::print("{}", table.render());
  return {};
}

// --- the outbox ---

Status print_notifications(const Context& context, const Response& response) {
  if (print_raw(context, response)) return {};
  Table table({"ID", "CHANNEL", "EVENT", "STATE", "TO", "ATTEMPTS", "CREATED", "LAST ERROR"});
  table.align_right(0);
  table.align_right(5);
  if (const JsonValue* rows = member(response.json, "notifications"); rows && rows->IsArray()) {
    for (const auto& n : rows->GetArray()) {
      table.add_row({std::to_string(get_int(n, "id")), get_string(n, "channel"),
                     get_string(n, "event"), get_string(n, "state"),
                     shorten(optional_text(n, "destination", ""), 40),
                     std::to_string(get_int(n, "attempts")), get_string(n, "created_at"),
                     shorten(optional_text(n, "last_error", ""), 60)});
    }
  }
  fmt::print("{}", table.render());
  if (const auto next = get_optional_int(response.json, "next_before")) {
    fmt::print("(more: --before {})\n", *next);
  }
  return {};
}

std::string outbox_filters(const NotifyOptions& o) {
  std::string query = fmt::format("?limit={}", o.limit);
  if (!o.state.empty()) query += "&state=" + url_encode(o.state);
  if (!o.channel.empty()) query += "&channel=" + url_encode(o.channel);
  if (o.before > 0) query += fmt::format("&before={}", o.before);
  return query;
}

Status webhook_deliveries(const Context& context, const NotifyOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response,
              api->get(fmt::format("/v1/webhooks/{}/deliveries{}", o.id, outbox_filters(o))));
  return print_notifications(context, response);
}

Status outbox_list(const Context& context, const NotifyOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  std::string target = "/v1/notifications" + outbox_filters(o);
  if (!o.user.empty()) {
    MISSIVE_TRY(const auto user, api->user_id(o.user));
    target += fmt::format("&user={}", user);
  }
  if (!o.webhook_filter.empty()) target += "&webhook=" + url_encode(o.webhook_filter);
  MISSIVE_TRY(const auto response, api->get(target));
  return print_notifications(context, response);
}

Status show_notification(const Context& context, const Response& response) {
  if (print_raw(context, response)) return {};
  const JsonValue& n = response.json;
  fmt::print("id:         {}\n", get_int(n, "id"));
  fmt::print("what:       {} {}\n", get_string(n, "channel"), get_string(n, "event"));
  fmt::print("to:         {}\n", optional_text(n, "destination"));
  fmt::print("state:      {} after {} attempt(s)\n", get_string(n, "state"), get_int(n, "attempts"));
  fmt::print("created:    {}\n", get_string(n, "created_at"));
  if (member(n, "next_attempt_at")) fmt::print("next try:   {}\n", optional_text(n, "next_attempt_at"));
  if (member(n, "sent_at")) fmt::print("sent:       {}\n", optional_text(n, "sent_at"));
  if (member(n, "last_error")) fmt::print("last error: {}\n", optional_text(n, "last_error"));
  return {};
}

Status outbox_show(const Context& context, const NotifyOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->get(fmt::format("/v1/notifications/{}", o.id)));
  return show_notification(context, response);
}

Status outbox_replay(const Context& context, const NotifyOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->post(fmt::format("/v1/notifications/{}/replay", o.id)));
  return show_notification(context, response);
}

Status outbox_summary(const Context& context, const NotifyOptions&) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->get("/v1/notifications/summary"));
  if (print_raw(context, response)) return {};
  const JsonValue& c = response.json;
  fmt::print("queued:     {}{}\n", get_int(c, "queued"),
             member(c, "oldest_queued_at") ? " (oldest " + optional_text(c, "oldest_queued_at") + ")" : "");
  fmt::print("sent:       {}\n", get_int(c, "sent"));
  fmt::print("failed:     {}\n", get_int(c, "failed"));
  fmt::print("cancelled:  {}\n", get_int(c, "cancelled"));
  return {};
}

void add_list_filters(CLI::App* cmd, NotifyOptions& o) {
  cmd->add_option("--state", o.state, "only rows in this state")
      ->check(CLI::IsMember({"queued", "sent", "failed", "cancelled"}));
  cmd->add_option("--limit", o.limit, "rows per page")->check(CLI::Range(1, 200))->capture_default_str();
  cmd->add_option("--before", o.before, "the page below this id (from the previous page)");
}

}  // namespace

void register_notify_commands(CLI::App& app, Context& context) {
  auto o = std::make_shared<NotifyOptions>();
  const char* user_help = "whose (HANDLE or ID; admins); default: yours";

  CLI::App* email = app.add_subcommand("email", "your email address and what you get by email")
                        ->require_subcommand(1);
  command(*email, context, o, "show", "the address and preferences", email_show)
      ->add_option("--user", o->user, user_help);
  CLI::App* set = command(*email, context, o, "set",
                          "ask for an address: it is used once confirmed from the link sent to it",
                          email_set);
  set->add_option("address", o->address, "name@example.org")->required();
  set->add_option("--user", o->user, user_help);
  command(*email, context, o, "remove", "remove the address", email_remove)
      ->add_option("--user", o->user, user_help);
  command(*email, context, o, "confirm", "confirm an address with the token of its link", email_confirm)
      ->add_option("token", o->token, "the token at the end of the link")
      ->required();
  CLI::App* prefs = command(*email, context, o, "preferences",
                            "turn reminder and digest emails on or off", email_preferences);
  prefs->add_option("--reminders", o->reminders, "reminder rounds by email")
      ->check(CLI::IsMember({"on", "off"}));
  prefs->add_option("--digest", o->digest, "a digest of messages left unread while offline")
      ->check(CLI::IsMember({"on", "off"}));
  prefs->add_option("--user", o->user, user_help);

  CLI::App* webhook = app.add_subcommand("webhook", "endpoints told of events (admins)")
                          ->require_subcommand(1);
  const char* events_help =
      "message.sent, message.read, reminder.sent, reminder.final, user.deactivated (repeat)";
  CLI::App* add = command(*webhook, context, o, "add", "register an endpoint; prints its secret",
                          webhook_add);
  add->add_option("url", o->url, "https://... (receives signed POSTs)")->required();
  add->add_option("--event", o->events, events_help)->required();
  add->add_option("--description", o->description, "what it is for");
  command(*webhook, context, o, "list", "every endpoint", webhook_list);
  command(*webhook, context, o, "show", "one endpoint", webhook_show)
      ->add_option("id", o->id, "the webhook")
      ->required();
  CLI::App* update = command(*webhook, context, o, "update", "change an endpoint", webhook_update);
  update->add_option("id", o->id, "the webhook")->required();
  update->add_option("--url", o->url, "the new URL");
  update->add_option("--event", o->events, std::string("replaces the events: ") + events_help);
  update->add_option("--description", o->description, "what it is for");
  update->add_flag("--enable", o->enable, "turn it back on (after it was disabled)");
  update->add_flag("--disable", o->disable, "stop deliveries to it");
  update->add_flag("--new-secret", o->new_secret, "replace its secret");
  command(*webhook, context, o, "remove", "remove an endpoint", webhook_remove)
      ->add_option("id", o->id, "the webhook")
      ->required();
  CLI::App* deliveries = command(*webhook, context, o, "deliveries",
                                 "an endpoint's delivery log, newest first", webhook_deliveries);
  deliveries->add_option("id", o->id, "the webhook")->required();
  add_list_filters(deliveries, *o);

  CLI::App* outbox = app.add_subcommand("outbox", "notifications queued, sent and failed (admins)")
                         ->require_subcommand(1);
  CLI::App* list = command(*outbox, context, o, "list", "rows, newest first", outbox_list);
  add_list_filters(list, *o);
  list->add_option("--channel", o->channel, "email or webhook")->check(CLI::IsMember({"email", "webhook"}));
  list->add_option("--user", o->user, "only rows about this user (HANDLE or ID)");
  list->add_option("--webhook", o->webhook_filter, "only deliveries to this webhook id");
  command(*outbox, context, o, "show", "one row", outbox_show)
      ->add_option("id", o->id, "the notification")
      ->required();
  command(*outbox, context, o, "replay", "send it again (same id), with a new day of retries",
          outbox_replay)
      ->add_option("id", o->id, "the notification")
      ->required();
  command(*outbox, context, o, "summary", "how many rows are in each state", outbox_summary);
}

}  // namespace missive::cli
