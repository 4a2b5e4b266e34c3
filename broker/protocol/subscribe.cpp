#include "protocol/subscribe.hpp"

#include "protocol/packet_codec.hpp"
#include "protocol/topic.hpp"

namespace roost::protocol {

namespace {

// Subscription Options ([MQTT-3.8.3.1]).
constexpr std::uint8_t kQoSMask = 0x03;
constexpr std::uint8_t kNoLocal = 0x04;
constexpr std::uint8_t kRetainAsPublished = 0x08;
constexpr std::uint8_t kRetainHandlingShift = 4;
constexpr std::uint8_t kReservedV5 = 0xC0;  // [MQTT-3.8.3-5]
constexpr std::uint8_t kReservedV3 = 0xFC;  // 3.1.1: bits 2-7 [MQTT-3-8.3-4]

void read_subscription(Reader& in, ProtocolVersion v, Subscription& out) {
  out.filter = in.utf8();
  std::uint8_t options = in.u8();
  if (in.failed()) return;
  if (v == ProtocolVersion::kV31) {
    options &= kQoSMask;  // 3.1: the upper six bits are "not used"
  } else if ((options & (is_v5(v) ? kReservedV5 : kReservedV3)) != 0) {
    return in.fail(DecodeErrc::kSubscriptionOptionsReserved);
  }
  const std::uint8_t qos = options & kQoSMask;
  if (qos == 3) return in.fail(DecodeErrc::kSubscriptionQoSInvalid);
  out.max_qos = static_cast<QoS>(qos);
  out.no_local = (options & kNoLocal) != 0;
  out.retain_as_published = (options & kRetainAsPublished) != 0;
  const std::uint8_t handling = (options >> kRetainHandlingShift) & 0x03;
  if (handling == 3) return in.fail(DecodeErrc::kRetainHandlingInvalid);  // [MQTT-3.8.3.1]
  out.retain_handling = static_cast<RetainHandling>(handling);
  if (const std::optional<DecodeErrc> e = check_filter(out.filter)) return in.fail(*e);
  // No Local on a Shared Subscription is a Protocol Error [MQTT-3.8.3-4].
  if (out.no_local && is_shared_filter(out.filter)) in.fail(DecodeErrc::kNoLocalOnSharedSubscription);
}

}  // namespace

std::optional<DecodeErrc> check_filter(std::string_view filter) noexcept {
  if (is_shared_filter(filter)) {
    if (!parse_shared_filter(filter)) return DecodeErrc::kSharedSubscriptionInvalid;
    return std::nullopt;
  }
  if (!is_valid_topic_filter(filter)) return DecodeErrc::kTopicFilterInvalid;
  return std::nullopt;
}

void decode(Reader& in, const DecodeContext& context, Subscribe& out) {
  out.packet_id = in.u16();
  if (in.failed()) return;
  if (out.packet_id == 0) return in.fail(DecodeErrc::kPacketIdentifierZero);  // [MQTT-2.2.1-3]
  if (is_v5(context.version)) read_properties(in, context, PropertyContext::kSubscribe, out.properties);
  while (!in.failed() && !in.at_end()) read_subscription(in, context.version, out.subscriptions.emplace_back());
  if (!in.failed() && out.subscriptions.empty()) in.fail(DecodeErrc::kNoTopicFilters);  // [MQTT-3.8.3-3]
}

SizeResult body_size(const Subscribe& p, ProtocolVersion v) {
  if (p.packet_id == 0 || p.subscriptions.empty()) return core::fail(EncodeErrc::kInvalidValue);
  std::size_t size = 2;
  if (is_v5(v)) {
    SizeResult props = property_block_size(p.properties, PropertyContext::kSubscribe);
    if (!props) return props;
    size += *props;
  }
  for (const Subscription& s : p.subscriptions) {
    if (auto problem = string_problem(s.filter)) return core::fail(*problem);
    if (check_filter(s.filter)) return core::fail(EncodeErrc::kInvalidTopic);
    if (static_cast<std::uint8_t>(s.max_qos) > 2 || static_cast<std::uint8_t>(s.retain_handling) > 2) {
      return core::fail(EncodeErrc::kInvalidValue);
    }
    // [MQTT-3.8.3-4]; in 3.x No Local is not sent at all.
    if (is_v5(v) && s.no_local && is_shared_filter(s.filter)) return core::fail(EncodeErrc::kInvalidValue);
    size += string_field_size(s.filter.size()) + 1;
  }
  return size;
}

void write_body(Writer& out, const Subscribe& p, ProtocolVersion v) {
  out.u16(p.packet_id);
  if (is_v5(v)) write_properties(out, p.properties, properties_size(p.properties));
  for (const Subscription& s : p.subscriptions) {
    out.string(s.filter);
    auto options = static_cast<std::uint8_t>(s.max_qos);
    if (is_v5(v)) {
      if (s.no_local) options |= kNoLocal;
      if (s.retain_as_published) options |= kRetainAsPublished;
      options |= static_cast<std::uint8_t>(static_cast<std::uint8_t>(s.retain_handling) << kRetainHandlingShift);
    }
    out.u8(options);
  }
}

std::uint8_t header_flags(const Subscribe&) noexcept { return 0x2; }  // [MQTT-3.8.1-1]

}  // namespace roost::protocol
