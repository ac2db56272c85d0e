#include "ws_test_client.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace missive::itest {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct WsTestClient::Impl {
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  websocket::stream<beast::tcp_stream> ws{ioc};
  std::thread thread;
  beast::flat_buffer buffer;
  std::string refusal;

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::string> frames;  // guarded by mutex
  bool closed = false;             // guarded by mutex
  int close_code = 0;              // guarded by mutex

  void do_read() {
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
      std::lock_guard lock(mutex);
      if (ec) {
        closed = true;
        close_code = ws.reason().code != 0 ? ws.reason().code : 1006;
      } else {
        frames.push_back(beast::buffers_to_string(buffer.data()));
        buffer.consume(buffer.size());
      }
      changed.notify_all();
      if (!ec) {
        net::post(ioc, [this] { do_read(); });
      }
    });
  }
};

WsTestClient::WsTestClient() : impl_(std::make_unique<Impl>()) {}

WsTestClient::~WsTestClient() {
  impl_->work.reset();
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int WsTestClient::connect(std::uint16_t port, const std::string& token,
                          WsConnectOptions options) {
  auto& impl = *impl_;
  auto& socket = beast::get_lowest_layer(impl.ws).socket();
  socket.open(tcp::v4());
  if (options.receive_buffer > 0) {
    socket.set_option(net::socket_base::receive_buffer_size(options.receive_buffer));
  }
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  if (options.send_token_header && !token.empty()) {
    impl.ws.set_option(websocket::stream_base::decorator(
        [token](websocket::request_type& request) {
          request.set(beast::http::field::authorization, "Bearer " + token);
        }));
  }
  impl.ws.read_message_max(64u << 20);
  // The asynchronous handshake: Boost 1.74's synchronous one leaves `response` empty when the
  // upgrade is refused.
  websocket::response_type response;
  beast::error_code ec;
  bool done = false;
  impl.ws.async_handshake(response, "127.0.0.1", options.target, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  while (!done) impl.ioc.run_one();
  if (ec) {
    impl.refusal = response.body();
    return response.result_int() != 0 ? static_cast<int>(response.result_int()) : -1;
  }
  impl.thread = std::thread([&impl] { impl.ioc.run(); });
  if (options.read) start_reading();
  return 101;
}

const std::string& WsTestClient::refusal_body() const { return impl_->refusal; }

bool WsTestClient::send(const std::string& text, bool binary) {
  auto& impl = *impl_;
  std::promise<bool> done;
  net::post(impl.ioc, [&] {
    impl.ws.text(!binary);
    impl.ws.async_write(net::buffer(text),
                        [&](beast::error_code ec, std::size_t) { done.set_value(!ec); });
  });
  return done.get_future().get();
}

bool WsTestClient::send_fragment(const std::string& text, bool fin) {
  auto& impl = *impl_;
  std::promise<bool> done;
  net::post(impl.ioc, [&] {
    impl.ws.text(true);
    impl.ws.async_write_some(fin, net::buffer(text),
                             [&](beast::error_code ec, std::size_t) { done.set_value(!ec); });
  });
  return done.get_future().get();
}

void WsTestClient::start_reading() {
  net::post(impl_->ioc, [this] { impl_->do_read(); });
}

std::optional<std::string> WsTestClient::receive(std::chrono::milliseconds timeout) {
  auto& impl = *impl_;
  std::unique_lock lock(impl.mutex);
  impl.changed.wait_for(lock, timeout, [&] { return !impl.frames.empty() || impl.closed; });
  if (impl.frames.empty()) return std::nullopt;
  auto frame = std::move(impl.frames.front());
  impl.frames.pop_front();
  return frame;
}

int WsTestClient::wait_closed(std::chrono::milliseconds timeout) {
  auto& impl = *impl_;
  std::unique_lock lock(impl.mutex);
  impl.changed.wait_for(lock, timeout, [&] { return impl.closed; });
  return impl.closed ? impl.close_code : 0;
}

}  // namespace missive::itest
