#pragma once
// The flags `roost pub` and `roost sub` share, spelled as mosquitto_pub and
// mosquitto_sub 2.0 spell them: where to connect, who to be, TLS, the will,
// MQTT 5 properties (-D). Parsing never exits: it returns what was wrong,
// and the tool prints it the way Mosquitto's do.

#include <charconv>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/mqtt_client.hpp"
#include "protocol/properties.hpp"

namespace roost::cli {

enum class Tool : std::uint8_t { kPub, kSub };

struct ClientArgs {
  // Where and who (fields grouped by size: the struct is padded otherwise).
  std::string host = "localhost";
  std::string bind_address;
  std::string id;
  std::string id_prefix;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::vector<std::string> topics;  // -t (pub: one)

  // The will.
  std::optional<std::string> will_topic;
  std::optional<std::string> will_payload;

  // TLS and WebSocket.
  std::string ws_path = "/mqtt";
  std::string cafile;
  std::string capath;
  std::string certfile;
  std::string keyfile;
  std::string tls_version;
  std::string ciphers;
  std::string alpn;

  // -D: MQTT 5 properties per packet. Their strings live in `strings`.
  protocol::Properties connect_properties;
  protocol::Properties publish_properties;
  protocol::Properties subscribe_properties;
  protocol::Properties unsubscribe_properties;
  protocol::Properties disconnect_properties;
  protocol::Properties will_properties;
  std::deque<std::string> strings;

  // pub's message and sub's output flags are parsed by the tools themselves.
  std::vector<std::string> rest;

  std::optional<std::uint32_t> session_expiry;  // -x (-1: never)
  std::optional<std::uint16_t> port;            // default 1883, 8883 with TLS
  std::uint16_t keep_alive = 60;
  std::uint16_t max_inflight = 20;  // -M (pub)
  Tool tool = Tool::kPub;
  protocol::ProtocolVersion version = protocol::ProtocolVersion::kV311;
  protocol::QoS qos = protocol::QoS::k0;
  protocol::QoS will_qos = protocol::QoS::k0;
  bool clean = true;  // -c clears it
  bool retain = false;
  bool debug = false;
  bool quiet = false;
  bool will_retain = false;
  bool tls = false;
  bool websocket = false;
  bool insecure = false;
  bool os_certs = false;

  // A string that lives as long as these arguments.
  std::string_view keep(std::string s) { return strings.emplace_back(std::move(s)); }
};

// Parses the shared flags; flags it does not know go to `rest` (with their
// values: `takes_value` says which of the tool's own flags have one).
// Returns an error message ("" when fine).
std::string parse_client_args(int argc, char** argv, Tool tool, bool (*takes_value)(std::string_view flag),
                              ClientArgs& out);

// Checks what only makes sense together (-c needs an id, a will needs a
// topic, ...) after everything was parsed. Returns an error message or "".
std::string check_client_args(ClientArgs& args);

// The client's options for `args`. Throws std::runtime_error when the TLS
// files cannot be loaded (the message names the file).
net::MqttClientOptions make_client_options(ClientArgs& args);

// Parses one -D: `i` points at its COMMAND and is left at its last value.
// Returns an error message or "".
std::string parse_property(int argc, char** argv, int& i, ClientArgs& args);

// The shared part of --help.
std::string_view client_help();

// --help among the arguments: prints `intro`, `usage`, the shared help and
// `own` and returns true.
bool print_help_if_asked(int argc, char** argv, std::string_view intro, std::string_view usage, std::string_view own);

// make_client_options(), or nothing after printing why on stderr (unless --quiet).
std::optional<net::MqttClientOptions> client_options_or_error(ClientArgs& args);

// What Mosquitto's tools print for a refused connection ("Connection
// Refused: not authorised." for 3.x; the reason's name for 5.0).
std::string connack_text(protocol::ProtocolVersion version, protocol::ReasonCode reason);

// A -d line for a packet sent or received, worded as libmosquitto's
// ("Client (null) sending CONNECT"); `id` is the client id given ("": none).
std::string debug_line(std::string_view id, protocol::ProtocolVersion version, bool sent,
                       const protocol::PacketBody& packet);

// A whole decimal number of type T (no sign for unsigned T, no spaces).
template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

}  // namespace roost::cli
