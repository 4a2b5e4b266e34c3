#pragma once
// PINGREQ and PINGRESP ([MQTT-3.12], [MQTT-3.13]): no variable header, no payload.

namespace roost::protocol {

struct Pingreq {
  friend bool operator==(const Pingreq&, const Pingreq&) = default;
};

struct Pingresp {
  friend bool operator==(const Pingresp&, const Pingresp&) = default;
};

}  // namespace roost::protocol
