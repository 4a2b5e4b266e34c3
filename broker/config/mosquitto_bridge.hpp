#pragma once
// Mosquitto's bridge `connection` blocks -> BridgeSettings (the add-on's
// customize folder, `roost import`), and BridgeSettings -> [[bridge]] tables.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace roost::config {

// Applies one directive of a `connection` block. nullopt: not a bridge
// directive (the block ends there); "": taken; otherwise a warning (the
// directive is ignored, the bridge kept).
std::optional<std::string> apply_bridge_directive(BridgeSettings& bridge, std::string_view directive,
                                                  std::string_view value);

// What keeps the bridge from running ("" when nothing): no address, no topic.
std::string check_bridge(const BridgeSettings& bridge);

// The bridges as [[bridge]] tables (with their [[bridge.topic]] tables), TOML text.
std::string bridges_toml(const std::vector<BridgeSettings>& bridges);

}  // namespace roost::config
