#pragma once
// Connection: one client's connection. Reads and decodes packets, checks
// the client's login, hands packets to the engine, encodes what the engine
// sends back and writes it in batches. TLS and WebSocket, when the
// listener has them, sit in a transport::Stack between socket and codec.
// Lives on its worker's io_context; every member function runs there.

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/authenticator.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "engine/outbox.hpp"
#include "net/listener.hpp"
#include "net/output_queue.hpp"
#include "protocol/decoder.hpp"
#include "protocol/encoder.hpp"
#include "transport/stack.hpp"

namespace roost::net {

class Server;
class Worker;
struct Link;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `link`: set for connections outside worker 0, shared with the engine's thread.
  Connection(Worker& worker, asio::ip::tcp::socket socket, core::ConnectionId id, std::string address,
             core::TimePoint now, std::shared_ptr<Link> link, std::shared_ptr<const ListenerContext> listener);

  // Starts reading.
  void start();

  core::ConnectionId id() const noexcept { return id_; }
  const std::string& address() const noexcept { return address_; }

  // --- from the engine (Server's Outbox, or its commands on other workers) ---
  void send(const protocol::PacketBody& packet);
  // A control packet the engine's thread encoded; `connack_accepted` when it is a successful CONNACK.
  void send_frame(const protocol::Frame& frame, bool connack_accepted, std::optional<std::uint16_t> server_keep_alive);
  // A posted delivery arrived: it no longer counts as on its way.
  void take_posted(std::size_t estimate) noexcept;
  bool deliver(const engine::Delivery& delivery);
  // Closes after sending DISCONNECT `reason` (5.0 only); the engine already forgot us.
  void close_from_engine(std::optional<protocol::ReasonCode> reason);

  // --- from the server ---
  // Closes connections that missed their keep alive or never sent CONNECT.
  void check_timeouts(core::TimePoint now);
  // The server is stopping (and has told the engine): DISCONNECT 0x8B (5.0), then close.
  void shut_down();
  // After a reload: ends the connection (0x87 Not authorized in 5.0) when its
  // login no longer stands: its user removed or its password changed, or
  // anonymous clients no longer allowed on its listener.
  void revalidate(const auth::Authenticator& authenticator, const std::vector<Endpoint>& listeners);

  // Flow control: a paused publisher is not read until the subscribers it
  // feeds drain; resume() starts reading again.
  bool paused() const noexcept { return paused_; }
  void pause() noexcept { paused_ = true; }
  void resume();
  // The engine caught up with this worker (see Worker::defer()): read again.
  void resume_reading();

 private:
  enum class State : std::uint8_t { kAwaitingConnect, kConnected, kClosing, kClosed };

  // reading (connection_io.cpp)
  void wait_readable();
  void on_readable();
  // Decodes and dispatches `input`; false when the connection stopped
  // taking packets (closed, or waiting for a login: the rest is kept).
  bool consume(core::ByteView input, core::TimePoint now);
  // After reading (or replaying what waited for a login): read on, or
  // wait (paused by flow control, or for the engine to catch up).
  void after_reading();
  bool readable_state() const noexcept { return state_ == State::kAwaitingConnect || state_ == State::kConnected; }

  void dispatch(protocol::Packet& packet, core::TimePoint now);
  void on_connect(protocol::Packet& packet, core::TimePoint now);
  void on_publish(protocol::Packet& packet, core::TimePoint now);
  void on_decode_error(const protocol::DecodeError& error);
  // Tells the engine the connection ended without DISCONNECT.
  void engine_lost(core::TimePoint now);

  // login (connection_login.cpp)
  void login(protocol::Packet& packet, core::TimePoint now);
  void check_password(std::string username, std::string password);
  // `reading`: called from within a read (the answer was known at once).
  void on_login(std::optional<std::string> username, auth::LoginOutcome outcome, bool reading = false);
  // Hands the CONNECT to the engine, then reads on.
  void connect_engine(protocol::Packet packet, std::optional<std::string> username, core::TimePoint now);
  void refuse_login(protocol::ReasonCode reason, std::string_view why, core::Duration delay);

  // writing (connection_io.cpp)
  void queue(const protocol::Frame& frame);
  void schedule_flush();
  void flush();
  void flush_stack();
  void on_written(const std::error_code& ec, std::size_t bytes);
  void output_changed() noexcept;
  std::size_t output_size() const noexcept;

  // Stops reading, lets queued output drain, then closes. `tell_engine`:
  // report connection_lost (not after DISCONNECT or an engine close).
  void close_gracefully(bool tell_engine);
  void close_now();

  Server& server() const noexcept;
  Worker& worker_;
  std::shared_ptr<Link> link_;  // null on worker 0
  asio::ip::tcp::socket socket_;
  core::ConnectionId id_;
  std::string address_;
  std::shared_ptr<const ListenerContext> listener_;
  std::unique_ptr<transport::Stack> stack_;  // TLS and/or WebSocket; null for plain TCP
  State state_ = State::kAwaitingConnect;
  core::TimePoint last_activity_;  // last packet in; once closing, when closing began
  std::uint16_t keep_alive_ = 0;   // seconds; 0: none

  protocol::Decoder decoder_;
  std::optional<protocol::Encoder> encoder_;

  // What there is to write, and the iovecs of the write in flight. Allocated
  // while there is something to write; an idle connection has none.
  struct Output {
    OutputQueue queue;
    std::vector<asio::const_buffer> iov;
    // With a transport stack: the bytes of the write in flight, taken out of
    // the stack's output so that nothing appended meanwhile (a pong, a TLS
    // reply) can move them.
    std::vector<std::uint8_t> wire;
    std::size_t wire_sent = 0;
  };
  std::unique_ptr<Output> output_;
  bool writing_ = false;
  bool flush_scheduled_ = false;
  bool reading_ = false;
  bool paused_ = false;
  bool deferred_ = false;      // waiting for the engine to catch up (Worker::defer)
  bool stack_closed_ = false;  // the WebSocket close frame / TLS close_notify is queued

  // The login: a CONNECT waiting for it to be checked (with the bytes that
  // came after it, replayed once it is through), and then who logged in
  // with a password or certificate, checked again after a reload. Null:
  // nothing pending and an anonymous client (most clients: one pointer).
  struct LoginState {
    struct Pending {
      protocol::Packet connect;
      std::vector<std::uint8_t> rest;
      std::optional<asio::steady_timer> timer;  // the throttle's wait, or the refusal's delay
    };
    std::unique_ptr<Pending> pending;  // while the check runs (a Packet is 824 bytes: not kept after)
    std::string username;
    std::uint64_t credential = 0;  // 0: no password vouched for the name
    bool certificate = false;      // the name came from a verified client certificate
  };
  std::unique_ptr<LoginState> login_;
  bool login_pending() const noexcept { return login_ && login_->pending; }

  // 5.0 Topic Aliases: the client's (index = alias - 1) and ours.
  std::unique_ptr<std::vector<core::SharedBytes>> inbound_aliases_;  // when the client uses any
  std::uint16_t inbound_alias_maximum_ = 0;  // as announced at CONNECT (a reload does not change it)
  std::uint8_t pending_pings_ = 0;           // PINGREQs that came before CONNACK (other workers)
  std::uint16_t outbound_alias_maximum_ = 0;
  struct TopicHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view topic) const noexcept { return std::hash<std::string_view>{}(topic); }
  };
  using OutboundAliases = std::unordered_map<std::string, std::uint16_t, TopicHash, std::equal_to<>>;
  std::unique_ptr<OutboundAliases> outbound_aliases_;  // when the client allows any
};

}  // namespace roost::net
