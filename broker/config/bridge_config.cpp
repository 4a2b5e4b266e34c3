#include "config/bridge_config.hpp"

#include <charconv>
#include <unistd.h>

#include "config/table_reader.hpp"
#include "protocol/topic.hpp"

namespace roost::config::detail {

namespace {

void read_topic(const toml::table& t, std::string_view source, BridgeTopic& out, std::string& errors) {
  TableReader r(t, source, "bridge.topic");
  r.string("pattern", out.pattern);
  if (const toml::node* d = r.take("direction")) {
    const auto value = d->value<std::string>();
    if (value == "out") {
      out.direction = BridgeTopic::Direction::kOut;
    } else if (value == "in") {
      out.direction = BridgeTopic::Direction::kIn;
    } else if (value == "both") {
      out.direction = BridgeTopic::Direction::kBoth;
    } else {
      r.error(*d, "direction", "must be \"out\", \"in\" or \"both\"");
    }
  }
  r.number("qos", out.qos, 0, 2);
  r.string("local_prefix", out.local_prefix);
  r.string("remote_prefix", out.remote_prefix);
  if (out.pattern.empty() && out.local_prefix.empty() && out.remote_prefix.empty()) {
    r.error(t, "pattern", "is missing (it may be \"\" only when local_prefix or remote_prefix is a whole topic)");
  }
  const std::string local = out.local_prefix + out.pattern;
  const std::string remote = out.remote_prefix + out.pattern;
  if (!protocol::is_valid_topic_filter(local) || !protocol::is_valid_topic_filter(remote)) {
    r.error(t, "pattern", "with its prefixes is not a valid topic filter: \"" + local + "\" / \"" + remote + "\"");
  }
  for (const std::string* prefix : {&out.local_prefix, &out.remote_prefix}) {
    if (protocol::has_wildcard(*prefix)) r.error(t, "local_prefix", "and remote_prefix may not hold + or #");
  }
  r.reject_unknown();
  errors += r.errors();
}

void read_bridge(const toml::table& t, std::string_view source, BridgeSettings& b, std::string& errors) {
  TableReader r(t, source, "bridge");
  r.string("name", b.name);
  if (b.name.empty() || b.name.find_first_of("/+#") != std::string::npos) {
    r.error(t, "name", "is needed, without / + or # (it names $SYS/broker/connection/<name>/state)");
  }
  std::vector<std::string> addresses;
  if (const toml::node* a = r.take("address")) {
    if (a->is_string()) {
      addresses.push_back(*a->value<std::string>());
    } else if (const toml::array* list = a->as_array()) {
      for (const toml::node& item : *list) {
        if (!item.is_string()) {
          r.error(*a, "address", "must be a string or a list of strings (\"host:port\")");
          break;
        }
        addresses.push_back(*item.value<std::string>());
      }
    } else {
      r.error(*a, "address", "must be a string or a list of strings (\"host:port\")");
    }
  }
  if (addresses.empty()) r.error(t, "address", "is needed: \"host:port\", or a list of them for failover");
  for (const std::string& text : addresses) {
    BridgeAddress address;
    if (!parse_bridge_address(text, address)) {
      r.error(t, "address", "\"" + text + "\" is not host:port");
    } else {
      b.addresses.push_back(address);
    }
  }
  r.string("remote_clientid", b.remote_clientid);
  r.string("local_clientid", b.local_clientid);
  std::string text;
  if (r.take("remote_username") != nullptr) {
    r.string("remote_username", text);
    b.remote_username = text;
  }
  if (r.take("remote_password") != nullptr) {
    r.string("remote_password", text);
    b.remote_password = text;
  }
  r.boolean("clean_start", b.clean_start);
  r.number("keepalive", b.keepalive, 0, 65535);
  if (const toml::node* p = r.take("protocol")) {
    const auto value = p->value<std::string>();
    if (value == "mqttv311" || value == "mqttv5") {
      b.protocol = *value;
    } else {
      r.error(*p, "protocol", "must be \"mqttv311\" or \"mqttv5\"");
    }
  }
  r.boolean("try_private", b.try_private);
  if (const toml::node* s = r.take("start_type")) {
    const auto value = s->value<std::string>();
    if (value == "automatic" || value == "lazy" || value == "once") {
      b.start_type = *value;
    } else {
      r.error(*s, "start_type", "must be \"automatic\", \"lazy\" or \"once\"");
    }
  }
  r.number("restart_timeout", b.restart_timeout, 1, 86400);
  b.restart_timeout_max = std::max<std::uint32_t>(b.restart_timeout_max, b.restart_timeout);
  r.number("restart_timeout_max", b.restart_timeout_max, 1, 86400);
  if (b.restart_timeout_max < b.restart_timeout) {
    r.error(t, "restart_timeout_max", "must be at least restart_timeout");
  }
  r.number("idle_timeout", b.idle_timeout, 1, 86400);
  r.number("threshold", b.threshold, 1, 1'000'000);
  r.boolean("notifications", b.notifications);
  r.boolean("notifications_local_only", b.notifications_local_only);
  r.string("notification_topic", b.notification_topic);
  transport::TlsClientSettings tls;
  r.string("cafile", tls.cafile);
  r.string("capath", tls.capath);
  r.boolean("tls_use_os_certs", tls.use_os_certs);
  r.string("certfile", tls.certfile);
  r.string("keyfile", tls.keyfile);
  r.string("keyfile_password", tls.keyfile_password);
  r.boolean("insecure", tls.insecure);
  if (const toml::node* v = r.take("tls_version")) {
    const auto value = v->value<std::string>();
    if (value == "tlsv1.2" || value == "tlsv1.3") {
      tls.tls_version = *value;
    } else {
      r.error(*v, "tls_version", "must be \"tlsv1.2\" or \"tlsv1.3\"");
    }
  }
  r.string("ciphers", tls.ciphers);
  std::string alpn;
  r.string("alpn", alpn);
  if (!alpn.empty()) tls.alpn = {alpn};
  const bool tls_on = !tls.cafile.empty() || !tls.capath.empty() || tls.use_os_certs;
  if (tls_on) {
    b.tls = tls;
  } else if (!tls.certfile.empty() || !tls.keyfile.empty() || tls.insecure || !tls.tls_version.empty() ||
             !alpn.empty()) {
    r.error(t, "cafile", "is needed for TLS (or capath, or tls_use_os_certs = true)");
  }
  if (!tls.certfile.empty() != !tls.keyfile.empty()) r.error(t, "certfile", "and keyfile go together");
  if (const toml::node* topics = r.take("topic")) {
    const toml::array* list = topics->as_array();
    if (list == nullptr || !list->is_array_of_tables()) {
      r.error(*topics, "topic", "must be [[bridge.topic]] tables");
    } else {
      for (const toml::node& item : *list) {
        BridgeTopic topic;
        read_topic(*item.as_table(), source, topic, errors);
        b.topics.push_back(std::move(topic));
      }
    }
  }
  if (b.topics.empty()) r.error(t, "topic", "is needed: at least one [[bridge.topic]]");
  if (b.remote_clientid.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    b.remote_clientid = std::string(host[0] != '\0' ? host : "roost") + "." + b.name;
  }
  if (b.local_clientid.empty()) b.local_clientid = "local." + b.remote_clientid;
  if (b.notification_topic.empty()) b.notification_topic = "$SYS/broker/connection/" + b.name + "/state";
  r.reject_unknown();
  errors += r.errors();
}

}  // namespace

bool parse_bridge_address(std::string_view text, BridgeAddress& out) {
  std::string_view host = text;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return false;
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) return false;
      port = rest.substr(1);
    }
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) return false;  // a bare IPv6 address needs brackets
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) return false;
  out.host = std::string(host);
  if (!port.empty()) {
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
    if (ec != std::errc{} || end != port.data() + port.size() || out.port == 0) return false;
  }
  return true;
}

void read_bridges(const toml::node& node, std::string_view source, std::vector<BridgeSettings>& out,
                  std::string& errors) {
  const toml::array* list = node.as_array();
  if (list == nullptr || !list->is_array_of_tables()) {
    const auto& where = node.source().begin;
    errors += std::string(source) + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
              ": bridge must be [[bridge]] tables\n";
    return;
  }
  for (const toml::node& item : *list) {
    BridgeSettings b;
    read_bridge(*item.as_table(), source, b, errors);
    for (const BridgeSettings& other : out) {
      const auto& where = item.source().begin;
      const std::string at =
          std::string(source) + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": ";
      if (other.name == b.name) errors += at + "bridge.name \"" + b.name + "\" is used by two bridges\n";
      // Two bridges on one local session would take it from each other.
      if (other.local_clientid == b.local_clientid) {
        errors += at + "bridge.local_clientid \"" + b.local_clientid +
                  "\" is used by two bridges (set remote_clientid or local_clientid)\n";
      }
    }
    out.push_back(std::move(b));
  }
}

}  // namespace roost::config::detail
