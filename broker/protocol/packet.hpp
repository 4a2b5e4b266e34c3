#pragma once
// The one internal packet model: the MQTT 5.0 superset. A 3.x packet is the
// same struct with the 5.0-only fields at their defaults; the version matters
// only inside the Decoder and Encoder.

#include <variant>

#include "core/shared_bytes.hpp"
#include "protocol/auth.hpp"
#include "protocol/connack.hpp"
#include "protocol/connect.hpp"
#include "protocol/disconnect.hpp"
#include "protocol/ping.hpp"
#include "protocol/publish.hpp"
#include "protocol/publish_ack.hpp"
#include "protocol/suback.hpp"
#include "protocol/subscribe.hpp"
#include "protocol/unsuback.hpp"
#include "protocol/unsubscribe.hpp"

namespace roost::protocol {

// Alternatives in packet-type order: index + 1 == packet type.
using PacketBody = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe, Suback,
                                Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect, Auth>;

// A packet and the bytes its views point into. A decoded packet owns its
// bytes (one allocation, the packet body), so it can be moved to another
// thread or kept in a queue. A packet built to be sent may leave `backing`
// empty when its views point at storage that outlives the encoding.
struct Packet {
  PacketBody body;
  core::SharedBytes backing;
};

inline PacketType type_of(const PacketBody& body) noexcept { return static_cast<PacketType>(body.index() + 1); }

}  // namespace roost::protocol
