#include "protocol/unsuback.hpp"

#include "protocol/packet_codec.hpp"

namespace roost::protocol {

void decode(Reader& in, const DecodeContext& context, Unsuback& out) {
  out.packet_id = in.u16();
  if (in.failed()) return;
  if (out.packet_id == 0) return in.fail(DecodeErrc::kPacketIdentifierZero);
  if (!is_v5(context.version)) return;  // 3.x: no payload [MQTT-3.11.3]
  read_properties(in, context, PropertyContext::kUnsuback, out.properties);
  while (!in.failed() && !in.at_end()) {
    const auto code = static_cast<ReasonCode>(in.u8());
    if (!is_valid_for(code, PacketType::kUnsuback)) return in.fail(DecodeErrc::kInvalidReasonCode);
    out.reason_codes.push_back(code);
  }
  if (!in.failed() && out.reason_codes.empty()) in.fail(DecodeErrc::kNoReasonCodes);
}

SizeResult body_size(const Unsuback& p, ProtocolVersion v) {
  if (p.packet_id == 0) return core::fail(EncodeErrc::kInvalidValue);
  if (!is_v5(v)) return std::size_t{2};
  if (p.reason_codes.empty()) return core::fail(EncodeErrc::kInvalidValue);
  for (const ReasonCode code : p.reason_codes) {
    if (!is_valid_for(code, PacketType::kUnsuback)) return core::fail(EncodeErrc::kInvalidValue);
  }
  SizeResult props = property_block_size(p.properties, PropertyContext::kUnsuback);
  if (!props) return props;
  return 2 + *props + p.reason_codes.size();
}

void write_body(Writer& out, const Unsuback& p, ProtocolVersion v) {
  out.u16(p.packet_id);
  if (!is_v5(v)) return;
  write_properties(out, p.properties, properties_size(p.properties));
  for (const ReasonCode code : p.reason_codes) out.u8(static_cast<std::uint8_t>(code));
}

std::uint8_t header_flags(const Unsuback&) noexcept { return 0; }

}  // namespace roost::protocol
