#include "client/sync_client.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>

#include <fmt/format.h>

#include "client/http_client.h"

namespace missive::client {
namespace {

using Clock = std::chrono::steady_clock;

// Pushes held while a request waits for its answer. Past this the held pushes are dropped
// and the device pulls instead: a pull recovers everything they carried.
constexpr std::size_t kMaxHeldPushes = 1000;

std::chrono::milliseconds until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

std::optional<std::int64_t> integer_id(const std::optional<std::string>& id) {
  if (!id) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(id->data(), id->data() + id->size(), value);
  if (ec != std::errc() || end != id->data() + id->size()) return std::nullopt;
  return value;
}

// `request` with "id" set to `id`; invalid unless `request` is a JSON object.
Result<std::string> with_id(std::string_view request, std::int64_t id) {
  rapidjson::Document doc;
  doc.Parse(request.data(), request.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return fail(ErrorCode::invalid, fmt::format("a request must be a JSON object: {}", request));
  }
  doc.RemoveMember("id");
  doc.AddMember("id", rapidjson::Value(id), doc.GetAllocator());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// `{"type":T,"parent":P, ...members of body}`: the protocol puts the HTTP body's members
// next to the request's own.
Result<std::string> merged(std::string_view type, std::string_view body,
                           std::optional<std::int64_t> parent = std::nullopt) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return fail(ErrorCode::invalid, fmt::format("a request body must be a JSON object: {}", body));
  }
  auto& allocator = doc.GetAllocator();
  doc.RemoveMember("type");
  doc.AddMember("type", rapidjson::Value(type.data(), static_cast<rapidjson::SizeType>(type.size()),
                                         allocator),
                allocator);
  if (parent) {
    doc.RemoveMember("parent");
    doc.AddMember("parent", rapidjson::Value(*parent), allocator);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

SyncClient::SyncClient(SyncClientOptions options)
    : options_(std::move(options)), ws_(options_.ws), timeline_(options_.cursor) {
  timeline_.set_keep_entries(options_.keep_entries);
  if (options_.on_entry) timeline_.set_on_apply(options_.on_entry);
  acked_ = timeline_.cursor();
  if (options_.user != 0) {
    timeline_.state().set_self(options_.user);
    self_known_ = true;
  }
}

Status SyncClient::connect() {
  held_pushes_.clear();
  answers_.clear();
  awaited_.clear();
  need_pull_ = false;
  MISSIVE_TRY_STATUS(ws_.connect(options_.host, options_.port, options_.token));
  if (!self_known_) MISSIVE_TRY_STATUS(learn_self());
  // Pushes start after the newest entry at connect: pull what came before.
  if (timeline_.has_cursor()) need_pull_ = true;
  return apply_held();
}

// Who the token belongs to (GET /v1/me): the device's own messages move its watermark.
Status SyncClient::learn_self() {
  HttpClient http(options_.host, options_.port, options_.ws.tls);
  http.set_token(options_.token);
  MISSIVE_TRY(const auto response, http.request("GET", "/v1/me"));
  rapidjson::Document doc;
  doc.Parse(response.body.c_str());
  if (response.status != 200 || doc.HasParseError() || !doc.IsObject() ||
      !doc.HasMember("id") || !doc["id"].IsInt64()) {
    return fail(ErrorCode::unavailable,
                fmt::format("GET /v1/me answered {}: {}", response.status, response.body));
  }
  timeline_.state().set_self(doc["id"].GetInt64());
  self_known_ = true;
  return {};
}

Status SyncClient::catch_up() {
  need_pull_ = true;
  return apply_held();
}

Status SyncClient::bootstrap(SyncSeq next) {
  HttpClient http(options_.host, options_.port, options_.ws.tls);
  http.set_token(options_.token);
  MISSIVE_TRY(const auto response, http.request("GET", "/v1/conversations"));
  if (response.status != 200) {
    return fail(ErrorCode::unavailable,
                fmt::format("re-bootstrap after a reset: GET /v1/conversations answered {}: {}",
                            response.status, response.body));
  }
  MISSIVE_TRY_STATUS(timeline_.state().bootstrap(response.body));
  bootstrap_json_ = response.body;
  timeline_.reset(next);
  ++resets_;
  if (options_.on_reset) options_.on_reset(next);
  return {};
}

Status SyncClient::apply_held() {
  for (;;) {
    if (need_pull_ && timeline_.has_cursor()) {
      need_pull_ = false;
      std::optional<SyncSeq> reset_at;  // a second reset at the same place is a server bug
      for (bool more = true; more;) {
        ++pulls_;
        MISSIVE_TRY(const auto answer,
                    request(fmt::format(R"({{"type":"sync","since":{},"limit":{}}})",
                                        timeline_.cursor(), options_.page_limit)));
        MISSIVE_TRY(const auto page, parse_sync_page(answer));
        if (page.reset) {
          if (reset_at == timeline_.cursor()) {
            return fail(ErrorCode::internal,
                        fmt::format("sync since {} answered reset twice", timeline_.cursor()));
          }
          MISSIVE_TRY_STATUS(bootstrap(page.next));
          reset_at = timeline_.cursor();
          more = true;
          continue;
        }
        MISSIVE_TRY_STATUS(timeline_.apply_page(page));
        more = page.has_more;
      }
    }
    if (held_pushes_.empty()) break;
    const std::string raw = std::move(held_pushes_.front());
    held_pushes_.pop_front();
    auto entries = parse_push(raw);
    if (!entries) {
      unexpected_errors_.push_back("bad push: " + entries.error().message);
      continue;
    }
    switch (timeline_.offer_push(*entries)) {
      case Timeline::Offer::applied: ++pushes_applied_; break;
      case Timeline::Offer::stale: break;
      case Timeline::Offer::hole:
        ++holes_;
        need_pull_ = true;
        break;
    }
  }
  if (options_.auto_ack && timeline_.cursor() > acked_) MISSIVE_TRY_STATUS(ack());
  return {};
}

Result<bool> SyncClient::receive_one(std::chrono::milliseconds timeout) {
  MISSIVE_TRY(auto text, ws_.receive(timeout));
  if (!text) return false;
  auto frame = parse_frame(*text);
  if (!frame) {
    unexpected_errors_.push_back("bad frame: " + frame.error().message);
    return true;
  }
  if (frame->type == "push") {
    if (held_pushes_.size() >= kMaxHeldPushes) {
      held_pushes_.clear();
      need_pull_ = true;
    }
    held_pushes_.push_back(std::move(frame->raw));
    return true;
  }
  const auto id = integer_id(frame->id);
  if (id && awaited_.contains(*id)) {
    answers_[*id] = std::move(frame->raw);
  } else if (frame->type == "error") {
    const auto error = error_of_answer(frame->raw);
    unexpected_errors_.push_back(error ? frame->raw
                                       : fmt::format("{}: {}", error_code_name(error.error().code),
                                                     error.error().message));
  }
  return true;
}

Result<std::int64_t> SyncClient::start(std::string_view request) {
  const std::int64_t id = next_id_++;
  MISSIVE_TRY(const auto text, with_id(request, id));
  MISSIVE_TRY_STATUS(ws_.send(text));
  awaited_.insert(id);
  return id;
}

Result<std::string> SyncClient::await(std::int64_t id) {
  const auto deadline = Clock::now() + options_.request_timeout;
  while (!answers_.contains(id)) {
    if (Clock::now() >= deadline) {
      awaited_.erase(id);
      return fail(ErrorCode::unavailable,
                  fmt::format("no answer to request {} within {} ms", id,
                              options_.request_timeout.count()));
    }
    MISSIVE_TRY(const bool got, receive_one(until(deadline)));
    (void)got;
  }
  awaited_.erase(id);
  std::string answer = std::move(answers_[id]);
  answers_.erase(id);
  MISSIVE_TRY_STATUS(error_of_answer(answer));
  return answer;
}

Result<std::string> SyncClient::request(std::string_view request) {
  MISSIVE_TRY(const auto id, start(request));
  return await(id);
}

Status SyncClient::pump(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    MISSIVE_TRY_STATUS(apply_held());
    if (Clock::now() >= deadline) return {};
    MISSIVE_TRY(const bool got, receive_one(until(deadline)));
    (void)got;
  }
}

Result<bool> SyncClient::wait_until(const std::function<bool()>& done,
                                    std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    MISSIVE_TRY_STATUS(apply_held());
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    MISSIVE_TRY(const bool got, receive_one(until(deadline)));
    (void)got;
  }
}

Result<bool> SyncClient::wait_for_cursor(SyncSeq seq, std::chrono::milliseconds timeout) {
  return wait_until([&] { return timeline_.cursor() >= seq; }, timeout);
}

Result<std::string> SyncClient::send_message(std::string_view body) {
  MISSIVE_TRY(const auto text, merged("send", body));
  return request(text);
}

Result<std::string> SyncClient::reply(std::int64_t parent, std::string_view body) {
  MISSIVE_TRY(const auto text, merged("reply", body, parent));
  return request(text);
}

Result<std::string> SyncClient::mark_read(std::int64_t message) {
  return request(fmt::format(R"({{"type":"read","message":{}}})", message));
}

Result<std::string> SyncClient::mark_conversation_read(std::int64_t conversation,
                                                       std::optional<std::int64_t> up_to) {
  if (up_to) {
    return request(fmt::format(R"({{"type":"read","conversation":{},"up_to":{}}})", conversation,
                               *up_to));
  }
  return request(fmt::format(R"({{"type":"read","conversation":{}}})", conversation));
}

Result<std::string> SyncClient::history(std::int64_t conversation, std::int64_t after,
                                        std::int64_t before, int limit) {
  std::string text = fmt::format(R"({{"type":"history","conversation":{},"limit":{})",
                                 conversation, limit);
  if (after > 0) text += fmt::format(R"(,"after":{})", after);
  if (before > 0) text += fmt::format(R"(,"before":{})", before);
  return request(text + "}");
}

Result<std::string> SyncClient::ping() { return request(R"({"type":"ping"})"); }

Status SyncClient::ack() {
  // Not awaited: its answer is dropped when it comes (an error answer is recorded).
  const std::int64_t id = next_id_++;
  MISSIVE_TRY_STATUS(
      ws_.send(fmt::format(R"({{"id":{},"type":"ack","up_to":{}}})", id, timeline_.cursor())));
  acked_ = timeline_.cursor();
  return {};
}

Status SyncClient::close(int code, std::string_view reason) { return ws_.close(code, reason); }

}  // namespace missive::client
