#include "protocol/types.hpp"

namespace roost::protocol {

std::string_view to_string(PacketType type) noexcept {
  switch (type) {
    case PacketType::kConnect:
      return "CONNECT";
    case PacketType::kConnack:
      return "CONNACK";
    case PacketType::kPublish:
      return "PUBLISH";
    case PacketType::kPuback:
      return "PUBACK";
    case PacketType::kPubrec:
      return "PUBREC";
    case PacketType::kPubrel:
      return "PUBREL";
    case PacketType::kPubcomp:
      return "PUBCOMP";
    case PacketType::kSubscribe:
      return "SUBSCRIBE";
    case PacketType::kSuback:
      return "SUBACK";
    case PacketType::kUnsubscribe:
      return "UNSUBSCRIBE";
    case PacketType::kUnsuback:
      return "UNSUBACK";
    case PacketType::kPingreq:
      return "PINGREQ";
    case PacketType::kPingresp:
      return "PINGRESP";
    case PacketType::kDisconnect:
      return "DISCONNECT";
    case PacketType::kAuth:
      return "AUTH";
  }
  return "reserved packet type";
}

std::string_view to_string(ProtocolVersion version) noexcept {
  switch (version) {
    case ProtocolVersion::kV31:
      return "MQTT 3.1";
    case ProtocolVersion::kV311:
      return "MQTT 3.1.1";
    case ProtocolVersion::kV5:
      return "MQTT 5.0";
  }
  return "unknown MQTT version";
}

bool may_send(Role sender, PacketType type, ProtocolVersion version) noexcept {
  const bool client = sender == Role::kClient;
  switch (type) {
    case PacketType::kConnect:
    case PacketType::kSubscribe:
    case PacketType::kUnsubscribe:
    case PacketType::kPingreq:
      return client;
    case PacketType::kConnack:
    case PacketType::kSuback:
    case PacketType::kUnsuback:
    case PacketType::kPingresp:
      return !client;
    case PacketType::kPublish:
    case PacketType::kPuback:
    case PacketType::kPubrec:
    case PacketType::kPubrel:
    case PacketType::kPubcomp:
      return true;
    case PacketType::kDisconnect:
      return client || version == ProtocolVersion::kV5;
    case PacketType::kAuth:
      return version == ProtocolVersion::kV5;
  }
  return false;
}

}  // namespace roost::protocol
