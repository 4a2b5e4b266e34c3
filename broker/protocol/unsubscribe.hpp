#pragma once
// UNSUBSCRIBE ([MQTT-3.10]).

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/properties.hpp"

namespace roost::protocol {

struct Unsubscribe {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<std::string_view> filters;  // at least one [MQTT-3.10.3-2]
  friend bool operator==(const Unsubscribe&, const Unsubscribe&) = default;
};

}  // namespace roost::protocol
