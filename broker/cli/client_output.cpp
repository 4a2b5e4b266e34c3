// What the tools print about a connection: refused CONNACKs and -d lines,
// worded as libmosquitto words them.

#include <cstdio>

#include "cli/client_args.hpp"

namespace roost::cli {

using protocol::ProtocolVersion;

std::string connack_text(ProtocolVersion version, protocol::ReasonCode reason) {
  if (version == ProtocolVersion::kV5) return std::string(protocol::to_string(reason));
  // The 3.x return codes, as libmosquitto's mosquitto_connack_string() words them.
  switch (static_cast<std::uint8_t>(reason)) {
    case 0x84:
    case 0x01:
      return "Connection Refused: unacceptable protocol version.";
    case 0x85:
    case 0x02:
      return "Connection Refused: identifier rejected.";
    case 0x88:
    case 0x03:
      return "Connection Refused: broker unavailable.";
    case 0x86:
    case 0x04:
      return "Connection Refused: bad user name or password.";
    case 0x87:
    case 0x05:
      return "Connection Refused: not authorised.";
    default:
      return "Connection Refused: unknown reason.";
  }
}

std::string debug_line(std::string_view id, ProtocolVersion version, bool sent, const protocol::PacketBody& packet) {
  using protocol::PacketType;
  std::string out = "Client " + (id.empty() ? std::string("(null)") : std::string(id)) +
                    (sent ? " sending " : " received ") + std::string(protocol::to_string(protocol::type_of(packet)));
  const auto code = [](protocol::ReasonCode r) { return std::to_string(static_cast<int>(r)); };
  const auto ack = [&](std::uint16_t mid, protocol::ReasonCode r, bool with_rc) {
    if (sent) return " (m" + std::to_string(mid) + (with_rc ? ", rc" + code(r) : std::string()) + ")";
    return " (Mid: " + std::to_string(mid) + (with_rc ? ", RC:" + code(r) : std::string()) + ")";
  };
  switch (protocol::type_of(packet)) {
    case PacketType::kConnack: {
      const auto& c = std::get<protocol::Connack>(packet);
      const int rc = version == ProtocolVersion::kV5 ? static_cast<int>(c.reason)
                                                     : protocol::to_v3_connack_code(c.reason).value_or(0);
      out += " (" + std::to_string(rc) + ")";
      break;
    }
    case PacketType::kPublish: {
      const auto& p = std::get<protocol::Publish>(packet);
      out += " (d" + std::to_string(p.dup) + ", q" + std::to_string(static_cast<int>(p.qos)) + ", r" +
             std::to_string(p.retain) + ", m" + std::to_string(p.packet_id) + ", '" + std::string(p.topic) +
             "', ... (" + std::to_string(p.payload.size()) + " bytes))";
      break;
    }
    case PacketType::kPuback:
      out += ack(std::get<protocol::Puback>(packet).packet_id, std::get<protocol::Puback>(packet).reason, true);
      break;
    case PacketType::kPubrec:
      out += ack(std::get<protocol::Pubrec>(packet).packet_id, std::get<protocol::Pubrec>(packet).reason, sent);
      break;
    case PacketType::kPubrel:
      out += ack(std::get<protocol::Pubrel>(packet).packet_id, protocol::ReasonCode::kSuccess, false);
      break;
    case PacketType::kPubcomp:
      out += ack(std::get<protocol::Pubcomp>(packet).packet_id, std::get<protocol::Pubcomp>(packet).reason, !sent);
      break;
    case PacketType::kSubscribe: {
      // One line per topic, as libmosquitto logs them.
      const std::string head = out;
      const auto& s = std::get<protocol::Subscribe>(packet);
      for (std::size_t i = 0; i < s.subscriptions.size(); ++i) {
        const auto& sub = s.subscriptions[i];
        const unsigned options = static_cast<unsigned>(sub.no_local) << 2 |
                                 static_cast<unsigned>(sub.retain_as_published) << 3 |
                                 static_cast<unsigned>(sub.retain_handling) << 4;
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", options);
        if (i > 0) out += "\n" + head;
        out += " (Mid: " + std::to_string(s.packet_id) + ", Topic: " + std::string(sub.filter) +
               ", QoS: " + std::to_string(static_cast<int>(sub.max_qos)) + ", Options: " + hex + ")";
      }
      break;
    }
    case PacketType::kUnsubscribe: {
      const auto& u = std::get<protocol::Unsubscribe>(packet);
      for (const auto filter : u.filters) {
        out += " (Mid: " + std::to_string(u.packet_id) + ", Topic: " + std::string(filter) + ")";
      }
      break;
    }
    default:
      break;
  }
  return out;
}

}  // namespace roost::cli
