#include "protocol/decoder.hpp"

#include <algorithm>
#include <cstring>

#include "protocol/packet_codec.hpp"

namespace roost::protocol {

namespace {

// The fixed-header flags each packet type must carry [MQTT-2.1.3-1].
// PUBLISH's flags are checked by its decoder.
std::uint8_t required_flags(PacketType type) {
  switch (type) {
    case PacketType::kPubrel:
    case PacketType::kSubscribe:
    case PacketType::kUnsubscribe:
      return 0x2;
    default:
      return 0x0;
  }
}

template <class P>
std::optional<DecodeErrc> decode_as(PacketBody& out, Reader& in, const DecodeContext& context) {
  P& packet = out.emplace<P>();
  decode(in, context, packet);
  if (in.failed()) return in.error();
  if (!in.at_end()) return DecodeErrc::kTrailingBytes;
  return std::nullopt;
}

using DecodeFn = std::optional<DecodeErrc> (*)(PacketBody&, Reader&, const DecodeContext&);

// Indexed by packet type - 1, in PacketBody's order.
constexpr DecodeFn kDecoders[] = {
    decode_as<Connect>,  decode_as<Connack>, decode_as<Publish>,   decode_as<Puback>,     decode_as<Pubrec>,
    decode_as<Pubrel>,   decode_as<Pubcomp>, decode_as<Subscribe>, decode_as<Suback>,     decode_as<Unsubscribe>,
    decode_as<Unsuback>, decode_as<Pingreq>, decode_as<Pingresp>,  decode_as<Disconnect>, decode_as<Auth>,
};

std::optional<DecodeErrc> decode_packet(std::uint8_t first_byte, core::ByteView body, DecodeContext context,
                                        PacketBody& out) {
  const auto type = static_cast<PacketType>(first_byte >> 4);
  Reader in(body, context.version == ProtocolVersion::kV5);
  return kDecoders[static_cast<std::size_t>(type) - 1](out, in, context);
}

// Checks the first byte of a fixed header for a receiver in `role` that has
// (or has not yet) agreed a version.
core::Result<void, DecodeErrc> check_first_byte(std::uint8_t first_byte, std::optional<ProtocolVersion> version,
                                                Role role) noexcept {
  const std::uint8_t raw_type = first_byte >> 4;
  const std::uint8_t flags = first_byte & 0x0F;
  if (raw_type == 0) return core::fail(DecodeErrc::kReservedPacketType);
  const auto type = static_cast<PacketType>(raw_type);
  if (!version) {
    // Before CONNECT nothing else may arrive [MQTT-3.1.0-1]; a client must
    // have been told the version it asked for.
    if (role == Role::kServer && type != PacketType::kConnect) return core::fail(DecodeErrc::kFirstPacketNotConnect);
    if (role == Role::kClient) return core::fail(DecodeErrc::kUnexpectedPacket);
  }
  // A connection has one CONNECT [MQTT-3.1.0-2].
  if (version && role == Role::kServer && type == PacketType::kConnect) {
    return core::fail(DecodeErrc::kSecondConnect);
  }
  const ProtocolVersion v = version.value_or(ProtocolVersion::kV5);
  if (type == PacketType::kAuth && v != ProtocolVersion::kV5) return core::fail(DecodeErrc::kReservedPacketType);
  const Role sender = role == Role::kServer ? Role::kClient : Role::kServer;
  if (!may_send(sender, type, v)) return core::fail(DecodeErrc::kUnexpectedPacket);
  if (type == PacketType::kPublish) return {};  // checked by the PUBLISH decoder
  if (version == ProtocolVersion::kV31 && type != PacketType::kConnect) {
    // 3.1 calls the flags of most packets "not used". PUBREL, SUBSCRIBE and
    // UNSUBSCRIBE travel at QoS 1 and are retried like PUBLISH, so DUP may be set.
    const std::uint8_t required = required_flags(type);
    if (required != 0 && (flags & ~0x08) != required) return core::fail(DecodeErrc::kReservedFlags);
    return {};
  }
  if (flags != required_flags(type)) return core::fail(DecodeErrc::kReservedFlags);  // [MQTT-2.1.3-1]
  return {};
}

}  // namespace

std::uint32_t Decoder::current_maximum() const noexcept {
  if (role_ == Role::kServer && !version_) return std::min(limits_.maximum_packet_size, limits_.maximum_connect_size);
  return limits_.maximum_packet_size;
}

Decoder::Status Decoder::fail(DecodeErrc code) noexcept {
  const auto type = static_cast<PacketType>(header_length_ > 0 && (header_[0] >> 4) != 0 ? header_[0] >> 4 : 1);
  failure_ = DecodeError{code, type};
  body_ = {};
  return core::fail(*failure_);
}

Decoder::Step Decoder::next(core::ByteView& input) {
  Packet packet;
  const Status status = next(input, packet);
  if (!status) return core::fail(status.error());
  if (!*status) return std::optional<Packet>{};
  return std::optional<Packet>{std::move(packet)};
}

Decoder::Status Decoder::next(core::ByteView& input, Packet& out) {
  if (failure_) return core::fail(*failure_);
  while (!in_body_) {
    if (input.empty()) return false;
    header_[header_length_++] = input.front();
    input = input.subspan(1);
    if (header_length_ == 1) {
      if (auto ok = check_first_byte(header_[0], version_, role_); !ok) return fail(ok.error());
      continue;
    }
    const VarIntDecode length =
        decode_variable_int({header_ + 1, header_length_ - 1}, version_ == ProtocolVersion::kV5);
    switch (length.status) {
      case VarIntStatus::kNeedMore:
        continue;
      case VarIntStatus::kTooLong:
        return fail(DecodeErrc::kRemainingLengthTooLong);
      case VarIntStatus::kNonMinimal:
        return fail(DecodeErrc::kNonMinimalVariableInteger);
      case VarIntStatus::kOk:
        break;
    }
    if (std::uint64_t{header_length_} + length.value > current_maximum()) return fail(DecodeErrc::kPacketTooLarge);
    remaining_ = length.value;
    body_ = remaining_ > 0 ? core::SharedBytes::allocate(remaining_) : core::SharedBytes{};
    filled_ = 0;
    in_body_ = true;
  }
  const std::size_t n = std::min<std::size_t>(input.size(), remaining_ - filled_);
  if (n > 0) {
    std::memcpy(body_.mutable_data() + filled_, input.data(), n);
    filled_ += n;
    input = input.subspan(n);
  }
  if (filled_ < remaining_) return false;
  return finish(out);
}

Decoder::Status Decoder::finish(Packet& packet) {
  const std::uint8_t first = header_[0];
  const std::size_t length_bytes = header_length_ - 1;
  packet.backing = std::move(body_);
  in_body_ = false;
  header_length_ = 0;
  const Role sender = role_ == Role::kServer ? Role::kClient : Role::kServer;
  std::optional<ProtocolVersion> learned;
  const DecodeContext context{version_.value_or(ProtocolVersion::kV5), sender, static_cast<std::uint8_t>(first & 0x0F),
                              &learned, limits_.maximum_user_properties};
  const std::optional<DecodeErrc> error = decode_packet(first, packet.backing.view(), context, packet.body);
  // The first CONNECT fixes the version, even when it then fails, so the
  // refusal can be sent in the client's own version.
  if (learned && !version_) {
    version_ = learned;
    // The remaining length was read before the version was known; 5.0
    // requires it minimal too [MQTT-1.5.5-1].
    if (!error && *learned == ProtocolVersion::kV5 && length_bytes != variable_int_size(remaining_)) {
      header_[0] = first;
      header_length_ = 1;
      return fail(DecodeErrc::kNonMinimalVariableInteger);
    }
  }
  if (error) {
    header_[0] = first;
    header_length_ = 1;
    return fail(*error);
  }
  return true;
}

}  // namespace roost::protocol
