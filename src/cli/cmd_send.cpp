// `missive send`, `reply`, `withdraw`.

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/media.h"
#include "cli/output.h"
#include "cli/prompt.h"
#include "core/json_values.h"
#include "core/time_format.h"

namespace missive::cli {
namespace {

struct SendOptions {
  std::vector<std::string> to_users;
  std::vector<std::string> to_groups;
  std::int64_t parent = 0;  // reply, withdraw: the message
  bool reply_all = false;
  std::string subject;
  std::string body;
  bool body_given = false;
  std::string expires;
  std::string client_id;
  std::vector<std::string> flags;
  std::string meta;
  std::string remind;  // daily, weekly or every:N
  bool deactivate = false;
  std::vector<std::string> attach;  // files, uploaded before the message is sent
  bool quiet = false;
};

// Writes an address list; ids as numbers, names as strings.
void write_addresses(JsonWriter& w, std::string_view key, const std::vector<std::string>& items) {
  write_key(w, key);
  w.StartArray();
  for (const auto& item : items) {
    if (auto id = parse_id(item)) {
      w.Int64(*id);
    } else {
      write_string(w, item);
    }
  }
  w.EndArray();
}

// Uploads the --attach files and writes "attachments": [ids] (nothing without files).
Status write_attachments(JsonWriter& w, Api& api, const SendOptions& o) {
  if (o.attach.empty()) return {};
  std::vector<std::int64_t> ids;
  for (const auto& file : o.attach) {
    MISSIVE_TRY(const auto upload, upload_file(api, file, {.quiet = o.quiet}));
    ids.push_back(get_int(upload.json, "id"));
  }
  write_key(w, "attachments");
  w.StartArray();
  for (const auto id : ids) w.Int64(id);
  w.EndArray();
  return {};
}

// The optional fields send and reply share: expiry_date, metadata, flags, client_msg_id.
Status write_common(JsonWriter& w, const SendOptions& o) {
  if (!o.expires.empty()) {
    auto expiry = parse_time(o.expires);
    if (!expiry) return fail(ErrorCode::invalid, "--expires: " + expiry.error().message);
    write_key(w, "expiry_date");
    write_string(w, format_time(*expiry));
  }
  if (!o.meta.empty()) {
    if (auto valid = validate_json_object(o.meta); !valid) {
      return fail(ErrorCode::invalid, "--meta: " + valid.error().message);
    }
    write_key(w, "metadata");
    write_raw(w, o.meta);
  }
  if (!o.flags.empty()) {
    write_key(w, "flags");
    w.StartArray();
    for (const auto& flag : o.flags) write_string(w, flag);
    w.EndArray();
  }
  if (!o.client_id.empty()) {
    write_key(w, "client_msg_id");
    write_string(w, o.client_id);
  }
  if (!o.remind.empty()) {
    write_key(w, "reminders");
    w.StartObject();
    MISSIVE_TRY_STATUS(write_frequency(w, o.remind, "--remind"));
    write_key(w, "deactivate_non_responders");
    w.Bool(o.deactivate);
    w.EndObject();
  } else if (o.deactivate) {
    return fail(ErrorCode::invalid, "--deactivate-non-responders needs --remind");
  }
  return {};
}

std::string body_text(const SendOptions& o) {
  if (o.body_given) return o.body;
  std::string body = read_stdin("message body");
  // A trailing newline from `echo` or a here-document is not part of the message.
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  return body;
}

Status send(const Context& context, const SendOptions& o) {
  if (o.to_users.empty() && o.to_groups.empty()) {
    return fail(ErrorCode::invalid, "give at least one recipient with --to USER or --group GROUP");
  }
  MISSIVE_TRY(auto api, Api::connect(context));
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  write_key(w, "to");
  w.StartObject();
  write_addresses(w, "users", o.to_users);
  write_addresses(w, "groups", o.to_groups);
  w.EndObject();
  write_key(w, "subject");
  write_string(w, o.subject);
  MISSIVE_TRY_STATUS(write_common(w, o));
  write_key(w, "body");
  write_string(w, body_text(o));
  MISSIVE_TRY_STATUS(write_attachments(w, *api, o));
  w.EndObject();
  MISSIVE_TRY(const auto response, api->post("/v1/messages", buffer.GetString()));
  if (!print_raw(context, response)) print_sent(response);
  return {};
}

Status reply(const Context& context, const SendOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  write_key(w, "reply_all");
  w.Bool(o.reply_all);
  if (!o.subject.empty()) {
    write_key(w, "subject");
    write_string(w, o.subject);
  }
  MISSIVE_TRY_STATUS(write_common(w, o));
  write_key(w, "body");
  write_string(w, body_text(o));
  MISSIVE_TRY_STATUS(write_attachments(w, *api, o));
  w.EndObject();
  MISSIVE_TRY(const auto response,
              api->post(fmt::format("/v1/messages/{}/replies", o.parent), buffer.GetString()));
  if (!print_raw(context, response)) print_sent(response);
  return {};
}

Status withdraw(const Context& context, const SendOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->post(fmt::format("/v1/messages/{}/withdraw", o.parent)));
  if (print_raw(context, response)) return {};
  fmt::print("withdrew message {}; it is no longer delivered\n", get_int(response.json, "id"));
  return {};
}

void add_common_options(CLI::App* cmd, const std::shared_ptr<SendOptions>& o) {
  cmd->add_option("--body", o->body, "message text (default: read from stdin)")
      ->each([o](const std::string&) { o->body_given = true; });
  cmd->add_option("--expires", o->expires, "expiry date, RFC 3339 (2026-12-01T09:00:00Z)");
  cmd->add_option("--client-id", o->client_id, "idempotency key: a retry returns the original");
  cmd->add_option("--flag", o->flags, "a flag (repeatable)");
  cmd->add_option("--meta", o->meta, "metadata, a JSON object");
  cmd->add_option("--remind", o->remind,
                  "send reminders to non-readers: daily, weekly or every:N (needs --expires, "
                  "the day of the final reminder)");
  cmd->add_flag("--deactivate-non-responders", o->deactivate,
                "with --remind: deactivate recipients who never read it by the expiry day");
  cmd->add_option("--attach", o->attach, "attach a file (repeatable); uploaded first, resumably")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--quiet,-q", o->quiet, "no upload progress on stderr");
}

}  // namespace

void register_send_commands(CLI::App& app, Context& context) {
  auto o = std::make_shared<SendOptions>();

  CLI::App* send_cmd = app.add_subcommand("send", "send a message to users and groups");
  send_cmd->add_option("--to", o->to_users, "recipient USER: id or handle (repeatable)");
  send_cmd->add_option("--group", o->to_groups, "recipient GROUP: id or name (repeatable)");
  send_cmd->add_option("--subject", o->subject, "subject")->required();
  add_common_options(send_cmd, o);
  send_cmd->callback(
      [&context, o] { context.action = [&context, o] { return send(context, *o); }; });

  CLI::App* reply_cmd = app.add_subcommand("reply", "reply to a message");
  reply_cmd->add_option("id", o->parent, "the message replied to")->required();
  reply_cmd->add_flag("--all", o->reply_all, "reply to every recipient, not only the sender");
  reply_cmd->add_option("--subject", o->subject, "subject (default: Re: <subject>)");
  add_common_options(reply_cmd, o);
  reply_cmd->callback(
      [&context, o] { context.action = [&context, o] { return reply(context, *o); }; });

  CLI::App* withdraw_cmd = app.add_subcommand("withdraw", "withdraw a message you sent");
  withdraw_cmd->add_option("id", o->parent, "the message")->required();
  withdraw_cmd->callback(
      [&context, o] { context.action = [&context, o] { return withdraw(context, *o); }; });
}

}  // namespace missive::cli
