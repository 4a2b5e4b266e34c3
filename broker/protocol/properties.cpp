#include "protocol/properties.hpp"

#include <type_traits>

#include "protocol/topic.hpp"
#include "protocol/wire.hpp"

namespace roost::protocol {

namespace {

constexpr std::uint16_t ctx(PropertyContext c) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(c)); }
constexpr std::uint16_t kConnect = ctx(PropertyContext::kConnect);
constexpr std::uint16_t kConnack = ctx(PropertyContext::kConnack);
constexpr std::uint16_t kPublish = ctx(PropertyContext::kPublish);
constexpr std::uint16_t kWill = ctx(PropertyContext::kWill);
constexpr std::uint16_t kAcks = ctx(PropertyContext::kPuback) | ctx(PropertyContext::kPubrec) |
                                ctx(PropertyContext::kPubrel) | ctx(PropertyContext::kPubcomp) |
                                ctx(PropertyContext::kSuback) | ctx(PropertyContext::kUnsuback);
constexpr std::uint16_t kSubscribe = ctx(PropertyContext::kSubscribe);
constexpr std::uint16_t kDisconnect = ctx(PropertyContext::kDisconnect);
constexpr std::uint16_t kAuth = ctx(PropertyContext::kAuth);
constexpr std::uint16_t kAll = 0x3FFF;

// Marks a Subscription Identifier for the visitors below (it is the only
// Variable Byte Integer property).
struct VariableInt {
  std::uint32_t value;
};

struct Entry {
  PropertyInfo info;
  std::uint16_t contexts = 0;
};

// Table 2-4 of the MQTT 5.0 specification.
constexpr Entry kTable[] = {
    {{PropertyId::kPayloadFormatIndicator, "Payload Format Indicator", PropertyType::kByte}, kPublish | kWill},
    {{PropertyId::kMessageExpiryInterval, "Message Expiry Interval", PropertyType::kFourByteInteger}, kPublish | kWill},
    {{PropertyId::kContentType, "Content Type", PropertyType::kUtf8String}, kPublish | kWill},
    {{PropertyId::kResponseTopic, "Response Topic", PropertyType::kUtf8String}, kPublish | kWill},
    {{PropertyId::kCorrelationData, "Correlation Data", PropertyType::kBinaryData}, kPublish | kWill},
    {{PropertyId::kSubscriptionIdentifier, "Subscription Identifier", PropertyType::kVariableByteInteger},
     kPublish | kSubscribe},
    {{PropertyId::kSessionExpiryInterval, "Session Expiry Interval", PropertyType::kFourByteInteger},
     kConnect | kConnack | kDisconnect},
    {{PropertyId::kAssignedClientIdentifier, "Assigned Client Identifier", PropertyType::kUtf8String}, kConnack},
    {{PropertyId::kServerKeepAlive, "Server Keep Alive", PropertyType::kTwoByteInteger}, kConnack},
    {{PropertyId::kAuthenticationMethod, "Authentication Method", PropertyType::kUtf8String},
     kConnect | kConnack | kAuth},
    {{PropertyId::kAuthenticationData, "Authentication Data", PropertyType::kBinaryData}, kConnect | kConnack | kAuth},
    {{PropertyId::kRequestProblemInformation, "Request Problem Information", PropertyType::kByte}, kConnect},
    {{PropertyId::kWillDelayInterval, "Will Delay Interval", PropertyType::kFourByteInteger}, kWill},
    {{PropertyId::kRequestResponseInformation, "Request Response Information", PropertyType::kByte}, kConnect},
    {{PropertyId::kResponseInformation, "Response Information", PropertyType::kUtf8String}, kConnack},
    {{PropertyId::kServerReference, "Server Reference", PropertyType::kUtf8String}, kConnack | kDisconnect},
    {{PropertyId::kReasonString, "Reason String", PropertyType::kUtf8String}, kConnack | kAcks | kDisconnect | kAuth},
    {{PropertyId::kReceiveMaximum, "Receive Maximum", PropertyType::kTwoByteInteger}, kConnect | kConnack},
    {{PropertyId::kTopicAliasMaximum, "Topic Alias Maximum", PropertyType::kTwoByteInteger}, kConnect | kConnack},
    {{PropertyId::kTopicAlias, "Topic Alias", PropertyType::kTwoByteInteger}, kPublish},
    {{PropertyId::kMaximumQoS, "Maximum QoS", PropertyType::kByte}, kConnack},
    {{PropertyId::kRetainAvailable, "Retain Available", PropertyType::kByte}, kConnack},
    {{PropertyId::kUserProperty, "User Property", PropertyType::kUtf8StringPair}, kAll},
    {{PropertyId::kMaximumPacketSize, "Maximum Packet Size", PropertyType::kFourByteInteger}, kConnect | kConnack},
    {{PropertyId::kWildcardSubscriptionAvailable, "Wildcard Subscription Available", PropertyType::kByte}, kConnack},
    {{PropertyId::kSubscriptionIdentifierAvailable, "Subscription Identifier Available", PropertyType::kByte},
     kConnack},
    {{PropertyId::kSharedSubscriptionAvailable, "Shared Subscription Available", PropertyType::kByte}, kConnack},
};

const Entry* find_entry(std::uint32_t id) noexcept {
  for (const Entry& e : kTable) {
    if (static_cast<std::uint32_t>(e.info.id) == id) return &e;
  }
  return nullptr;
}

// Reads a byte that must be 0 or 1.
std::uint8_t read_flag(Reader& r) {
  const std::uint8_t v = r.u8();
  if (!r.failed() && v > 1) r.fail(DecodeErrc::kInvalidPropertyValue);
  return v;
}

// Reads a number that must not be 0.
template <class T>
T read_nonzero(Reader& r, T value) {
  if (!r.failed() && value == 0) r.fail(DecodeErrc::kInvalidPropertyValue);
  return value;
}

// Reads the value of one property into `out`.
void read_value(Reader& r, PropertyId id, PropertyContext context, Role sender, Properties& out) {
  switch (id) {
    case PropertyId::kPayloadFormatIndicator:
      out.payload_format_indicator = read_flag(r);
      break;
    case PropertyId::kMessageExpiryInterval:
      out.message_expiry_interval = r.u32();
      break;
    case PropertyId::kContentType:
      out.content_type = r.utf8();
      break;
    case PropertyId::kResponseTopic: {
      // A Response Topic is a Topic Name: no wildcards [MQTT-3.3.2-14].
      const std::string_view topic = r.utf8();
      if (!r.failed() && (topic.empty() || has_wildcard(topic))) r.fail(DecodeErrc::kInvalidPropertyValue);
      out.response_topic = topic;
      break;
    }
    case PropertyId::kCorrelationData:
      out.correlation_data = r.binary();
      break;
    case PropertyId::kSubscriptionIdentifier: {
      if (context == PropertyContext::kPublish && sender == Role::kClient) {
        r.fail(DecodeErrc::kSubscriptionIdentifierFromClient);  // [MQTT-3.3.4-6]
        break;
      }
      // 1 to 268 435 455; 0 is a Protocol Error [MQTT-3.8.2.1.2].
      out.subscription_identifiers.push_back(read_nonzero(r, r.variable_int()));
      break;
    }
    case PropertyId::kSessionExpiryInterval:
      out.session_expiry_interval = r.u32();
      break;
    case PropertyId::kAssignedClientIdentifier:
      out.assigned_client_identifier = r.utf8();
      break;
    case PropertyId::kServerKeepAlive:
      out.server_keep_alive = r.u16();
      break;
    case PropertyId::kAuthenticationMethod:
      out.authentication_method = r.utf8();
      break;
    case PropertyId::kAuthenticationData:
      out.authentication_data = r.binary();
      break;
    case PropertyId::kRequestProblemInformation:
      out.request_problem_information = read_flag(r);
      break;
    case PropertyId::kWillDelayInterval:
      out.will_delay_interval = r.u32();
      break;
    case PropertyId::kRequestResponseInformation:
      out.request_response_information = read_flag(r);
      break;
    case PropertyId::kResponseInformation:
      out.response_information = r.utf8();
      break;
    case PropertyId::kServerReference:
      out.server_reference = r.utf8();
      break;
    case PropertyId::kReasonString:
      out.reason_string = r.utf8();
      break;
    case PropertyId::kReceiveMaximum:
      out.receive_maximum = read_nonzero(r, r.u16());
      break;
    case PropertyId::kTopicAliasMaximum:
      out.topic_alias_maximum = r.u16();
      break;
    case PropertyId::kTopicAlias: {
      const std::uint16_t alias = r.u16();
      if (!r.failed() && alias == 0) r.fail(DecodeErrc::kTopicAliasZero);  // [MQTT-3.3.2-8]
      out.topic_alias = alias;
      break;
    }
    case PropertyId::kMaximumQoS:
      out.maximum_qos = read_flag(r);  // only 0 or 1 may be sent [MQTT-3.2.2-9]
      break;
    case PropertyId::kRetainAvailable:
      out.retain_available = read_flag(r);
      break;
    case PropertyId::kUserProperty: {
      const std::string_view name = r.utf8();
      const std::string_view value = r.utf8();
      if (!r.failed()) out.user_properties.push_back({name, value});
      break;
    }
    case PropertyId::kMaximumPacketSize:
      out.maximum_packet_size = read_nonzero(r, r.u32());
      break;
    case PropertyId::kWildcardSubscriptionAvailable:
      out.wildcard_subscription_available = read_flag(r);
      break;
    case PropertyId::kSubscriptionIdentifierAvailable:
      out.subscription_identifier_available = read_flag(r);
      break;
    case PropertyId::kSharedSubscriptionAvailable:
      out.shared_subscription_available = read_flag(r);
      break;
  }
}

bool repeatable(PropertyId id, PropertyContext context) {
  return id == PropertyId::kUserProperty ||
         (id == PropertyId::kSubscriptionIdentifier && context == PropertyContext::kPublish);
}

}  // namespace

const PropertyInfo* find_property(std::uint8_t id) noexcept {
  const Entry* e = find_entry(id);
  return e ? &e->info : nullptr;
}

bool property_allowed(PropertyId id, PropertyContext context) noexcept {
  const Entry* e = find_entry(static_cast<std::uint8_t>(id));
  return e != nullptr && (e->contexts & ctx(context)) != 0;
}

PropertyContext property_context(PacketType type) noexcept {
  switch (type) {
    case PacketType::kConnect:
      return PropertyContext::kConnect;
    case PacketType::kConnack:
      return PropertyContext::kConnack;
    case PacketType::kPublish:
      return PropertyContext::kPublish;
    case PacketType::kPuback:
      return PropertyContext::kPuback;
    case PacketType::kPubrec:
      return PropertyContext::kPubrec;
    case PacketType::kPubrel:
      return PropertyContext::kPubrel;
    case PacketType::kPubcomp:
      return PropertyContext::kPubcomp;
    case PacketType::kSubscribe:
      return PropertyContext::kSubscribe;
    case PacketType::kSuback:
      return PropertyContext::kSuback;
    case PacketType::kUnsubscribe:
      return PropertyContext::kUnsubscribe;
    case PacketType::kUnsuback:
      return PropertyContext::kUnsuback;
    case PacketType::kDisconnect:
      return PropertyContext::kDisconnect;
    case PacketType::kAuth:
    case PacketType::kPingreq:
    case PacketType::kPingresp:
      break;
  }
  return PropertyContext::kAuth;
}

void read_properties(Reader& in, PropertyContext context, Role sender, Properties& out) {
  const std::uint32_t length = in.variable_int();
  if (in.failed()) return;
  if (length > in.remaining()) {
    in.fail(DecodeErrc::kPropertyLengthOverflow);
    return;
  }
  Reader r(in.bytes(length));
  std::uint64_t seen = 0;  // bit per property identifier (all are below 64)
  while (!r.at_end() && !r.failed()) {
    // The identifier is a Variable Byte Integer, in practice one byte [MQTT-2.2.2.2].
    const std::uint32_t id = r.variable_int();
    if (r.failed()) break;
    const Entry* e = find_entry(id);
    if (e == nullptr) {
      r.fail(DecodeErrc::kUnknownProperty);
      break;
    }
    if ((e->contexts & ctx(context)) == 0) {
      r.fail(DecodeErrc::kPropertyNotAllowed);
      break;
    }
    const std::uint64_t bit = std::uint64_t{1} << id;
    if ((seen & bit) != 0 && !repeatable(e->info.id, context)) {
      r.fail(DecodeErrc::kDuplicateProperty);
      break;
    }
    seen |= bit;
    read_value(r, e->info.id, context, sender, out);
  }
  if (r.failed()) {
    in.fail(r.error());
    return;
  }
  // "It is a Protocol Error to include Authentication Data if there is no
  // Authentication Method" [MQTT-3.1.2.11.10], likewise in CONNACK and AUTH.
  if (out.authentication_data && !out.authentication_method) {
    in.fail(DecodeErrc::kAuthenticationDataWithoutMethod);
  }
}

bool Properties::empty() const noexcept { return properties_size(*this) == 0; }

bool operator==(const Properties& a, const Properties& b) noexcept {
  auto same_bytes = [](const std::optional<ByteView>& x, const std::optional<ByteView>& y) {
    if (x.has_value() != y.has_value()) return false;
    return !x || core::equal_bytes(*x, *y);
  };
  return a.payload_format_indicator == b.payload_format_indicator &&
         a.message_expiry_interval == b.message_expiry_interval && a.content_type == b.content_type &&
         a.response_topic == b.response_topic && same_bytes(a.correlation_data, b.correlation_data) &&
         a.subscription_identifiers == b.subscription_identifiers &&
         a.session_expiry_interval == b.session_expiry_interval &&
         a.assigned_client_identifier == b.assigned_client_identifier && a.server_keep_alive == b.server_keep_alive &&
         a.authentication_method == b.authentication_method &&
         same_bytes(a.authentication_data, b.authentication_data) &&
         a.request_problem_information == b.request_problem_information &&
         a.will_delay_interval == b.will_delay_interval &&
         a.request_response_information == b.request_response_information &&
         a.response_information == b.response_information && a.server_reference == b.server_reference &&
         a.reason_string == b.reason_string && a.receive_maximum == b.receive_maximum &&
         a.topic_alias_maximum == b.topic_alias_maximum && a.topic_alias == b.topic_alias &&
         a.maximum_qos == b.maximum_qos && a.retain_available == b.retain_available &&
         a.user_properties == b.user_properties && a.maximum_packet_size == b.maximum_packet_size &&
         a.wildcard_subscription_available == b.wildcard_subscription_available &&
         a.subscription_identifier_available == b.subscription_identifier_available &&
         a.shared_subscription_available == b.shared_subscription_available;
}

namespace {

// Visits every present property in identifier order. `visit` is called as
// visit(PropertyId, value) with the value's wire type.
template <class Visitor>
void for_each_property(const Properties& p, Visitor&& visit) {
  auto opt = [&](PropertyId id, const auto& field) {
    if (field) visit(id, *field);
  };
  opt(PropertyId::kPayloadFormatIndicator, p.payload_format_indicator);
  opt(PropertyId::kMessageExpiryInterval, p.message_expiry_interval);
  opt(PropertyId::kContentType, p.content_type);
  opt(PropertyId::kResponseTopic, p.response_topic);
  opt(PropertyId::kCorrelationData, p.correlation_data);
  for (const std::uint32_t id : p.subscription_identifiers) {
    visit(PropertyId::kSubscriptionIdentifier, VariableInt{id});
  }
  opt(PropertyId::kSessionExpiryInterval, p.session_expiry_interval);
  opt(PropertyId::kAssignedClientIdentifier, p.assigned_client_identifier);
  opt(PropertyId::kServerKeepAlive, p.server_keep_alive);
  opt(PropertyId::kAuthenticationMethod, p.authentication_method);
  opt(PropertyId::kAuthenticationData, p.authentication_data);
  opt(PropertyId::kRequestProblemInformation, p.request_problem_information);
  opt(PropertyId::kWillDelayInterval, p.will_delay_interval);
  opt(PropertyId::kRequestResponseInformation, p.request_response_information);
  opt(PropertyId::kResponseInformation, p.response_information);
  opt(PropertyId::kServerReference, p.server_reference);
  opt(PropertyId::kReasonString, p.reason_string);
  opt(PropertyId::kReceiveMaximum, p.receive_maximum);
  opt(PropertyId::kTopicAliasMaximum, p.topic_alias_maximum);
  opt(PropertyId::kTopicAlias, p.topic_alias);
  opt(PropertyId::kMaximumQoS, p.maximum_qos);
  opt(PropertyId::kRetainAvailable, p.retain_available);
  for (const UserProperty& u : p.user_properties) visit(PropertyId::kUserProperty, u);
  opt(PropertyId::kMaximumPacketSize, p.maximum_packet_size);
  opt(PropertyId::kWildcardSubscriptionAvailable, p.wildcard_subscription_available);
  opt(PropertyId::kSubscriptionIdentifierAvailable, p.subscription_identifier_available);
  opt(PropertyId::kSharedSubscriptionAvailable, p.shared_subscription_available);
}

}  // namespace

std::size_t properties_size(const Properties& p) noexcept {
  std::size_t size = 0;
  auto add = [&size](PropertyId, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    size += 1;  // identifier
    if constexpr (std::is_same_v<T, VariableInt>) {
      size += variable_int_size(value.value);
    } else if constexpr (std::is_same_v<T, std::string_view> || std::is_same_v<T, ByteView>) {
      size += string_field_size(value.size());
    } else if constexpr (std::is_same_v<T, UserProperty>) {
      size += string_field_size(value.name.size()) + string_field_size(value.value.size());
    } else {
      size += sizeof(T);
    }
  };
  for_each_property(p, add);
  return size;
}

namespace {

bool too_long(std::string_view s) { return s.size() > kMaxStringLength; }
bool too_long(ByteView b) { return b.size() > kMaxStringLength; }
bool too_long(const UserProperty& u) { return too_long(u.name) || too_long(u.value); }
template <class T>
bool too_long(const T&) {
  return false;
}

// The value rules read_properties() enforces, so what is sent decodes again.
bool values_valid(const Properties& p) {
  auto flag = [](const std::optional<std::uint8_t>& f) { return !f || *f <= 1; };
  auto nonzero = [](const auto& v) { return !v || *v != 0; };
  return flag(p.payload_format_indicator) && flag(p.request_problem_information) &&
         flag(p.request_response_information) && flag(p.maximum_qos) && flag(p.retain_available) &&
         flag(p.wildcard_subscription_available) && flag(p.subscription_identifier_available) &&
         flag(p.shared_subscription_available) && nonzero(p.receive_maximum) && nonzero(p.maximum_packet_size) &&
         nonzero(p.topic_alias) &&
         (!p.response_topic || (!p.response_topic->empty() && !has_wildcard(*p.response_topic))) &&
         (!p.authentication_data || p.authentication_method);
}

}  // namespace

core::Result<void, EncodeErrc> check_properties(const Properties& p, PropertyContext context) noexcept {
  std::optional<EncodeErrc> error;
  auto check = [&](PropertyId id, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    if (error) return;
    if (!property_allowed(id, context)) {
      error = EncodeErrc::kPropertyNotAllowed;
    } else if constexpr (std::is_same_v<T, VariableInt>) {
      if (value.value == 0 || value.value > kMaxVariableByteInteger) error = EncodeErrc::kInvalidValue;
    } else if (too_long(value)) {
      error = EncodeErrc::kStringTooLong;
    }
  };
  for_each_property(p, check);
  if (error) return core::fail(*error);
  if (context != PropertyContext::kPublish && p.subscription_identifiers.size() > 1) {
    return core::fail(EncodeErrc::kInvalidValue);
  }
  if (!values_valid(p)) return core::fail(EncodeErrc::kInvalidValue);
  return {};
}

void write_properties(Writer& out, const Properties& p, std::size_t size) noexcept {
  out.variable_int(static_cast<std::uint32_t>(size));
  auto write = [&out](PropertyId id, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    out.u8(static_cast<std::uint8_t>(id));
    if constexpr (std::is_same_v<T, VariableInt>) {
      out.variable_int(value.value);
    } else if constexpr (std::is_same_v<T, std::string_view>) {
      out.string(value);
    } else if constexpr (std::is_same_v<T, ByteView>) {
      out.binary(value);
    } else if constexpr (std::is_same_v<T, UserProperty>) {
      out.string(value.name);
      out.string(value.value);
    } else if constexpr (std::is_same_v<T, std::uint8_t>) {
      out.u8(value);
    } else if constexpr (std::is_same_v<T, std::uint16_t>) {
      out.u16(value);
    } else {
      static_assert(std::is_same_v<T, std::uint32_t>);
      out.u32(value);
    }
  };
  for_each_property(p, write);
}

}  // namespace roost::protocol
