#pragma once
// Drives an Engine without sockets: a recording Outbox, packet builders and
// a fake clock. Each test names the spec clause it checks.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/engine.hpp"
#include "protocol/decoder.hpp"
#include "protocol/encoder.hpp"

namespace roost::engine::test {

using core::ConnectionId;
using protocol::ProtocolVersion;
using protocol::QoS;
using protocol::ReasonCode;

// What the engine sent to one connection, in order, decoded back as the
// client would see it (so the tests check the bytes a client gets).
struct Recorded {
  std::vector<protocol::Packet> packets;
  bool closed = false;
  std::optional<ReasonCode> close_reason;
};

class RecordingOutbox : public Outbox {
 public:
  std::map<ConnectionId, Recorded> connections;
  std::map<ConnectionId, ProtocolVersion> versions;
  bool refuse_qos0 = false;  // simulate a full output buffer

  void send(ConnectionId c, const protocol::PacketBody& packet) override { record(c, packet_frame(c, packet)); }
  bool deliver(ConnectionId c, const Delivery& d) override {
    if (refuse_qos0 && d.qos == QoS::k0) return false;
    const protocol::Publish p = publish_of(d, version(c) == ProtocolVersion::kV5);
    protocol::Frame frame;
    const auto ok = protocol::Encoder(protocol::Role::kServer, version(c))
                        .encode_forward(p, d.message->bytes(), frame, d.message->properties());
    EXPECT_TRUE(ok.has_value());
    record(c, frame);
    return true;
  }
  void close(ConnectionId c, std::optional<ReasonCode> reason) override {
    connections[c].closed = true;
    connections[c].close_reason = reason;
  }

  ProtocolVersion version(ConnectionId c) const {
    const auto it = versions.find(c);
    return it == versions.end() ? ProtocolVersion::kV5 : it->second;
  }

  // Packets received by `c` since the last call.
  std::vector<protocol::Packet> take(ConnectionId c) {
    std::vector<protocol::Packet> out = std::move(connections[c].packets);
    connections[c].packets.clear();
    return out;
  }

 private:
  protocol::Frame packet_frame(ConnectionId c, const protocol::PacketBody& packet) {
    protocol::Frame frame;
    const auto ok = protocol::Encoder(protocol::Role::kServer, version(c)).encode(packet, frame);
    EXPECT_TRUE(ok.has_value()) << "engine sent a packet that does not encode: " << to_string(ok.error());
    return frame;
  }
  void record(ConnectionId c, const protocol::Frame& frame) {
    const std::vector<std::uint8_t> bytes = frame.flatten();
    protocol::Decoder decoder(protocol::Role::kClient, protocol::DecoderLimits(protocol::kMaxPacketSizeLimit));
    decoder.set_version(version(c));
    core::ByteView input(bytes.data(), bytes.size());
    auto step = decoder.next(input);
    ASSERT_TRUE(step.has_value() && step->has_value()) << "engine sent bytes a client cannot decode";
    connections[c].packets.push_back(std::move(**step));
  }
};

// A fixture with an engine, its outbox and a clock.
class EngineTest : public ::testing::Test {
 protected:
  // Built in SetUp so that a derived fixture's settings() is used.
  void SetUp() override { engine_ = std::make_unique<Engine>(settings(), outbox_, core::Logger()); }
  virtual EngineSettings settings() const { return EngineSettings{}; }
  Engine& engine() { return *engine_; }

  core::TimePoint now_ = core::TimePoint{} + std::chrono::hours(1);
  RecordingOutbox outbox_;
  std::unique_ptr<Engine> engine_;
  std::uint64_t next_connection_ = 1;

  void advance(std::chrono::seconds s) {
    now_ += s;
    engine().tick(now_);
  }

  // Connects a client and returns its connection (the CONNACK is left in the outbox).
  ConnectionId connect(const std::string& client_id, ProtocolVersion v = ProtocolVersion::kV5, bool clean_start = true,
                       std::optional<std::uint32_t> session_expiry = std::nullopt,
                       std::optional<protocol::Will> will = std::nullopt, std::uint16_t keep_alive = 60) {
    const auto c = static_cast<ConnectionId>(next_connection_++);
    outbox_.versions[c] = v;
    protocol::Connect connect;
    connect.version = v;
    connect.client_id = client_id;
    connect.clean_start = clean_start;
    connect.keep_alive = keep_alive;
    if (v == ProtocolVersion::kV5) connect.properties.session_expiry_interval = session_expiry;
    connect.will = will;
    engine().connect(c, as_packet(connect), ClientInfo{"127.0.0.1:1", std::nullopt, false}, now_);
    return c;
  }

  // Connects and consumes the CONNACK, expecting success.
  ConnectionId connected(const std::string& client_id, ProtocolVersion v = ProtocolVersion::kV5) {
    const ConnectionId c = connect(client_id, v);
    const auto packets = outbox_.take(c);
    EXPECT_EQ(packets.size(), 1u);
    EXPECT_EQ(std::get<protocol::Connack>(packets.at(0).body).reason, ReasonCode::kSuccess);
    return c;
  }

  // A packet whose views point into its own bytes, as the decoder delivers them.
  protocol::Packet as_packet(const protocol::PacketBody& body, ProtocolVersion v = ProtocolVersion::kV5) {
    protocol::Frame frame;
    const bool is_connect = protocol::type_of(body) == protocol::PacketType::kConnect;
    const ProtocolVersion version = is_connect ? std::get<protocol::Connect>(body).version : v;
    EXPECT_TRUE(protocol::Encoder(protocol::Role::kClient, version).encode(body, frame).has_value());
    const std::vector<std::uint8_t> bytes = frame.flatten();
    protocol::Decoder decoder(protocol::Role::kServer, protocol::DecoderLimits(protocol::kMaxPacketSizeLimit));
    if (!is_connect) decoder.set_version(version);
    core::ByteView input(bytes.data(), bytes.size());
    auto step = decoder.next(input);
    EXPECT_TRUE(step.has_value() && step->has_value());
    return std::move(**step);
  }

  void publish(ConnectionId c, std::string_view topic, std::string_view payload, QoS qos = QoS::k0, bool retain = false,
               std::uint16_t id = 0, protocol::Properties props = {}) {
    protocol::Publish p;
    p.topic = topic;
    p.payload = core::as_bytes(payload);
    p.qos = qos;
    p.retain = retain;
    p.packet_id = qos == QoS::k0 ? 0 : (id != 0 ? id : next_id_++);
    p.properties = std::move(props);
    const protocol::Packet packet = as_packet(p, outbox_.version(c));
    engine().publish(c, packet, std::get<protocol::Publish>(packet.body).topic, {}, now_);
  }

  void subscribe(ConnectionId c, std::string_view filter, QoS qos = QoS::k0, std::uint32_t identifier = 0,
                 bool no_local = false, bool retain_as_published = false,
                 protocol::RetainHandling handling = protocol::RetainHandling::kSendOnSubscribe) {
    protocol::Subscribe s;
    s.packet_id = next_id_++;
    protocol::Subscription sub;
    sub.filter = filter;
    sub.max_qos = qos;
    sub.no_local = no_local;
    sub.retain_as_published = retain_as_published;
    sub.retain_handling = handling;
    s.subscriptions.push_back(sub);
    if (identifier != 0) s.properties.subscription_identifiers.push_back(identifier);
    engine().subscribe(c, s, now_);
  }

  // The PUBLISH packets among `packets`.
  static std::vector<protocol::Publish> publishes(const std::vector<protocol::Packet>& packets) {
    std::vector<protocol::Publish> out;
    for (const auto& p : packets) {
      if (const auto* pub = std::get_if<protocol::Publish>(&p.body)) out.push_back(*pub);
    }
    return out;
  }

  std::uint16_t next_id_ = 1;
};

inline std::string text(core::ByteView b) { return std::string(core::as_chars(b)); }

}  // namespace roost::engine::test
