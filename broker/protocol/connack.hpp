#pragma once
// CONNACK ([MQTT-3.2]): the server's answer to CONNECT.

#include "protocol/properties.hpp"
#include "protocol/reason_code.hpp"

namespace roost::protocol {

struct Connack {
  bool session_present = false;
  // In 3.x only the six return codes exist; see to_v3_connack_code().
  ReasonCode reason = ReasonCode::kSuccess;
  Properties properties;
  friend bool operator==(const Connack&, const Connack&) = default;
};

}  // namespace roost::protocol
