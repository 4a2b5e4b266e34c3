#pragma once
// Config: everything roost serve is told, parsed from one TOML file into
// plain values, validated whole (every error names file:line), then used
// read-only. A reload builds a new Config and swaps it in whole.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/acl.hpp"
#include "auth/password_file.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "engine/settings.hpp"
#include "transport/tls_settings.hpp"

namespace roost::config {

struct Listener {
  std::string address;  // IPv4 or IPv6 literal; "::" listens on both where the system allows
  std::uint16_t port = 1883;
  std::string protocol = "mqtt";        // "mqtt" or "websockets"
  std::optional<bool> allow_anonymous;  // unset: the global allow_anonymous
  bool use_username_as_clientid = false;
  std::optional<transport::TlsSettings> tls;  // set when the listener has certfile and keyfile
};

// Who may log in and what they may do: the password and ACL files (as
// Mosquitto writes them) merged with [[user]] and [acl] from the TOML.
struct AuthSettings {
  std::string password_file;
  std::vector<std::string> acl_files;               // `acl_file`: one path or a list, merged in order
  bool allow_anonymous = true;                      // default: true only when no user has a password
  std::shared_ptr<const auth::PasswordFile> users;  // null: no users with passwords
  std::shared_ptr<const auth::Acl> acl;             // null: no rules, everything allowed
};

struct LogSettings {
  // Destinations: "stdout", "stderr", "file", "syslog", "topic" ($SYS/broker/log/<type>).
  std::vector<std::string> destinations = {"stderr"};
  std::string file;                        // with destination "file"
  std::string syslog_socket = "/dev/log";  // with destination "syslog": the local syslog daemon's socket
  std::uint32_t types =
      static_cast<std::uint32_t>(core::LogType::kError) | static_cast<std::uint32_t>(core::LogType::kWarning) |
      static_cast<std::uint32_t>(core::LogType::kNotice) | static_cast<std::uint32_t>(core::LogType::kInformation);
  bool connection_messages = true;
  bool timestamps = true;
  std::string timestamp_format = "%Y-%m-%dT%H:%M:%S";
};

// Durable state ([persistence]); an empty path keeps everything in memory.
struct PersistenceSettings {
  std::string path;
  std::string durability = "periodic";  // "periodic" (commit every flush_interval) or "strict"
  std::uint32_t flush_interval = 1;     // seconds
};

// [home_assistant]: set by the add-on (`roost addon init`). Logins of users
// the broker does not know go to the Supervisor's /auth API.
struct HomeAssistantSettings {
  bool enabled = false;                          // the table is present
  std::string supervisor = "http://supervisor";  // the Supervisor API's base URL
  bool auth = true;                              // ask /auth about unknown users
};

// One topic line of a bridge (Mosquitto's `topic pattern direction qos local_prefix remote_prefix`).
struct BridgeTopic {
  std::string pattern;  // a filter; "" when the prefixes are whole topics
  enum class Direction : std::uint8_t { kOut, kIn, kBoth } direction = Direction::kOut;
  std::uint8_t qos = 0;
  std::string local_prefix;
  std::string remote_prefix;
};

struct BridgeAddress {
  std::string host;
  std::uint16_t port = 1883;
};

// A connection to another broker ([[bridge]]).
struct BridgeSettings {
  std::string name;
  std::vector<BridgeAddress> addresses;  // tried in order; the first again after a failure of the last
  std::string remote_clientid;           // "": "<hostname>.<name>"
  std::string local_clientid;            // "": "local.<remote_clientid>"
  std::optional<std::string> remote_username;
  std::optional<std::string> remote_password;
  bool clean_start = false;  // a persistent remote session, as Mosquitto's cleansession false
  std::uint16_t keepalive = 60;
  std::string protocol = "mqttv311";     // or "mqttv5"
  bool try_private = true;               // 3.1.1: the bridge flag; 5.0: No Local (never loops)
  std::string start_type = "automatic";  // "automatic", "lazy" or "once"
  std::uint32_t restart_timeout = 5;     // seconds before the first reconnect (doubled up to restart_timeout_max)
  std::uint32_t restart_timeout_max = 60;
  std::uint32_t idle_timeout = 60;  // lazy: seconds without traffic before disconnecting
  std::uint32_t threshold = 10;     // lazy: messages waiting before connecting
  bool notifications = true;        // the state, retained, on notification_topic (local and remote)
  bool notifications_local_only = false;
  std::string notification_topic;                   // "": "$SYS/broker/connection/<name>/state"
  std::optional<transport::TlsClientSettings> tls;  // set with cafile, capath or tls_use_os_certs
  std::vector<BridgeTopic> topics;
};

struct Config {
  std::string source;  // the file it came from ("" for the built-in defaults)
  std::vector<Listener> listeners;
  unsigned threads = 0;                // 0: the cores this process may use, at most 4
  std::uint32_t max_packet_size = 0;   // largest packet accepted from a client (0: the protocol's limit)
  std::size_t max_connections = 0;     // 0: no limit
  std::uint32_t sys_interval = 10;     // seconds between $SYS updates (0: never)
  std::uint32_t connect_timeout = 10;  // seconds a new connection has to send CONNECT
  std::size_t max_output_buffer = std::size_t{1024} * 1024;  // bytes queued per connection before QoS 0 is dropped
  engine::EngineSettings engine;
  std::vector<BridgeSettings> bridges;
  LogSettings log;
  PersistenceSettings persistence;
  AuthSettings auth;
  HomeAssistantSettings home_assistant;
};

struct ConfigError {
  std::string message;  // "file:line:column: what is wrong"
};

// The configuration with no file: 127.0.0.1 and ::1 on port 1883,
// anonymous clients, state in memory (Mosquitto 2's default).
Config default_config();

// Parses TOML `text` read from `source` (named in error messages).
core::Result<Config, ConfigError> parse_config(std::string_view text, std::string_view source);

// Reads and parses the file at `path`.
core::Result<Config, ConfigError> load_config(const std::string& path);

}  // namespace roost::config
