#include "protocol/connect.hpp"

#include "protocol/packet_codec.hpp"
#include "protocol/topic.hpp"

namespace roost::protocol {

namespace {

constexpr std::string_view kNameMqtt = "MQTT";
constexpr std::string_view kNameMqIsdp = "MQIsdp";
constexpr std::uint8_t kBridgeBit = 0x80;

// Connect Flags ([MQTT-3.1.2.3]).
constexpr std::uint8_t kReserved = 0x01;
constexpr std::uint8_t kCleanStart = 0x02;
constexpr std::uint8_t kWillFlag = 0x04;
constexpr std::uint8_t kWillQoSShift = 3;
constexpr std::uint8_t kWillRetain = 0x20;
constexpr std::uint8_t kPasswordFlag = 0x40;
constexpr std::uint8_t kUsernameFlag = 0x80;

bool same_optional_bytes(const std::optional<core::ByteView>& a, const std::optional<core::ByteView>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || core::equal_bytes(*a, *b);
}

// Reads protocol name and level; sets out.version, or fails.
void read_protocol(Reader& in, Connect& out) {
  const std::string_view name = in.utf8();
  const std::uint8_t level = in.u8();
  if (in.failed()) return;
  const std::uint8_t base = level & static_cast<std::uint8_t>(~kBridgeBit);
  out.bridge = (level & kBridgeBit) != 0;
  if (name == kNameMqtt && (base == 4 || base == 5) && !(out.bridge && base == 5)) {
    out.version = static_cast<ProtocolVersion>(base);
  } else if (name == kNameMqIsdp && base == 3) {
    out.version = ProtocolVersion::kV31;
  } else if (name == kNameMqtt || name == kNameMqIsdp) {
    // A known name with a level this server does not speak [MQTT-3.1.2-2].
    in.fail(DecodeErrc::kUnsupportedProtocolVersion);
  } else {
    in.fail(DecodeErrc::kProtocolNameInvalid);  // [MQTT-3.1.2-1]
  }
}

}  // namespace

bool operator==(const Will& a, const Will& b) noexcept {
  return a.topic == b.topic && core::equal_bytes(a.payload, b.payload) && a.qos == b.qos && a.retain == b.retain &&
         a.properties == b.properties;
}

bool operator==(const Connect& a, const Connect& b) noexcept {
  return a.version == b.version && a.bridge == b.bridge && a.clean_start == b.clean_start &&
         a.keep_alive == b.keep_alive && a.properties == b.properties && a.client_id == b.client_id &&
         a.will == b.will && a.username == b.username && same_optional_bytes(a.password, b.password);
}

void decode(Reader& in, const DecodeContext& context, Connect& out) {
  read_protocol(in, out);
  if (!in.failed() && context.learned_version != nullptr) *context.learned_version = out.version;
  const std::uint8_t flags = in.u8();
  out.keep_alive = in.u16();
  if (in.failed()) return;
  const ProtocolVersion v = out.version;
  const bool v31 = v == ProtocolVersion::kV31;
  const bool will = (flags & kWillFlag) != 0;
  const auto will_qos = static_cast<std::uint8_t>((flags >> kWillQoSShift) & 0x03);
  const bool will_retain = (flags & kWillRetain) != 0;
  const bool has_password = (flags & kPasswordFlag) != 0;
  const bool has_username = (flags & kUsernameFlag) != 0;
  out.clean_start = (flags & kCleanStart) != 0;
  // 3.1 calls bit 0 "unused" and has no rule for Will QoS/Retain without a
  // will; 3.1.1 and 5.0 do [MQTT-3.1.2-3], [MQTT-3.1.2-11], [MQTT-3.1.2-13].
  if (!v31 && (flags & kReserved) != 0) return in.fail(DecodeErrc::kConnectReservedFlag);
  if (!v31 && !will && (will_qos != 0 || will_retain)) return in.fail(DecodeErrc::kWillFlagsWithoutWill);
  if (will_qos == 3) return in.fail(DecodeErrc::kWillQoSInvalid);  // [MQTT-3.1.2-12]
  // 3.x: a password needs a user name [MQTT-3.1.2-22] (3.1 says nothing;
  // Mosquitto refuses it there too); 5.0 allows a password alone.
  if (has_password && !has_username && !is_v5(v)) return in.fail(DecodeErrc::kPasswordWithoutUsername);

  if (is_v5(v)) read_properties(in, context, PropertyContext::kConnect, out.properties);
  out.client_id = in.utf8();  // [MQTT-3.1.3-4]
  if (will) {
    Will& w = out.will.emplace();
    w.qos = static_cast<QoS>(will_qos);
    w.retain = will_retain;
    if (is_v5(v)) read_properties(in, context, PropertyContext::kWill, w.properties);
    w.topic = in.utf8();  // [MQTT-3.1.3-10]
    w.payload = in.binary();
    if (!in.failed() && w.topic.empty()) return in.fail(DecodeErrc::kTopicNameEmpty);
    if (!in.failed() && !is_valid_topic_name(w.topic)) return in.fail(DecodeErrc::kTopicNameWildcard);
  }
  // 3.1: "the Remaining Length field from the fixed header takes precedence
  // over the User Name flag": a flagged but missing user name or password is
  // valid and means none.
  if (has_username && !(v31 && in.at_end())) out.username = in.utf8();  // [MQTT-3.1.3-11]
  if (has_password && !(v31 && in.at_end())) out.password = in.binary();
  if (in.failed()) return;
  // An empty ClientId needs Clean Session in 3.1.1 [MQTT-3.1.3-8]; 3.1 requires
  // one of 1 to 23 characters (the upper bound is left to server policy).
  if (out.client_id.empty() && (v31 || (v == ProtocolVersion::kV311 && !out.clean_start))) {
    in.fail(DecodeErrc::kClientIdentifierRejected);
  }
}

SizeResult body_size(const Connect& p, ProtocolVersion v) {
  if (p.version != v) return core::fail(EncodeErrc::kInvalidValue);
  const std::string_view name = v == ProtocolVersion::kV31 ? kNameMqIsdp : kNameMqtt;
  std::size_t size = string_field_size(name.size()) + 1 + 1 + 2;  // name, level, flags, keep alive
  if (is_v5(v)) {
    if (p.bridge) return core::fail(EncodeErrc::kInvalidValue);
    SizeResult props = property_block_size(p.properties, PropertyContext::kConnect);
    if (!props) return props;
    size += *props;
  }
  if (auto problem = string_problem(p.client_id)) return core::fail(*problem);
  // The decoder's client identifier rules: 3.1 needs one; 3.1.1 allows an
  // empty one only with Clean Session [MQTT-3.1.3-7].
  if (p.client_id.empty() && (v == ProtocolVersion::kV31 || (v == ProtocolVersion::kV311 && !p.clean_start))) {
    return core::fail(EncodeErrc::kInvalidValue);
  }
  size += string_field_size(p.client_id.size());
  if (p.will) {
    if (is_v5(v)) {
      SizeResult props = property_block_size(p.will->properties, PropertyContext::kWill);
      if (!props) return props;
      size += *props;
    }
    if (auto problem = topic_name_problem(p.will->topic)) return core::fail(*problem);
    if (!fits(p.will->payload.size())) return core::fail(EncodeErrc::kStringTooLong);
    if (static_cast<std::uint8_t>(p.will->qos) > 2) return core::fail(EncodeErrc::kInvalidValue);
    size += string_field_size(p.will->topic.size()) + string_field_size(p.will->payload.size());
  }
  if (p.password && !p.username && !is_v5(v)) return core::fail(EncodeErrc::kInvalidValue);
  if (p.username) {
    if (auto problem = string_problem(*p.username)) return core::fail(*problem);
    size += string_field_size(p.username->size());
  }
  if (p.password) {
    if (!fits(p.password->size())) return core::fail(EncodeErrc::kStringTooLong);
    size += string_field_size(p.password->size());
  }
  return size;
}

void write_body(Writer& out, const Connect& p, ProtocolVersion v) {
  out.string(v == ProtocolVersion::kV31 ? kNameMqIsdp : kNameMqtt);
  out.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(v) | (p.bridge ? kBridgeBit : 0)));
  std::uint8_t flags = p.clean_start ? kCleanStart : 0;
  if (p.will) {
    flags |= kWillFlag;
    flags |= static_cast<std::uint8_t>(static_cast<std::uint8_t>(p.will->qos) << kWillQoSShift);
    if (p.will->retain) flags |= kWillRetain;
  }
  if (p.password) flags |= kPasswordFlag;
  if (p.username) flags |= kUsernameFlag;
  out.u8(flags);
  out.u16(p.keep_alive);
  if (is_v5(v)) write_properties(out, p.properties, properties_size(p.properties));
  out.string(p.client_id);
  if (p.will) {
    if (is_v5(v)) write_properties(out, p.will->properties, properties_size(p.will->properties));
    out.string(p.will->topic);
    out.binary(p.will->payload);
  }
  if (p.username) out.string(*p.username);
  if (p.password) out.binary(*p.password);
}

std::uint8_t header_flags(const Connect&) noexcept { return 0; }

}  // namespace roost::protocol
