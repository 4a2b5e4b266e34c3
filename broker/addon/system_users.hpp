#pragma once
// /data/system_user.json: the add-on's own MQTT users and their generated
// passwords, in the official Mosquitto add-on's format
//   {"homeassistant": {"password": "..."}, "addons": {"password": "..."}, ...}
// so a backup restored into either add-on keeps Home Assistant connected.
// Created once; afterwards only read, and rewritten only to add a user that
// was not there (its existing entries keep their passwords).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace roost::addon {

struct SystemUsers {
  std::vector<std::pair<std::string, std::string>> users;  // name, password; in file order
  std::optional<std::string> new_text;                     // set when the file must be (re)written

  const std::string* password(std::string_view name) const;
};

// `existing`: the file's text, or nullopt when there is none. Every name in
// `wanted` ends up with a password; `make_password` makes the new ones.
// A file that is not the expected JSON is an error (never overwritten:
// Home Assistant stores the homeassistant password).
core::Result<SystemUsers, std::string> ensure_system_users(std::optional<std::string_view> existing,
                                                           const std::vector<std::string>& wanted,
                                                           const std::function<std::string()>& make_password);

// 64 characters from [A-Za-z0-9], from the system's CSPRNG (as pwgen 64 1).
std::string generate_password();

}  // namespace roost::addon
