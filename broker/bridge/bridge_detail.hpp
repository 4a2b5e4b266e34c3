#pragma once
// Helpers of the Bridge's two halves (bridge.cpp, bridge_local.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/bytes.hpp"

namespace roost::bridge::detail {

inline constexpr std::uint32_t kNeverExpires = 0xFFFFFFFF;

inline bool goes_out(const config::BridgeTopic& t) { return t.direction != config::BridgeTopic::Direction::kIn; }
inline bool comes_in(const config::BridgeTopic& t) { return t.direction != config::BridgeTopic::Direction::kOut; }

inline core::ByteView bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// `topic` with `from` (the local or remote prefix) taken off the front and
// the other prefix put there instead, when it lies under `from` + pattern.
std::optional<std::string> rewrite(std::string_view topic, const config::BridgeTopic& t, bool outgoing);

}  // namespace roost::bridge::detail
