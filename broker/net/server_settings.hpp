#pragma once
// ServerSettings: what the network layer is configured with. Each worker
// keeps its own copy (a reload posts a new one to every worker).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/acl.hpp"
#include "auth/password_file.hpp"
#include "engine/settings.hpp"
#include "transport/tls_settings.hpp"

namespace roost::net {

// One listener: where, what it speaks, and who may log in through it.
struct Endpoint {
  enum class Protocol : std::uint8_t { kMqtt, kWebSockets };
  std::string address;
  std::uint16_t port = 1883;
  Protocol protocol = Protocol::kMqtt;
  bool allow_anonymous = true;
  bool use_username_as_clientid = false;
  std::optional<transport::TlsSettings> tls;
  // The same socket address: a reload keeps such a listener open (and applies the rest).
  bool same_socket(const Endpoint& other) const noexcept { return address == other.address && port == other.port; }
};

struct ServerSettings {
  std::vector<Endpoint> listeners;
  // I/O threads (1: everything on one thread, no locks, no posting).
  unsigned threads = 1;
  std::uint32_t max_packet_size = 0;  // 0: the protocol's limit
  std::uint32_t max_connect_size = 256 * 1024;
  std::size_t max_connections = 0;     // 0: no limit
  std::uint32_t connect_timeout = 10;  // seconds to send CONNECT
  std::size_t max_output_buffer = std::size_t{1024} * 1024;
  bool connection_messages = true;
  std::uint32_t sys_interval = 10;  // seconds between $SYS updates (0: none)
  std::string version = "roost";    // $SYS/broker/version
  engine::EngineSettings engine;
  // Local users (password file and [[user]]) and the ACL rules; null: none.
  std::shared_ptr<const auth::PasswordFile> users;
  std::shared_ptr<const auth::Acl> acl;
};

}  // namespace roost::net
