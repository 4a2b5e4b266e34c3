#pragma once
// Every way a packet can fail to decode, and what the spec says each means.
//
// One place maps a failure to its MQTT 5.0 reason code (Malformed Packet,
// Protocol Error, or a more specific code). For 3.1 and 3.1.1 every failure
// closes the connection; a CONNECT failure with a CONNACK equivalent (bad
// protocol level, rejected client identifier) is answered first.

#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/reason_code.hpp"
#include "protocol/types.hpp"

namespace roost::protocol {

enum class DecodeErrc : std::uint8_t {
  // Framing.
  kReservedPacketType,         // packet type 0, or 15 before 5.0
  kReservedFlags,              // fixed-header flags not as the spec fixes them [MQTT-2.1.3-1]
  kRemainingLengthTooLong,     // more than 4 bytes of remaining length [MQTT-1.5.5]
  kNonMinimalVariableInteger,  // 5.0: a longer encoding than needed [MQTT-1.5.5-1]
  kPacketTooLarge,             // above the receiver's Maximum Packet Size [MQTT-3.1.2-24]
  kFirstPacketNotConnect,      // [MQTT-3.1.0-1]
  kUnexpectedPacket,           // a packet this side never receives, e.g. CONNACK at a server
  kTruncated,                  // the remaining length ends inside a field
  kTrailingBytes,              // bytes left after the packet's last field
  // Strings.
  kInvalidUtf8,        // [MQTT-1.5.4-1]
  kUtf8NullCharacter,  // [MQTT-1.5.4-2]
  // Properties (5.0).
  kPropertyLengthOverflow,            // property length runs past the packet
  kUnknownProperty,                   // no such property identifier [MQTT-2.2.2]
  kPropertyNotAllowed,                // a property this packet may not carry [MQTT-2.2.2]
  kDuplicateProperty,                 // a property that may appear once, twice
  kInvalidPropertyValue,              // e.g. Receive Maximum 0, a boolean that is not 0 or 1
  kSubscriptionIdentifierFromClient,  // [MQTT-3.3.4-6]
  kPropertyNotAllowedFromSender,      // Session Expiry in a server's DISCONNECT [MQTT-3.14.2-2]
  kAuthenticationDataWithoutMethod,   // Authentication Data needs a method (5.0 section 3.1.2.11.10)
  kMissingAuthenticationMethod,       // AUTH without Authentication Method
  kTooManyUserProperties,             // above the receiver's limit (not a spec rule: a resource bound)
  // CONNECT.
  kProtocolNameInvalid,         // neither "MQTT" nor "MQIsdp" [MQTT-3.1.2-1]
  kUnsupportedProtocolVersion,  // level not 3/4/5, or not matching the name [MQTT-3.1.2-2]
  kConnectReservedFlag,         // [MQTT-3.1.2-3]
  kWillFlagsWithoutWill,        // Will QoS or Will Retain without the Will Flag [MQTT-3.1.2-11]
  kWillQoSInvalid,              // Will QoS 3 [MQTT-3.1.2-12]
  kPasswordWithoutUsername,     // 3.1.1 only [MQTT-3.1.2-22]
  kClientIdentifierRejected,    // empty id without clean session, 3.1.1 [MQTT-3.1.3-8]
  kSecondConnect,               // CONNECT on a connection that already sent one [MQTT-3.1.0-2]
  // CONNACK.
  kConnackReservedFlags,     // [MQTT-3.2.2-1]
  kSessionPresentWithError,  // [MQTT-3.2.2-6] (3.1.1: [MQTT-3.2.2-4])
  kInvalidReasonCode,        // a reason or return code the packet may not carry
  // PUBLISH and the packet identifier.
  kQoSInvalid,            // QoS 3 in PUBLISH [MQTT-3.3.1-4]
  kDupWithQoS0,           // [MQTT-3.3.1-2]
  kPacketIdentifierZero,  // [MQTT-2.2.1-3]
  kTopicNameEmpty,        // 3.x always; 5.0 without a Topic Alias [MQTT-4.7.3-1]
  kTopicNameWildcard,     // [MQTT-3.3.2-2]
  kTopicAliasZero,        // [MQTT-3.3.2-8]
  // SUBSCRIBE / UNSUBSCRIBE.
  kNoTopicFilters,               // [MQTT-3.8.3-2], [MQTT-3.10.3-2] (3.1.1: [MQTT-3.8.3-3])
  kTopicFilterInvalid,           // wildcards misplaced, empty [MQTT-4.7.1-1], [MQTT-4.7.1-2]
  kSharedSubscriptionInvalid,    // $share/{name}/{filter} ill-formed [MQTT-4.8.2-1], [MQTT-4.8.2-2]
  kSubscriptionOptionsReserved,  // reserved bits set [MQTT-3.8.3-5]
  kSubscriptionQoSInvalid,       // maximum QoS 3 [MQTT-3.8.3-4]
  kRetainHandlingInvalid,        // Retain Handling 3
  kNoLocalOnSharedSubscription,  // [MQTT-3.8.3-4]
  kNoReasonCodes,                // SUBACK/UNSUBACK with an empty payload
};

struct DecodeError {
  DecodeErrc code;
  PacketType packet_type;  // the packet being decoded; kConnect when unknown before CONNECT
};

// The MQTT 5.0 reason code a decode failure carries.
ReasonCode reason_code(DecodeErrc code) noexcept;

// A short human description, with the spec clause, for log lines.
std::string_view to_string(DecodeErrc code) noexcept;

// What a server does about a decode failure, in one place: close at once,
// answer the CONNECT with a CONNACK and close, or send DISCONNECT and close.
struct FailureResponse {
  enum Action : std::uint8_t { kClose, kConnackThenClose, kDisconnectThenClose };
  Action action = kClose;
  ReasonCode reason = ReasonCode::kSuccess;  // for CONNACK/DISCONNECT (3.x: to_v3_connack_code)
  std::optional<ProtocolVersion> version;    // the layout to answer in
};

// `version`: the Decoder's version() after the failure (known once a CONNECT's
// protocol level was read). `connack_sent`: whether the connection was accepted.
FailureResponse failure_response(const DecodeError& error, std::optional<ProtocolVersion> version,
                                 bool connack_sent) noexcept;

// Errors in building a packet to send (values out of the wire format's range,
// or a packet that the negotiated version does not have).
enum class EncodeErrc : std::uint8_t {
  kNotInVersion,        // e.g. AUTH, or DISCONNECT from a server, in 3.1.1
  kStringTooLong,       // a string or binary field over 65 535 bytes
  kPacketTooLarge,      // remaining length over 268 435 455
  kInvalidValue,        // QoS 3, packet identifier 0 where one is required, ...
  kPropertyNotAllowed,  // a property the packet may not carry
  kInvalidUtf8,         // a string that is not well-formed UTF-8, or holds U+0000
  kInvalidTopic,        // a topic name or filter the receiver would refuse
};

std::string_view to_string(EncodeErrc code) noexcept;

}  // namespace roost::protocol
