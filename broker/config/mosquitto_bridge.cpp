#include "config/mosquitto_bridge.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>
#include <toml++/toml.h>

namespace roost::config {

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

std::string topic_line(std::string_view value, BridgeSettings& b) {
  const std::vector<std::string_view> words = split(value);
  if (words.empty() || words.size() > 5) return "topic needs: pattern [out|in|both [qos [local_prefix remote_prefix]]]";
  BridgeTopic t;
  t.pattern = unquote(words[0]);
  if (words.size() > 1) {
    if (words[1] == "out") {
      t.direction = BridgeTopic::Direction::kOut;
    } else if (words[1] == "in") {
      t.direction = BridgeTopic::Direction::kIn;
    } else if (words[1] == "both") {
      t.direction = BridgeTopic::Direction::kBoth;
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

}  // namespace

std::optional<std::string> apply_bridge_directive(BridgeSettings& b, std::string_view d, std::string_view value) {
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
      BridgeAddress a;
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

std::string check_bridge(const BridgeSettings& b) {
  if (b.addresses.empty()) return "it has no address";
  if (b.topics.empty()) return "it has no topic";
  if (b.tls && b.tls->cafile.empty() && b.tls->capath.empty()) return "bridge_certfile/keyfile need bridge_cafile";
  return {};
}

std::string bridges_toml(const std::vector<BridgeSettings>& bridges) {
  static constexpr const char* kDirections[] = {"out", "in", "both"};
  toml::array tables;
  for (const BridgeSettings& b : bridges) {
    toml::table t;
    t.insert("name", b.name);
    toml::array addresses;
    for (const BridgeAddress& a : b.addresses) {
      const bool v6 = a.host.find(':') != std::string::npos;
      addresses.push_back((v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port));
    }
    t.insert("address", std::move(addresses));
    if (!b.remote_clientid.empty()) t.insert("remote_clientid", b.remote_clientid);
    if (!b.local_clientid.empty()) t.insert("local_clientid", b.local_clientid);
    if (b.remote_username) t.insert("remote_username", *b.remote_username);
    if (b.remote_password) t.insert("remote_password", *b.remote_password);
    t.insert("clean_start", b.clean_start);
    t.insert("keepalive", std::int64_t{b.keepalive});
    t.insert("protocol", b.protocol);
    t.insert("try_private", b.try_private);
    t.insert("start_type", b.start_type);
    t.insert("restart_timeout", std::int64_t{b.restart_timeout});
    t.insert("restart_timeout_max", std::int64_t{b.restart_timeout_max});
    t.insert("idle_timeout", std::int64_t{b.idle_timeout});
    t.insert("threshold", std::int64_t{b.threshold});
    t.insert("notifications", b.notifications);
    t.insert("notifications_local_only", b.notifications_local_only);
    if (!b.notification_topic.empty()) t.insert("notification_topic", b.notification_topic);
    if (b.tls) {
      if (!b.tls->cafile.empty()) t.insert("cafile", b.tls->cafile);
      if (!b.tls->capath.empty()) t.insert("capath", b.tls->capath);
      if (!b.tls->certfile.empty()) t.insert("certfile", b.tls->certfile);
      if (!b.tls->keyfile.empty()) t.insert("keyfile", b.tls->keyfile);
      if (b.tls->insecure) t.insert("insecure", true);
      if (!b.tls->tls_version.empty()) t.insert("tls_version", b.tls->tls_version);
      if (!b.tls->alpn.empty()) t.insert("alpn", b.tls->alpn.front());
    }
    toml::array topics;
    for (const BridgeTopic& topic : b.topics) {
      topics.push_back(toml::table{{"pattern", topic.pattern},
                                   {"direction", kDirections[static_cast<int>(topic.direction)]},
                                   {"qos", std::int64_t{topic.qos}},
                                   {"local_prefix", topic.local_prefix},
                                   {"remote_prefix", topic.remote_prefix}});
    }
    t.insert("topic", std::move(topics));
    tables.push_back(std::move(t));
  }
  if (tables.empty()) return {};
  toml::table root;
  root.insert("bridge", std::move(tables));
  std::ostringstream out;
  out << toml::toml_formatter(root);
  return "\n" + out.str() + "\n";
}

}  // namespace roost::config
