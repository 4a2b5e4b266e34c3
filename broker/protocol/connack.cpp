#include "protocol/connack.hpp"

#include "protocol/packet_codec.hpp"

namespace roost::protocol {

void decode(Reader& in, const DecodeContext& context, Connack& out) {
  const std::uint8_t flags = in.u8();
  const std::uint8_t code = in.u8();
  if (in.failed()) return;
  if (context.version == ProtocolVersion::kV31) {
    // 3.1 has no Session Present: the first byte is unused.
    out.session_present = false;
  } else {
    if ((flags & 0xFE) != 0) return in.fail(DecodeErrc::kConnackReservedFlags);  // [MQTT-3.2.2-1]
    out.session_present = (flags & 0x01) != 0;
  }
  if (is_v5(context.version) && in.at_end() && code == 0x01) {
    // A server that does not speak 5.0 answers in the 3.1.1 layout with
    // "unacceptable protocol version" [MQTT-3.1.2-2] (Roost does too).
    out.reason = ReasonCode::kUnsupportedProtocolVersion;
  } else if (is_v5(context.version)) {
    out.reason = static_cast<ReasonCode>(code);
    if (!is_valid_for(out.reason, PacketType::kConnack)) return in.fail(DecodeErrc::kInvalidReasonCode);
    read_properties(in, context, PropertyContext::kConnack, out.properties);
  } else {
    const std::optional<ReasonCode> reason = from_v3_connack_code(code);
    if (!reason) return in.fail(DecodeErrc::kInvalidReasonCode);  // [MQTT-3.2.2-3]
    out.reason = *reason;
  }
  if (in.failed()) return;
  // A refused connection has no session [MQTT-3.2.2-4] (5.0: [MQTT-3.2.2-6]).
  if (out.session_present && is_failure(out.reason)) in.fail(DecodeErrc::kSessionPresentWithError);
}

SizeResult body_size(const Connack& p, ProtocolVersion v) {
  if (p.session_present && is_failure(p.reason)) return core::fail(EncodeErrc::kInvalidValue);
  if (!is_v5(v)) {
    if (!to_v3_connack_code(p.reason)) return core::fail(EncodeErrc::kNotInVersion);
    return std::size_t{2};
  }
  if (!is_valid_for(p.reason, PacketType::kConnack)) return core::fail(EncodeErrc::kInvalidValue);
  SizeResult props = property_block_size(p.properties, PropertyContext::kConnack);
  if (!props) return props;
  return 2 + *props;
}

void write_body(Writer& out, const Connack& p, ProtocolVersion v) {
  out.u8(p.session_present && v != ProtocolVersion::kV31 ? 0x01 : 0x00);
  if (!is_v5(v)) {
    out.u8(*to_v3_connack_code(p.reason));
    return;
  }
  out.u8(static_cast<std::uint8_t>(p.reason));
  write_properties(out, p.properties, properties_size(p.properties));
}

std::uint8_t header_flags(const Connack&) noexcept { return 0; }

}  // namespace roost::protocol
