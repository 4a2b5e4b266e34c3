#pragma once
// ServerSettings: what the network layer is configured with. Each worker
// keeps its own copy (a reload posts a new one to every worker).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/settings.hpp"

namespace roost::net {

struct Endpoint {
  std::string address;
  std::uint16_t port = 1883;
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
};

}  // namespace roost::net
