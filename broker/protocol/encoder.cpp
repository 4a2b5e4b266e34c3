#include "protocol/encoder.hpp"

#include <algorithm>

#include "protocol/packet_codec.hpp"
#include "protocol/topic.hpp"
#include "protocol/utf8.hpp"

namespace roost::protocol {

SizeResult property_block_size(const Properties& p, PropertyContext context, bool check_strings) noexcept {
  if (auto checked = check_properties(p, context, check_strings); !checked) return core::fail(checked.error());
  const std::size_t size = properties_size(p);
  if (size > kMaxVariableByteInteger) return core::fail(EncodeErrc::kPacketTooLarge);
  return variable_int_size(static_cast<std::uint32_t>(size)) + size;
}

SizeResult reason_tail_size(ReasonCode reason, const Properties& p, PropertyContext context) noexcept {
  if (p.empty()) return std::size_t{reason == ReasonCode::kSuccess ? 0u : 1u};
  SizeResult props = property_block_size(p, context);
  if (!props) return props;
  return 1 + *props;
}

void write_reason_tail(Writer& out, ReasonCode reason, const Properties& p) noexcept {
  if (p.empty() && reason == ReasonCode::kSuccess) return;
  out.u8(static_cast<std::uint8_t>(reason));
  if (!p.empty()) write_properties(out, p, properties_size(p));
}

std::optional<EncodeErrc> string_problem(std::string_view s) noexcept {
  if (!fits(s.size())) return EncodeErrc::kStringTooLong;
  if (check_utf8(s) != Utf8Status::kValid) return EncodeErrc::kInvalidUtf8;
  return std::nullopt;
}

std::optional<EncodeErrc> topic_name_problem(std::string_view topic) noexcept {
  if (auto problem = string_problem(topic)) return problem;
  if (!is_valid_topic_name(topic)) return EncodeErrc::kInvalidTopic;
  return std::nullopt;
}

namespace {

std::uint8_t first_byte(PacketType type, std::uint8_t flags) {
  return static_cast<std::uint8_t>((static_cast<std::uint8_t>(type) << 4) | flags);
}

template <class P>
core::Result<void, EncodeErrc> encode_whole(const P& packet, PacketType type, ProtocolVersion v, Frame& frame) {
  const SizeResult body = body_size(packet, v);
  if (!body) return core::fail(body.error());
  if (*body > kMaxVariableByteInteger) return core::fail(EncodeErrc::kPacketTooLarge);
  const auto remaining = static_cast<std::uint32_t>(*body);
  const std::size_t total = 1 + variable_int_size(remaining) + remaining;
  Writer out(frame.reset(total));
  out.u8(first_byte(type, header_flags(packet)));
  out.variable_int(remaining);
  write_body(out, packet, v);
  frame.add_own(0, total);
  return {};
}

// Rules that depend on who sends, beyond the packet type's direction.
core::Result<void, EncodeErrc> check_sender(const PacketBody& packet, Role role) {
  if (const auto* d = std::get_if<Disconnect>(&packet)) {
    if (!may_send_reason(d->reason, PacketType::kDisconnect, role)) return core::fail(EncodeErrc::kInvalidValue);
    // [MQTT-3.14.2-2]
    if (role == Role::kServer && d->properties.session_expiry_interval) {
      return core::fail(EncodeErrc::kPropertyNotAllowed);
    }
  } else if (const auto* a = std::get_if<Auth>(&packet)) {
    if (!may_send_reason(a->reason, PacketType::kAuth, role)) return core::fail(EncodeErrc::kInvalidValue);
  }
  return {};
}

}  // namespace

core::Result<void, EncodeErrc> Encoder::encode(const PacketBody& packet, Frame& frame) const {
  const PacketType type = type_of(packet);
  if (!may_send(role_, type, version_)) return core::fail(EncodeErrc::kNotInVersion);
  if (version_ == ProtocolVersion::kV5) {
    if (auto ok = check_sender(packet, role_); !ok) return ok;
  }
  if (const auto* publish = std::get_if<Publish>(&packet)) return encode_publish(*publish, false, {}, frame);
  return std::visit([&](const auto& p) { return encode_whole(p, type, version_, frame); }, packet);
}

core::Result<void, EncodeErrc> Encoder::encode(const Packet& packet, Frame& frame) const {
  auto result = encode(packet.body, frame);
  if (result) frame.keep_alive(packet.backing);
  return result;
}

core::Result<void, EncodeErrc> Encoder::encode_forward(const Publish& publish, const core::SharedBytes& message,
                                                       Frame& frame, core::ByteView verbatim_properties) const {
  if (!may_send(role_, PacketType::kPublish, version_)) return core::fail(EncodeErrc::kNotInVersion);
  auto result = encode_publish(publish, true, verbatim_properties, frame);
  if (result) frame.keep_alive(message);
  return result;
}

std::size_t Encoder::forward_size(const Publish& p, core::ByteView verbatim) const noexcept {
  std::size_t body = string_field_size(p.topic.size()) + (p.qos == QoS::k0 ? 0 : 2) + p.payload.size();
  if (is_v5(version_)) {
    const std::size_t props = properties_size(p.properties) + verbatim.size();
    body +=
        variable_int_size(static_cast<std::uint32_t>(std::min<std::size_t>(props, kMaxVariableByteInteger))) + props;
  }
  return 1 + variable_int_size(static_cast<std::uint32_t>(std::min<std::size_t>(body, kMaxVariableByteInteger))) + body;
}

core::Result<void, EncodeErrc> Encoder::encode_publish(const Publish& p, bool trusted, core::ByteView verbatim,
                                                       Frame& frame) const {
  // Gather layout: [fixed header, topic length][topic][packet id, properties][payload].
  // A client never sends Subscription Identifiers [MQTT-3.3.4-6].
  if (role_ == Role::kClient && !p.properties.subscription_identifiers.empty()) {
    return core::fail(EncodeErrc::kPropertyNotAllowed);
  }
  SizeResult body = publish_body_size(p, version_, trusted);
  if (!body) return core::fail(body.error());
  const bool v5 = is_v5(version_);
  const std::size_t own_props = v5 ? properties_size(p.properties) : 0;
  const std::size_t props = own_props + (v5 ? verbatim.size() : 0);
  if (v5 && !verbatim.empty()) {
    // The verbatim bytes lengthen the property list, and maybe its length field.
    *body += verbatim.size() +
             variable_int_size(static_cast<std::uint32_t>(std::min<std::size_t>(props, kMaxVariableByteInteger))) -
             variable_int_size(static_cast<std::uint32_t>(own_props));
  }
  if (props > kMaxVariableByteInteger || *body > kMaxVariableByteInteger) {
    return core::fail(EncodeErrc::kPacketTooLarge);
  }
  const auto remaining = static_cast<std::uint32_t>(*body);
  const std::size_t head = 1 + variable_int_size(remaining) + 2;
  const std::size_t middle =
      (p.qos == QoS::k0 ? 0 : 2) + (v5 ? variable_int_size(static_cast<std::uint32_t>(props)) + props : 0);
  Writer out(frame.reset(head + middle));
  out.u8(first_byte(PacketType::kPublish, header_flags(p)));
  out.variable_int(remaining);
  out.u16(static_cast<std::uint16_t>(p.topic.size()));
  if (p.qos != QoS::k0) out.u16(p.packet_id);
  if (v5) {
    // Properties are copied (they are small); the payload is not.
    out.variable_int(static_cast<std::uint32_t>(props));
    write_property_list(out, p.properties);
    out.raw(verbatim);
  }
  frame.add_own(0, head);
  frame.add_view(core::as_bytes(p.topic));
  frame.add_own(head, middle);
  frame.add_view(p.payload);
  return {};
}

}  // namespace roost::protocol
