// Full-text search: parse the query, ask the store for one page of visible hits, then add
// snippets and thread context.
#include <cctype>
#include <charconv>
#include <cstdint>

#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/engine_internal.h"
#include "engine/search_snippet.h"

namespace missive {
namespace {

// Ties a cursor to the search it came from (FNV-1a over the query and every filter), so a
// cursor replayed with another query is refused instead of silently paging something else.
std::uint32_t search_fingerprint(const Caller& caller, const SearchRequest& r) {
  const std::string key = fmt::format(
      "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", caller.id.value, r.query,
      r.sender ? r.sender->value : 0, r.group ? r.group->value : 0,
      r.conversation ? r.conversation->value : 0, r.from.value_or(-1), r.to.value_or(-1),
      r.unread_only, r.thread ? r.thread->value : 0, static_cast<int>(r.sort), r.limit,
      r.include_expired, r.has_reminder, r.has_attachment);
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : key) hash = (hash ^ c) * 16777619u;
  return hash;
}

// `has:attachment` typed in the query is the has_attachment filter: removed from the text
// (any case), and whether it was there.
bool take_has_attachment(std::string& query) {
  constexpr std::string_view kWord = "has:attachment";
  bool found = false;
  for (std::size_t at = 0; at + kWord.size() <= query.size();) {
    bool match = true;
    for (std::size_t i = 0; i < kWord.size() && match; ++i) {
      match = std::tolower(static_cast<unsigned char>(query[at + i])) == kWord[i];
    }
    const bool starts = at == 0 || query[at - 1] == ' ';
    const bool ends = at + kWord.size() == query.size() || query[at + kWord.size()] == ' ';
    if (match && starts && ends) {
      query.erase(at, kWord.size());
      found = true;
    } else {
      ++at;
    }
  }
  return found;
}

// "<upper>.<offset>.<fingerprint in hex>"
std::string encode_cursor(const SearchCursor& cursor, std::uint32_t fingerprint) {
  return fmt::format("{}.{}.{:08x}", cursor.upper.value, cursor.offset, fingerprint);
}

Result<SearchCursor> decode_cursor(std::string_view text, std::uint32_t fingerprint) {
  auto bad = [] { return fail(ErrorCode::invalid, "cursor is not a `next` value of this search"); };
  std::int64_t parts[2] = {0, 0};
  std::uint32_t seen = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (std::int64_t& part : parts) {
    auto [next, ec] = std::from_chars(p, end, part);
    if (ec != std::errc() || next == end || *next != '.' || part < 0) return bad();
    p = next + 1;
  }
  auto [last, ec] = std::from_chars(p, end, seen, 16);
  if (ec != std::errc() || last != end || seen != fingerprint) return bad();
  return SearchCursor{MessageId(parts[0]), parts[1]};
}

}  // namespace

Result<SearchPage> Engine::search(const Caller& caller, const SearchRequest& request) {
  MISSIVE_TRY_STATUS(engine_detail::validate_limit(request.limit));
  std::string text = request.query;
  const bool has_attachment = take_has_attachment(text) || request.has_attachment;
  MISSIVE_TRY(const SearchQuery query, SearchQuery::parse(text));
  if (request.from && request.to && *request.from >= *request.to) {
    return fail(ErrorCode::invalid, "from must be before to");
  }
  if (request.thread) MISSIVE_TRY_STATUS(get_message(caller, *request.thread));
  const std::uint32_t fingerprint = search_fingerprint(caller, request);
  std::optional<SearchCursor> cursor;
  if (request.cursor) {
    MISSIVE_TRY(cursor, decode_cursor(*request.cursor, fingerprint));
  }

  MISSIVE_TRY(const SearchHits hits,
              store_.search(MessageSearch{.user = caller.id,
                                          .match = query.root(),
                                          .sender = request.sender,
                                          .group = request.group,
                                          .conversation = request.conversation,
                                          .from = request.from,
                                          .to = request.to,
                                          .unread_only = request.unread_only,
                                          .thread = request.thread,
                                          .has_reminder = request.has_reminder,
                                          .has_attachment = has_attachment,
                                          .sort = request.sort,
                                          .cursor = cursor,
                                          .limit = request.limit,
                                          .include_expired = request.include_expired,
                                          .now = clock_.now()}));
  const std::vector<SearchTerm> terms = query.positive_terms();
  SearchPage page;
  for (const SearchHit& hit : hits.hits) {
    const Message& m = hit.item.message;
    SearchResult result{.view = MessageView{hit.item, m.creator == caller.id},
                        .snippet = {},
                        .thread = ThreadContext{m.root, m.parent, std::nullopt},
                        .score = hit.score};
    if (result.view.caller_is_creator) result.view.item.read_at = m.create_date;
    const bool in_body = engine_detail::contains_match(m.body, terms);
    const bool in_subject = !in_body && engine_detail::contains_match(m.subject, terms);
    result.snippet = engine_detail::make_snippet(in_subject ? m.subject : m.body, terms);
    if (m.root == m.id) {
      result.thread.root_subject = m.subject;
    } else if (auto root = get_message(caller, m.root)) {
      result.thread.root_subject = root->item.message.subject;
    } else if (root.error().code != ErrorCode::not_found) {
      return std::unexpected(root.error());
    }
    page.results.push_back(std::move(result));
  }
  if (hits.next) page.next = encode_cursor(*hits.next, fingerprint);
  return page;
}

}  // namespace missive
