#include "protocol/auth.hpp"

#include "protocol/packet_codec.hpp"

namespace roost::protocol {

void decode(Reader& in, const DecodeContext& context, Auth& out) {
  // Remaining Length 0: Success with no properties [MQTT-3.15.2.1], which
  // only a server sends (table 3-11).
  if (in.at_end()) {
    if (context.sender == Role::kClient) in.fail(DecodeErrc::kInvalidReasonCode);
    return;
  }
  out.reason = static_cast<ReasonCode>(in.u8());
  if (in.failed()) return;
  if (!may_send_reason(out.reason, PacketType::kAuth, context.sender)) {
    return in.fail(DecodeErrc::kInvalidReasonCode);
  }
  read_properties(in, context, PropertyContext::kAuth, out.properties);
  if (in.failed()) return;
  // "It is a Protocol Error to omit the Authentication Method" [MQTT-3.15.2.2.2].
  if (!out.properties.authentication_method) in.fail(DecodeErrc::kMissingAuthenticationMethod);
}

SizeResult body_size(const Auth& p, ProtocolVersion v) {
  if (!is_v5(v)) return core::fail(EncodeErrc::kNotInVersion);
  if (!is_valid_for(p.reason, PacketType::kAuth)) return core::fail(EncodeErrc::kInvalidValue);
  // Only the Success short form may leave out the Authentication Method.
  const bool short_form = p.reason == ReasonCode::kSuccess && p.properties.empty();
  if (!short_form && !p.properties.authentication_method) return core::fail(EncodeErrc::kInvalidValue);
  return reason_tail_size(p.reason, p.properties, PropertyContext::kAuth);
}

void write_body(Writer& out, const Auth& p, ProtocolVersion) { write_reason_tail(out, p.reason, p.properties); }

std::uint8_t header_flags(const Auth&) noexcept { return 0; }

}  // namespace roost::protocol
