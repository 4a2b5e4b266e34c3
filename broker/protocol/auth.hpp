#pragma once
// AUTH ([MQTT-3.15]): extended authentication exchange, 5.0 only.

#include "protocol/properties.hpp"
#include "protocol/reason_code.hpp"

namespace roost::protocol {

struct Auth {
  // Success, Continue authentication or Re-authenticate.
  ReasonCode reason = ReasonCode::kSuccess;
  Properties properties;  // carries the Authentication Method and Data
  friend bool operator==(const Auth&, const Auth&) = default;
};

}  // namespace roost::protocol
