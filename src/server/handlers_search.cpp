// GET /v1/search: full-text search over what the caller may see.
#include "core/time_format.h"
#include "server/routes.h"

namespace missive::server {
namespace {

constexpr int kDefaultPage = 20;

Result<std::optional<Timestamp>> query_time(const QueryParams& query, std::string_view name) {
  const std::string* text = find_param(query, name);
  if (text == nullptr) return std::optional<Timestamp>();
  auto parsed = parse_time(*text);
  if (!parsed) return fail(ErrorCode::invalid, std::string(name) + ": " + parsed.error().message);
  return std::optional<Timestamp>(*parsed);
}

template <class IdT>
Result<std::optional<IdT>> query_typed_id(const QueryParams& query, std::string_view name) {
  MISSIVE_TRY(auto value, query_id(query, name));
  if (!value) return std::optional<IdT>();
  return std::optional<IdT>(IdT(*value));
}

Result<SearchRequest> search_request(const QueryParams& query) {
  SearchRequest request;
  const std::string* q = find_param(query, "q");
  if (q == nullptr) return fail(ErrorCode::invalid, "q (the search query) is required");
  request.query = *q;
  MISSIVE_TRY(request.sender, query_typed_id<UserId>(query, "sender"));
  MISSIVE_TRY(request.group, query_typed_id<GroupId>(query, "group"));
  MISSIVE_TRY(request.conversation, query_typed_id<ConversationId>(query, "conversation"));
  MISSIVE_TRY(request.thread, query_typed_id<MessageId>(query, "thread"));
  MISSIVE_TRY(request.from, query_time(query, "from"));
  MISSIVE_TRY(request.to, query_time(query, "to"));
  MISSIVE_TRY(request.unread_only, query_bool(query, "unread", false));
  MISSIVE_TRY(request.include_expired, query_bool(query, "include_expired", false));
  MISSIVE_TRY(request.has_reminder, query_bool(query, "has_reminder", false));
  MISSIVE_TRY(request.has_attachment, query_bool(query, "has_attachment", false));
  MISSIVE_TRY(request.limit, query_limit(query, kDefaultPage));
  if (const std::string* sort = find_param(query, "sort")) {
    if (*sort == "date") {
      request.sort = SearchSort::date;
    } else if (*sort != "relevance") {
      return fail(ErrorCode::invalid, "sort must be relevance or date");
    }
  }
  if (const std::string* cursor = find_param(query, "cursor")) request.cursor = *cursor;
  return request;
}

void write_result(JsonWriter& w, const SearchResult& result, Timestamp now) {
  w.StartObject();
  w.Key("message");
  write_message(w, result.view, now);
  put_string(w, "snippet", result.snippet);
  w.Key("thread");
  w.StartObject();
  put_int(w, "root_id", result.thread.root.value);
  put_optional_string(w, "root_subject", result.thread.root_subject);
  put_optional_int(w, "parent_id", result.thread.parent
                                       ? std::optional<std::int64_t>(result.thread.parent->value)
                                       : std::nullopt);
  w.EndObject();
  w.Key("score");
  w.Double(result.score);
  w.EndObject();
}

Result<HttpResponse> search(const HandlerContext& ctx) {
  MISSIVE_TRY(const SearchRequest request, search_request(ctx.query));
  MISSIVE_TRY(const SearchPage page, ctx.engine.search(ctx.caller, request));
  const auto now = ctx.now();
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("results");
    w.StartArray();
    for (const SearchResult& result : page.results) write_result(w, result, now);
    w.EndArray();
    w.Key("next");
    if (page.next) {
      write_string(w, *page.next);
    } else {
      w.Null();
    }
    w.EndObject();
  });
}

}  // namespace

std::vector<RouteDef> search_routes() {
  return {
      {"GET", "/v1/search", Auth::required, search},
  };
}

}  // namespace missive::server
