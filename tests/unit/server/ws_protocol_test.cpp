// WebSocket frames <-> the HTTP requests that answer them (server/ws_protocol.h).
#include "server/ws_protocol.h"

#include <gtest/gtest.h>

namespace missive::server {
namespace {

// "METHOD target body" of a forwarded frame, or "answer: <frame>", or "bad data".
std::string describe(std::string_view frame) {
  const WsCall call = parse_ws_frame(frame);
  switch (call.kind) {
    case WsCall::Kind::bad_data: return "bad data";
    case WsCall::Kind::answer: return "answer: " + call.answer;
    case WsCall::Kind::forward:
      return call.id + " " + call.type + ": " + call.request.method + " " + call.request.target +
             (call.request.body.empty() ? "" : " " + call.request.body);
  }
  return "?";
}

// Found by fuzz_ws_frame: an id holding a lone low surrogate was echoed as bytes that are not
// UTF-8, so the answer frame was not valid JSON text. Such a frame is now bad data (close 1007).
TEST(WsProtocol, AnUnpairedSurrogateIsBadData) {
  EXPECT_EQ(describe(R"({"id":"conver\udEEE800","type":"ping"})"), "bad data");
  EXPECT_EQ(describe(R"({"id":1,"type":"send","subject":"\udc00"})"), "bad data");
}

TEST(WsProtocol, RequestsBecomeHttpRequests) {
  EXPECT_EQ(describe(R"({"id":1,"type":"sync","since":5,"limit":10})"),
            "1 sync: GET /v1/sync?since=5&limit=10");
  EXPECT_EQ(describe(R"({"id":"a","type":"sync"})"), R"("a" sync: GET /v1/sync)");
  EXPECT_EQ(describe(R"({"id":2,"type":"send","subject":"s"})"),
            R"(2 send: POST /v1/messages {"id":2,"type":"send","subject":"s"})");
  EXPECT_EQ(describe(R"({"id":3,"type":"reply","parent":9,"body":"b"})"),
            R"(3 reply: POST /v1/messages/9/replies {"id":3,"type":"reply","parent":9,"body":"b"})");
  EXPECT_EQ(describe(R"({"id":4,"type":"read","message":7})"), "4 read: POST /v1/messages/7/read");
  EXPECT_EQ(describe(R"({"id":4,"type":"read","conversation":3,"up_to":8})"),
            R"(4 read: POST /v1/conversations/3/read {"up_to_seq":8})");
  EXPECT_EQ(describe(R"({"id":4,"type":"read","conversation":3})"),
            "4 read: POST /v1/conversations/3/read {}");
  EXPECT_EQ(describe(R"({"id":5,"type":"history","conversation":3,"after":2,"limit":20})"),
            "5 history: GET /v1/conversations/3/messages?after=2&limit=20");
  EXPECT_EQ(describe(R"({"id":5,"type":"history","conversation":3,"before":9})"),
            "5 history: GET /v1/conversations/3/messages?before=9");
  EXPECT_EQ(describe(R"({"id":6,"type":"ack","up_to":4})"),
            R"(6 ack: POST /v1/sync/ack {"id":6,"type":"ack","up_to":4})");
}

TEST(WsProtocol, ARateLimitedAnswerCarriesRetryAfter) {
  EXPECT_EQ(ws_error("7", Error{ErrorCode::rate_limited, "slow down", 3}),
            R"({"id":7,"type":"error","status":429,"error":{"code":"rate_limited",)"
            R"("message":"slow down","retry_after":3}})");
}

TEST(WsProtocol, PingIsAnsweredAtOnce) {
  EXPECT_EQ(describe(R"({"id":7,"type":"ping"})"), R"(answer: {"id":7,"type":"pong"})");
}

TEST(WsProtocol, BadRequestsAreErrorAnswers) {
  EXPECT_EQ(describe(R"({"type":"ping"})"),
            R"(answer: {"id":null,"type":"error","status":400,"error":{"code":"invalid",)"
            R"("message":"id is required: a string or an integer, echoed in the answer"}})");
  EXPECT_TRUE(describe(R"({"id":1.5,"type":"ping"})").starts_with(R"(answer: {"id":null,"type":"error")"));
  EXPECT_EQ(describe(R"({"id":1})"),
            R"(answer: {"id":1,"type":"error","status":400,"error":{"code":"invalid",)"
            R"("message":"type is required: sync, send, reply, read, history, ack or ping"}})");
  EXPECT_EQ(describe(R"({"id":1,"type":"dance"})"),
            R"(answer: {"id":1,"type":"error","status":400,"error":{"code":"invalid",)"
            R"("message":"unknown type \"dance\": expected sync, send, reply, read, history, ack )"
            R"(or ping"}})");
  EXPECT_EQ(describe(R"({"id":1,"type":"reply","body":"b"})"),
            R"(answer: {"id":1,"type":"error","status":400,"error":{"code":"invalid",)"
            R"("message":"parent is required"}})");
  EXPECT_EQ(describe(R"({"id":1,"type":"read","message":-3})"),
            R"(answer: {"id":1,"type":"error","status":400,"error":{"code":"invalid",)"
            R"("message":"message must be a positive integer"}})");
  EXPECT_NE(describe(R"({"id":1,"type":"sync","since":"x"})").find("since must be an integer"),
            std::string::npos);
}

TEST(WsProtocol, FramesThatAreNotJsonObjectsAreBadData) {
  EXPECT_EQ(describe("[1,2]"), "bad data");
  EXPECT_EQ(describe("{\"id\":"), "bad data");
  EXPECT_EQ(describe("42"), "bad data");
  EXPECT_EQ(describe(""), "bad data");
}

TEST(WsProtocol, AnswersWrapTheHttpResponse) {
  EXPECT_EQ(ws_answer("1", "sync", HttpResponse{200, R"({"reset":false,"entries":[],"next":0,"has_more":false})", {}}),
            R"({"id":1,"type":"sync","reset":false,"entries":[],"next":0,"has_more":false})");
  EXPECT_EQ(ws_answer("2", "send", HttpResponse{201, R"({"id":45})", {}}),
            R"({"id":2,"type":"send","status":201,"message":{"id":45}})");
  EXPECT_EQ(ws_answer("\"x\"", "reply", HttpResponse{200, R"({"id":45})", {}}),
            R"({"id":"x","type":"reply","status":200,"message":{"id":45}})");
  EXPECT_EQ(ws_answer("6", "ack", HttpResponse{204, "", {}}), R"({"id":6,"type":"ack"})");
  EXPECT_EQ(ws_answer("4", "read", HttpResponse{404, R"({"error":{"code":"not_found","message":"m"}})", {}}),
            R"({"id":4,"type":"error","status":404,"error":{"code":"not_found","message":"m"}})");
}

TEST(WsProtocol, PushFrame) {
  const std::vector<SyncEntry> entries = {
      SyncEntry{.seq = 3, .kind = EntryKind::read, .conversation = ConversationId(2),
                .conv_seq = 5, .at = 1'790'000'000'000}};
  EXPECT_EQ(ws_push_frame(entries, UserId(1), 1'790'000'000'000),
            R"({"type":"push","entries":[{"seq":3,"kind":"read","conversation":2,"read_seq":5,)"
            R"("at":"2026-09-21T14:13:20.000Z"}]})");
}

TEST(WsProtocol, PushFramesSplitLargePages) {
  std::vector<SyncEntry> entries;
  for (int i = 1; i <= 5; ++i) {
    entries.push_back(SyncEntry{.seq = i, .kind = EntryKind::read,
                                .conversation = ConversationId(2), .conv_seq = i, .at = 0});
  }
  const auto one = ws_push_frame(entries, UserId(1), 0);
  EXPECT_EQ(ws_push_frames(entries, UserId(1), 0, one.size()), std::vector<std::string>{one});
  const auto split = ws_push_frames(entries, UserId(1), 0, one.size() / 2);
  ASSERT_EQ(split.size(), 3u);
  EXPECT_EQ(split[0], ws_push_frame({entries[0], entries[1]}, UserId(1), 0));
  EXPECT_EQ(split[2], ws_push_frame({entries[4]}, UserId(1), 0));
  EXPECT_EQ(ws_push_frames(entries, UserId(1), 0, 1).size(), 5u);  // one entry at least
  EXPECT_TRUE(ws_push_frames({}, UserId(1), 0, 100).empty());
}

}  // namespace
}  // namespace missive::server
