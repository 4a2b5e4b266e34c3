#include "config/mosquitto_import.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <sstream>
#include <string_view>
#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/mosquitto_bridge.hpp"

namespace roost::config {

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::optional<std::int64_t> integer(std::string_view v) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size()) return std::nullopt;
  return n;
}

// Mosquitto's durations: "3600", "1h", "2d", "1w", "1m" (month), "1y".
std::optional<std::int64_t> duration(std::string_view v) {
  if (v.empty()) return std::nullopt;
  std::int64_t unit = 1;
  switch (v.back()) {
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = std::int64_t{7} * 86400;
      break;
    case 'm':
      unit = std::int64_t{30} * 86400;
      break;
    case 'y':
      unit = std::int64_t{365} * 86400;
      break;
    default:
      return integer(v);
  }
  const auto n = integer(v.substr(0, v.size() - 1));
  if (!n) return std::nullopt;
  return *n * unit;
}

// Settings that keep their name and take a whole number or true/false.
constexpr std::array<std::string_view, 13> kNumbers{
    "max_inflight_messages", "max_queued_messages", "max_queued_bytes", "max_keepalive",   "max_packet_size",
    "message_size_limit",    "sys_interval",        "max_qos",          "max_topic_alias", "max_connections",
    "max_client_id_length",  "receive_maximum",     "max_topic_length"};
constexpr std::array<std::string_view, 4> kBooleans{"queue_qos0_messages", "upgrade_outgoing_qos",
                                                    "allow_zero_length_clientid", "retain_available"};
constexpr std::array<std::string_view, 3> kIgnored{"user", "pid_file", "include_dir"};

template <std::size_t N>
bool among(const std::array<std::string_view, N>& list, std::string_view d) {
  return std::find(list.begin(), list.end(), d) != list.end();
}

class Importer {
 public:
  void line(const std::string& where, std::string_view directive, std::string_view value);
  void end_file() { end_bridge(); }
  ImportResult finish();

 private:
  void warn(const std::string& what) { out_.warnings.push_back(where_ + what); }
  toml::table& listener();  // the listener being set up (the default one before any `listener`)
  std::optional<bool> boolean(std::string_view directive, std::string_view value);
  void end_bridge();

  ImportResult out_;
  std::string where_;
  toml::table root_;
  toml::array listeners_;
  toml::table default_listener_;  // `port`, `bind_address` and settings before the first `listener`
  bool has_default_ = false;
  toml::array log_destinations_;
  toml::array log_types_;
  toml::table log_;
  std::string persistence_dir_;
  bool persistence_ = false;
  bool per_listener_ = false;
  toml::array acl_files_;
  std::optional<BridgeSettings> bridge_;
  std::string bridge_at_;
  std::vector<BridgeSettings> bridges_;
};

toml::table& Importer::listener() {
  if (listeners_.empty()) {
    has_default_ = true;
    return default_listener_;
  }
  return *listeners_.back().as_table();
}

std::optional<bool> Importer::boolean(std::string_view directive, std::string_view value) {
  if (value == "true") return true;
  if (value == "false") return false;
  warn(std::string(directive) + " must be true or false; not imported");
  return std::nullopt;
}

void Importer::end_bridge() {
  if (!bridge_) return;
  if (const std::string why = check_bridge(*bridge_); !why.empty()) {
    out_.warnings.push_back(bridge_at_ + "bridge \"" + bridge_->name + "\" not imported: " + why);
  } else {
    bridges_.push_back(std::move(*bridge_));
  }
  bridge_.reset();
}

void Importer::line(const std::string& where, std::string_view d, std::string_view v) {
  where_ = where;
  const std::string value(v);
  if (d == "connection") {
    end_bridge();
    bridge_.emplace();
    bridge_->name = value;
    bridge_at_ = where;
    return;
  }
  if (bridge_) {
    if (const auto taken = apply_bridge_directive(*bridge_, d, v)) {
      if (!taken->empty()) warn(*taken);
      return;
    }
    end_bridge();
  }
  if (d == "listener") {
    const auto space = v.find_first_of(" \t");
    const auto port = integer(v.substr(0, space));
    if (!port || *port < 0 || *port > 65535) return warn("listener needs a port; not imported");
    toml::table l{{"port", *port}};
    // No address: every address, IPv4 and IPv6, as Mosquitto listens.
    l.insert("address", space == std::string_view::npos ? std::string("::") : std::string(trim(v.substr(space))));
    listeners_.push_back(std::move(l));
  } else if (d == "port") {
    if (const auto port = integer(v)) listener().insert_or_assign("port", *port);
  } else if (d == "bind_address") {
    listener().insert_or_assign("address", value);
  } else if (d == "protocol") {
    if (v != "mqtt" && v != "websockets") return warn("protocol " + value + " is not supported; not imported");
    listener().insert_or_assign("protocol", value);
  } else if (d == "certfile" || d == "keyfile" || d == "cafile" || d == "capath" || d == "tls_version" ||
             d == "ciphers" || d == "ciphers_tls1.3") {
    listener().insert_or_assign(d == "ciphers_tls1.3" ? "ciphers_tls13" : std::string(d), value);
  } else if (d == "require_certificate" || d == "use_identity_as_username" || d == "use_subject_as_username" ||
             d == "use_username_as_clientid") {
    if (const auto b = boolean(d, v)) listener().insert_or_assign(d, *b);
  } else if (d == "allow_anonymous") {
    if (const auto b = boolean(d, v)) {
      if (per_listener_ && !listeners_.empty()) {
        listener().insert_or_assign(d, *b);
      } else {
        root_.insert_or_assign(d, *b);
      }
    }
  } else if (d == "per_listener_settings") {
    per_listener_ = v == "true";
  } else if (d == "password_file") {
    root_.insert_or_assign(d, value);
  } else if (d == "acl_file") {
    acl_files_.push_back(value);
  } else if (d == "persistence") {
    if (const auto b = boolean(d, v)) persistence_ = *b;
  } else if (d == "persistence_location") {
    persistence_dir_ = value;
  } else if (d == "persistence_file" || d == "autosave_interval" || d == "autosave_on_changes") {
    warn(std::string(d) + ": Roost keeps its own database (roost.db, committed every second); not imported");
  } else if (d == "persistent_client_expiration") {
    if (const auto n = duration(v)) {
      root_.insert_or_assign(d, *n);
    } else {
      warn("persistent_client_expiration " + value + " is not a duration; not imported");
    }
  } else if (d == "log_dest") {
    const auto space = v.find_first_of(" \t");
    const std::string dest(v.substr(0, space));
    if (dest == "file" && space != std::string_view::npos)
      log_.insert_or_assign("file", std::string(trim(v.substr(space))));
    if (dest == "none") return;  // an empty list
    if (dest != "stdout" && dest != "stderr" && dest != "file" && dest != "syslog" && dest != "topic") {
      return warn("log_dest " + dest + " is not supported; not imported");
    }
    log_destinations_.push_back(dest);
  } else if (d == "log_type") {
    if (v == "websockets") return warn("log_type websockets: Roost logs WebSocket events as debug; not imported");
    log_types_.push_back(value);
  } else if (d == "connection_messages" || d == "log_timestamp") {
    if (const auto b = boolean(d, v)) log_.insert_or_assign(d == "log_timestamp" ? "timestamps" : std::string(d), *b);
  } else if (d == "log_timestamp_format") {
    log_.insert_or_assign("timestamp_format", value);
  } else if (among(kNumbers, d)) {
    auto n = integer(v);
    if (d == "max_connections" && n && *n < 0) n = 0;  // -1: no limit
    if (!n || *n < 0) return warn(std::string(d) + " " + value + " is not a number; not imported");
    root_.insert_or_assign(d, *n);
  } else if (among(kBooleans, d)) {
    if (const auto b = boolean(d, v)) root_.insert_or_assign(d, *b);
  } else if (among(kIgnored, d)) {
    // Not needed: Roost runs as whoever starts it; include_dir's files were read.
  } else {
    warn("\"" + std::string(d) + "\" has no Roost equivalent; not imported");
  }
}

ImportResult Importer::finish() {
  end_bridge();
  if (has_default_) {
    if (!default_listener_.contains("address")) default_listener_.insert("address", "::");
    if (!default_listener_.contains("port")) default_listener_.insert("port", 1883);
    listeners_.insert(listeners_.begin(), std::move(default_listener_));
  }
  if (!listeners_.empty()) root_.insert("listener", std::move(listeners_));
  if (!acl_files_.empty()) root_.insert("acl_file", std::move(acl_files_));
  if (persistence_) {
    std::string dir = persistence_dir_.empty() ? "/var/lib/roost/" : persistence_dir_;
    if (dir.back() != '/') dir += '/';
    root_.insert("persistence", toml::table{{"path", dir + "roost.db"}});
    out_.warnings.push_back("persistence: Roost keeps its own database, " + dir +
                            "roost.db; Mosquitto's retained messages and sessions are not carried over");
  }
  if (!log_destinations_.empty()) log_.insert("destinations", std::move(log_destinations_));
  if (!log_types_.empty()) log_.insert("types", std::move(log_types_));
  if (!log_.empty()) root_.insert("log", std::move(log_));
  std::ostringstream text;
  text << "# Imported from Mosquitto's configuration by `roost import`.\n" << toml::toml_formatter(root_) << "\n";
  out_.toml = text.str() + bridges_toml(bridges_);
  return std::move(out_);
}

}  // namespace

ImportResult import_mosquitto(const std::vector<std::pair<std::string, std::string>>& files) {
  Importer importer;
  for (const auto& [name, text] : files) {
    std::string_view rest = text;
    unsigned line_no = 0;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      const std::string_view line = trim(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      ++line_no;
      if (line.empty() || line.starts_with('#')) continue;
      const auto space = line.find_first_of(" \t");
      importer.line(name + ":" + std::to_string(line_no) + ": ", line.substr(0, space),
                    space == std::string_view::npos ? std::string_view{} : trim(line.substr(space)));
    }
    importer.end_file();
  }
  return importer.finish();
}

}  // namespace roost::config
