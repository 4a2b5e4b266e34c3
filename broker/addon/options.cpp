#include "addon/options.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

namespace roost::addon {
namespace {

using nlohmann::json;

// Collects the first problem; later reads are skipped once one is found.
class Reader {
 public:
  bool failed() const noexcept { return !error_.empty(); }
  const std::string& error() const noexcept { return error_; }
  void fail(std::string_view option, std::string_view what) {
    if (error_.empty()) error_ = "option `" + std::string(option) + "`: " + std::string(what);
  }

  void boolean(const json& o, const char* key, bool& out) { boolean(o, key, key, out); }
  void boolean(const json& o, const std::string& name, const char* key, bool& out) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) return;
    if (!it->is_boolean()) return fail(name, "must be true or false");
    out = it->get<bool>();
  }
  void string(const json& o, const std::string& name, const char* key, std::string& out) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) return;
    if (!it->is_string()) return fail(name, "must be a string");
    out = it->get<std::string>();
  }
  // A list of words from `allowed`.
  template <std::size_t N>
  void words(const json& o, const char* key, const std::array<std::string_view, N>& allowed,
             std::vector<std::string>& out) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) return;
    if (!it->is_array()) return fail(key, "must be a list");
    for (const json& item : *it) {
      if (!item.is_string()) return fail(key, "entries must be strings");
      const auto word = item.get<std::string>();
      if (std::find(allowed.begin(), allowed.end(), word) == allowed.end()) {
        std::string what = "\"" + word + "\" is not one of ";
        for (std::size_t i = 0; i < allowed.size(); ++i) what.append(i == 0 ? "" : ", ").append(allowed[i]);
        return fail(key, what);
      }
      out.push_back(word);
    }
  }

 private:
  std::string error_;
};

constexpr std::array<std::string_view, 4> kLogDest{"none", "stdout", "stderr", "topic"};
constexpr std::array<std::string_view, 10> kLogType{"none",        "debug",     "error",       "warning",    "notice",
                                                    "information", "subscribe", "unsubscribe", "websockets", "all"};
// Keys the Supervisor may write: the official add-on's and Roost's extras.
constexpr std::array<std::string_view, 13> kKnown{"logins",
                                                  "log_dest",
                                                  "log_type",
                                                  "require_certificate",
                                                  "certfile",
                                                  "keyfile",
                                                  "cafile",
                                                  "customize",
                                                  "debug",
                                                  "provision_zigbee2mqtt",
                                                  "provision_nodered",
                                                  "allow_anonymous",
                                                  "max_queued_messages"};

}  // namespace

core::Result<AddonOptions, std::string> parse_options(std::string_view text) {
  const json root = json::parse(text, nullptr, false);
  if (root.is_discarded()) return core::fail(std::string("options.json is not valid JSON"));
  if (!root.is_object()) return core::fail(std::string("options.json must hold a JSON object"));
  AddonOptions o;
  Reader r;
  for (const auto& [key, value] : root.items()) {
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) {
      o.warnings.push_back("option `" + key + "` is not an option of this add-on; ignored");
    }
  }
  if (const auto it = root.find("logins"); it != root.end() && !it->is_null()) {
    if (!it->is_array()) r.fail("logins", "must be a list");
    for (std::size_t i = 0; !r.failed() && i < it->size(); ++i) {
      const json& entry = (*it)[i];
      const std::string name = "logins[" + std::to_string(i) + "]";
      if (!entry.is_object()) {
        r.fail(name, "must be an object with username and password");
        break;
      }
      Login login;
      r.string(entry, name + ".username", "username", login.username);
      r.string(entry, name + ".password", "password", login.password);
      r.boolean(entry, name + ".password_pre_hashed", "password_pre_hashed", login.password_pre_hashed);
      if (login.username.empty()) r.fail(name + ".username", "is missing or empty");
      if (login.password.empty()) r.fail(name + ".password", "is missing or empty");
      o.logins.push_back(std::move(login));
    }
  }
  r.words(root, "log_dest", kLogDest, o.log_dest);
  r.words(root, "log_type", kLogType, o.log_type);
  r.boolean(root, "require_certificate", o.require_certificate);
  r.string(root, "certfile", "certfile", o.certfile);
  r.string(root, "keyfile", "keyfile", o.keyfile);
  if (const auto it = root.find("cafile"); it != root.end() && !it->is_null()) {
    std::string ca;
    r.string(root, "cafile", "cafile", ca);
    if (!ca.empty()) o.cafile = ca;
  }
  const std::pair<const char*, const std::string*> files[] = {
      {"certfile", &o.certfile}, {"keyfile", &o.keyfile}, {"cafile", o.cafile ? &*o.cafile : nullptr}};
  for (const auto& [option, file] : files) {
    if (file != nullptr && (file->find("..") != std::string::npos || file->starts_with('/'))) {
      r.fail(option, "names a file inside /ssl: \"" + *file + "\" is a path");
    }
  }
  if (const auto it = root.find("customize"); it != root.end() && !it->is_null()) {
    if (!it->is_object()) {
      r.fail("customize", "must be an object with active and folder");
    } else {
      r.boolean(*it, "active", o.customize_active);
      r.string(*it, "customize.folder", "folder", o.customize_folder);
      if (o.customize_active && (o.customize_folder.empty() || o.customize_folder.find("..") != std::string::npos)) {
        r.fail("customize.folder", "must name a folder inside /share");
      }
    }
  }
  r.boolean(root, "debug", o.debug);
  r.boolean(root, "provision_zigbee2mqtt", o.provision_zigbee2mqtt);
  r.boolean(root, "provision_nodered", o.provision_nodered);
  r.boolean(root, "allow_anonymous", o.allow_anonymous);
  if (const auto it = root.find("max_queued_messages"); it != root.end() && !it->is_null()) {
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() < 100 || it->get<std::uint64_t>() > 1'000'000) {
      r.fail("max_queued_messages", "must be a whole number from 100 to 1000000");
    } else {
      o.max_queued_messages = it->get<std::uint32_t>();
    }
  }
  if (r.failed()) return core::fail(r.error());
  return o;
}

}  // namespace roost::addon
