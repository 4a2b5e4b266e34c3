#include "protocol/suback.hpp"

#include "protocol/packet_codec.hpp"

namespace roost::protocol {

namespace {

// 3.x SUBACK return codes: granted QoS 0-2, or 0x80 Failure [MQTT-3.9.3-2].
// 0x80 is accepted from a 3.1 server too: it is not in 3.1, but brokers send it.
bool is_v3_suback_code(std::uint8_t code) { return code <= 2 || code == 0x80; }

}  // namespace

void decode(Reader& in, const DecodeContext& context, Suback& out) {
  out.packet_id = in.u16();
  if (in.failed()) return;
  if (out.packet_id == 0) return in.fail(DecodeErrc::kPacketIdentifierZero);
  if (is_v5(context.version)) read_properties(in, context, PropertyContext::kSuback, out.properties);
  while (!in.failed() && !in.at_end()) {
    const std::uint8_t code = in.u8();
    const bool valid = is_v5(context.version) ? is_valid_for(static_cast<ReasonCode>(code), PacketType::kSuback)
                                              : is_v3_suback_code(code);
    if (!valid) return in.fail(DecodeErrc::kInvalidReasonCode);
    out.reason_codes.push_back(static_cast<ReasonCode>(code));
  }
  if (!in.failed() && out.reason_codes.empty()) in.fail(DecodeErrc::kNoReasonCodes);
}

SizeResult body_size(const Suback& p, ProtocolVersion v) {
  if (p.packet_id == 0 || p.reason_codes.empty()) return core::fail(EncodeErrc::kInvalidValue);
  for (const ReasonCode code : p.reason_codes) {
    if (!is_valid_for(code, PacketType::kSuback)) return core::fail(EncodeErrc::kInvalidValue);
    // A 3.1 SUBACK only grants QoS levels: 3.1 has no failure code, so the
    // server must grant something or close the connection.
    if (v == ProtocolVersion::kV31 && is_failure(code)) return core::fail(EncodeErrc::kNotInVersion);
  }
  std::size_t size = 2 + p.reason_codes.size();
  if (is_v5(v)) {
    SizeResult props = property_block_size(p.properties, PropertyContext::kSuback);
    if (!props) return props;
    size += *props;
  }
  return size;
}

void write_body(Writer& out, const Suback& p, ProtocolVersion v) {
  out.u16(p.packet_id);
  if (is_v5(v)) write_properties(out, p.properties, properties_size(p.properties));
  for (const ReasonCode code : p.reason_codes) {
    // 3.1.1 knows one failure code; every 5.0 failure becomes 0x80.
    const auto byte = static_cast<std::uint8_t>(code);
    out.u8(is_v5(v) || !is_failure(code) ? byte : std::uint8_t{0x80});
  }
}

std::uint8_t header_flags(const Suback&) noexcept { return 0; }

}  // namespace roost::protocol
