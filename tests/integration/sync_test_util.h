#pragma once
// Shared pieces of the sync integration tests (sync_pitfalls_test.cpp, sync_model_test.cpp):
// devices (SyncClient) of logged-in users against the real server, send bodies, and checks on
// what a device applied. Helpers throw std::runtime_error on an unexpected failure, which
// fails the test that called them.
//
// Thread-safety: a fixture belongs to its test's thread; each SyncClient to one thread.

#include "fixture.h"  // first: it configures RapidJSON's assertions

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "client/sync_client.h"

namespace missive::itest {

template <typename T>
T must(Result<T> result, std::string_view what) {
  if (!result) throw std::runtime_error(std::string(what) + ": " + result.error().message);
  return std::move(*result);
}
inline void must(Status status, std::string_view what) {
  if (!status) throw std::runtime_error(std::string(what) + ": " + status.error().message);
}

inline rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) throw std::runtime_error("not a JSON object: " + text);
  return doc;
}

// What a send answered: the message's id and place, and the status (201, or 200 for a retry).
struct Sent {
  std::int64_t id = 0;
  std::int64_t conversation = 0;
  std::int64_t seq = 0;
  int status = 0;
  std::string expiry_date;  // of the message object, "" when null
};

// From a WebSocket send answer ({"status":201,"message":{...}}) or an HTTP message body.
inline Sent sent_of(const std::string& text, int http_status = 0) {
  const auto doc = parse_json(text);
  const auto& m = doc.HasMember("message") ? doc["message"] : doc;
  Sent sent{.id = m["id"].GetInt64(),
            .conversation = m["conversation_id"].GetInt64(),
            .seq = m["seq"].GetInt64(),
            .status = doc.HasMember("status") ? doc["status"].GetInt() : http_status,
            .expiry_date = {}};
  if (m.HasMember("expiry_date") && m["expiry_date"].IsString()) {
    sent.expiry_date = m["expiry_date"].GetString();
  }
  return sent;
}

inline std::string body_to_users(const std::vector<std::int64_t>& users, const std::string& subject,
                                 const std::string& client_msg_id = {}) {
  std::string body = "{\"to\":{\"users\":" + id_list(users) + "},\"subject\":" + quote(subject) +
                     ",\"body\":\"Body\"";
  if (!client_msg_id.empty()) body += ",\"client_msg_id\":" + quote(client_msg_id);
  return body + "}";
}

inline std::string body_to_group(std::int64_t group, const std::string& subject,
                                 const std::string& client_msg_id = {}) {
  std::string body = "{\"to\":{\"groups\":[" + std::to_string(group) + "]},\"subject\":" +
                     quote(subject) + ",\"body\":\"Body\"";
  if (!client_msg_id.empty()) body += ",\"client_msg_id\":" + quote(client_msg_id);
  return body + "}";
}

// Sends `bodies` over one connection, pipelined in windows of `window`, and returns the
// answers in the order of `bodies`.
inline std::vector<Sent> send_pipelined(client::SyncClient& device,
                                        const std::vector<std::string>& bodies,
                                        std::size_t window = 32) {
  std::vector<Sent> out;
  for (std::size_t first = 0; first < bodies.size(); first += window) {
    std::vector<std::int64_t> ids;
    for (std::size_t i = first; i < std::min(bodies.size(), first + window); ++i) {
      auto body = parse_json(bodies[i]);
      body.AddMember("type", "send", body.GetAllocator());
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
      body.Accept(writer);
      ids.push_back(must(device.start(buffer.GetString()), "start a send"));
    }
    for (const auto id : ids) out.push_back(sent_of(must(device.await(id), "a pipelined send")));
  }
  return out;
}

// The conv_seqs of the message entries of `conversation`, in the order the device applied them.
inline std::vector<std::int64_t> message_seqs(const client::SyncClient& device,
                                              std::int64_t conversation) {
  std::vector<std::int64_t> seqs;
  for (const auto& e : device.entries()) {
    if (e.kind == "message" && e.conversation == conversation) seqs.push_back(e.conv_seq);
  }
  return seqs;
}

// 1, 2, ..., n
inline std::vector<std::int64_t> one_to(std::int64_t n) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 1; i <= n; ++i) out.push_back(i);
  return out;
}

// The device applied entries first..first+n-1, each once, in order.
inline ::testing::AssertionResult contiguous_from(const client::SyncClient& device,
                                                  std::int64_t first) {
  std::int64_t expected = first;
  for (const auto& e : device.entries()) {
    if (e.seq != expected) {
      return ::testing::AssertionFailure()
             << "entry seq " << e.seq << " where " << expected << " was expected";
    }
    ++expected;
  }
  return ::testing::AssertionSuccess();
}

class SyncTest : public IntegrationTest {
 protected:
  // `missive serve` flags of this fixture's server.
  virtual std::vector<std::string> serve_args() const { return {}; }

  void SetUp() override {
    server_.set_extra_args(serve_args());
    IntegrationTest::SetUp();
  }

  client::SyncClientOptions options_for(const Person& p,
                                        std::optional<SyncSeq> cursor = SyncSeq{0}) {
    client::SyncClientOptions options;
    options.port = server_.port();
    options.token = p.api->token();
    options.user = p.id;
    options.cursor = cursor;
    return options;
  }

  // A device of `p`, connected and caught up from `cursor`.
  std::unique_ptr<client::SyncClient> device(const Person& p,
                                             std::optional<SyncSeq> cursor = SyncSeq{0}) {
    auto d = std::make_unique<client::SyncClient>(options_for(p, cursor));
    must(d->connect(), "connect a device of " + p.handle);
    return d;
  }

  // The newest seq of the caller's timeline: a cursor past it is answered with a reset whose
  // `next` is the newest entry.
  static SyncSeq newest(TestApi& api) {
    const auto reply = api.get("/v1/sync?since=1000000000&limit=1");
    expect_status(reply, 200, "sync past the newest");
    if (!reply.json["reset"].GetBool()) throw std::runtime_error("no reset: " + reply.body);
    return reply.json["next"].GetInt64();
  }

  // Waits until `device` applied everything up to its user's newest entry now.
  static void catch_up_to_newest(client::SyncClient& device, TestApi& api) {
    const auto target = newest(api);
    if (!must(device.wait_for_cursor(target, std::chrono::seconds(15)), "wait for the cursor")) {
      throw std::runtime_error("device stuck at " + std::to_string(device.cursor()) +
                               ", newest is " + std::to_string(target));
    }
  }

  // The caller's GET /v1/conversations entry for `conversation` (read_seq, max_seq, unread).
  static rapidjson::Document conversation_summary(TestApi& api, std::int64_t conversation) {
    const auto reply = api.get("/v1/conversations");
    expect_status(reply, 200, "conversations");
    for (const auto& c : reply.json["conversations"].GetArray()) {
      if (c["id"].GetInt64() == conversation) {
        rapidjson::Document out;
        out.CopyFrom(c, out.GetAllocator());
        return out;
      }
    }
    throw std::runtime_error("conversation " + std::to_string(conversation) + " not listed: " +
                             reply.body);
  }
};

}  // namespace missive::itest
