#include "protocol/publish.hpp"

#include "protocol/packet_codec.hpp"
#include "protocol/topic.hpp"

namespace roost::protocol {

namespace {
constexpr std::uint8_t kDup = 0x08;
constexpr std::uint8_t kRetain = 0x01;
}  // namespace

bool operator==(const Publish& a, const Publish& b) noexcept {
  return a.dup == b.dup && a.qos == b.qos && a.retain == b.retain && a.topic == b.topic && a.packet_id == b.packet_id &&
         a.properties == b.properties && core::equal_bytes(a.payload, b.payload);
}

void decode(Reader& in, const DecodeContext& context, Publish& out) {
  const std::uint8_t qos = (context.flags >> 1) & 0x03;
  if (qos == 3) return in.fail(DecodeErrc::kQoSInvalid);  // [MQTT-3.3.1-4]
  out.dup = (context.flags & kDup) != 0;
  out.qos = static_cast<QoS>(qos);
  out.retain = (context.flags & kRetain) != 0;
  if (out.dup && out.qos == QoS::k0) return in.fail(DecodeErrc::kDupWithQoS0);  // [MQTT-3.3.1-2]
  out.topic = in.utf8();
  if (out.qos != QoS::k0) {
    out.packet_id = in.u16();
    if (!in.failed() && out.packet_id == 0) return in.fail(DecodeErrc::kPacketIdentifierZero);  // [MQTT-2.2.1-3]
  }
  if (is_v5(context.version)) read_properties(in, context, PropertyContext::kPublish, out.properties);
  out.payload = in.rest();
  if (in.failed()) return;
  if (out.topic.empty()) {
    // 5.0: an empty topic is how a Topic Alias is used [MQTT-3.3.2-1]; 3.x never.
    if (!is_v5(context.version) || !out.properties.topic_alias) in.fail(DecodeErrc::kTopicNameEmpty);
    return;
  }
  if (!is_valid_topic_name(out.topic)) in.fail(DecodeErrc::kTopicNameWildcard);  // [MQTT-3.3.2-2]
}

SizeResult publish_body_size(const Publish& p, ProtocolVersion v, bool trusted) {
  if (static_cast<std::uint8_t>(p.qos) > 2) return core::fail(EncodeErrc::kInvalidValue);
  if (p.qos != QoS::k0 && p.packet_id == 0) return core::fail(EncodeErrc::kInvalidValue);  // [MQTT-2.2.1-3]
  if (p.dup && p.qos == QoS::k0) return core::fail(EncodeErrc::kInvalidValue);
  if (!fits(p.topic.size())) return core::fail(EncodeErrc::kStringTooLong);
  if (p.topic.empty()) {
    // Only 5.0 sends an empty topic, to use a Topic Alias [MQTT-3.3.2-1].
    if (!(is_v5(v) && p.properties.topic_alias)) return core::fail(EncodeErrc::kInvalidTopic);
  } else if (!trusted) {
    if (auto problem = topic_name_problem(p.topic)) return core::fail(*problem);
  }
  std::size_t size = string_field_size(p.topic.size()) + (p.qos == QoS::k0 ? 0 : 2) + p.payload.size();
  if (is_v5(v)) {
    SizeResult props = property_block_size(p.properties, PropertyContext::kPublish, !trusted);
    if (!props) return props;
    size += *props;
  }
  return size;
}

SizeResult body_size(const Publish& p, ProtocolVersion v) { return publish_body_size(p, v, false); }

void write_body(Writer& out, const Publish& p, ProtocolVersion v) {
  out.string(p.topic);
  if (p.qos != QoS::k0) out.u16(p.packet_id);
  if (is_v5(v)) write_properties(out, p.properties, properties_size(p.properties));
  out.raw(p.payload);
}

std::uint8_t header_flags(const Publish& p) noexcept {
  return static_cast<std::uint8_t>((p.dup ? kDup : 0) | (static_cast<std::uint8_t>(p.qos) << 1) |
                                   (p.retain ? kRetain : 0));
}

}  // namespace roost::protocol
