#pragma once
// MqttClient: one outgoing MQTT connection (3.1, 3.1.1 or 5.0) over TCP,
// TLS, WebSocket or WebSocket over TLS, asynchronous on one io_context, on
// the broker's own codec. It serves `roost pub`, `roost sub` and the
// bridges. One object is one connection: it does not reconnect (a bridge
// makes a new one; what was in flight is the session's to resend).
//
// Every call and every handler runs on the io_context's thread. The client
// keeps itself alive while I/O is pending; close() ends it at once.

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/shared_bytes.hpp"
#include "protocol/decoder.hpp"
#include "protocol/encoder.hpp"
#include "protocol/packet.hpp"
#include "transport/stack.hpp"

namespace roost::net {

struct MqttClientOptions {
  std::string host = "localhost";
  std::uint16_t port = 1883;
  std::string bind_address;                          // local address to connect from ("": any)
  std::shared_ptr<const transport::TlsContext> tls;  // null: no TLS
  std::string tls_server_name;                       // SNI and certificate check ("": host)
  bool websocket = false;
  std::string ws_path = "/mqtt";
  // The CONNECT to send. Its views (client id, will, credentials,
  // properties) must outlive the client.
  protocol::Connect connect;
  std::chrono::milliseconds connect_timeout{10'000};  // TCP, TLS, WebSocket and CONNACK together
  std::uint32_t maximum_packet_size = protocol::kMaxPacketSizeLimit;
  // true: incoming QoS 1/2 PUBLISHes are not acknowledged by the client:
  // the handler calls acknowledge() (PUBACK or PUBREC) and, for PUBREL,
  // release() (PUBCOMP). A bridge acknowledges once the message is stored.
  bool manual_acks = false;
  // Called with every packet sent (true) and received (false): the tools' -d.
  std::function<void(bool sent, const protocol::PacketBody& packet)> trace;
};

class MqttClient : public std::enable_shared_from_this<MqttClient> {
 public:
  struct Handler {
    virtual ~Handler() = default;
    // CONNACK arrived with success: publish and subscribe may start.
    virtual void on_connected(const protocol::Connack& connack) = 0;
    // An incoming PUBLISH (a QoS 2 message once, however often it is resent).
    virtual void on_message(const protocol::Packet& publish) = 0;
    // manual_acks: the server released QoS 2 message `packet_id` (PUBREL).
    virtual void on_release(std::uint16_t /*packet_id*/) {}
    // All output was written (after a write): a sender held back may go on.
    virtual void on_drained() {}
    // The connection ended: `why` is empty once disconnect() completed;
    // `reason` is a refusing CONNACK's or the server's DISCONNECT's code.
    // Called after the handler in which the end was found (never from
    // inside a call to the client); not called after close().
    virtual void on_closed(const std::string& why, std::optional<protocol::ReasonCode> reason) = 0;
  };
  // The server took a QoS 1/2 publish: PUBACK, or PUBREC for QoS 2 (PUBREL
  // and PUBCOMP then follow by themselves), with its reason code. Not
  // called when the connection ends first.
  using AckDone = std::function<void(protocol::ReasonCode)>;
  using SubackDone = std::function<void(const protocol::Suback&)>;
  using UnsubackDone = std::function<void(const protocol::Unsuback&)>;

  // `handler` must outlive the client (or call close() before it goes).
  static std::shared_ptr<MqttClient> create(asio::io_context& io, MqttClientOptions options, Handler& handler);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Resolves, connects, runs the TLS and WebSocket handshakes and sends CONNECT.
  void start();

  // Sends a PUBLISH. For QoS 1/2 its packet id is assigned here, or, when
  // `publish.packet_id` is set, that one is used (a bridge keeps the ids of
  // its local session, so a resent message keeps its id [MQTT-4.4.0-1]).
  // The QoS is capped at the server's Maximum QoS and the retain flag
  // dropped when it has no retained messages; a message so made QoS 0 runs
  // `done` after the current handler. Topic, payload and properties are
  // copied. Messages beyond the server's Receive Maximum wait here. False
  // (nothing sent) when not connected, when the packet identifier is in
  // use or none is free, or when the packet is larger than the server's
  // Maximum Packet Size (error() says which).
  bool publish(const protocol::Publish& publish, AckDone done = {});
  bool subscribe(const protocol::Subscribe& subscribe, SubackDone done);
  bool unsubscribe(const protocol::Unsubscribe& unsubscribe, UnsubackDone done);
  // manual_acks: releases an outgoing QoS 2 message after its PUBREC (or
  // one a previous connection left released, its id kept by the server's
  // session [MQTT-4.4.0-1]): sends PUBREL; `completed` runs at PUBCOMP.
  void release_outgoing(std::uint16_t packet_id, AckDone completed);
  // manual_acks: answers an incoming QoS 1 (PUBACK) or QoS 2 (PUBREC) PUBLISH.
  void acknowledge(std::uint16_t packet_id, protocol::QoS qos,
                   protocol::ReasonCode reason = protocol::ReasonCode::kSuccess);
  // manual_acks: answers a PUBREL (PUBCOMP).
  void release(std::uint16_t packet_id, protocol::ReasonCode reason = protocol::ReasonCode::kSuccess);

  // Sends DISCONNECT once everything queued is written, then closes.
  void disconnect(protocol::Disconnect disconnect = {});
  // Ends the connection now, without DISCONNECT (the will is published).
  void close();

  // Runs `f` once no QoS 1/2 publish waits for its acknowledgement and all
  // output is written (at once if that is already so).
  void when_idle(std::function<void()> f);

  bool connected() const noexcept { return state_ == State::kConnected; }
  // Over: closed, and the handler told (or close() was called).
  bool finished() const noexcept { return finished_; }
  // Publishes that wait for an acknowledgement or for room under Receive Maximum.
  std::size_t unacknowledged() const noexcept { return inflight_.size() + waiting_.size(); }
  // Bytes queued for the socket.
  std::size_t output_bytes() const noexcept { return pending_.size() + writing_bytes_; }
  const protocol::Connack& connack() const noexcept { return connack_; }
  protocol::ProtocolVersion version() const noexcept { return options_.connect.version; }
  const std::string& error() const noexcept { return error_; }

 private:
  enum class State : std::uint8_t { kIdle, kConnecting, kHandshake, kWaitConnack, kConnected, kClosing, kClosed };
  struct Inflight {
    std::vector<std::uint8_t> bytes;  // the encoded PUBLISH, until it is sent
    protocol::QoS qos = protocol::QoS::k1;
    bool received = false;  // QoS 2: PUBREC came
    bool released = false;  // QoS 2: PUBREL sent
    AckDone done;           // PUBACK, or PUBREC
    AckDone completed;      // PUBCOMP (manual_acks)
  };

  MqttClient(asio::io_context& io, MqttClientOptions options, Handler& handler);

  void connect_to(std::vector<asio::ip::tcp::endpoint> endpoints, std::size_t index);
  void on_tcp_connected();
  void send_connect();
  void read();
  void on_bytes(core::ByteView bytes);
  void on_packet(protocol::Packet& packet);
  void on_connack(const protocol::Connack& connack);
  void on_publish(protocol::Packet& packet);
  void on_puback(std::uint16_t id, protocol::ReasonCode reason, bool complete);
  void on_pubrec(const protocol::Pubrec& ack);
  void send(const protocol::PacketBody& packet);
  // frame_, to the socket (through the Stack when there is one).
  void send_frame();
  // Bytes already encoded (through the Stack when there is one); with none,
  // just what the Stack has to send (handshakes, pongs).
  void send_raw(core::ByteView bytes);
  void flush();
  void fill_window();
  std::optional<std::uint16_t> take_packet_id();
  void arm_keep_alive();
  void check_idle();
  void fail(std::string why, std::optional<protocol::ReasonCode> reason = std::nullopt);
  void shut();
  // Tells the handler the connection ended, after the current handler.
  void notify(std::string why, std::optional<protocol::ReasonCode> reason);

  asio::io_context& io_;
  MqttClientOptions options_;
  Handler* handler_;
  asio::ip::tcp::resolver resolver_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer connect_timer_;
  asio::steady_timer keep_alive_timer_;
  std::optional<transport::Stack> stack_;
  protocol::Encoder encoder_;
  protocol::Decoder decoder_;
  State state_ = State::kIdle;
  std::string error_;
  protocol::Connack connack_;
  protocol::Packet scratch_packet_;
  std::vector<std::uint8_t> mqtt_in_;  // bytes out of the Stack
  std::array<std::uint8_t, std::size_t{16} * 1024> read_buffer_{};
  std::vector<std::uint8_t> pending_;  // bytes for the socket
  std::vector<std::uint8_t> writing_;  // bytes being written
  std::size_t writing_bytes_ = 0;
  bool write_active_ = false;
  protocol::Frame frame_;

  std::uint16_t receive_maximum_ = 65535;  // the server's
  std::uint32_t server_maximum_packet_ = protocol::kMaxPacketSizeLimit;
  std::uint16_t next_id_ = 1;
  std::set<std::uint16_t> used_ids_;                        // publish, subscribe and unsubscribe ids in use
  std::map<std::uint16_t, Inflight> inflight_;              // sent, waiting for the server
  std::deque<std::pair<std::uint16_t, Inflight>> waiting_;  // beyond Receive Maximum
  std::map<std::uint16_t, SubackDone> subscribes_;
  std::map<std::uint16_t, UnsubackDone> unsubscribes_;
  std::set<std::uint16_t> incoming_qos2_;  // PUBREC sent, PUBREL awaited
  std::chrono::steady_clock::time_point last_sent_;
  bool ping_outstanding_ = false;
  std::chrono::steady_clock::time_point ping_sent_;
  std::uint16_t keep_alive_ = 0;  // the one in force (the server's, when it named one)
  std::vector<std::function<void()>> idle_waiters_;
  bool finished_ = false;
};

}  // namespace roost::net
