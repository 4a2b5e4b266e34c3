#pragma once
// AddonOptions: /data/options.json as the Supervisor writes it from the
// add-on's options, read into plain values. The keys are the official
// Mosquitto add-on's (a user pastes their options unchanged) plus Roost's
// optional extras. Every problem names the option.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace roost::addon {

struct Login {
  std::string username;
  std::string password;
  bool password_pre_hashed = false;
};

struct AddonOptions {
  std::vector<Login> logins;
  std::vector<std::string> log_dest;  // none|stdout|stderr|topic
  std::vector<std::string>
      log_type;  // none|debug|error|warning|notice|information|subscribe|unsubscribe|websockets|all
  bool require_certificate = false;
  std::string certfile = "fullchain.pem";
  std::string keyfile = "privkey.pem";
  std::optional<std::string> cafile;
  bool customize_active = false;
  std::string customize_folder = "mosquitto";
  bool debug = false;
  // Roost's extras.
  bool provision_zigbee2mqtt = false;
  bool provision_nodered = false;
  bool allow_anonymous = false;
  std::uint32_t max_queued_messages = 8192;
  std::vector<std::string> warnings;  // unknown keys: ignored, never fatal
};

// Parses the JSON text of options.json. Errors read "option `logins[2].username`: is empty".
core::Result<AddonOptions, std::string> parse_options(std::string_view json);

}  // namespace roost::addon
