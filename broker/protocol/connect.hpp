#pragma once
// CONNECT ([MQTT-3.1]): the first packet a client sends.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "protocol/properties.hpp"
#include "protocol/types.hpp"

namespace roost::protocol {

struct Will {
  std::string_view topic;
  core::ByteView payload;
  QoS qos = QoS::k0;
  bool retain = false;
  Properties properties;  // Will Properties (5.0)
  friend bool operator==(const Will& a, const Will& b) noexcept;
};

struct Connect {
  ProtocolVersion version = ProtocolVersion::kV5;
  // Mosquitto-style bridges set bit 7 of the 3.x protocol level to ask for
  // loop prevention ("try_private"); 5.0 bridges use No Local instead.
  bool bridge = false;
  bool clean_start = true;  // Clean Session in 3.x
  std::uint16_t keep_alive = 0;
  Properties properties;
  std::string_view client_id;
  std::optional<Will> will;
  std::optional<std::string_view> username;
  std::optional<core::ByteView> password;
  friend bool operator==(const Connect& a, const Connect& b) noexcept;
};

}  // namespace roost::protocol
