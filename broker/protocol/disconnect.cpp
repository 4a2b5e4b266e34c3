#include "protocol/disconnect.hpp"

#include "protocol/packet_codec.hpp"

namespace roost::protocol {

void decode(Reader& in, const DecodeContext& context, Disconnect& out) {
  // 3.x: no variable header; the decoder rejects trailing bytes.
  // 5.0: Remaining Length 0 means Normal disconnection [MQTT-3.14.2.1].
  if (!is_v5(context.version) || in.at_end()) return;
  out.reason = static_cast<ReasonCode>(in.u8());
  if (in.failed()) return;
  if (!may_send_reason(out.reason, PacketType::kDisconnect, context.sender)) {
    return in.fail(DecodeErrc::kInvalidReasonCode);
  }
  if (!in.at_end()) read_properties(in, context, PropertyContext::kDisconnect, out.properties);
  if (in.failed()) return;
  // "The Session Expiry Interval MUST NOT be sent on a DISCONNECT by the Server" [MQTT-3.14.2-2].
  if (context.sender == Role::kServer && out.properties.session_expiry_interval) {
    in.fail(DecodeErrc::kPropertyNotAllowedFromSender);
  }
}

SizeResult body_size(const Disconnect& p, ProtocolVersion v) {
  if (!is_v5(v)) return std::size_t{0};
  if (!is_valid_for(p.reason, PacketType::kDisconnect)) return core::fail(EncodeErrc::kInvalidValue);
  if (p.properties.empty()) return std::size_t{p.reason == ReasonCode::kSuccess ? 0u : 1u};
  SizeResult props = property_block_size(p.properties, PropertyContext::kDisconnect);
  if (!props) return props;
  return 1 + *props;
}

void write_body(Writer& out, const Disconnect& p, ProtocolVersion v) {
  if (!is_v5(v)) return;
  if (p.properties.empty()) {
    if (p.reason != ReasonCode::kSuccess) out.u8(static_cast<std::uint8_t>(p.reason));
    return;
  }
  out.u8(static_cast<std::uint8_t>(p.reason));
  write_properties(out, p.properties, properties_size(p.properties));
}

std::uint8_t header_flags(const Disconnect&) noexcept { return 0; }

}  // namespace roost::protocol
