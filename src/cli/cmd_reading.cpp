// `missive inbox`, `show`, `thread`, `read`, `conversations`.

#include <fmt/format.h>

#include <map>
#include <utility>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/output.h"
#include "cli/table.h"

namespace missive::cli {
namespace {

struct ReadingOptions {
  std::int64_t id = 0;  // show, thread, read: the message
  bool unread = false;
  std::string from;
  std::string group;
  int limit = 50;
  std::int64_t before = 0;
  std::int64_t conversation = 0;
  std::int64_t up_to = 0;
};

// "2", "3 (final)" or "" for an inbox item.
std::string reminder_summary(const JsonValue& m) {
  const std::int64_t count = get_int(m, "reminder_count");
  if (count == 0) return "";
  return std::to_string(count) + (get_bool(m, "final_reminder") ? " (final)" : "");
}

Status inbox(const Context& context, const ReadingOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  std::string target = fmt::format("/v1/inbox?limit={}", o.limit);
  if (o.before > 0) target += fmt::format("&before={}", o.before);
  if (o.unread) target += "&unread=true";
  if (!o.from.empty()) {
    MISSIVE_TRY(const auto sender, api->user_id(o.from));
    target += fmt::format("&sender={}", sender);
  }
  if (!o.group.empty()) {
    MISSIVE_TRY(const auto group, api->group_id(o.group));
    target += fmt::format("&group={}", group);
  }
  MISSIVE_TRY(const auto response, api->get(target));
  if (print_raw(context, response)) return {};
  Table table({"ID", "FROM", "SUBJECT", "SENT", "READ", "REMINDERS"});
  table.align_right(0);
  if (const JsonValue* messages = member(response.json, "messages");
      messages && messages->IsArray()) {
    for (const auto& m : messages->GetArray()) {
      table.add_row({std::to_string(get_int(m, "id")), api->user_handle(get_int(m, "creator_id")),
                     shorten(get_string(m, "subject"), 50),
                     short_time(get_string(m, "create_date")),
                     get_bool(m, "is_read") ? "yes" : "no", reminder_summary(m)});
    }
  }
  if (table.empty()) {
    fmt::print("{}\n", o.unread ? "no unread messages" : "no messages");
    return {};
  }
  fmt::print("{}", table.render());
  if (const auto next = get_optional_int(response.json, "next")) {
    fmt::print("(more: --before {})\n", *next);
  }
  return {};
}

Status show(const Context& context, const ReadingOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->get(fmt::format("/v1/messages/{}", o.id)));
  if (!print_raw(context, response)) print_message(*api, response.json);
  return {};
}

// Prints the tree depth-first with an explicit stack: threads may be deeper than the C++
// stack would like.
void print_thread(Api& api, const JsonValue& root) {
  std::vector<std::pair<const JsonValue*, std::size_t>> stack = {{&root, 0}};
  while (!stack.empty()) {
    const auto [node, depth] = stack.back();
    stack.pop_back();
    const std::string indent(depth * 4, ' ');
    if (const JsonValue* m = member(*node, "message")) {
      fmt::print("{}[{}] {}  {}  {}\n", indent, get_int(*m, "id"),
                 api.user_handle(get_int(*m, "creator_id")),
                 short_time(get_string(*m, "create_date")), get_string(*m, "subject"));
      std::string_view body = member(*m, "body") ? member(*m, "body")->GetString() : "";
      while (!body.empty()) {
        const auto eol = body.find('\n');
        fmt::print("{}    {}\n", indent, body.substr(0, eol));
        body = eol == std::string_view::npos ? std::string_view() : body.substr(eol + 1);
      }
    }
    if (const JsonValue* replies = member(*node, "replies"); replies && replies->IsArray()) {
      for (auto it = replies->End(); it != replies->Begin();) {
        --it;
        stack.emplace_back(&*it, depth + 1);
      }
    }
  }
}

Status thread(const Context& context, const ReadingOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->get(fmt::format("/v1/messages/{}/thread", o.id)));
  if (print_raw(context, response)) return {};
  if (const JsonValue* root = member(response.json, "root")) print_thread(*api, *root);
  return {};
}

Status mark_read(const Context& context, const ReadingOptions& o) {
  if ((o.id > 0) == (o.conversation > 0)) {
    return fail(ErrorCode::invalid, "give a message ID or --conversation CID");
  }
  if (o.up_to > 0 && o.conversation == 0) {
    return fail(ErrorCode::invalid, "--up-to needs --conversation");
  }
  MISSIVE_TRY(auto api, Api::connect(context));
  Result<Response> answer =
      o.id > 0 ? api->post(fmt::format("/v1/messages/{}/read", o.id))
               : api->post(fmt::format("/v1/conversations/{}/read", o.conversation),
                           o.up_to > 0 ? fmt::format(R"({{"up_to_seq":{}}})", o.up_to) : "{}");
  MISSIVE_TRY(const auto response, std::move(answer));
  if (print_raw(context, response)) return {};
  const auto marked = get_int(response.json, "messages_marked");
  fmt::print("marked {} message{} read\n", marked, marked == 1 ? "" : "s");
  return {};
}

Status conversations(const Context& context, const ReadingOptions&) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->get("/v1/conversations"));
  if (print_raw(context, response)) return {};
  std::map<std::int64_t, std::string> group_names;
  if (auto groups = api->get("/v1/groups?include_inactive=true")) {
    if (const JsonValue* list = member(groups->json, "groups"); list && list->IsArray()) {
      for (const auto& g : list->GetArray()) group_names[get_int(g, "id")] = get_string(g, "name");
    }
  }
  Table table({"ID", "KIND", "GROUP", "MESSAGES", "UNREAD", "LAST MESSAGE", "LAST ACTIVITY"});
  for (std::size_t c : {0, 3, 4, 5}) table.align_right(c);
  if (const JsonValue* list = member(response.json, "conversations"); list && list->IsArray()) {
    for (const auto& c : list->GetArray()) {
      const auto group = get_optional_int(c, "group_id");
      const auto last = get_optional_int(c, "last_message_id");
      std::string group_label = "-";
      if (group)
        group_label =
            group_names.contains(*group) ? group_names[*group] : fmt::format("#{}", *group);
      table.add_row({std::to_string(get_int(c, "id")), get_string(c, "kind", "-"), group_label,
                     std::to_string(get_int(c, "max_seq")), std::to_string(get_int(c, "unread")),
                     last ? std::to_string(*last) : "-",
                     short_time(get_string(c, "last_activity"))});
    }
  }
  fmt::print("{}", table.render());
  return {};
}

}  // namespace

void register_reading_commands(CLI::App& app, Context& context) {
  auto o = std::make_shared<ReadingOptions>();

  CLI::App* inbox_cmd = command(app, context, o, "inbox", "list messages sent to you", inbox);
  inbox_cmd->add_flag("--unread", o->unread, "only unread messages");
  inbox_cmd->add_option("--from", o->from, "only from this USER (id or handle)");
  inbox_cmd->add_option("--group", o->group, "only through this GROUP (id or name)");
  inbox_cmd->add_option("--limit", o->limit, "page size (1-200)")->check(CLI::Range(1, 200));
  inbox_cmd->add_option("--before", o->before, "continue before this message id");

  command(app, context, o, "show", "show a message", show)
      ->add_option("id", o->id, "the message")
      ->required();
  command(app, context, o, "thread", "show the whole thread of a message as a tree", thread)
      ->add_option("id", o->id, "any message of the thread")
      ->required();

  CLI::App* read_cmd =
      command(app, context, o, "read", "mark a message or a conversation read", mark_read);
  read_cmd->add_option("id", o->id, "the message");
  read_cmd->add_option("--conversation", o->conversation, "mark this conversation read");
  read_cmd->add_option("--up-to", o->up_to, "only up to this sequence number");

  command(app, context, o, "conversations", "list your conversations and unread counts",
          conversations);
}

}  // namespace missive::cli
