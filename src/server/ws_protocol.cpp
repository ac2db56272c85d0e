#include "server/ws_protocol.h"

#include <limits>

#include <fmt/format.h>

#include "server/api.h"
#include "server/json_codec.h"
#include "server/request_parsing.h"

namespace missive::server {
namespace {

constexpr std::string_view kPushHead = R"({"type":"push","entries":[)";
constexpr std::string_view kTypes = "sync, send, reply, read, history, ack or ping";

WsCall error_call(std::string id, const Error& error) {
  WsCall call;
  call.kind = WsCall::Kind::answer;
  call.answer = ws_error(id, error);
  call.id = std::move(id);
  return call;
}

// A required positive integer member (an id): "<name> must be a positive integer".
Result<std::int64_t> required_id(const JsonFields& fields, std::string_view name) {
  const auto* value = fields.find(name);
  if (value == nullptr || value->IsNull()) {
    return fail(ErrorCode::invalid, fmt::format("{} is required", name));
  }
  if (!value->IsInt64() || value->GetInt64() <= 0) {
    return fail(ErrorCode::invalid, fmt::format("{} must be a positive integer", name));
  }
  return value->GetInt64();
}

// Appends "&name=value" (or "?name=value" first) when the member is present.
Status add_query(const JsonFields& fields, std::string_view name, std::string& target) {
  MISSIVE_TRY(auto value, fields.optional_int(name));
  if (value) {
    target += target.find('?') == std::string::npos ? '?' : '&';
    target += fmt::format("{}={}", name, *value);
  }
  return {};
}

// The HTTP request answering a request of `type` (whose frame is `text`).
Result<HttpRequest> http_request(std::string_view type, const JsonFields& fields,
                                 std::string_view text) {
  HttpRequest request;
  if (type == "sync") {
    request.method = "GET";
    request.target = "/v1/sync";
    MISSIVE_TRY_STATUS(add_query(fields, "since", request.target));
    MISSIVE_TRY_STATUS(add_query(fields, "limit", request.target));
  } else if (type == "send") {
    // The handlers ignore members they do not know, such as id and type.
    request.method = "POST";
    request.target = "/v1/messages";
    request.body = std::string(text);
  } else if (type == "reply") {
    MISSIVE_TRY(auto parent, required_id(fields, "parent"));
    request.method = "POST";
    request.target = fmt::format("/v1/messages/{}/replies", parent);
    request.body = std::string(text);
  } else if (type == "read") {
    request.method = "POST";
    if (fields.find("message") != nullptr && !fields.find("message")->IsNull()) {
      MISSIVE_TRY(auto message, required_id(fields, "message"));
      request.target = fmt::format("/v1/messages/{}/read", message);
    } else {
      if (fields.find("conversation") == nullptr) {
        return fail(ErrorCode::invalid, "read needs message (an id) or conversation (an id)");
      }
      MISSIVE_TRY(auto conversation, required_id(fields, "conversation"));
      request.target = fmt::format("/v1/conversations/{}/read", conversation);
      MISSIVE_TRY(auto up_to, fields.optional_int("up_to"));
      if (up_to && *up_to < 0) return fail(ErrorCode::invalid, "up_to must not be negative");
      request.body = up_to ? fmt::format("{{\"up_to_seq\":{}}}", *up_to) : "{}";
    }
  } else if (type == "history") {
    MISSIVE_TRY(auto conversation, required_id(fields, "conversation"));
    request.method = "GET";
    request.target = fmt::format("/v1/conversations/{}/messages", conversation);
    for (const char* name : {"after", "before", "limit"}) {
      MISSIVE_TRY_STATUS(add_query(fields, name, request.target));
    }
  } else if (type == "ack") {
    request.method = "POST";
    request.target = "/v1/sync/ack";
    request.body = std::string(text);
  } else {
    return fail(ErrorCode::invalid, fmt::format("unknown type \"{}\": expected {}", type, kTypes));
  }
  return request;
}

// `{"id":..,"type":"..."` without the closing brace.
std::string frame_head(std::string_view id, std::string_view type) {
  std::string head = "{\"id\":";
  head += id;
  head += ",\"type\":";
  head += write_json([&](JsonWriter& w) { write_string(w, type); });
  return head;
}

// head + the members of the JSON object `body` + "}".
std::string splice(std::string head, std::string_view body) {
  if (body.size() > 2) {
    head += ',';
    head += body.substr(1);
  } else {
    head += '}';
  }
  return head;
}

}  // namespace

WsCall parse_ws_frame(std::string_view text) {
  auto doc = parse_json_object(text);
  if (!doc) {
    WsCall call;
    call.kind = WsCall::Kind::bad_data;
    return call;
  }
  const JsonFields fields(*doc);
  const auto* id = fields.find("id");
  if (id == nullptr || !(id->IsString() || id->IsInt64())) {
    return error_call("null", Error{ErrorCode::invalid,
                                    "id is required: a string or an integer, echoed in the answer"});
  }
  std::string id_text = json_text(*id);
  const auto* type = fields.find("type");
  if (type == nullptr || !type->IsString()) {
    return error_call(std::move(id_text),
                      Error{ErrorCode::invalid, fmt::format("type is required: {}", kTypes)});
  }
  const std::string_view type_name(type->GetString(), type->GetStringLength());
  if (type_name == "ping") {
    WsCall call;
    call.kind = WsCall::Kind::answer;
    call.type = "pong";
    call.answer = frame_head(id_text, "pong") + "}";
    call.id = std::move(id_text);
    return call;
  }
  auto request = http_request(type_name, fields, text);
  if (!request) return error_call(std::move(id_text), request.error());
  WsCall call;
  call.kind = WsCall::Kind::forward;
  call.id = std::move(id_text);
  call.type = std::string(type_name);
  call.request = std::move(*request);
  return call;
}

std::string ws_answer(std::string_view id, std::string_view type, const HttpResponse& response) {
  if (response.status >= 400) {
    return splice(frame_head(id, "error") + fmt::format(",\"status\":{}", response.status),
                  response.body);
  }
  if (type == "send" || type == "reply") {
    return frame_head(id, type) + fmt::format(",\"status\":{},\"message\":{}}}", response.status,
                                              response.body.empty() ? "null" : response.body);
  }
  return splice(frame_head(id, type), response.body);
}

std::string ws_error(std::string_view id, const Error& error) {
  return splice(frame_head(id, "error") + fmt::format(",\"status\":{}", http_status(error.code)),
                error_body(error));
}

std::string ws_push_frame(const std::vector<SyncEntry>& entries, UserId viewer, Timestamp now) {
  auto frames = ws_push_frames(entries, viewer, now, std::numeric_limits<std::size_t>::max());
  return frames.empty() ? std::string(kPushHead) + "]}" : std::move(frames.front());
}

std::vector<std::string> ws_push_frames(const std::vector<SyncEntry>& entries, UserId viewer,
                                        Timestamp now, std::size_t max_bytes) {
  std::vector<std::string> frames;
  std::string frame;
  for (const auto& entry : entries) {
    const auto json =
        write_json([&](JsonWriter& w) { write_sync_entry(w, entry, viewer, now); });
    if (!frame.empty() && frame.size() + json.size() + 3 > max_bytes) {
      frames.push_back(std::move(frame) + "]}");
      frame.clear();
    }
    frame += frame.empty() ? kPushHead : ",";
    frame += json;
  }
  if (!frame.empty()) frames.push_back(std::move(frame) + "]}");
  return frames;
}

}  // namespace missive::server
