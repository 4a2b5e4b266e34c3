#pragma once
// The `customize` folder: Mosquitto-syntax `*.conf` files a user keeps in
// /share/<folder>, read in name order (as Mosquitto's include_dir). Roost
// takes the directives that make sense inside the add-on; anything else is
// a warning naming file:line, never a reason not to start.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace roost::addon {

struct CustomizeSettings {
  std::vector<std::string> acl_files;
  std::vector<std::string> password_files;
  // The users of password_files as (name, stored hash), filled in by init
  // from the files it could read (a file it cannot read is a warning).
  std::vector<std::pair<std::string, std::string>> password_entries;
  std::vector<std::string> log_types;
  std::vector<std::string> log_dests;
  std::optional<bool> connection_messages;
  std::optional<std::uint32_t> max_queued_messages;
  std::optional<bool> allow_anonymous;
  std::vector<config::BridgeSettings> bridges;  // `connection` blocks
  std::vector<std::string> warnings;
};

// `files`: (name, text) pairs in the order to read them.
CustomizeSettings parse_customize(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace roost::addon
