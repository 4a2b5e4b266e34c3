#pragma once
// PUBLISH ([MQTT-3.3]): an application message in either direction.

#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "protocol/properties.hpp"
#include "protocol/types.hpp"

namespace roost::protocol {

struct Publish {
  bool dup = false;
  QoS qos = QoS::k0;
  bool retain = false;
  // Empty only in 5.0 with a Topic Alias that names a known topic.
  std::string_view topic;
  std::uint16_t packet_id = 0;  // 0 for QoS 0, non-zero otherwise [MQTT-2.2.1-2]
  Properties properties;
  core::ByteView payload;
  friend bool operator==(const Publish& a, const Publish& b) noexcept;
};

}  // namespace roost::protocol
