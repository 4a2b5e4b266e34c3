#pragma once
// Mosquitto's bridge `connection` blocks in the customize folder ->
// BridgeSettings, and BridgeSettings -> the [[bridge]] tables of the TOML
// the add-on writes.

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace roost::addon {

// Applies one directive of a `connection` block. nullopt: not a bridge
// directive (the block ends there); "": taken; otherwise a warning (the
// directive is ignored, the bridge kept).
std::optional<std::string> apply_bridge_directive(config::BridgeSettings& bridge, std::string_view directive,
                                                  std::string_view value);

// What keeps the bridge from running ("" when nothing): no address, no topic.
std::string check_bridge(const config::BridgeSettings& bridge);

// The bridge as a [[bridge]] table (with its [[bridge.topic]] tables).
std::string bridge_toml(const config::BridgeSettings& bridge);

}  // namespace roost::addon
