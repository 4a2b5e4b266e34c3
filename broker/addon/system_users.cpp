#include "addon/system_users.hpp"

#include <nlohmann/json.hpp>

#include "auth/crypto.hpp"

namespace roost::addon {

const std::string* SystemUsers::password(std::string_view name) const {
  for (const auto& [user, password] : users) {
    if (user == name) return &password;
  }
  return nullptr;
}

core::Result<SystemUsers, std::string> ensure_system_users(std::optional<std::string_view> existing,
                                                           const std::vector<std::string>& wanted,
                                                           const std::function<std::string()>& make_password) {
  using Json = nlohmann::ordered_json;
  Json root = Json::object();
  if (existing) {
    root = Json::parse(*existing, nullptr, false);
    if (root.is_discarded() || !root.is_object()) {
      return core::fail(
          std::string("is not the JSON object this add-on writes; fix or remove it (a new one "
                      "means entering the new homeassistant password in Home Assistant's MQTT "
                      "integration)"));
    }
  }
  SystemUsers out;
  for (const auto& [name, entry] : root.items()) {
    const auto pw = entry.is_object() ? entry.find("password") : entry.end();
    if (pw == entry.end() || !pw->is_string() || pw->get<std::string>().empty()) {
      return core::fail("has no password for \"" + name + "\"; fix or remove the file");
    }
    out.users.emplace_back(name, pw->get<std::string>());
  }
  bool added = false;
  for (const std::string& name : wanted) {
    if (out.password(name) != nullptr) continue;
    std::string password = make_password();
    root[name] = Json{{"password", password}};
    out.users.emplace_back(name, std::move(password));
    added = true;
  }
  if (added) out.new_text = root.dump(2) + "\n";
  return out;
}

std::string generate_password() {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < 64) {
    for (const std::uint8_t b : auth::random_bytes(96)) {
      // 248 = 4 * 62: bytes above it would favour the first letters.
      if (b < 248 && out.size() < 64) out += kAlphabet[b % kAlphabet.size()];
    }
  }
  return out;
}

}  // namespace roost::addon
