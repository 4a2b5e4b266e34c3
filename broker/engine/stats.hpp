#pragma once
// Counters the engine keeps for $SYS and logs. Plain numbers, written only
// on the engine's executor.

#include <cstdint>

namespace roost::engine {

struct EngineStats {
  std::uint64_t clients_connected = 0;  // now
  std::uint64_t clients_maximum = 0;    // most connected at once
  std::uint64_t sessions_expired = 0;   // persistent sessions that timed out
  std::uint64_t publish_received = 0;   // PUBLISH packets accepted from clients
  std::uint64_t publish_sent = 0;       // PUBLISH packets handed to connections
  std::uint64_t publish_dropped = 0;    // deliveries given up (queue full, too large, expired, ...)
  std::uint64_t publish_dropped_queue_full = 0;
  std::uint64_t publish_dropped_too_large = 0;
  std::uint64_t publish_dropped_expired = 0;
  std::uint64_t publish_dropped_output_full = 0;  // QoS 0 refused by a full connection
  std::uint64_t messages_refused = 0;             // incoming PUBLISH refused (size or topic limits)
  std::uint64_t publish_denied = 0;               // incoming PUBLISH refused by authorization
  std::uint64_t subscribe_denied = 0;             // SUBSCRIBE filters refused by authorization
  // Times each configured limit refused something, named as its setting.
  struct LimitHits {
    std::uint64_t message_size_limit = 0;
    std::uint64_t max_topic_length = 0;
    std::uint64_t max_topic_levels = 0;
    std::uint64_t max_keepalive = 0;  // 3.x clients refused (5.0 ones are told the limit)
    std::uint64_t max_client_id_length = 0;
  } limit_hits;
};

}  // namespace roost::engine
