#include "cli/client_args.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <unistd.h>

#include "protocol/property_table.hpp"
#include "transport/tls.hpp"

namespace roost::cli {

using protocol::ProtocolVersion;
using protocol::QoS;

namespace {

constexpr std::string_view kClientHelp =
    " -A : bind the outgoing socket to this host/ip address.\n"
    " -c : disable clean session/enable persistent client mode\n"
    " -d : enable debug messages.\n"
    " -D : Define MQTT v5 properties. See the documentation for more details.\n"
    " -h : mqtt host to connect to. Defaults to localhost.\n"
    " -i : id to use for this client. Defaults to a random id.\n"
    " -I : define the client id as id_prefix appended with the process id.\n"
    " -k : keep alive in seconds for this client. Defaults to 60.\n"
    " -L : specify user, password, hostname, port and topic as a URL in the form:\n"
    "      mqtt(s)://[username[:password]@]host[:port]/topic\n"
    "      (also ws:// and wss://: MQTT over WebSocket, path /mqtt)\n"
    " -p : network port to connect to. Defaults to 1883 for plain MQTT and 8883 for MQTT over TLS.\n"
    " -q : quality of service level to use for all messages. Defaults to 0.\n"
    " -u : provide a username\n"
    " -P : provide a password\n"
    " -V : specify the version of the MQTT protocol to use when connecting.\n"
    "      Can be mqttv5, mqttv311 or mqttv31. Defaults to mqttv311.\n"
    " -x : Set the session-expiry-interval property on the CONNECT packet. Applies to MQTT v5\n"
    "      clients only. Set to 0-4294967294 to specify the session will expire in that many\n"
    "      seconds after the client disconnects, or use -1, 4294967295, or inf for a session\n"
    "      that does not expire. Defaults to -1 if -c is also given, or 0 if -c not given.\n"
    " --help : display this message.\n"
    " --quiet : don't print error messages.\n"
    " --websocket : speak MQTT over WebSocket (path /mqtt, or --ws-path PATH).\n"
    " --will-payload : payload for the client Will, which is sent by the broker in case of\n"
    "                  unexpected disconnection. If not given and will-topic is set, a zero\n"
    "                  length message will be sent.\n"
    " --will-qos : QoS level for the client Will.\n"
    " --will-retain : if given, make the client Will retained.\n"
    " --will-topic : the topic on which to publish the client Will.\n"
    " --cafile : path to a file containing trusted CA certificates to enable encrypted\n"
    "            communication.\n"
    " --capath : path to a directory containing trusted CA certificates to enable encrypted\n"
    "            communication.\n"
    " --cert : client certificate for authentication, if required by server.\n"
    " --key : client private key for authentication, if required by server.\n"
    " --ciphers : openssl compatible list of TLS ciphers to support.\n"
    " --tls-alpn : TLS application layer protocol negotiation (e.g. mqtt).\n"
    " --tls-use-os-certs : Load and trust OS provided CA certificates.\n"
    " --tls-version : TLS protocol version, can be one of tlsv1.3 or tlsv1.2.\n"
    "                 Defaults to allowing both.\n"
    " --insecure : do not check that the server certificate hostname matches the remote\n"
    "              hostname. Using this option means that you cannot be sure that the\n"
    "              remote host is the server you wish to connect to and so is insecure.\n"
    "              Do not use this option in a production environment.\n";

}  // namespace

std::string_view client_help() { return kClientHelp; }

bool print_help_if_asked(int argc, char** argv, std::string_view intro, std::string_view usage, std::string_view own) {
  for (int i = 0; i < argc; ++i) {
    if (std::string_view(argv[i]) != "--help") continue;
    for (const std::string_view part : {intro, usage, kClientHelp, own})
      std::fwrite(part.data(), 1, part.size(), stdout);
    return true;
  }
  return false;
}

std::optional<net::MqttClientOptions> client_options_or_error(ClientArgs& args) {
  try {
    return make_client_options(args);
  } catch (const std::exception& e) {
    if (!args.quiet) std::fprintf(stderr, "Error: %s\n", e.what());
    return std::nullopt;
  }
}

namespace {

bool parse_qos(std::string_view text, QoS& out) {
  int q = -1;
  if (!parse_number(text, q) || q < 0 || q > 2) return false;
  out = static_cast<QoS>(q);
  return true;
}

// mqtt(s)://[username[:password]@]host[:port]/topic, and ws(s)://.
std::string parse_url(std::string_view url, ClientArgs& args) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "Unsupported URL scheme.";
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme == "mqtt" || scheme == "ws") {
    args.tls = false;
  } else if (scheme == "mqtts" || scheme == "wss") {
    args.tls = true;
  } else {
    return "Unsupported URL scheme.";
  }
  args.websocket = scheme.starts_with("ws");
  url.remove_prefix(scheme_end + 3);
  const auto slash = url.find('/');
  if (slash == std::string_view::npos) return "Invalid URL for -L argument specified - topic missing.";
  std::string_view authority = url.substr(0, slash);
  const std::string_view topic = url.substr(slash + 1);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const auto colon = credentials.find(':');
    args.username = std::string(credentials.substr(0, colon));
    if (colon != std::string_view::npos) args.password = std::string(credentials.substr(colon + 1));
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return "Invalid URL for -L argument specified.";
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return "Invalid URL for -L argument specified.";
  args.host = std::string(host);
  if (!port.empty()) {
    std::uint16_t p = 0;
    if (!parse_number(port, p) || p == 0) return "Invalid port given: " + std::string(port);
    args.port = p;
  }
  if (!topic.empty()) args.topics.emplace_back(topic);
  return {};
}

}  // namespace

std::string parse_client_args(int argc, char** argv, Tool tool, bool (*takes_value)(std::string_view),
                              ClientArgs& out) {
  out.tool = tool;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    const std::string_view value = has_value ? std::string_view(argv[i + 1]) : std::string_view{};
    auto need = [&](std::string_view what) -> std::string {
      return "Error: " + std::string(arg) + " argument given but no " + std::string(what) + " specified.";
    };
    if (arg == "-A") {
      if (!has_value) return need("address");
      out.bind_address = value;
      ++i;
    } else if (arg == "-c" || arg == "--disable-clean-session") {
      out.clean = false;
    } else if (arg == "-d" || arg == "--debug") {
      out.debug = true;
    } else if (arg == "-D" || arg == "--property") {
      ++i;
      if (std::string e = parse_property(argc, argv, i, out); !e.empty()) return "Error: " + e;
    } else if (arg == "-h" || arg == "--host") {
      if (!has_value) return need("host");
      out.host = value;
      ++i;
    } else if (arg == "-i" || arg == "--id") {
      if (!has_value) return need("id");
      out.id = value;
      ++i;
    } else if (arg == "-I" || arg == "--id-prefix") {
      if (!has_value) return need("id prefix");
      out.id_prefix = value;
      ++i;
    } else if (arg == "-k" || arg == "--keepalive") {
      if (!has_value) return need("keepalive");
      if (!parse_number(value, out.keep_alive) || (out.keep_alive != 0 && out.keep_alive < 5)) {
        return "Error: Invalid keepalive given, it must be between 5 and 65535 inclusive.";
      }
      ++i;
    } else if (arg == "-L" || arg == "--url") {
      if (!has_value) return need("URL");
      if (std::string e = parse_url(value, out); !e.empty()) return "Error: " + e;
      ++i;
    } else if (arg == "-p" || arg == "--port") {
      std::uint16_t p = 0;
      if (!has_value || !parse_number(value, p) || p == 0) return "Error: Invalid port given: " + std::string(value);
      out.port = p;
      ++i;
    } else if (arg == "-P" || arg == "--pw") {
      if (!has_value) return need("password");
      out.password = std::string(value);
      ++i;
    } else if (arg == "-q" || arg == "--qos") {
      if (!has_value || !parse_qos(value, out.qos)) return "Error: Invalid QoS given: " + std::string(value);
      ++i;
    } else if (arg == "-u" || arg == "--username") {
      if (!has_value) return need("username");
      out.username = std::string(value);
      ++i;
    } else if (arg == "-V" || arg == "--protocol-version") {
      if (value == "mqttv31" || value == "31") {
        out.version = ProtocolVersion::kV31;
      } else if (value == "mqttv311" || value == "311") {
        out.version = ProtocolVersion::kV311;
      } else if (value == "mqttv5" || value == "5") {
        out.version = ProtocolVersion::kV5;
      } else {
        return "Error: Invalid protocol version argument given.";
      }
      ++i;
    } else if (arg == "-x") {
      if (!has_value) return need("session expiry interval");
      std::uint32_t n = 0;
      if (value == "-1" || value == "inf") {
        out.session_expiry = 0xFFFFFFFF;
      } else if (parse_number(value, n)) {
        out.session_expiry = n;
      } else {
        return "Error: session-expiry-interval not a number or out of range.";
      }
      ++i;
    } else if (arg == "--quiet") {
      out.quiet = true;
    } else if (arg == "--websocket") {
      out.websocket = true;
    } else if (arg == "--ws-path") {
      if (!has_value) return need("path");
      out.ws_path = value;
      ++i;
    } else if (arg == "--will-topic") {
      if (!has_value) return need("will topic");
      out.will_topic = std::string(value);
      ++i;
    } else if (arg == "--will-payload") {
      if (!has_value) return need("will payload");
      out.will_payload = std::string(value);
      ++i;
    } else if (arg == "--will-qos") {
      if (!has_value || !parse_qos(value, out.will_qos)) return "Error: Invalid will QoS " + std::string(value) + ".";
      ++i;
    } else if (arg == "--will-retain") {
      out.will_retain = true;
    } else if (arg == "--cafile" || arg == "--capath" || arg == "--cert" || arg == "--key" || arg == "--ciphers" ||
               arg == "--tls-version" || arg == "--tls-alpn") {
      if (!has_value) return need("value");
      std::string* field = arg == "--cafile"        ? &out.cafile
                           : arg == "--capath"      ? &out.capath
                           : arg == "--cert"        ? &out.certfile
                           : arg == "--key"         ? &out.keyfile
                           : arg == "--ciphers"     ? &out.ciphers
                           : arg == "--tls-version" ? &out.tls_version
                                                    : &out.alpn;
      *field = value;
      if (arg != "--ciphers" && arg != "--tls-version") out.tls = out.tls || arg != "--tls-alpn";
      ++i;
    } else if (arg == "--insecure") {
      out.insecure = true;
    } else if (arg == "--tls-use-os-certs") {
      out.os_certs = true;
      out.tls = true;
    } else if (arg == "-M" && tool == Tool::kPub) {
      if (!has_value || !parse_number(value, out.max_inflight) || out.max_inflight == 0) {
        return "Error: Maximum inflight messages must be greater than 0.";
      }
      ++i;
    } else if (arg == "-t" || arg == "--topic") {
      if (!has_value) return need("topic");
      out.topics.emplace_back(value);
      ++i;
    } else if (arg == "--nodelay") {
      // Roost always disables Nagle's algorithm.
    } else {
      out.rest.emplace_back(arg);
      if (takes_value(arg)) {
        if (!has_value) return "Error: " + std::string(arg) + " argument given but no value specified.";
        out.rest.emplace_back(value);
        ++i;
      }
    }
  }
  return {};
}

std::string check_client_args(ClientArgs& args) {
  if (!args.clean && args.id.empty() && args.id_prefix.empty()) {
    return "Error: You must provide a client id if you are using the -c option.";
  }
  if (args.will_payload && !args.will_topic) return "Error: Will payload given, but no will topic given.";
  if (args.will_retain && !args.will_topic) return "Error: Will retain given, but no will topic given.";
  if (args.password && !args.username) return "Error: -P argument given but no username (-u) given.";
  if (!args.id_prefix.empty() && args.id.empty()) args.id = args.id_prefix + std::to_string(::getpid());
  if (args.id.empty() && args.version == ProtocolVersion::kV31) {
    // MQTT 3.1 has no server-assigned ids [MQTT 3.1 3.1]: one of 1 to 23 characters is made up.
    static constexpr std::string_view kChars = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device random;
    args.id = "roost-";
    for (int i = 0; i < 12; ++i) args.id += kChars[random() % kChars.size()];
  }
  if (args.id.size() > 65535) return "Error: Client id is too long.";
  if (args.version != ProtocolVersion::kV5) {
    const auto any = [&](const protocol::Properties& p) { return !p.empty(); };
    if (any(args.connect_properties) || any(args.publish_properties) || any(args.subscribe_properties) ||
        any(args.unsubscribe_properties) || any(args.disconnect_properties) || any(args.will_properties)) {
      return "Error: Properties given, but protocol version is not MQTT v5 (use -V mqttv5).";
    }
    if (args.session_expiry) return "Error: -x argument given but protocol version is not MQTT v5.";
  }
  if (!args.port) args.port = args.tls ? 8883 : 1883;
  return {};
}

net::MqttClientOptions make_client_options(ClientArgs& args) {
  net::MqttClientOptions o;
  o.host = args.host;
  o.port = *args.port;
  o.bind_address = args.bind_address;
  o.websocket = args.websocket;
  o.ws_path = args.ws_path;
  if (args.tls) {
    transport::TlsClientSettings tls;
    tls.cafile = args.cafile;
    tls.capath = args.capath;
    tls.use_os_certs = args.os_certs || (args.cafile.empty() && args.capath.empty());
    tls.certfile = args.certfile;
    tls.keyfile = args.keyfile;
    tls.insecure = args.insecure;
    tls.tls_version = args.tls_version;
    tls.ciphers = args.ciphers;
    if (!args.alpn.empty()) tls.alpn = {args.alpn};
    o.tls = std::make_shared<const transport::TlsContext>(tls);
  }
  protocol::Connect& c = o.connect;
  c.version = args.version;
  c.clean_start = args.clean;
  c.keep_alive = args.keep_alive;
  c.client_id = args.keep(args.id);
  if (args.username) c.username = args.keep(*args.username);
  if (args.password) {
    const std::string_view pw = args.keep(*args.password);
    c.password = core::ByteView(reinterpret_cast<const std::uint8_t*>(pw.data()), pw.size());
  }
  c.properties = args.connect_properties;
  if (args.version == ProtocolVersion::kV5) {
    // As Mosquitto's tools: a persistent session (-c) never expires unless -x says otherwise.
    if (args.session_expiry) {
      c.properties.session_expiry_interval = *args.session_expiry;
    } else if (!args.clean) {
      c.properties.session_expiry_interval = 0xFFFFFFFF;
    }
  }
  if (args.will_topic) {
    protocol::Will w;
    w.topic = args.keep(*args.will_topic);
    const std::string_view payload = args.keep(args.will_payload.value_or(""));
    w.payload = core::ByteView(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
    w.qos = args.will_qos;
    w.retain = args.will_retain;
    w.properties = args.will_properties;
    c.will = w;
  }
  return o;
}

}  // namespace roost::cli
