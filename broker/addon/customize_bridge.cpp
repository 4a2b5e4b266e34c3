#include "addon/customize_bridge.hpp"

#include <charconv>
#include <vector>

#include "addon/translate.hpp"

namespace roost::addon {

namespace {

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    const auto start = s.find_first_not_of(" \t");
    if (start == std::string_view::npos) return out;
    s.remove_prefix(start);
    const auto end = s.find_first_of(" \t");
    out.push_back(s.substr(0, end));
    if (end == std::string_view::npos) return out;
    s.remove_prefix(end);
  }
}

// Mosquitto writes an empty prefix as "".
std::string unquote(std::string_view s) { return s == "\"\"" ? std::string() : std::string(s); }

template <class T>
bool number(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

std::optional<bool> boolean(std::string_view v) {
  if (v == "true") return true;
  if (v == "false") return false;
  return std::nullopt;
}

std::string topic_line(std::string_view value, config::BridgeSettings& b) {
  const std::vector<std::string_view> words = split(value);
  if (words.empty() || words.size() > 5) return "topic needs: pattern [out|in|both [qos [local_prefix remote_prefix]]]";
  config::BridgeTopic t;
  t.pattern = unquote(words[0]);
  if (words.size() > 1) {
    if (words[1] == "out") {
      t.direction = config::BridgeTopic::Direction::kOut;
    } else if (words[1] == "in") {
      t.direction = config::BridgeTopic::Direction::kIn;
    } else if (words[1] == "both") {
      t.direction = config::BridgeTopic::Direction::kBoth;
    } else {
      return "topic direction must be out, in or both; the topic is ignored";
    }
  }
  if (words.size() > 2 && (!number(words[2], t.qos) || t.qos > 2)) return "topic QoS must be 0, 1 or 2; ignored";
  if (words.size() == 4) return "topic needs both prefixes or none; ignored";
  if (words.size() == 5) {
    t.local_prefix = unquote(words[3]);
    t.remote_prefix = unquote(words[4]);
  }
  b.topics.push_back(std::move(t));
  return {};
}

std::string toml_line(std::string_view key, const std::string& value) {
  return std::string(key) + " = " + toml_string(value) + "\n";
}

}  // namespace

std::optional<std::string> apply_bridge_directive(config::BridgeSettings& b, std::string_view d,
                                                  std::string_view value) {
  const std::string v(value);
  const auto flag = [&](bool& out) -> std::string {
    const auto parsed = boolean(value);
    if (!parsed) return std::string(d) + " must be true or false; ignored";
    out = *parsed;
    return {};
  };
  const auto tls = [&]() -> transport::TlsClientSettings& {
    if (!b.tls) b.tls.emplace();
    return *b.tls;
  };
  if (d == "address" || d == "addresses") {
    for (const std::string_view word : split(value)) {
      config::BridgeAddress a;
      const std::string text(word);
      const auto colon = text.rfind(':');
      a.host = text.substr(0, colon);
      if (colon != std::string::npos && (!number(std::string_view(text).substr(colon + 1), a.port) || a.port == 0)) {
        return "address \"" + text + "\" is not host[:port]; ignored";
      }
      b.addresses.push_back(a);
    }
    return std::string();
  }
  if (d == "topic") return topic_line(value, b);
  if (d == "remote_clientid" || d == "clientid") return b.remote_clientid = v, std::string();
  if (d == "local_clientid") return b.local_clientid = v, std::string();
  if (d == "remote_username" || d == "username") return b.remote_username = v, std::string();
  if (d == "remote_password" || d == "password") return b.remote_password = v, std::string();
  if (d == "cleansession") return flag(b.clean_start);
  if (d == "try_private") return flag(b.try_private);
  if (d == "notifications") return flag(b.notifications);
  if (d == "notifications_local_only") return flag(b.notifications_local_only);
  if (d == "notification_topic") return b.notification_topic = v, std::string();
  if (d == "keepalive_interval") {
    return number(value, b.keepalive) ? std::string() : "keepalive_interval must be a number; ignored";
  }
  if (d == "bridge_protocol_version") {
    if (value == "mqttv311" || value == "mqttv50") {
      b.protocol = value == "mqttv50" ? "mqttv5" : "mqttv311";
      return std::string();
    }
    return "bridge_protocol_version " + v + " is not supported (mqttv311 or mqttv50); mqttv311 is used";
  }
  if (d == "start_type") {
    if (value == "automatic" || value == "lazy" || value == "once") return b.start_type = v, std::string();
    return "start_type must be automatic, lazy or once; ignored";
  }
  if (d == "restart_timeout") {
    const auto words = split(value);
    if (words.empty() || !number(words[0], b.restart_timeout) ||
        (words.size() > 1 && !number(words[1], b.restart_timeout_max))) {
      return "restart_timeout needs a number (and optionally a cap); ignored";
    }
    if (words.size() == 1) b.restart_timeout_max = std::max(b.restart_timeout, b.restart_timeout_max);
    return std::string();
  }
  if (d == "idle_timeout") return number(value, b.idle_timeout) ? std::string() : "idle_timeout must be a number";
  if (d == "threshold") return number(value, b.threshold) ? std::string() : "threshold must be a number";
  if (d == "bridge_cafile") return tls().cafile = v, std::string();
  if (d == "bridge_capath") return tls().capath = v, std::string();
  if (d == "bridge_certfile") return tls().certfile = v, std::string();
  if (d == "bridge_keyfile") return tls().keyfile = v, std::string();
  if (d == "bridge_insecure") return flag(tls().insecure);
  if (d == "bridge_tls_version") return tls().tls_version = v, std::string();
  if (d == "bridge_alpn") return tls().alpn = {v}, std::string();
  if (d == "round_robin" || d == "local_username" || d == "local_password" || d.starts_with("bridge_")) {
    return std::string(d) + " is not supported by Roost's bridges; ignored";
  }
  return std::nullopt;
}

std::string check_bridge(const config::BridgeSettings& b) {
  if (b.addresses.empty()) return "it has no address";
  if (b.topics.empty()) return "it has no topic";
  if (b.tls && b.tls->cafile.empty() && b.tls->capath.empty()) return "bridge_certfile/keyfile need bridge_cafile";
  return {};
}

std::string bridge_toml(const config::BridgeSettings& b) {
  std::string out = "\n[[bridge]]\n" + toml_line("name", b.name) + "address = [";
  for (std::size_t i = 0; i < b.addresses.size(); ++i) {
    out += (i ? ", " : "") + toml_string(b.addresses[i].host + ":" + std::to_string(b.addresses[i].port));
  }
  out += "]\n";
  if (!b.remote_clientid.empty()) out += toml_line("remote_clientid", b.remote_clientid);
  if (!b.local_clientid.empty()) out += toml_line("local_clientid", b.local_clientid);
  if (b.remote_username) out += toml_line("remote_username", *b.remote_username);
  if (b.remote_password) out += toml_line("remote_password", *b.remote_password);
  out += std::string("clean_start = ") + (b.clean_start ? "true" : "false") + "\n";
  out += "keepalive = " + std::to_string(b.keepalive) + "\n" + toml_line("protocol", b.protocol);
  out += std::string("try_private = ") + (b.try_private ? "true" : "false") + "\n";
  out += toml_line("start_type", b.start_type);
  out += "restart_timeout = " + std::to_string(b.restart_timeout) + "\n";
  out += "restart_timeout_max = " + std::to_string(b.restart_timeout_max) + "\n";
  out += "idle_timeout = " + std::to_string(b.idle_timeout) + "\nthreshold = " + std::to_string(b.threshold) + "\n";
  out += std::string("notifications = ") + (b.notifications ? "true" : "false") + "\n";
  out += std::string("notifications_local_only = ") + (b.notifications_local_only ? "true" : "false") + "\n";
  if (!b.notification_topic.empty()) out += toml_line("notification_topic", b.notification_topic);
  if (b.tls) {
    if (!b.tls->cafile.empty()) out += toml_line("cafile", b.tls->cafile);
    if (!b.tls->capath.empty()) out += toml_line("capath", b.tls->capath);
    if (!b.tls->certfile.empty()) out += toml_line("certfile", b.tls->certfile);
    if (!b.tls->keyfile.empty()) out += toml_line("keyfile", b.tls->keyfile);
    if (b.tls->insecure) out += "insecure = true\n";
    if (!b.tls->tls_version.empty()) out += toml_line("tls_version", b.tls->tls_version);
    if (!b.tls->alpn.empty()) out += toml_line("alpn", b.tls->alpn.front());
  }
  static constexpr const char* kDirections[] = {"out", "in", "both"};
  for (const config::BridgeTopic& t : b.topics) {
    out += "[[bridge.topic]]\n" + toml_line("pattern", t.pattern) +
           toml_line("direction", kDirections[static_cast<int>(t.direction)]) + "qos = " + std::to_string(t.qos) +
           "\n" + toml_line("local_prefix", t.local_prefix) + toml_line("remote_prefix", t.remote_prefix);
  }
  return out;
}

}  // namespace roost::addon
