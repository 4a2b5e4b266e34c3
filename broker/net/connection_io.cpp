// Connection: reading and writing, through the transport stack when the
// listener has TLS or WebSocket.

#include <asio/write.hpp>

#include "net/connection.hpp"
#include "net/server.hpp"
#include "net/worker.hpp"

namespace roost::net {

namespace {

// Reads per wake-up before giving other connections a turn.
constexpr int kReadsPerWakeup = 4;
// iovecs per write (Linux IOV_MAX is 1024).
constexpr std::size_t kMaxIov = 256;

// A buffer sequence over memory the connection owns for the write's duration.
struct BufferView {
  const asio::const_buffer* data;
  std::size_t size;
  const asio::const_buffer* begin() const noexcept { return data; }
  const asio::const_buffer* end() const noexcept { return data + size; }
};

}  // namespace

void Connection::wait_readable() {
  if (reading_ || !readable_state() || login_pending()) return;
  reading_ = true;
  // Wait for data without a buffer: an idle connection holds no read memory.
  socket_.async_wait(asio::ip::tcp::socket::wait_read, [self = shared_from_this()](const std::error_code& ec) {
    self->reading_ = false;
    if (ec) {
      if (self->state_ != State::kClosed && ec != asio::error::operation_aborted) self->close_now();
      return;
    }
    self->on_readable();
  });
}

void Connection::on_readable() {
  std::vector<std::uint8_t>& buffer = worker_.read_buffer();
  const auto engine_busy = [this] { return link_ && worker_.engine_busy(); };
  for (int i = 0; i < kReadsPerWakeup && !paused_ && !engine_busy() && readable_state() && !login_pending(); ++i) {
    std::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) {
      // EOF or a network error: the client went away without DISCONNECT.
      if (worker_.settings().connection_messages && state_ == State::kConnected) {
        server().log().log(core::LogType::kNotice, core::str_cat("Client ", address_, " disconnected: ", ec.message()));
      }
      close_now();
      return;
    }
    worker_.counters.bytes_received += n;
    const core::TimePoint now = server().now();
    core::ByteView input(buffer.data(), n);
    if (stack_) {
      std::vector<std::uint8_t>& plain = worker_.plain_buffer();
      plain.clear();
      const transport::Stack::Status status = stack_->read(input, plain);
      if (!stack_->output().empty()) schedule_flush();  // handshake answers, pongs
      // What came before a close (a last PUBLISH and DISCONNECT, then
      // close_notify in one read) is taken first.
      bool more = true;
      if (!plain.empty() && status != transport::Stack::Status::kError) {
        last_activity_ = now;
        more = consume(plain, now);
      }
      if (status != transport::Stack::Status::kOk && state_ != State::kClosed) {
        if (status == transport::Stack::Status::kError || worker_.settings().connection_messages) {
          server().log().log(core::LogType::kNotice,
                             core::str_cat("Closing connection from ", address_, ": ",
                                           stack_->error().empty() ? "the client closed it" : stack_->error()));
        }
        if (status == transport::Stack::Status::kError) return close_now();
        return close_gracefully(true);
      }
      if (!more) return;
    } else {
      last_activity_ = now;
      if (!consume(input, now)) return;
    }
    if (n < buffer.size()) break;  // drained the socket
  }
  after_reading();
}

void Connection::after_reading() {
  const auto engine_busy = [this] { return link_ && worker_.engine_busy(); };
  if (!readable_state() || login_pending()) return;
  if (paused_) {
    if (!link_) server().pause(shared_from_this());  // the engine's thread resumes it (others get a command)
  } else if (engine_busy()) {
    deferred_ = true;
    worker_.defer(shared_from_this());
  } else {
    wait_readable();
  }
  if (!link_) server().resume_if_clear();
}

bool Connection::consume(core::ByteView input, core::TimePoint now) {
  // One Packet for every connection (one thread): a connection keeps no
  // 824-byte packet of its own while idle.
  protocol::Packet& packet = worker_.scratch_packet();
  while (!input.empty() && readable_state()) {
    if (login_pending()) {
      // The login is being checked: what follows CONNECT waits for it.
      login_->pending->rest.insert(login_->pending->rest.end(), input.begin(), input.end());
      return false;
    }
    auto status = decoder_.next(input, packet);
    if (!status) {
      on_decode_error(status.error());
      return false;
    }
    if (!*status) break;
    ++worker_.counters.packets_received;
    dispatch(packet, now);
  }
  return readable_state() && !login_pending();
}

void Connection::resume_reading() {
  deferred_ = false;
  if (!paused_) wait_readable();
}

void Connection::resume() {
  if (!paused_) return;
  paused_ = false;
  wait_readable();
}

std::size_t Connection::output_size() const noexcept {
  if (!output_) return stack_ ? stack_->output().size() : 0;
  return output_->queue.size() + (output_->wire.size() - output_->wire_sent) + (stack_ ? stack_->output().size() : 0);
}

void Connection::queue(const protocol::Frame& frame) {
  if (!output_) output_ = std::make_unique<Output>();
  output_->queue.append(frame);
  ++worker_.counters.packets_sent;
  if (link_) link_->output.store(output_size(), std::memory_order_relaxed);
  schedule_flush();
}

void Connection::schedule_flush() {
  if (flush_scheduled_ || writing_) return;
  flush_scheduled_ = true;
  // Runs after the handlers already due: everything queued meanwhile leaves in one write.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->flush_scheduled_ = false;
    self->flush();
  });
}

void Connection::flush() {
  if (writing_ || state_ == State::kClosed) return;
  if (stack_) return flush_stack();
  if (output_size() == 0) {
    if (state_ == State::kClosing) close_now();
    return;
  }
  std::vector<core::ByteView>& pieces = worker_.scratch_pieces();
  output_->queue.prepare(pieces, kMaxIov);
  std::vector<asio::const_buffer>& iov = output_->iov;
  iov.clear();
  for (const core::ByteView p : pieces) iov.emplace_back(p.data(), p.size());
  writing_ = true;
  // A view of the iovecs, so the operation does not copy (allocate) the vector.
  socket_.async_write_some(
      BufferView{iov.data(), iov.size()},
      [self = shared_from_this()](const std::error_code& ec, std::size_t n) { self->on_written(ec, n); });
}

void Connection::flush_stack() {
  // MQTT bytes go through the layers (framed, encrypted) into the stack's
  // output, which is what the socket writes. Nothing is encrypted before
  // the handshakes are done: it waits in the queue.
  if (output_ && !output_->queue.empty() && stack_->ready()) {
    std::vector<core::ByteView>& pieces = worker_.scratch_pieces();
    while (!output_->queue.empty()) {
      output_->queue.prepare(pieces, kMaxIov);
      std::size_t total = 0;
      for (const core::ByteView p : pieces) total += p.size();
      if (stack_->write(pieces, total) != transport::Stack::Status::kOk) {
        server().log().log(core::LogType::kNotice,
                           core::str_cat("Closing connection from ", address_, ": ", stack_->error()));
        return close_now();
      }
      output_->queue.consume(total);
    }
  }
  // Closing: the layers' goodbyes go after the last MQTT bytes.
  if (state_ == State::kClosing && !stack_closed_ && (!output_ || output_->queue.empty())) {
    stack_->close();
    stack_closed_ = true;
  }
  if (!output_) output_ = std::make_unique<Output>();
  Output& o = *output_;
  if (o.wire_sent == o.wire.size()) {
    stack_->output().take(o.wire);
    o.wire_sent = 0;
  }
  if (o.wire.empty()) {
    if (state_ == State::kClosing) close_now();
    return;
  }
  writing_ = true;
  socket_.async_write_some(asio::buffer(o.wire.data() + o.wire_sent, o.wire.size() - o.wire_sent),
                           [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                             if (!ec) self->output_->wire_sent += n;
                             self->on_written(ec, ec ? 0 : n);
                           });
}

void Connection::on_written(const std::error_code& ec, std::size_t bytes) {
  writing_ = false;
  if (ec) {
    if (state_ != State::kClosed) close_now();
    return;
  }
  worker_.counters.bytes_sent += bytes;
  if (!stack_) output_->queue.consume(bytes);
  // Room again: the engine may have messages waiting for it (QoS 0 paced by output).
  if (link_) {
    output_changed();
  } else if (state_ == State::kConnected && output_size() < worker_.settings().max_output_buffer / 2) {
    server().engine().writable(id_, server().now());
  }
  flush();
}

void Connection::output_changed() noexcept {
  if (!link_) return;
  // seq_cst, paired with Server::deliver(): see there.
  link_->output.store(output_size());
  if (state_ == State::kConnected && output_size() < worker_.settings().max_output_buffer / 2 &&
      link_->wants_room.exchange(false)) {
    worker_.to_engine(EngineCall{EngineCall::Kind::kWritable, id_, server().now()});
  }
}

}  // namespace roost::net
