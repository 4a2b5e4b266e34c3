#pragma once
// translate(): the add-on's options, its system users and the customize
// folder's settings become the files `roost serve` reads: the TOML
// configuration, a password file, an ACL file and the credentials file
// users read their generated passwords from. Pure: the caller reads and
// writes the files (see init.hpp), so every rule here is unit-tested.

#include <functional>
#include <string>
#include <vector>

#include "addon/customize.hpp"
#include "addon/options.hpp"
#include "addon/system_users.hpp"
#include "core/result.hpp"

namespace roost::addon {

// Where things are, and what init found there.
struct Environment {
  std::string data_dir = "/data";
  std::string ssl_dir = "/ssl";
  std::string share_dir = "/share";
  std::string config_dir = "/config";  // the add-on's config folder (addon_config)
  std::string out_dir = "/etc/roost";
  std::string supervisor = "http://supervisor";
  std::string hostname;          // the add-on's host name, for the credentials file
  bool certfile_exists = false;  // /ssl/<certfile>
  bool keyfile_exists = false;   // /ssl/<keyfile>
  bool cafile_exists = false;    // /ssl/<cafile>
  std::string tls_problem;       // set when cert and key exist but cannot be loaded: no TLS
  bool ipv6 = true;              // the kernel has IPv6: listen on "::" (both), else 0.0.0.0
};

struct Translation {
  std::string toml;
  std::string passwd;                 // Mosquitto password file
  std::string acl;                    // Mosquitto ACL file: the add-on's own users
  std::string credentials;            // generated passwords, for the user
  std::vector<std::string> notices;   // what was decided (TLS on or off...)
  std::vector<std::string> warnings;  // ignored input
};

// The users the add-on makes, in this order: always homeassistant and
// addons; zigbee2mqtt and nodered when provisioned.
std::vector<std::string> system_user_names(const AddonOptions& options);

// `hash(password, strong)` makes a password file hash; strong is false for
// the generated 64-character passwords (which need no key stretching).
using Hasher = std::function<std::string(const std::string& password, bool strong)>;

core::Result<Translation, std::string> translate(const AddonOptions& options, const SystemUsers& users,
                                                 const CustomizeSettings& customize, const Environment& env,
                                                 const Hasher& hash);

// A TOML basic string: "..." with escapes.
std::string toml_string(std::string_view text);

}  // namespace roost::addon
