#pragma once
// UTF-8 validation for MQTT strings ([MQTT-1.5.4]).

#include <string_view>

namespace roost::protocol {

enum class Utf8Status {
  kValid,
  kIllFormed,      // not well-formed UTF-8, a surrogate or above U+10FFFF [MQTT-1.5.4-1]
  kNullCharacter,  // U+0000 [MQTT-1.5.4-2]
};

// Checks `s` as an MQTT UTF-8 Encoded String. Control characters and
// non-characters are accepted: the spec says a sender SHOULD NOT send them,
// and rejecting them would break clients that Mosquitto serves.
Utf8Status check_utf8(std::string_view s) noexcept;

}  // namespace roost::protocol
