#pragma once
// $SYS topics: the broker's own state, published retained every
// sys_interval seconds under the names Mosquitto uses, so monitoring
// written for Mosquitto works unchanged. Only values that changed are
// published again.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "engine/engine.hpp"

namespace roost::net {

// Counters the network layer keeps.
struct NetCounters {
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t packets_received = 0;
  std::uint64_t packets_sent = 0;
  std::uint64_t connections_accepted = 0;  // sockets opened
  std::uint64_t connections_refused = 0;   // max_connections reached
  std::uint64_t packets_too_large = 0;     // max_packet_size exceeded
  std::uint64_t publish_dropped = 0;       // QoS 0 dropped on arrival at another worker's full output
};

class SysTopics {
 public:
  SysTopics(std::string version, core::TimePoint started);

  // Publishes the current values that changed since the last call.
  void publish(engine::Engine& engine, const NetCounters& net, core::TimePoint now);

  // The topics and values of the last publish (for tests).
  const std::map<std::string, std::string>& values() const noexcept { return last_; }

 private:
  // Exponentially decaying per-minute rate over 1, 5 and 15 minutes, as
  // Mosquitto computes $SYS/broker/load/...
  struct Load {
    std::uint64_t last_total = 0;
    double average[3] = {0, 0, 0};
  };
  void update_load(const std::string& name, std::uint64_t total, double interval_s,
                   std::map<std::string, std::string>& out);
  void set(std::map<std::string, std::string>& out, const std::string& topic, std::string value);

  std::string version_;
  core::TimePoint started_;
  std::optional<core::TimePoint> last_update_;
  std::map<std::string, Load> loads_;
  std::map<std::string, std::string> last_;
  std::uint64_t heap_maximum_ = 0;
};

}  // namespace roost::net
