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
  return reason_tail_size(p.reason, p.properties, PropertyContext::kDisconnect);
}

void write_body(Writer& out, const Disconnect& p, ProtocolVersion v) {
  if (is_v5(v)) write_reason_tail(out, p.reason, p.properties);
}

std::uint8_t header_flags(const Disconnect&) noexcept { return 0; }

}  // namespace roost::protocol
