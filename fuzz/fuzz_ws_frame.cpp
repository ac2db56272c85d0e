// WebSocket text frames from a client (docs/protocol.md), as ws_session.cpp handles them:
// parse_ws_frame(), then for a forwarded request the API call (as alice) and ws_answer().
// The whole input is one frame. Properties:
//  - a frame is refused as bad data exactly when it is not one JSON object;
//  - every answer is a JSON object echoing the request's id, whose type is the request's type
//    (or "pong", or "error" with the HTTP status and an error object).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "api_harness.h"
#include "fuzz_check.h"
#include "server/request_parsing.h"
#include "server/ws_protocol.h"

namespace {

using missive::fuzz::ApiHarness;
using missive::server::WsCall;

void check_answer(std::string_view answer, const WsCall& call, std::string_view expected_type) {
  const std::string context = "answer " + std::string(answer);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(answer.data(), answer.size());
  FUZZ_CHECK(!doc.HasParseError() && doc.IsObject(), context);
  FUZZ_CHECK(doc.HasMember("id") && missive::server::json_text(doc["id"]) == call.id, context);
  FUZZ_CHECK(doc.HasMember("type") && doc["type"].IsString(), context);
  const std::string_view type(doc["type"].GetString(), doc["type"].GetStringLength());
  if (type == "error") {
    FUZZ_CHECK(doc.HasMember("status") && doc["status"].IsInt() && doc["status"].GetInt() >= 400,
               context);
    FUZZ_CHECK(doc.HasMember("error") && doc["error"].IsObject(), context);
  } else {
    FUZZ_CHECK(type == expected_type, context);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ApiHarness harness;
  harness.maybe_reset();
  const auto text = missive::fuzz::as_text(data, size);
  const WsCall call = missive::server::parse_ws_frame(text);
  const bool is_object = missive::server::parse_json_object(text).has_value();
  FUZZ_CHECK((call.kind == WsCall::Kind::bad_data) == !is_object, std::string(text));
  switch (call.kind) {
    case WsCall::Kind::bad_data:
      break;
    case WsCall::Kind::answer:
      check_answer(call.answer, call, call.type.empty() ? "error" : call.type);
      break;
    case WsCall::Kind::forward: {
      FUZZ_CHECK(call.request.target.starts_with("/v1/"), call.request.target);
      const auto response = harness.call(missive::fuzz::Caller::alice, call.request.method,
                                         call.request.target, call.request.body);
      check_answer(missive::server::ws_answer(call.id, call.type, response), call, call.type);
      break;
    }
  }
  return 0;
}
