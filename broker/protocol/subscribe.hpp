#pragma once
// SUBSCRIBE ([MQTT-3.8]).

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/properties.hpp"
#include "protocol/types.hpp"

namespace roost::protocol {

enum class RetainHandling : std::uint8_t {
  kSendOnSubscribe = 0,
  kSendIfNewSubscription = 1,
  kDoNotSend = 2,
};

struct Subscription {
  std::string_view filter;  // may be "$share/{ShareName}/{filter}"
  QoS max_qos = QoS::k0;
  bool no_local = false;                                              // 5.0
  bool retain_as_published = false;                                   // 5.0
  RetainHandling retain_handling = RetainHandling::kSendOnSubscribe;  // 5.0
  friend bool operator==(const Subscription&, const Subscription&) = default;
};

struct Subscribe {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<Subscription> subscriptions;  // at least one [MQTT-3.8.3-3]
  friend bool operator==(const Subscribe&, const Subscribe&) = default;
};

}  // namespace roost::protocol
