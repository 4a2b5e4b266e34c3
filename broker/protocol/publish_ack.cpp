#include "protocol/publish_ack.hpp"

#include "protocol/packet_codec.hpp"

namespace roost::protocol {

namespace {

template <PacketType kType>
void decode_ack(Reader& in, const DecodeContext& context, PublishAck<kType>& out) {
  out.packet_id = in.u16();
  if (in.failed()) return;
  if (out.packet_id == 0) return in.fail(DecodeErrc::kPacketIdentifierZero);  // [MQTT-2.2.1-3]
  if (!is_v5(context.version) || in.at_end()) return;
  // 5.0: Remaining Length 2 means Success without properties; 3 means no
  // properties [MQTT-3.4.2.1].
  out.reason = static_cast<ReasonCode>(in.u8());
  if (!is_valid_for(out.reason, kType)) return in.fail(DecodeErrc::kInvalidReasonCode);
  if (!in.at_end()) read_properties(in, context, property_context(kType), out.properties);
}

template <PacketType kType>
SizeResult ack_size(const PublishAck<kType>& p, ProtocolVersion v) {
  if (p.packet_id == 0) return core::fail(EncodeErrc::kInvalidValue);
  if (!is_v5(v)) return std::size_t{2};
  if (!is_valid_for(p.reason, kType)) return core::fail(EncodeErrc::kInvalidValue);
  SizeResult tail = reason_tail_size(p.reason, p.properties, property_context(kType));
  if (!tail) return tail;
  return 2 + *tail;
}

template <PacketType kType>
void write_ack(Writer& out, const PublishAck<kType>& p, ProtocolVersion v) {
  out.u16(p.packet_id);
  if (is_v5(v)) write_reason_tail(out, p.reason, p.properties);
}

}  // namespace

// X names a type, which cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ROOST_ACK_CODEC(X, kFlags)                                                                \
  void decode(Reader& in, const DecodeContext& context, X& out) { decode_ack(in, context, out); } \
  SizeResult body_size(const X& p, ProtocolVersion v) { return ack_size(p, v); }                  \
  void write_body(Writer& out, const X& p, ProtocolVersion v) { write_ack(out, p, v); }           \
  std::uint8_t header_flags(const X&) noexcept { return (kFlags); }

ROOST_ACK_CODEC(Puback, 0x0)
ROOST_ACK_CODEC(Pubrec, 0x0)
ROOST_ACK_CODEC(Pubrel, 0x2)  // [MQTT-3.6.1-1]
ROOST_ACK_CODEC(Pubcomp, 0x0)

#undef ROOST_ACK_CODEC
// NOLINTEND(bugprone-macro-parentheses)

}  // namespace roost::protocol
