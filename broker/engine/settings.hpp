#pragma once
// What the engine needs from the configuration. Plain values: the config
// layer fills them, tests set them directly.

#include <cstddef>
#include <cstdint>
#include <string>

#include "protocol/types.hpp"

namespace roost::engine {

struct EngineSettings {
  // Outgoing QoS 1/2 messages unacknowledged at once per client (Mosquitto's
  // max_inflight_messages; 0: only the client's Receive Maximum limits it).
  std::uint16_t max_inflight_messages = 20;
  // Messages waiting per session beyond the inflight window; when full, a
  // new message for that session is dropped and counted ($SYS .../dropped).
  std::size_t max_queued_messages = 1000;
  // The same bound in payload bytes (0: none).
  std::size_t max_queued_bytes = 0;
  // Queue QoS 0 messages for offline persistent sessions (Mosquitto default: no).
  bool queue_qos0_messages = false;
  // Strict durability: PUBACK, PUBREC and PUBCOMP leave only once the
  // changes they acknowledge are committed (Engine::committed()).
  bool acks_after_commit = false;
  // Deliver at the subscription's QoS even when the message's is lower.
  bool upgrade_outgoing_qos = false;

  // Keep Alive a client may ask for; more is answered with Server Keep Alive (5.0).
  std::uint16_t max_keepalive = 65535;
  // Client identifiers: longest accepted, and what an empty one becomes.
  std::size_t max_client_id_length = 65535;
  bool allow_zero_length_clientid = true;
  std::string auto_id_prefix = "auto-";
  // 3.1.1 sessions with Clean Session 0 never expire unless this is set (seconds; 0: never).
  std::uint32_t persistent_client_expiration = 0;
  // Log clients connecting and closing (the [log] connection_messages setting).
  bool connection_messages = true;
  // Response Information (5.0) for clients that ask for it in CONNECT: the
  // prefix of the topics they may use for responses, followed by their client
  // id ("" answers nothing, as Mosquitto does).
  std::string response_topic_prefix;

  // What the server offers in CONNACK (5.0).
  std::uint16_t receive_maximum = 65535;   // incoming QoS 1/2 in flight per client
  std::uint16_t topic_alias_maximum = 10;  // client-to-server aliases per connection
  std::uint32_t maximum_packet_size = 0;   // 0: no limit announced
  protocol::QoS maximum_qos = protocol::QoS::k2;
  bool retain_available = true;

  // Largest payload accepted in a PUBLISH (0: none); larger ones are dropped
  // (3.x) or refused with 0x97 Quota exceeded in PUBACK/PUBREC (5.0).
  std::size_t message_size_limit = 0;
  // Topic names: longest, and most levels, accepted (0: no limit).
  std::size_t max_topic_length = 0;
  std::size_t max_topic_levels = 0;
};

}  // namespace roost::engine
