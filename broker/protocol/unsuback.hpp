#pragma once
// UNSUBACK ([MQTT-3.11]).

#include <cstdint>
#include <vector>

#include "protocol/properties.hpp"
#include "protocol/reason_code.hpp"

namespace roost::protocol {

struct Unsuback {
  std::uint16_t packet_id = 0;
  Properties properties;                 // 5.0 only
  std::vector<ReasonCode> reason_codes;  // 5.0 only: 3.x UNSUBACK has no payload
  friend bool operator==(const Unsuback&, const Unsuback&) = default;
};

}  // namespace roost::protocol
