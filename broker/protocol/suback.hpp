#pragma once
// SUBACK ([MQTT-3.9]): one reason code per requested subscription.

#include <cstdint>
#include <vector>

#include "protocol/properties.hpp"
#include "protocol/reason_code.hpp"

namespace roost::protocol {

struct Suback {
  std::uint16_t packet_id = 0;
  Properties properties;
  // Granted QoS 0/1/2 or a failure. 3.x has a single failure code (0x80):
  // every 5.0 failure is sent to a 3.x client as 0x80.
  std::vector<ReasonCode> reason_codes;
  friend bool operator==(const Suback&, const Suback&) = default;
};

}  // namespace roost::protocol
