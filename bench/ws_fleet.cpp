#include "ws_fleet.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace missive::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

struct WsFleet::Impl {
  struct Device : std::enable_shared_from_this<Device> {
    Device(Impl& owner, std::size_t at, std::string bearer)
        : fleet(owner), index(at), token(std::move(bearer)), ws(owner.ioc) {}

    void start() {
      beast::get_lowest_layer(ws).async_connect(
          fleet.endpoint, [self = shared_from_this()](beast::error_code ec) {
            if (ec) return self->fleet.failed("connect: " + ec.message());
            self->handshake();
          });
    }

    void handshake() {
      ws.set_option(websocket::stream_base::decorator([this](websocket::request_type& req) {
        req.set(beast::http::field::authorization, "Bearer " + token);
      }));
      ws.async_handshake(fleet.host, "/ws", [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->fleet.failed("handshake: " + ec.message());
        self->ws.text(true);
        self->fleet.handshake_done();
        self->read();
      });
    }

    void read() {
      ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return;  // closed: the benchmark counts what arrived
        const auto data = self->buffer.cdata();
        self->fleet.on_frame(self->index,
                             std::string_view(static_cast<const char*>(data.data()), data.size()));
        self->buffer.consume(self->buffer.size());
        self->read();
      });
    }

    // On the fleet's thread: one write at a time, in order.
    void enqueue(std::string text) {
      outbox.push_back(std::move(text));
      if (outbox.size() == 1) write_next();
    }

    void write_next() {
      ws.async_write(net::buffer(outbox.front()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return;  // closed: the benchmark counts what was answered
                       self->outbox.pop_front();
                       if (!self->outbox.empty()) self->write_next();
                     });
    }

    Impl& fleet;
    std::size_t index;
    std::deque<std::string> outbox;
    std::string token;
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
  };

  Impl(std::string h, std::uint16_t port, OnFrame f)
      : host(std::move(h)),
        endpoint(net::ip::make_address(host), port),
        on_frame(std::move(f)),
        work(net::make_work_guard(ioc)),
        thread([this] { ioc.run(); }) {}

  void failed(const std::string& why) {
    std::lock_guard lock(mutex);
    if (error.empty()) error = why;
    --pending;
    cv.notify_all();
  }

  void handshake_done() {
    ++open;
    std::lock_guard lock(mutex);
    --pending;
    cv.notify_all();
  }

  std::string host;
  tcp::endpoint endpoint;
  OnFrame on_frame;
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work;
  std::vector<std::shared_ptr<Device>> devices;  // touched by connect() before their start
  std::atomic<std::size_t> open{0};
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t pending = 0;  // guarded by mutex: handshakes under way
  std::string error;        // guarded by mutex: the first failure
  std::thread thread;
};

WsFleet::WsFleet(std::string host, std::uint16_t port, OnFrame on_frame)
    : impl_(std::make_unique<Impl>(std::move(host), port, std::move(on_frame))) {}

WsFleet::~WsFleet() { stop(); }

void WsFleet::connect(const std::vector<std::string>& tokens, std::size_t in_flight) {
  for (const std::string& token : tokens) {
    {
      std::unique_lock lock(impl_->mutex);
      impl_->cv.wait(lock, [&] { return impl_->pending < in_flight; });
      if (!impl_->error.empty()) throw std::runtime_error(impl_->error);
      ++impl_->pending;
    }
    auto device = std::make_shared<Impl::Device>(*impl_, impl_->devices.size(), token);
    impl_->devices.push_back(device);
    net::post(impl_->ioc, [device] { device->start(); });
  }
  std::unique_lock lock(impl_->mutex);
  impl_->cv.wait(lock, [&] { return impl_->pending == 0; });
  if (!impl_->error.empty()) throw std::runtime_error(impl_->error);
}

std::size_t WsFleet::connected() const { return impl_->open.load(); }

void WsFleet::send(std::size_t device, std::string text) {
  auto target = impl_->devices.at(device);
  net::post(impl_->ioc, [target = std::move(target), text = std::move(text)]() mutable {
    target->enqueue(std::move(text));
  });
}

void WsFleet::stop() {
  if (!impl_->thread.joinable()) return;
  net::post(impl_->ioc, [this] {
    for (auto& device : impl_->devices) {
      beast::error_code ignored;
      beast::get_lowest_layer(device->ws).socket().close(ignored);
    }
  });
  impl_->work.reset();
  impl_->thread.join();
  impl_->devices.clear();
}

}  // namespace missive::bench
