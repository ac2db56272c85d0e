// `missive search QUERY`: full-text search over the caller's messages.

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/table.h"

namespace missive::cli {
namespace {

struct SearchOptions {
  std::string query;
  std::string from;
  std::string group;
  std::int64_t conversation = 0;
  std::string since;
  std::string until;
  bool unread = false;
  std::int64_t thread = 0;
  std::string sort = "relevance";
  int limit = 20;
  std::string cursor;
  bool include_expired = false;
  bool has_reminder = false;
};

Result<std::string> search_target(Api& api, const SearchOptions& o) {
  std::string target = fmt::format("/v1/search?q={}&limit={}&sort={}", url_encode(o.query),
                                   o.limit, url_encode(o.sort));
  if (!o.from.empty()) {
    MISSIVE_TRY(const auto sender, api.user_id(o.from));
    target += fmt::format("&sender={}", sender);
  }
  if (!o.group.empty()) {
    MISSIVE_TRY(const auto group, api.group_id(o.group));
    target += fmt::format("&group={}", group);
  }
  if (o.conversation > 0) target += fmt::format("&conversation={}", o.conversation);
  if (!o.since.empty()) target += "&from=" + url_encode(o.since);
  if (!o.until.empty()) target += "&to=" + url_encode(o.until);
  if (o.unread) target += "&unread=true";
  if (o.thread > 0) target += fmt::format("&thread={}", o.thread);
  if (!o.cursor.empty()) target += "&cursor=" + url_encode(o.cursor);
  if (o.include_expired) target += "&include_expired=true";
  if (o.has_reminder) target += "&has_reminder=true";
  return target;
}

Status search(const Context& context, const SearchOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const std::string target, search_target(*api, o));
  MISSIVE_TRY(const auto response, api->get(target));
  if (print_raw(context, response)) return {};
  Table table({"ID", "FROM", "SENT", "SUBJECT", "THREAD", "SNIPPET"});
  table.align_right(0);
  if (const JsonValue* results = member(response.json, "results");
      results && results->IsArray()) {
    for (const auto& r : results->GetArray()) {
      const JsonValue* m = member(r, "message");
      const JsonValue* thread = member(r, "thread");
      if (m == nullptr || thread == nullptr) continue;
      const auto parent = get_optional_int(*thread, "parent_id");
      table.add_row({std::to_string(get_int(*m, "id")), api->user_handle(get_int(*m, "creator_id")),
                     short_time(get_string(*m, "create_date")), shorten(get_string(*m, "subject"), 30),
                     parent ? fmt::format("re #{}", *parent) : "-",
                     shorten(get_string(r, "snippet"), 70)});
    }
  }
  if (table.empty()) {
    fmt::print("no messages found\n");
    return {};
  }
  fmt::print("{}", table.render());
  if (const JsonValue* next = member(response.json, "next"); next && next->IsString()) {
    fmt::print("(more: --cursor {})\n", next->GetString());
  }
  return {};
}

}  // namespace

void register_search_command(CLI::App& app, Context& context) {
  auto o = std::make_shared<SearchOptions>();
  CLI::App* cmd = command(app, context, o, "search",
                          "search your messages (words, \"phrases\", prefix*, AND/OR/NOT)", search);
  cmd->add_option("query", o->query, "the search query (see docs/api.md)")->required();
  cmd->add_option("--from", o->from, "only from this USER (id or handle)");
  cmd->add_option("--group", o->group, "only addressed to this GROUP (id or name)");
  cmd->add_option("--conversation", o->conversation, "only in this conversation");
  cmd->add_option("--since", o->since, "sent at or after this time (RFC 3339 or YYYY-MM-DD)");
  cmd->add_option("--until", o->until, "sent before this time (RFC 3339 or YYYY-MM-DD)");
  cmd->add_flag("--unread", o->unread, "only messages you have not read");
  cmd->add_option("--thread", o->thread, "only this message and the replies under it");
  cmd->add_option("--sort", o->sort, "relevance (default) or date")
      ->check(CLI::IsMember({"relevance", "date"}));
  cmd->add_option("--limit", o->limit, "page size (1-200)")->check(CLI::Range(1, 200));
  cmd->add_option("--cursor", o->cursor, "continue a search (the value it printed)");
  cmd->add_flag("--include-expired", o->include_expired,
                "also your own withdrawn and expired messages");
  cmd->add_flag("--has-reminder", o->has_reminder, "only messages sent with reminders");
}

}  // namespace missive::cli
