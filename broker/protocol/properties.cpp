#include "protocol/properties.hpp"

#include <iterator>
#include <type_traits>
#include <utility>

#include "protocol/property_table.hpp"
#include "protocol/topic.hpp"
#include "protocol/utf8.hpp"
#include "protocol/wire.hpp"

namespace roost::protocol {

namespace detail {
namespace {

using P = Properties;
constexpr std::uint16_t kConnect = context_bit(PropertyContext::kConnect);
constexpr std::uint16_t kConnack = context_bit(PropertyContext::kConnack);
constexpr std::uint16_t kPublish = context_bit(PropertyContext::kPublish);
constexpr std::uint16_t kWill = context_bit(PropertyContext::kWill);
constexpr std::uint16_t kAcks = context_bit(PropertyContext::kPuback) | context_bit(PropertyContext::kPubrec) |
                                context_bit(PropertyContext::kPubrel) | context_bit(PropertyContext::kPubcomp) |
                                context_bit(PropertyContext::kSuback) | context_bit(PropertyContext::kUnsuback);
constexpr std::uint16_t kSubscribe = context_bit(PropertyContext::kSubscribe);
constexpr std::uint16_t kDisconnect = context_bit(PropertyContext::kDisconnect);
constexpr std::uint16_t kAuth = context_bit(PropertyContext::kAuth);
constexpr std::uint16_t kAll = 0x3FFF;
using T = PropertyType;
using I = PropertyId;

// Table 2-4 of the MQTT 5.0 specification.
constexpr PropertyEntry kTable[] = {
    {{I::kPayloadFormatIndicator, "Payload Format Indicator", T::kByte},
     kPublish | kWill,
     &P::payload_format_indicator},
    {{I::kMessageExpiryInterval, "Message Expiry Interval", T::kFourByteInteger},
     kPublish | kWill,
     nullptr,
     nullptr,
     &P::message_expiry_interval},
    {{I::kContentType, "Content Type", T::kUtf8String}, kPublish | kWill, nullptr, nullptr, nullptr, &P::content_type},
    {{I::kResponseTopic, "Response Topic", T::kUtf8String},
     kPublish | kWill,
     nullptr,
     nullptr,
     nullptr,
     &P::response_topic},
    {{I::kCorrelationData, "Correlation Data", T::kBinaryData},
     kPublish | kWill,
     nullptr,
     nullptr,
     nullptr,
     nullptr,
     &P::correlation_data},
    {{I::kSubscriptionIdentifier, "Subscription Identifier", T::kVariableByteInteger}, kPublish | kSubscribe},
    {{I::kSessionExpiryInterval, "Session Expiry Interval", T::kFourByteInteger},
     kConnect | kConnack | kDisconnect,
     nullptr,
     nullptr,
     &P::session_expiry_interval},
    {{I::kAssignedClientIdentifier, "Assigned Client Identifier", T::kUtf8String},
     kConnack,
     nullptr,
     nullptr,
     nullptr,
     &P::assigned_client_identifier},
    {{I::kServerKeepAlive, "Server Keep Alive", T::kTwoByteInteger}, kConnack, nullptr, &P::server_keep_alive},
    {{I::kAuthenticationMethod, "Authentication Method", T::kUtf8String},
     kConnect | kConnack | kAuth,
     nullptr,
     nullptr,
     nullptr,
     &P::authentication_method},
    {{I::kAuthenticationData, "Authentication Data", T::kBinaryData},
     kConnect | kConnack | kAuth,
     nullptr,
     nullptr,
     nullptr,
     nullptr,
     &P::authentication_data},
    {{I::kRequestProblemInformation, "Request Problem Information", T::kByte},
     kConnect,
     &P::request_problem_information},
    {{I::kWillDelayInterval, "Will Delay Interval", T::kFourByteInteger},
     kWill,
     nullptr,
     nullptr,
     &P::will_delay_interval},
    {{I::kRequestResponseInformation, "Request Response Information", T::kByte},
     kConnect,
     &P::request_response_information},
    {{I::kResponseInformation, "Response Information", T::kUtf8String},
     kConnack,
     nullptr,
     nullptr,
     nullptr,
     &P::response_information},
    {{I::kServerReference, "Server Reference", T::kUtf8String},
     kConnack | kDisconnect,
     nullptr,
     nullptr,
     nullptr,
     &P::server_reference},
    {{I::kReasonString, "Reason String", T::kUtf8String},
     kConnack | kAcks | kDisconnect | kAuth,
     nullptr,
     nullptr,
     nullptr,
     &P::reason_string},
    {{I::kReceiveMaximum, "Receive Maximum", T::kTwoByteInteger}, kConnect | kConnack, nullptr, &P::receive_maximum},
    {{I::kTopicAliasMaximum, "Topic Alias Maximum", T::kTwoByteInteger},
     kConnect | kConnack,
     nullptr,
     &P::topic_alias_maximum},
    {{I::kTopicAlias, "Topic Alias", T::kTwoByteInteger}, kPublish, nullptr, &P::topic_alias},
    {{I::kMaximumQoS, "Maximum QoS", T::kByte}, kConnack, &P::maximum_qos},
    {{I::kRetainAvailable, "Retain Available", T::kByte}, kConnack, &P::retain_available},
    {{I::kUserProperty, "User Property", T::kUtf8StringPair}, kAll},
    {{I::kMaximumPacketSize, "Maximum Packet Size", T::kFourByteInteger},
     kConnect | kConnack,
     nullptr,
     nullptr,
     &P::maximum_packet_size},
    {{I::kWildcardSubscriptionAvailable, "Wildcard Subscription Available", T::kByte},
     kConnack,
     &P::wildcard_subscription_available},
    {{I::kSubscriptionIdentifierAvailable, "Subscription Identifier Available", T::kByte},
     kConnack,
     &P::subscription_identifier_available},
    {{I::kSharedSubscriptionAvailable, "Shared Subscription Available", T::kByte},
     kConnack,
     &P::shared_subscription_available},
};

}  // namespace

std::span<const PropertyEntry> property_table() noexcept { return kTable; }

const PropertyEntry* find_entry(std::uint32_t id) noexcept {
  for (const PropertyEntry& e : kTable) {
    if (static_cast<std::uint32_t>(e.info.id) == id) return &e;
  }
  return nullptr;
}

std::optional<DecodeErrc> check_number(PropertyId id, PropertyType type, std::uint32_t value) noexcept {
  switch (id) {
    case PropertyId::kTopicAlias:
      if (value == 0) return DecodeErrc::kTopicAliasZero;  // [MQTT-3.3.2-8]
      return std::nullopt;
    case PropertyId::kReceiveMaximum:
    case PropertyId::kMaximumPacketSize:
    case PropertyId::kSubscriptionIdentifier:
      if (value == 0) return DecodeErrc::kInvalidPropertyValue;
      return std::nullopt;
    default:
      break;
  }
  if (type == PropertyType::kByte && value > 1) return DecodeErrc::kInvalidPropertyValue;
  return std::nullopt;
}

std::optional<DecodeErrc> check_text(PropertyId id, std::string_view value) noexcept {
  if (id == PropertyId::kResponseTopic && !is_valid_topic_name(value)) return DecodeErrc::kInvalidPropertyValue;
  return std::nullopt;
}

}  // namespace detail

using detail::context_bit;
using detail::find_entry;
using detail::property_table;
using detail::PropertyEntry;

const PropertyInfo* find_property(std::uint8_t id) noexcept {
  const PropertyEntry* e = find_entry(id);
  return e ? &e->info : nullptr;
}

bool property_allowed(PropertyId id, PropertyContext context) noexcept {
  const PropertyEntry* e = find_entry(static_cast<std::uint8_t>(id));
  return e != nullptr && (e->contexts & context_bit(context)) != 0;
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

namespace {

// Marks a Subscription Identifier for the visitors (the one Variable Byte Integer property).
struct VariableInt {
  std::uint32_t value;
};

// Calls visit(entry, value) if entry I's property is present in `p`. The
// entry is a compile-time constant, so this is one load and test per field.
template <std::size_t I, class Visitor>
void visit_entry(const Properties& p, Visitor& visit) {
  constexpr const PropertyEntry& kEntry = detail::kTable[I];
  if constexpr (kEntry.byte != nullptr) {
    if (p.*kEntry.byte) visit(kEntry, *(p.*kEntry.byte));
  } else if constexpr (kEntry.two != nullptr) {
    if (p.*kEntry.two) visit(kEntry, *(p.*kEntry.two));
  } else if constexpr (kEntry.four != nullptr) {
    if (p.*kEntry.four) visit(kEntry, *(p.*kEntry.four));
  } else if constexpr (kEntry.text != nullptr) {
    if (p.*kEntry.text) visit(kEntry, *(p.*kEntry.text));
  } else if constexpr (kEntry.binary != nullptr) {
    if (p.*kEntry.binary) visit(kEntry, *(p.*kEntry.binary));
  } else if constexpr (kEntry.info.id == PropertyId::kSubscriptionIdentifier) {
    for (const std::uint32_t id : p.subscription_identifiers) visit(kEntry, VariableInt{id});
  } else {
    static_assert(kEntry.info.id == PropertyId::kUserProperty);
    for (const UserProperty& u : p.user_properties) visit(kEntry, u);
  }
}

template <class Visitor, std::size_t... I>
void visit_entries(const Properties& p, Visitor& visit, std::index_sequence<I...>) {
  (visit_entry<I>(p, visit), ...);
}

// Calls visit(entry, value) for every present property, in identifier order;
// `value` has the property's wire type. Unrolled over the table at compile time.
template <class Visitor>
void for_each_property(const Properties& p, Visitor&& visit) {
  visit_entries(p, visit, std::make_index_sequence<std::size(detail::kTable)>{});
}

bool same_bytes(const std::optional<ByteView>& a, const std::optional<ByteView>& b) {
  return a.has_value() == b.has_value() && (!a || core::equal_bytes(*a, *b));
}

}  // namespace

bool Properties::empty() const noexcept {
  bool any = false;
  for_each_property(*this, [&any](const PropertyEntry&, const auto&) { any = true; });
  return !any;
}

bool operator==(const Properties& a, const Properties& b) noexcept {
  for (const PropertyEntry& e : property_table()) {
    if ((e.byte && a.*e.byte != b.*e.byte) || (e.two && a.*e.two != b.*e.two) || (e.four && a.*e.four != b.*e.four) ||
        (e.text && a.*e.text != b.*e.text) || (e.binary && !same_bytes(a.*e.binary, b.*e.binary))) {
      return false;
    }
  }
  return a.subscription_identifiers == b.subscription_identifiers && a.user_properties == b.user_properties;
}

std::size_t properties_size(const Properties& p) noexcept {
  std::size_t size = 0;
  for_each_property(p, [&size](const PropertyEntry&, const auto& value) {
    using V = std::decay_t<decltype(value)>;
    size += 1;  // identifier
    if constexpr (std::is_same_v<V, VariableInt>) {
      size += variable_int_size(value.value);
    } else if constexpr (std::is_same_v<V, std::string_view> || std::is_same_v<V, ByteView>) {
      size += string_field_size(value.size());
    } else if constexpr (std::is_same_v<V, UserProperty>) {
      size += string_field_size(value.name.size()) + string_field_size(value.value.size());
    } else {
      size += sizeof(V);
    }
  });
  return size;
}

namespace {

// Why `s` cannot be sent as a UTF-8 string field, if it cannot.
std::optional<EncodeErrc> string_problem(std::string_view s, bool check_contents) {
  if (s.size() > kMaxStringLength) return EncodeErrc::kStringTooLong;
  if (check_contents && check_utf8(s) != Utf8Status::kValid) return EncodeErrc::kInvalidUtf8;
  return std::nullopt;
}

// Why a property's value cannot be sent, if it cannot; one overload per wire type.
std::optional<EncodeErrc> value_problem(const PropertyEntry& e, std::string_view s, bool check_contents) {
  if (auto problem = string_problem(s, check_contents)) return problem;
  if (check_contents && detail::check_text(e.info.id, s)) return EncodeErrc::kInvalidValue;
  return std::nullopt;
}

std::optional<EncodeErrc> value_problem(const PropertyEntry&, const UserProperty& u, bool check_contents) {
  if (auto problem = string_problem(u.name, check_contents)) return problem;
  return string_problem(u.value, check_contents);
}

std::optional<EncodeErrc> value_problem(const PropertyEntry&, ByteView b, bool) {
  if (b.size() > kMaxStringLength) return EncodeErrc::kStringTooLong;
  return std::nullopt;
}

std::optional<EncodeErrc> value_problem(const PropertyEntry& e, VariableInt v, bool) {
  if (v.value > kMaxVariableByteInteger || detail::check_number(e.info.id, e.info.type, v.value)) {
    return EncodeErrc::kInvalidValue;
  }
  return std::nullopt;
}

template <class Number>
std::optional<EncodeErrc> value_problem(const PropertyEntry& e, Number n, bool) {
  if (detail::check_number(e.info.id, e.info.type, n)) return EncodeErrc::kInvalidValue;
  return std::nullopt;
}

}  // namespace

core::Result<void, EncodeErrc> check_properties(const Properties& p, PropertyContext context,
                                                bool check_strings) noexcept {
  std::optional<EncodeErrc> error;
  for_each_property(p, [&](const PropertyEntry& e, const auto& value) {
    if (error) return;
    if ((e.contexts & context_bit(context)) == 0) {
      error = EncodeErrc::kPropertyNotAllowed;
    } else {
      error = value_problem(e, value, check_strings);
    }
  });
  if (error) return core::fail(*error);
  if (context != PropertyContext::kPublish && p.subscription_identifiers.size() > 1) {
    return core::fail(EncodeErrc::kInvalidValue);
  }
  if (p.authentication_data && !p.authentication_method) return core::fail(EncodeErrc::kInvalidValue);
  return {};
}

Properties forwardable(const Properties& p) {
  Properties out;
  out.payload_format_indicator = p.payload_format_indicator;
  out.content_type = p.content_type;
  out.response_topic = p.response_topic;
  out.correlation_data = p.correlation_data;
  out.user_properties = p.user_properties;
  return out;
}

void write_properties(Writer& out, const Properties& p, std::size_t size) noexcept {
  out.variable_int(static_cast<std::uint32_t>(size));
  write_property_list(out, p);
}

void write_property_list(Writer& out, const Properties& p) noexcept {
  for_each_property(p, [&out](const PropertyEntry& e, const auto& value) {
    using V = std::decay_t<decltype(value)>;
    out.u8(static_cast<std::uint8_t>(e.info.id));
    if constexpr (std::is_same_v<V, VariableInt>) {
      out.variable_int(value.value);
    } else if constexpr (std::is_same_v<V, std::string_view>) {
      out.string(value);
    } else if constexpr (std::is_same_v<V, ByteView>) {
      out.binary(value);
    } else if constexpr (std::is_same_v<V, UserProperty>) {
      out.string(value.name);
      out.string(value.value);
    } else if constexpr (std::is_same_v<V, std::uint8_t>) {
      out.u8(value);
    } else if constexpr (std::is_same_v<V, std::uint16_t>) {
      out.u16(value);
    } else {
      static_assert(std::is_same_v<V, std::uint32_t>);
      out.u32(value);
    }
  });
}

}  // namespace roost::protocol
