// MqttClient: the connection itself: resolving, connecting, the
// transport stack, reading, writing, keep alive and the end.

#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include "net/http_client.hpp"
#include "net/mqtt_client.hpp"

namespace roost::net {

using protocol::ReasonCode;

void MqttClient::start() {
  if (state_ != State::kIdle) return;
  state_ = State::kConnecting;
  auto self = shared_from_this();
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([self](std::error_code ec) {
    if (ec || self->state_ == State::kConnected || self->state_ == State::kClosed) return;
    self->fail("no answer from " + self->options_.host + " within " +
               std::to_string(self->options_.connect_timeout.count()) + " ms");
  });
  if (const auto address = hosts_file_address(options_.host)) {
    connect_to({asio::ip::tcp::endpoint(*address, options_.port)}, 0);
    return;
  }
  resolver_.async_resolve(options_.host, std::to_string(options_.port),
                          [self](std::error_code ec, const asio::ip::tcp::resolver::results_type& found) {
                            if (self->state_ != State::kConnecting) return;
                            if (ec) return self->fail("cannot resolve " + self->options_.host + ": " + ec.message());
                            std::vector<asio::ip::tcp::endpoint> endpoints;
                            for (const auto& entry : found) endpoints.push_back(entry.endpoint());
                            self->connect_to(std::move(endpoints), 0);
                          });
}

void MqttClient::connect_to(std::vector<asio::ip::tcp::endpoint> endpoints, std::size_t index) {
  if (index >= endpoints.size()) return fail("cannot connect to " + options_.host + ": " + error_);
  std::error_code ec;
  socket_.close(ec);
  const asio::ip::tcp::endpoint target = endpoints[index];
  socket_.open(target.protocol(), ec);
  if (!ec && !options_.bind_address.empty()) {
    const auto local = asio::ip::make_address(options_.bind_address, ec);
    if (!ec) socket_.bind(asio::ip::tcp::endpoint(local, 0), ec);
  }
  if (ec) {
    error_ = ec.message();
    return connect_to(std::move(endpoints), index + 1);
  }
  socket_.async_connect(
      target, [self = shared_from_this(), endpoints = std::move(endpoints), index](std::error_code ec2) mutable {
        if (self->state_ != State::kConnecting) return;
        if (ec2) {
          self->error_ = ec2.message();
          return self->connect_to(std::move(endpoints), index + 1);
        }
        self->error_.clear();
        self->on_tcp_connected();
      });
}

void MqttClient::on_tcp_connected() {
  std::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  if (options_.tls || options_.websocket) {
    transport::ClientEnd end;
    end.server_name = options_.tls_server_name.empty() ? options_.host : options_.tls_server_name;
    end.websocket = options_.websocket;
    const bool v6 = options_.host.find(':') != std::string::npos;
    end.ws_host = (v6 ? "[" + options_.host + "]" : options_.host) + ":" + std::to_string(options_.port);
    end.ws_path = options_.ws_path;
    try {
      stack_.emplace(options_.tls, std::move(end));
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    state_ = State::kHandshake;
    if (!stack_->start()) return fail(stack_->error());
    send_raw({});
    if (stack_->ready()) send_connect();
  } else {
    send_connect();
  }
  read();
}

void MqttClient::send_connect() {
  state_ = State::kWaitConnack;
  send(options_.connect);
  keep_alive_ = options_.connect.keep_alive;
}

void MqttClient::read() {
  socket_.async_read_some(asio::buffer(read_buffer_), [self = shared_from_this()](std::error_code ec, std::size_t n) {
    if (self->state_ == State::kClosed) return;
    if (n > 0) self->on_bytes(core::ByteView(self->read_buffer_.data(), n));
    if (self->state_ == State::kClosed) return;
    if (ec) {
      if (self->state_ == State::kClosing && ec == asio::error::eof) return self->shut();
      return self->fail(ec == asio::error::eof ? "the server closed the connection" : ec.message());
    }
    self->read();
  });
}

void MqttClient::on_bytes(core::ByteView bytes) {
  if (stack_) {
    mqtt_in_.clear();
    const bool was_ready = stack_->ready();
    const transport::Stack::Status status = stack_->read(bytes, mqtt_in_);
    send_raw({});  // handshake messages, pongs
    if (status == transport::Stack::Status::kError) return fail(stack_->error());
    if (!was_ready && stack_->ready() && state_ == State::kHandshake) send_connect();
    bytes = mqtt_in_;
    if (status == transport::Stack::Status::kClose && bytes.empty()) {
      if (state_ == State::kClosing) return shut();  // the answer to our DISCONNECT
      return fail(stack_->error().empty() ? "the server closed the connection" : stack_->error());
    }
  }
  while (!bytes.empty() && state_ != State::kClosed) {
    const auto got = decoder_.next(bytes, scratch_packet_);
    if (!got) {
      return fail(std::string("bad packet from the server: ") + std::string(protocol::to_string(got.error().code)));
    }
    if (!got.value()) break;
    on_packet(scratch_packet_);
  }
}

void MqttClient::send(const protocol::PacketBody& packet) {
  // Nothing follows DISCONNECT [MQTT-3.14.4-1].
  if (state_ == State::kClosed || state_ == State::kClosing) return;
  if (options_.trace) options_.trace(true, packet);
  if (!encoder_.encode(packet, frame_)) {
    return fail("cannot encode " + std::string(to_string(protocol::type_of(packet))) +
                " (a string or property this protocol version does not allow)");
  }
  send_frame();
}

void MqttClient::send_frame() {
  protocol::Frame::Buffers buffers;
  const std::size_t n = frame_.buffers(buffers);
  if (stack_) {
    if (stack_->write(std::span<const core::ByteView>(buffers.data(), n), frame_.size()) !=
        transport::Stack::Status::kOk) {
      return fail(stack_->error());
    }
    return send_raw({});
  }
  for (std::size_t i = 0; i < n; ++i) pending_.insert(pending_.end(), buffers[i].begin(), buffers[i].end());
  last_sent_ = std::chrono::steady_clock::now();
  flush();
}

void MqttClient::send_raw(core::ByteView bytes) {
  if (state_ == State::kClosed) return;
  if (stack_) {
    if (!bytes.empty()) {
      const core::ByteView piece[] = {bytes};
      if (stack_->write(piece, bytes.size()) != transport::Stack::Status::kOk) return fail(stack_->error());
    }
    transport::ByteQueue& out = stack_->output();
    const core::ByteView waiting = out.front();
    pending_.insert(pending_.end(), waiting.begin(), waiting.end());
    out.consume(waiting.size());
  } else {
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  }
  last_sent_ = std::chrono::steady_clock::now();
  flush();
}

void MqttClient::flush() {
  if (write_active_ || pending_.empty() || state_ == State::kClosed) return;
  write_active_ = true;
  writing_.swap(pending_);
  pending_.clear();
  writing_bytes_ = writing_.size();
  asio::async_write(socket_, asio::buffer(writing_), [self = shared_from_this()](std::error_code ec, std::size_t) {
    self->write_active_ = false;
    self->writing_bytes_ = 0;
    if (self->state_ == State::kClosed) return;
    if (ec) return self->fail("cannot write: " + ec.message());
    if (!self->pending_.empty()) return self->flush();
    if (self->state_ == State::kClosing) {
      std::error_code ignored;
      self->socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      return;  // the server closes; read() sees the end
    }
    self->handler_->on_drained();
    self->check_idle();
  });
}

void MqttClient::arm_keep_alive() {
  if (keep_alive_ == 0) return;
  // Checked every half keep alive: a PINGREQ when nothing went out for half
  // of it, so the client is never silent for a whole one [MQTT-3.1.2-23];
  // a server that has not answered a PINGREQ within the keep alive is gone.
  const auto half = std::chrono::milliseconds(std::uint32_t{keep_alive_} * 500);
  keep_alive_timer_.expires_after(half);
  keep_alive_timer_.async_wait([self = shared_from_this(), half](std::error_code ec) {
    if (ec || self->state_ != State::kConnected) return;
    const auto now = std::chrono::steady_clock::now();
    if (self->ping_outstanding_ && now - self->ping_sent_ >= 2 * half) {
      return self->fail("no PINGRESP from the server within the keep alive");
    }
    if (!self->ping_outstanding_ && now - self->last_sent_ >= half - std::chrono::milliseconds(50)) {
      self->ping_outstanding_ = true;
      self->ping_sent_ = now;
      self->send(protocol::Pingreq{});
    }
    self->arm_keep_alive();
  });
}

void MqttClient::disconnect(protocol::Disconnect disconnect) {
  if (state_ == State::kClosed || state_ == State::kClosing) return;
  if (state_ != State::kConnected) return close();
  send(disconnect);
  if (state_ == State::kClosed) return;  // the write failed: fail() said so
  state_ = State::kClosing;
  keep_alive_timer_.cancel();
  // A server that keeps the connection open after DISCONNECT is closed on.
  connect_timer_.expires_after(std::chrono::seconds(5));
  connect_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (!ec && self->state_ == State::kClosing) self->shut();
  });
  if (!write_active_ && pending_.empty()) {
    std::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }
}

void MqttClient::close() {
  finished_ = true;
  if (state_ == State::kClosed) return;
  error_.clear();
  shut();
}

void MqttClient::fail(std::string why, std::optional<ReasonCode> reason) {
  if (state_ == State::kClosed) return;
  if (state_ == State::kClosing) return shut();  // after our DISCONNECT any end is the expected one
  error_ = std::move(why);
  shut();
  notify(error_, reason);
}

void MqttClient::shut() {
  const bool orderly = state_ == State::kClosing;
  state_ = State::kClosed;
  std::error_code ignored;
  resolver_.cancel();
  connect_timer_.cancel();
  keep_alive_timer_.cancel();
  socket_.close(ignored);
  if (orderly) notify({}, std::nullopt);
}

void MqttClient::notify(std::string why, std::optional<ReasonCode> reason) {
  // Posted: the end may be found inside a call of the owner's (publish()
  // from an engine callback, say), which must not be re-entered.
  asio::post(io_, [self = shared_from_this(), why = std::move(why), reason] {
    if (self->finished_) return;  // close() came first
    self->finished_ = true;
    self->handler_->on_closed(why, reason);
  });
}

}  // namespace roost::net
