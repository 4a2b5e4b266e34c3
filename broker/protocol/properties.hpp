#pragma once
// MQTT 5.0 properties ([MQTT-2.2.2], table 2-4): one typed struct for every
// packet, a table of which packet may carry which property, and the codec.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocol/errors.hpp"
#include "protocol/types.hpp"

namespace roost::protocol {

class Reader;
class Writer;
using core::ByteView;

enum class PropertyId : std::uint8_t {
  kPayloadFormatIndicator = 0x01,
  kMessageExpiryInterval = 0x02,
  kContentType = 0x03,
  kResponseTopic = 0x08,
  kCorrelationData = 0x09,
  kSubscriptionIdentifier = 0x0B,
  kSessionExpiryInterval = 0x11,
  kAssignedClientIdentifier = 0x12,
  kServerKeepAlive = 0x13,
  kAuthenticationMethod = 0x15,
  kAuthenticationData = 0x16,
  kRequestProblemInformation = 0x17,
  kWillDelayInterval = 0x18,
  kRequestResponseInformation = 0x19,
  kResponseInformation = 0x1A,
  kServerReference = 0x1C,
  kReasonString = 0x1F,
  kReceiveMaximum = 0x21,
  kTopicAliasMaximum = 0x22,
  kTopicAlias = 0x23,
  kMaximumQoS = 0x24,
  kRetainAvailable = 0x25,
  kUserProperty = 0x26,
  kMaximumPacketSize = 0x27,
  kWildcardSubscriptionAvailable = 0x28,
  kSubscriptionIdentifierAvailable = 0x29,
  kSharedSubscriptionAvailable = 0x2A,
};

// Where a property list sits: a packet type, or the Will Properties of CONNECT.
enum class PropertyContext : std::uint8_t {
  kConnect,
  kConnack,
  kPublish,
  kWill,
  kPuback,
  kPubrec,
  kPubrel,
  kPubcomp,
  kSubscribe,
  kSuback,
  kUnsubscribe,
  kUnsuback,
  kDisconnect,
  kAuth,
};

enum class PropertyType : std::uint8_t {
  kByte,
  kTwoByteInteger,
  kFourByteInteger,
  kVariableByteInteger,
  kUtf8String,
  kBinaryData,
  kUtf8StringPair,
};

struct PropertyInfo {
  PropertyId id;
  std::string_view name;
  PropertyType type;
};

// The spec's name and type of `id`, or nothing for an unknown identifier.
const PropertyInfo* find_property(std::uint8_t id) noexcept;

// True when a packet of `context` may carry property `id` (table 2-4).
bool property_allowed(PropertyId id, PropertyContext context) noexcept;

// The context of a packet's own property list.
PropertyContext property_context(PacketType type) noexcept;

struct UserProperty {
  std::string_view name;
  std::string_view value;
  friend bool operator==(const UserProperty&, const UserProperty&) = default;
};

// Every property a packet carries; a field is set iff the property is present.
// Strings and binary data are views into the packet's bytes (see Packet::backing).
// Which fields a packet may set is checked by the codec against the table above.
struct Properties {
  std::optional<std::uint8_t> payload_format_indicator;
  std::optional<std::uint32_t> message_expiry_interval;
  std::optional<std::string_view> content_type;
  std::optional<std::string_view> response_topic;
  std::optional<ByteView> correlation_data;
  std::vector<std::uint32_t> subscription_identifiers;  // at most one except server->client PUBLISH
  std::optional<std::uint32_t> session_expiry_interval;
  std::optional<std::string_view> assigned_client_identifier;
  std::optional<std::uint16_t> server_keep_alive;
  std::optional<std::string_view> authentication_method;
  std::optional<ByteView> authentication_data;
  std::optional<std::uint8_t> request_problem_information;
  std::optional<std::uint32_t> will_delay_interval;
  std::optional<std::uint8_t> request_response_information;
  std::optional<std::string_view> response_information;
  std::optional<std::string_view> server_reference;
  std::optional<std::string_view> reason_string;
  std::optional<std::uint16_t> receive_maximum;
  std::optional<std::uint16_t> topic_alias_maximum;
  std::optional<std::uint16_t> topic_alias;
  std::optional<std::uint8_t> maximum_qos;
  std::optional<std::uint8_t> retain_available;
  std::vector<UserProperty> user_properties;  // in wire order
  std::optional<std::uint32_t> maximum_packet_size;
  std::optional<std::uint8_t> wildcard_subscription_available;
  std::optional<std::uint8_t> subscription_identifier_available;
  std::optional<std::uint8_t> shared_subscription_available;

  bool empty() const noexcept;
  friend bool operator==(const Properties& a, const Properties& b) noexcept;
};

// Reads a property length and the property list that follows
// ([MQTT-2.2.2]), validating identifiers, duplicates and values for `context`.
// `sender` is the side that sent the packet. More than
// `maximum_user_properties` User Properties fail with kTooManyUserProperties.
void read_properties(Reader& in, PropertyContext context, Role sender, std::size_t maximum_user_properties,
                     Properties& out);

// Bytes the property list of `p` takes, without its length prefix.
std::size_t properties_size(const Properties& p) noexcept;

// Checks that `p` sets only properties `context` may carry, with values the
// receiver accepts. `check_strings`: also validate string contents (UTF-8,
// a Response Topic's syntax); false for strings that came from a decoder.
core::Result<void, EncodeErrc> check_properties(const Properties& p, PropertyContext context,
                                                bool check_strings) noexcept;

// Writes the property length and list; `size` is properties_size(p).
void write_properties(Writer& out, const Properties& p, std::size_t size) noexcept;

// Writes the list alone, without the length (properties_size(p) bytes).
void write_property_list(Writer& out, const Properties& p) noexcept;

// The properties a server passes on unchanged from a PUBLISH to its
// subscribers [MQTT-3.3.2-18]: Payload Format Indicator, Content Type,
// Response Topic, Correlation Data and the User Properties in order. (Message
// Expiry is adjusted per delivery; Topic Alias and Subscription Identifiers
// belong to one connection.)
Properties forwardable(const Properties& p);

}  // namespace roost::protocol
