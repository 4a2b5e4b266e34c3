#include "addon/translate.hpp"

#include <algorithm>
#include <set>

#include "auth/password_hash.hpp"
#include "config/mosquitto_bridge.hpp"

namespace roost::addon {
namespace {

constexpr const char* kHeader =
    "# Written by `roost addon init` at every start of the add-on, from its\n"
    "# options (/data/options.json). Changes made here are lost: set the\n"
    "# add-on's options, or use the customize folder.\n";

std::string toml_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + toml_string(items[i]);
  return out + "]";
}

void add_unique(std::vector<std::string>& to, const std::string& item) {
  if (std::find(to.begin(), to.end(), item) == to.end()) to.push_back(item);
}

// The ACL rules of the add-on's own users.
std::vector<std::string> rules_of(const std::string& user) {
  if (user == "zigbee2mqtt") return {"readwrite zigbee2mqtt/#", "readwrite homeassistant/#"};
  return {"readwrite #"};
}

}  // namespace

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          static constexpr char kHex[] = "0123456789ABCDEF";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::vector<std::string> system_user_names(const AddonOptions& options) {
  std::vector<std::string> names{"homeassistant", "addons"};
  if (options.provision_zigbee2mqtt) names.emplace_back("zigbee2mqtt");
  if (options.provision_nodered) names.emplace_back("nodered");
  return names;
}

core::Result<Translation, std::string> translate(const AddonOptions& options, const SystemUsers& users,
                                                 const CustomizeSettings& customize, const Environment& env,
                                                 const Hasher& hash) {
  Translation t;
  t.warnings = options.warnings;
  t.warnings.insert(t.warnings.end(), customize.warnings.begin(), customize.warnings.end());
  const std::vector<std::string> system = system_user_names(options);

  // Password file: the add-on's users, then the logins.
  t.passwd = "# Written by `roost addon init`: the add-on's users and the `logins` option.\n";
  for (const std::string& name : system) {
    const std::string* password = users.password(name);
    if (password == nullptr) return core::fail("system user \"" + name + "\" has no password");
    t.passwd += name + ":" + hash(*password, false) + "\n";
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < options.logins.size(); ++i) {
    const Login& login = options.logins[i];
    const std::string option = "option `logins[" + std::to_string(i) + "]";
    if (login.username.empty()) return core::fail(option + ".username`: is missing or empty");
    if (login.password.empty()) return core::fail(option + ".password`: is missing or empty");
    if (login.username.find_first_of(":\n\r") != std::string::npos) {
      return core::fail(option + ".username`: may not contain ':' or a line break");
    }
    if (std::find(system.begin(), system.end(), login.username) != system.end()) {
      t.warnings.push_back(option + "`: \"" + login.username +
                           "\" is a user of the add-on itself; this login is ignored");
      continue;
    }
    if (!seen.insert(login.username).second) {
      return core::fail(option + ".username`: \"" + login.username + "\" is listed twice");
    }
    std::string stored;
    if (login.password_pre_hashed) {
      auto parsed = auth::PasswordHash::parse(login.password);
      if (!parsed) {
        return core::fail(option + ".password`: is marked password_pre_hashed but is not a hash Roost reads (" +
                          parsed.error() + ")");
      }
      stored = login.password;
    } else {
      stored = hash(login.password, true);
    }
    t.passwd += login.username + ":" + stored + "\n";
  }
  for (const auto& [name, stored] : customize.password_entries) {
    if (std::find(system.begin(), system.end(), name) != system.end() || seen.contains(name)) {
      t.warnings.push_back("customize: password_file user \"" + name + "\" is ignored: " +
                           (seen.contains(name) ? "the logins option has it too" : "a user of the add-on itself"));
      continue;
    }
    seen.insert(name);
    t.passwd.append(name).append(":").append(stored).append("\n");
  }

  // ACL file: the add-on's users. Everyone else (logins, Home Assistant
  // users) may use every topic, as with the official add-on, unless the
  // customize folder brings an ACL file; that one is enforced.
  t.acl = "# Written by `roost addon init`: topics of the add-on's users.\n";
  for (const std::string& name : system) {
    t.acl += "\nuser " + name + "\n";
    for (const std::string& rule : rules_of(name)) t.acl += "topic " + rule + "\n";
  }
  std::vector<std::string> acl_files{env.out_dir + "/acl"};
  for (const std::string& f : customize.acl_files) add_unique(acl_files, f);
  const bool own_acl = customize.acl_files.size() > 0;
  if (own_acl) {
    t.notices.push_back("ACL: enforcing " + toml_list(customize.acl_files) +
                        " for every user but the add-on's own (homeassistant, addons...)");
  }

  // Listeners.
  const std::string address = env.ipv6 ? "::" : "0.0.0.0";
  std::string listeners;
  auto listener = [&](int port, bool websockets, bool tls) {
    listeners += "\n[[listener]]\naddress = " + toml_string(address) + "\nport = " + std::to_string(port) + "\n";
    if (websockets) listeners += "protocol = \"websockets\"\n";
    if (tls) {
      const std::string cert = env.ssl_dir + "/" + options.certfile;
      const std::string ca =
          options.cafile && env.cafile_exists ? env.ssl_dir + "/" + *options.cafile : cert;  // official fallback
      listeners += "certfile = " + toml_string(cert) +
                   "\nkeyfile = " + toml_string(env.ssl_dir + "/" + options.keyfile) + "\ncafile = " + toml_string(ca) +
                   "\n";
      if (options.require_certificate) listeners += "require_certificate = true\n";
    }
  };
  listener(1883, false, false);
  listener(1884, true, false);
  const bool tls = env.certfile_exists && env.keyfile_exists && env.tls_problem.empty();
  if (tls) {
    listener(8883, false, true);
    listener(8884, true, true);
    t.notices.push_back("SSL is available: MQTT on port 8883, WebSocket on 8884");
    if (options.cafile && !env.cafile_exists) {
      t.warnings.push_back("option `cafile`: " + env.ssl_dir + "/" + *options.cafile +
                           " does not exist; using the certfile as CA");
    }
  } else if (!env.tls_problem.empty()) {
    t.warnings.push_back("SSL is not enabled: " + env.tls_problem);
  } else {
    t.notices.push_back("SSL is not enabled: " + env.ssl_dir + "/" + options.certfile + " and " + env.ssl_dir + "/" +
                        options.keyfile + " are not both there");
  }

  // Logging: empty log_dest is stdout; empty log_type is Mosquitto's default four.
  std::vector<std::string> dests;
  for (const std::string& d : options.log_dest) add_unique(dests, d);
  for (const std::string& d : customize.log_dests) add_unique(dests, d);
  if (dests.empty()) dests.emplace_back("stdout");
  if (std::find(dests.begin(), dests.end(), "none") != dests.end()) dests.clear();
  std::vector<std::string> types;
  for (const std::string& ty : options.log_type) add_unique(types, ty);
  for (const std::string& ty : customize.log_types) add_unique(types, ty);
  if (std::erase(types, "websockets") > 0) {
    t.notices.push_back("log_type websockets: Roost logs WebSocket events with the debug type");
  }
  if (types.empty() && options.log_type.empty() && customize.log_types.empty()) {
    types = {"error", "warning", "notice", "information"};
  }
  if (options.debug) types = {"all"};
  if (types.empty()) types.emplace_back("none");

  const bool anonymous = customize.allow_anonymous.value_or(options.allow_anonymous);
  const std::uint32_t queued = customize.max_queued_messages.value_or(options.max_queued_messages);

  std::string& c = t.toml;
  c = kHeader;
  c += "\nmax_queued_messages = " + std::to_string(queued) + "\n";
  c += "password_file = " + toml_string(env.out_dir + "/passwd") + "\n";
  c += "acl_file = " + toml_list(acl_files) + "\n";
  c += std::string("allow_anonymous = ") + (anonymous ? "true" : "false") + "\n";
  c += listeners;
  c += "\n[persistence]\npath = " + toml_string(env.data_dir + "/roost.db") + "\n";
  c += "\n[log]\ndestinations = " + toml_list(dests) + "\ntypes = " + toml_list(types) +
       "\ntimestamp_format = \"%Y-%m-%d %H:%M:%S\"\n";
  if (customize.connection_messages) {
    c += std::string("connection_messages = ") + (*customize.connection_messages ? "true" : "false") + "\n";
  }
  if (!own_acl)
    c += "\n[acl]\n# Logins and Home Assistant users: every topic, as with the official add-on.\n"
         "other_users = [\"readwrite #\"]\n";
  if (anonymous) {
    t.warnings.push_back("allow_anonymous is on: clients without a user name may use every topic");
    if (!own_acl) c += "anonymous = [\"readwrite #\"]\n";
  }
  c += "\n[home_assistant]\nsupervisor = " + toml_string(env.supervisor) + "\n";
  c += config::bridges_toml(customize.bridges);
  for (const config::BridgeSettings& b : customize.bridges) {
    t.notices.push_back("customize: bridge \"" + b.name + "\" to " + b.addresses.front().host);
  }

  // Credentials for the user, never logged.
  t.credentials =
      "# MQTT users made by the Roost add-on, with their passwords. Keep this\n"
      "# file private. Written at every start; the passwords themselves are kept\n"
      "# in the add-on's /data/system_user.json and never change.\n"
      "#   host: " +
      (env.hostname.empty() ? std::string("the add-on's host name") : env.hostname) + "   port: 1883" +
      (tls ? " (8883 with TLS)" : "") +
      "\n#   homeassistant: Home Assistant's MQTT integration; addons: handed to\n"
      "#   add-ons such as Zigbee2MQTT by the Supervisor.\n";
  for (const std::string& name : system) t.credentials += name + ": " + *users.password(name) + "\n";
  return t;
}

}  // namespace roost::addon
