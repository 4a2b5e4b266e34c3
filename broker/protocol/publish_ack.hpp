#pragma once
// PUBACK, PUBREC, PUBREL and PUBCOMP ([MQTT-3.4] to [MQTT-3.7]): the QoS 1
// and QoS 2 acknowledgements. One shape, four packet types.

#include <cstdint>

#include "protocol/properties.hpp"
#include "protocol/reason_code.hpp"
#include "protocol/types.hpp"

namespace roost::protocol {

template <PacketType kType>
struct PublishAck {
  static constexpr PacketType kPacketType = kType;
  std::uint16_t packet_id = 0;
  ReasonCode reason = ReasonCode::kSuccess;  // 5.0 only
  Properties properties;                     // 5.0 only
  friend bool operator==(const PublishAck&, const PublishAck&) = default;
};

using Puback = PublishAck<PacketType::kPuback>;
using Pubrec = PublishAck<PacketType::kPubrec>;
using Pubrel = PublishAck<PacketType::kPubrel>;
using Pubcomp = PublishAck<PacketType::kPubcomp>;

}  // namespace roost::protocol
