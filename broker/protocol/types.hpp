#pragma once
// Small protocol vocabulary: versions, packet types, QoS, who is speaking.

#include <cstdint>
#include <string_view>

namespace roost::protocol {

// The protocol level byte of CONNECT.
enum class ProtocolVersion : std::uint8_t {
  kV31 = 3,   // MQTT 3.1, protocol name "MQIsdp"
  kV311 = 4,  // MQTT 3.1.1, protocol name "MQTT"
  kV5 = 5,    // MQTT 5.0, protocol name "MQTT"
};

// The packet type in the high nibble of the fixed header's first byte.
enum class PacketType : std::uint8_t {
  kConnect = 1,
  kConnack = 2,
  kPublish = 3,
  kPuback = 4,
  kPubrec = 5,
  kPubrel = 6,
  kPubcomp = 7,
  kSubscribe = 8,
  kSuback = 9,
  kUnsubscribe = 10,
  kUnsuback = 11,
  kPingreq = 12,
  kPingresp = 13,
  kDisconnect = 14,
  kAuth = 15,
};

enum class QoS : std::uint8_t { k0 = 0, k1 = 1, k2 = 2 };

// Which side of the connection a decoder or encoder works for. A server
// decodes what clients send and encodes what servers send.
enum class Role : std::uint8_t { kServer, kClient };

std::string_view to_string(PacketType type) noexcept;
std::string_view to_string(ProtocolVersion version) noexcept;

// True when `sender` may send `type` in `version` ([MQTT-2.1.2] direction table;
// DISCONNECT from the server and AUTH exist only in 5.0).
bool may_send(Role sender, PacketType type, ProtocolVersion version) noexcept;

}  // namespace roost::protocol
