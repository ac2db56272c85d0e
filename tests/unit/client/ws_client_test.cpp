// WsClient and SyncClient against a scripted in-process WebSocket server on 127.0.0.1:0 (no
// Missive server): the upgrade's bearer token, a refused upgrade, receive timeouts, close
// codes, and a device pulling pages, applying pushes and pulling on a hole.

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

#include <functional>
#include <future>
#include <utility>
#include <string>
#include <thread>
#include <vector>

#include "client/sync_client.h"
#include "client/ws_client.h"

namespace missive::client {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

using Ws = websocket::stream<tcp::socket>;

// Accepts one connection; refuses the upgrade with 401 unless the token is "good"; then hands
// each text frame to `on_frame` until the connection ends.
class FakeServer {
 public:
  explicit FakeServer(std::function<void(Ws&, const std::string&)> on_frame,
                      std::function<void(Ws&)> on_open = {})
      : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, on_frame = std::move(on_frame), on_open = std::move(on_open)] {
      beast::error_code ec;
      tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec) return;
      beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);
      if (ec) return;
      authorization_ = std::string(request[http::field::authorization]);
      if (authorization_ != "Bearer good") {
        http::response<http::string_body> response(http::status::unauthorized, 11);
        response.set(http::field::content_type, "application/json");
        response.body() = R"({"error":{"code":"unauthenticated","message":"bad token"}})";
        response.prepare_payload();
        http::write(socket, response, ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
        return;
      }
      Ws ws(std::move(socket));
      ws.accept(request, ec);
      if (ec) return;
      if (on_open) on_open(ws);
      for (;;) {
        beast::flat_buffer frame;
        ws.read(frame, ec);
        if (ec) return;
        on_frame(ws, beast::buffers_to_string(frame.data()));
      }
    });
  }
  ~FakeServer() {
    beast::error_code ec;
    acceptor_.close(ec);
    thread_.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::string& authorization() const { return authorization_; }

 private:
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::string authorization_;  // written by the server thread before it answers
  std::thread thread_;
};

void write(Ws& ws, const std::string& text) {
  beast::error_code ec;
  ws.text(true);
  ws.write(net::buffer(text), ec);
}

TEST(WsClientTest, SendsTheTokenAndExchangesFrames) {
  FakeServer server([](Ws& ws, const std::string& text) {
    if (text == "bye") {
      beast::error_code ec;
      ws.close(websocket::close_reason(static_cast<websocket::close_code>(4000), "slow consumer"),
               ec);
      return;
    }
    write(ws, "echo " + text);
  });
  WsClient client;
  ASSERT_TRUE(client.connect("127.0.0.1", server.port(), "good"));
  EXPECT_TRUE(client.is_open());
  EXPECT_EQ(server.authorization(), "Bearer good");

  auto nothing = client.receive(50ms);
  ASSERT_TRUE(nothing.has_value());
  EXPECT_FALSE(nothing->has_value());  // a timeout, and the read stays pending

  ASSERT_TRUE(client.send("hello"));
  auto echo = client.receive(5s);
  ASSERT_TRUE(echo.has_value()) << echo.error().message;
  EXPECT_EQ(echo->value_or("none"), "echo hello");

  ASSERT_TRUE(client.send("bye"));
  auto closed = client.receive(5s);
  ASSERT_FALSE(closed.has_value());
  EXPECT_EQ(closed.error().code, ErrorCode::unavailable);
  EXPECT_EQ(client.close_code(), 4000);
  EXPECT_EQ(client.close_reason(), "slow consumer");
  EXPECT_NE(closed.error().message.find("4000"), std::string::npos) << closed.error().message;
  EXPECT_FALSE(client.is_open());
  EXPECT_FALSE(client.send("more"));
}

TEST(WsClientTest, ARefusedUpgradeReportsTheStatusAndTheServersError) {
  FakeServer server([](Ws&, const std::string&) {});
  WsClient client;
  const auto refused = client.connect("127.0.0.1", server.port(), "bad");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(refused.error().message, "WebSocket upgrade refused with HTTP 401: bad token");
  EXPECT_EQ(client.upgrade_status(), 401);
  EXPECT_FALSE(client.is_open());
}

TEST(WsClientTest, ConnectingToNothingIsUnavailable) {
  std::uint16_t port = 0;
  {
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = acceptor.local_endpoint().port();
  }
  WsClient client;
  const auto result = client.connect("127.0.0.1", port, "good");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::unavailable);
}

TEST(WsClientTest, CloseSendsTheCode) {
  std::promise<std::pair<int, std::string>> seen;
  FakeServer server([](Ws&, const std::string&) {},
                    [&](Ws& ws) {
                      beast::flat_buffer frame;
                      beast::error_code ec;
                      ws.read(frame, ec);  // "closed" once the client's close frame arrives
                      seen.set_value({ws.reason().code, ws.reason().reason.c_str()});
                    });
  WsClient client;
  ASSERT_TRUE(client.connect("127.0.0.1", server.port(), "good"));
  EXPECT_TRUE(client.close(1000, "done"));
  EXPECT_EQ(client.close_code(), 1000);
  EXPECT_FALSE(client.is_open());
  EXPECT_EQ(seen.get_future().get(), (std::pair<int, std::string>{1000, "done"}));
}

// A timeline server: entries 1..size; answers sync pages and pings, and runs `after_ack`
// when the device acks.
struct TimelineServer {
  int size = 0;
  std::vector<std::int64_t> acks;
  std::function<void(Ws&, std::int64_t up_to)> after_ack;

  static std::string entry(std::int64_t seq) {
    return fmt::format(
        R"({{"seq":{},"kind":"message","conversation":1,"conv_seq":{},"message_id":{},"at":"T","message":{{"id":{},"creator_id":2,"subject":"s{}"}}}})",
        seq, seq, 100 + seq, 100 + seq, seq);
  }
  std::string entries(std::int64_t from, std::int64_t to) const {
    std::string out;
    for (auto s = from; s <= to; ++s) out += (out.empty() ? "" : ",") + entry(s);
    return out;
  }

  // Minimal field extraction: the fake only needs numbers after known keys.
  static std::int64_t number_after(const std::string& text, const std::string& key) {
    const auto at = text.find("\"" + key + "\":");
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + key.size() + 3));
  }

  void on_frame(Ws& ws, const std::string& text) {
    const auto id = number_after(text, "id");
    if (text.find(R"("type":"sync")") != std::string::npos) {
      const auto since = number_after(text, "since");
      const auto limit = number_after(text, "limit");
      const auto last = std::min<std::int64_t>(size, since + limit);
      write(ws, fmt::format(
                    R"({{"id":{},"type":"sync","reset":false,"entries":[{}],"next":{},"has_more":{}}})",
                    id, entries(since + 1, last), last, last < size ? "true" : "false"));
    } else if (text.find(R"("type":"ack")") != std::string::npos) {
      acks.push_back(number_after(text, "up_to"));
      write(ws, fmt::format(R"({{"id":{},"type":"ack"}})", id));
      if (after_ack) after_ack(ws, acks.back());
    } else if (text.find(R"("type":"ping")") != std::string::npos) {
      write(ws, fmt::format(R"({{"id":{},"type":"pong"}})", id));
    } else {
      write(ws, fmt::format(
                    R"({{"id":{},"type":"error","status":400,"error":{{"code":"invalid","message":"unknown type"}}}})",
                    id));
    }
  }

  void push(Ws& ws, std::int64_t from, std::int64_t to) {
    write(ws, fmt::format(R"({{"type":"push","entries":[{}]}})", entries(from, to)));
  }
};

TEST(SyncClientTest, PullsPagesAppliesPushesAndPullsOnAHole) {
  TimelineServer timeline;
  timeline.size = 250;
  timeline.after_ack = [&](Ws& ws, std::int64_t up_to) {
    if (up_to == 250) {
      timeline.size = 252;
      timeline.push(ws, 251, 252);  // continues the cursor: applied
    } else if (up_to == 252) {
      timeline.size = 255;
      timeline.push(ws, 255, 255);  // 253 and 254 never pushed: a hole, pull
    }
  };
  FakeServer server([&](Ws& ws, const std::string& text) { timeline.on_frame(ws, text); });

  std::vector<SyncSeq> seen;
  SyncClient device({.port = server.port(),
                     .token = "good",
                     .on_entry = [&](const Entry& e) { seen.push_back(e.seq); }});
  ASSERT_TRUE(device.connect());
  EXPECT_EQ(device.cursor(), 250);
  EXPECT_EQ(device.pulls(), 3);  // 100 + 100 + 50

  const auto reached = device.wait_for_cursor(255, 5s);
  ASSERT_TRUE(reached.has_value()) << reached.error().message;
  EXPECT_TRUE(*reached);
  EXPECT_EQ(device.pushes_applied(), 1);
  EXPECT_EQ(device.holes(), 1);
  EXPECT_EQ(device.pulls(), 4);
  ASSERT_EQ(seen.size(), 255u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<SyncSeq>(i + 1));
  EXPECT_EQ(device.entries().size(), 255u);
  EXPECT_EQ(device.entries().back().subject, "s255");

  const auto pong = device.ping();
  ASSERT_TRUE(pong.has_value()) << pong.error().message;
  EXPECT_NE(pong->find("pong"), std::string::npos);
  const auto error = device.request(R"({"type":"nonsense"})");
  ASSERT_FALSE(error.has_value());
  EXPECT_EQ(error.error().code, ErrorCode::invalid);
  EXPECT_EQ(error.error().message, "unknown type");
  EXPECT_TRUE(device.unexpected_errors().empty());
  EXPECT_TRUE(device.close());
  EXPECT_EQ(timeline.acks, (std::vector<std::int64_t>{250, 252, 255}));
}

}  // namespace
}  // namespace missive::client
