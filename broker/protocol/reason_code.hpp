#pragma once
// Every MQTT 5.0 reason code ([MQTT-2.4], table 2-6), which packets may carry
// it, and how the 5.0 codes map to the 3.1/3.1.1 CONNACK return codes.

#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/types.hpp"

namespace roost::protocol {

enum class ReasonCode : std::uint8_t {
  kSuccess = 0x00,  // also Normal disconnection and Granted QoS 0
  kGrantedQoS1 = 0x01,
  kGrantedQoS2 = 0x02,
  kDisconnectWithWillMessage = 0x04,
  kNoMatchingSubscribers = 0x10,
  kNoSubscriptionExisted = 0x11,
  kContinueAuthentication = 0x18,
  kReAuthenticate = 0x19,
  kUnspecifiedError = 0x80,
  kMalformedPacket = 0x81,
  kProtocolError = 0x82,
  kImplementationSpecificError = 0x83,
  kUnsupportedProtocolVersion = 0x84,
  kClientIdentifierNotValid = 0x85,
  kBadUserNameOrPassword = 0x86,
  kNotAuthorized = 0x87,
  kServerUnavailable = 0x88,
  kServerBusy = 0x89,
  kBanned = 0x8A,
  kServerShuttingDown = 0x8B,
  kBadAuthenticationMethod = 0x8C,
  kKeepAliveTimeout = 0x8D,
  kSessionTakenOver = 0x8E,
  kTopicFilterInvalid = 0x8F,
  kTopicNameInvalid = 0x90,
  kPacketIdentifierInUse = 0x91,
  kPacketIdentifierNotFound = 0x92,
  kReceiveMaximumExceeded = 0x93,
  kTopicAliasInvalid = 0x94,
  kPacketTooLarge = 0x95,
  kMessageRateTooHigh = 0x96,
  kQuotaExceeded = 0x97,
  kAdministrativeAction = 0x98,
  kPayloadFormatInvalid = 0x99,
  kRetainNotSupported = 0x9A,
  kQoSNotSupported = 0x9B,
  kUseAnotherServer = 0x9C,
  kServerMoved = 0x9D,
  kSharedSubscriptionsNotSupported = 0x9E,
  kConnectionRateExceeded = 0x9F,
  kMaximumConnectTime = 0xA0,
  kSubscriptionIdentifiersNotSupported = 0xA1,
  kWildcardSubscriptionsNotSupported = 0xA2,
};

// The spec's name of the code, e.g. "Malformed Packet".
std::string_view to_string(ReasonCode code) noexcept;

// True for codes 0x80 and above.
constexpr bool is_failure(ReasonCode code) noexcept { return static_cast<std::uint8_t>(code) >= 0x80; }

// True when `code` is one of the codes `type` may carry in MQTT 5.0 ([MQTT-2.4] table 2-6).
bool is_valid_for(ReasonCode code, PacketType type) noexcept;

// True when `sender` may use `code` in a packet of `type`. DISCONNECT and AUTH
// restrict some codes to one side (tables 3-10 and 3-11: 0x04 and 0x19 only
// from a client; 0x00 in AUTH and most DISCONNECT failures only from a server);
// for the other packets the direction follows from the packet type.
bool may_send_reason(ReasonCode code, PacketType type, Role sender) noexcept;

// The MQTT 3.1/3.1.1 CONNACK return code (0-5) that expresses `code`
// (3.1.1 table 3.1): Unsupported Protocol Version -> 1, Client Identifier not
// valid -> 2, server unavailable, busy, moved or rate-limited -> 3, bad user
// name, password or authentication method -> 4, not authorized or banned -> 5.
// Nothing for the rest (Malformed Packet, Protocol Error, ...): "if none of the
// return codes are deemed applicable" the server closes without a CONNACK
// [MQTT-3.2.2-6].
std::optional<std::uint8_t> to_v3_connack_code(ReasonCode code) noexcept;

// The reason code for a 3.x CONNACK return code, or nothing for codes above 5.
std::optional<ReasonCode> from_v3_connack_code(std::uint8_t return_code) noexcept;

}  // namespace roost::protocol
