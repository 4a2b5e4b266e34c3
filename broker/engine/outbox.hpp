#pragma once
// Outbox: what the engine asks of the connections. The network layer
// implements it (encoding with each connection's version, topic aliases and
// write buffer); tests implement it to record what the engine did.

#include <cstdint>
#include <optional>
#include <span>

#include "core/ids.hpp"
#include "engine/message.hpp"
#include "protocol/packet.hpp"

namespace roost::engine {

// One PUBLISH to one subscriber.
struct Delivery {
  const MessageRef& message;
  protocol::QoS qos;
  std::uint16_t packet_id;  // 0 for QoS 0
  bool dup;
  bool retain;
  std::span<const std::uint32_t> subscription_identifiers;
  std::optional<std::uint32_t> message_expiry;  // remaining seconds, when the message expires
};

// The PUBLISH a delivery stands for (views into the message; MQTT 5 fields
// only for a 5.0 client). The message's own properties go verbatim through
// Encoder::encode_forward().
inline protocol::Publish publish_of(const Delivery& d, bool v5) {
  protocol::Publish p;
  p.qos = d.qos;
  p.packet_id = d.packet_id;
  p.dup = d.dup;
  p.retain = d.retain;
  p.topic = d.message->topic();
  p.payload = d.message->payload();
  if (v5) {
    p.properties.subscription_identifiers.assign(d.subscription_identifiers.begin(), d.subscription_identifiers.end());
    p.properties.message_expiry_interval = d.message_expiry;
  }
  return p;
}

class Outbox {
 public:
  virtual ~Outbox() = default;

  // Sends a control packet (CONNACK, SUBACK, PUBACK, ...). Views in `packet`
  // are valid only during the call.
  virtual void send(core::ConnectionId connection, const protocol::PacketBody& packet) = 0;

  // Sends a PUBLISH. Returns false when a QoS 0 message was dropped because
  // the connection's output is full; QoS 1 and 2 are always accepted (the
  // inflight window bounds them).
  virtual bool deliver(core::ConnectionId connection, const Delivery& delivery) = 0;

  // Ends the connection: sends DISCONNECT with `reason` first when the
  // client speaks 5.0 and a reason is given, then closes. The engine has
  // already forgotten the connection; it expects no connection_lost() for it.
  virtual void close(core::ConnectionId connection, std::optional<protocol::ReasonCode> reason) = 0;
};

}  // namespace roost::engine
