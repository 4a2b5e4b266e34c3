#pragma once
// [[bridge]] tables -> BridgeSettings. Private to the config layer.

#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

#include "config/config.hpp"

namespace roost::config::detail {

// Reads the `bridge` key's array of tables into `out`; problems are
// appended to `errors` as "file:line:column: bridge.key what\n".
void read_bridges(const toml::node& node, std::string_view source, std::vector<BridgeSettings>& out,
                  std::string& errors);

// "host", "host:port", "[v6]" or "[v6]:port" (port 1883 when not given).
bool parse_bridge_address(std::string_view text, BridgeAddress& out);

}  // namespace roost::config::detail
