#pragma once
// Bridge: a connection from this broker to another, carrying the topics
// its configuration lists in, out or both ways (Mosquitto's bridges).
//
// Each bridge is two clients joined on the engine's thread:
// - the remote end, an MqttClient to the other broker (TCP or TLS, one
//   address after another on failure, reconnecting with exponential backoff
//   and jitter);
// - the local end, a LocalPeer session of this broker's engine with a
//   client id of its own, persistent (never expires), subscribed to the
//   `out` topics with No Local (so what came in never goes back out).
// The local session is online only while the remote end is connected:
// while the remote is away the engine queues QoS 1/2 messages for it,
// bounded by max_queued_messages and kept by the store, and resends what
// was in flight when it comes back. A local message is acknowledged only
// once the remote broker has it (PUBACK, or PUBREC for QoS 2), and a remote
// one only once this broker has it: no QoS 1/2 message is lost, and QoS 2
// is not duplicated.
//
// The state is published retained on the notification topic ("1"
// connected, "0" not), locally and (unless notifications_local_only) on
// the remote broker, where a will says "0" if the bridge vanishes.

#include <asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/mqtt_client.hpp"
#include "net/server.hpp"

namespace roost::bridge {

class Bridge final : public net::LocalPeer, public net::MqttClient::Handler {
 public:
  // `tls`: the client context built from settings.tls (null: plain TCP).
  Bridge(net::Server& server, config::BridgeSettings settings, std::shared_ptr<const transport::TlsContext> tls);
  ~Bridge() override;
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  // Engine thread. Starts connecting (automatic, once) or watching the queue (lazy).
  void start();
  // Engine thread. Publishes "0", disconnects and stops reconnecting.
  void stop();

  const std::string& name() const noexcept { return settings_.name; }
  bool connected() const noexcept { return client_ && client_->connected() && local_ready_; }

  // --- net::LocalPeer (the engine talking to the local end) ---
  void send(const protocol::PacketBody& packet) override;
  bool deliver(const engine::Delivery& delivery) override;
  void closed_by_engine(std::optional<protocol::ReasonCode> reason) override;

  // --- net::MqttClient::Handler (the remote broker) ---
  void on_connected(const protocol::Connack& connack) override;
  void on_message(const protocol::Packet& publish) override;
  void on_release(std::uint16_t packet_id) override;
  void on_closed(const std::string& why, std::optional<protocol::ReasonCode> reason) override;
  void on_drained() override;

 private:
  void connect();
  void schedule_reconnect();
  // The remote is connected and subscribed: the local end joins.
  void local_up();
  void attach_local();
  void detach_local();
  void publish_state(bool up);
  void watch();  // lazy: connect past the threshold, disconnect when idle
  // The remote topic for a local one (out), and the local topic for a remote one (in).
  std::optional<std::string> to_remote(std::string_view local_topic) const;
  std::optional<std::string> to_local(std::string_view remote_topic) const;
  std::size_t local_queue() const;

  net::Server& server_;
  config::BridgeSettings settings_;
  std::shared_ptr<const transport::TlsContext> tls_;
  std::shared_ptr<net::MqttClient> client_;
  asio::steady_timer retry_;
  asio::steady_timer watch_;
  std::mt19937 random_;
  std::size_t address_ = 0;  // the address tried now
  unsigned failures_ = 0;    // in a row, for the backoff
  bool stopping_ = false;
  bool started_once_ = false;            // start_type once: no second connection
  core::ConnectionId local_{};           // the engine's id for the local end (kNone: detached)
  bool local_ready_ = false;             // the local CONNACK came
  bool remote_session_ = false;          // the remote kept the bridge's session
  bool blocked_ = false;                 // a QoS 0 message found the remote's output full
  std::vector<protocol::Packet> early_;  // remote messages before the local end was up
  std::vector<std::uint16_t> early_releases_;
  std::vector<std::uint16_t> forgotten_;  // incoming QoS 2 ids the remote no longer knows
  core::TimePoint last_traffic_{};
  // Strings the CONNECT's views point into.
  std::string will_payload_ = "0";
  std::vector<std::uint8_t> password_;
};

// Every [[bridge]] of a configuration, for the app to start and stop.
class Bridges {
 public:
  // Throws std::runtime_error naming the bridge when its TLS files cannot be loaded.
  Bridges(net::Server& server, const std::vector<config::BridgeSettings>& settings);
  // Engine thread (posts itself there): starts them all; they stop by themselves when the server stops.
  void start();
  std::size_t size() const noexcept { return bridges_.size(); }

 private:
  net::Server& server_;
  std::vector<std::unique_ptr<Bridge>> bridges_;
};

}  // namespace roost::bridge
