// The Beast server on 127.0.0.1:0 driven by the blocking client: transport behaviour only
// (keep-alive, limits, malformed HTTP, shutdown). The API itself is covered by api_test.cpp.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "api_fixture.h"
#include "client/http_client.h"
#include "server/server.h"

namespace missive::testing {
namespace {

class ServerTest : public ApiTest {
 protected:
  void start(server::ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.worker_threads = 2;
    server_ = std::make_unique<server::Server>(*engine_, bus_, options);
    auto port = server_->start();
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
  }
  void TearDown() override {
    server_.reset();
    ApiTest::TearDown();
  }

  // Sends raw bytes and returns everything the server answers before closing.
  std::string raw_exchange(const std::string& bytes) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
    std::string out;
    char buffer[4096];
    while (true) {
      const auto n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
  }

  LocalBus bus_;
  std::unique_ptr<server::Server> server_;
  std::uint16_t port_ = 0;
};

TEST_F(ServerTest, ServesJsonWithKeepAlive) {
  start();
  EXPECT_NE(port_, 0);
  client::HttpClient http("127.0.0.1", port_);
  for (int i = 0; i < 3; ++i) {
    auto response = http.request("GET", "/healthz");
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->content_type, "application/json");
    EXPECT_EQ(response->body, R"({"status":"ok"})");
  }
  http.set_token(admin_token_);
  auto me = http.request("GET", "/v1/me");
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200);
  auto missing = http.request("GET", "/v1/missing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->content_type, "application/json");
}

TEST_F(ServerTest, OversizedBodyIs413AndTheServerCarriesOn) {
  start(server::ServerOptions{.body_limit = 1024});
  client::HttpClient http("127.0.0.1", port_);
  http.set_token(admin_token_);
  const std::string big = R"({"subject":")" + std::string(200000, 'x') + R"("})";
  auto response = http.request("POST", "/v1/messages", big);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body,
            R"({"error":{"code":"too_large","message":"request body exceeds 1024 bytes"}})");
  auto after = http.request("GET", "/v1/me");
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->status, 200);
}

TEST_F(ServerTest, MalformedHttpIs400) {
  start();
  const auto answer = raw_exchange("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"("code":"invalid")"), std::string::npos) << answer;
}

TEST_F(ServerTest, OversizedHeadersAre413) {
  start();
  const auto answer = raw_exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                   std::string(20000, 'h') + "\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 200);
  EXPECT_NE(answer.find(R"("code":"too_large")"), std::string::npos);
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  start();
  const auto answer = raw_exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"({"status":"ok"})"), std::string::npos);
}

TEST_F(ServerTest, ClientReconnectsAfterIdleClose) {
  start(server::ServerOptions{.request_timeout_seconds = 1});
  client::HttpClient http("127.0.0.1", port_);
  ASSERT_TRUE(http.request("GET", "/healthz"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // the server drops the idle link
  auto again = http.request("GET", "/healthz");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->status, 200);
}

TEST_F(ServerTest, StopIsIdempotentAndRefusesNewRequests) {
  start();
  client::HttpClient http("127.0.0.1", port_);
  ASSERT_TRUE(http.request("GET", "/healthz"));
  std::thread waiter([this] { server_->wait(); });
  server_->stop();
  server_->stop();
  waiter.join();
  auto refused = http.request("GET", "/healthz");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
}

// SIGTERM runs Server::stop(): a send already in flight must still get its 201, while new
// connections are refused and idle keep-alive connections are closed.
TEST_F(ServerTest, StopLetsARequestInFlightFinishWithItsResponse) {
  const auto bob = create_user("bob");
  std::mutex mutex;
  std::condition_variable changed;
  bool entered = false;
  bool released = false;
  faulty_->set_hook([&](std::string_view operation) {
    if (operation != "send_message") return;
    std::unique_lock lock(mutex);
    entered = true;
    changed.notify_all();
    changed.wait(lock, [&] { return released; });
  });
  start();
  client::HttpClient idle("127.0.0.1", port_);
  ASSERT_TRUE(idle.request("GET", "/healthz"));

  auto in_flight = std::async(std::launch::async, [this, bob] {
    client::HttpClient http("127.0.0.1", port_);
    http.set_token(admin_token_);
    return http.request("POST", "/v1/messages",
                        R"({"to":{"users":[)" + std::to_string(bob) +
                            R"(]},"subject":"Late","body":"Still delivered"})");
  });
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return entered; }));
  }
  auto stopped = std::async(std::launch::async, [this] { server_->stop(); });
  // The listener closes at once; the send is still held in the store.
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) {
    client::HttpClient fresh("127.0.0.1", port_);
    refused = !fresh.request("GET", "/healthz");
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(refused) << "a stopping server still accepts connections";
  EXPECT_EQ(stopped.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "stop() returned while a request was running";
  {
    std::lock_guard lock(mutex);
    released = true;
  }
  changed.notify_all();
  const auto response = in_flight.get();
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 201) << response->body;
  stopped.get();
  faulty_->set_hook(nullptr);
  // The message was committed, not lost with the connection.
  const auto inbox = call("GET", "/v1/inbox", {}, login("bob", "password-bob"));
  EXPECT_NE(inbox.body.find("Still delivered"), std::string::npos) << inbox.body;
  EXPECT_FALSE(idle.request("GET", "/healthz")) << "the idle connection was left open";
}

TEST_F(ServerTest, BindFailureIsUnavailable) {
  start();
  server::Server second(*engine_, bus_, server::ServerOptions{.host = "127.0.0.1", .port = port_});
  auto result = second.start();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::unavailable);
}

}  // namespace
}  // namespace missive::testing
