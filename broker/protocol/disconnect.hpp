#pragma once
// DISCONNECT ([MQTT-3.14]). From a server only in 5.0.

#include "protocol/properties.hpp"
#include "protocol/reason_code.hpp"

namespace roost::protocol {

struct Disconnect {
  ReasonCode reason = ReasonCode::kSuccess;  // Normal disconnection; 5.0 only
  Properties properties;                     // 5.0 only
  friend bool operator==(const Disconnect&, const Disconnect&) = default;
};

}  // namespace roost::protocol
